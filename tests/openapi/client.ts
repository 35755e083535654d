// A partner developer's client of Oblako, written against the types that
// openapi-typescript generates from docs/openapi.yaml. tests/openapi/check.sh
// generates oblako.d.ts next to a copy of this file and type-checks both
// (tsc --noEmit --strict); nothing here runs. It fails when the description
// stops giving a generator what it needs: an operation without its
// operationId, a schema or a member renamed or retyped, a body or an answer
// that is no longer JSON.
import type { components, operations } from './oblako';

type Schemas = components['schemas'];
type Problem = Schemas['Problem'];

// The JSON of a request body or of a response, by operationId.
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Body<Id extends keyof operations> = Json<NonNullable<operations[Id]['requestBody']>>;
type Answer<Id extends keyof operations, Status extends keyof operations[Id]['responses']> = Json<
  operations[Id]['responses'][Status]
>;
type PathId<Id extends keyof operations> = operations[Id]['parameters'] extends {
  path: { id: infer T };
}
  ? T
  : never;

export class OblakoError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
  }
}

// One method per operation the examples below use, named by its operationId.
export class Oblako {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (key !== undefined) headers['idempotency-key'] = key;
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!res.ok) throw new OblakoError((await res.json()) as Problem);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  listPartners(): Promise<Answer<'listPartners', 200>> {
    return this.call('GET', '/api/v1/partners');
  }

  listSubscribers(): Promise<Answer<'listSubscribers', 200>> {
    return this.call('GET', '/api/v1/subscribers');
  }

  quoteSubscription(body: Body<'quoteSubscription'>): Promise<Answer<'quoteSubscription', 200>> {
    return this.call('POST', '/api/v1/subscriptions/quote', body);
  }

  createSubscription(
    body: Body<'createSubscription'>,
    key: string,
  ): Promise<Answer<'createSubscription', 201>> {
    return this.call('POST', '/api/v1/subscriptions', body, key);
  }

  getSubscriberEntitlement(
    id: PathId<'getSubscriberEntitlement'>,
    at?: string,
  ): Promise<Answer<'getSubscriberEntitlement', 200>> {
    const q = at === undefined ? '' : `?at=${encodeURIComponent(at)}`;
    return this.call('GET', `/api/v1/subscribers/${id}/entitlement${q}`);
  }

  openSession(body: Body<'openSession'>): Promise<Answer<'openSession', 201>> {
    return this.call('POST', '/api/v1/sessions', body);
  }

  closeSession(id: PathId<'closeSession'>): Promise<void> {
    return this.call('DELETE', `/api/v1/sessions/${id}`);
  }
}

// What a partner's integration does: sell a year of a tariff to each of its
// clients that has none in force, then open a session for one of them.
export async function renewAll(api: Oblako, tariff: string): Promise<string[]> {
  const done: string[] = [];
  const page = await api.listSubscribers();
  for (const s of page.items ?? []) {
    if (s.id === undefined) continue;
    const ent = await api.getSubscriberEntitlement(s.id);
    if ((ent.in_force ?? []).length > 0) continue;
    const order: Body<'createSubscription'> = {
      subscriber: s.id,
      kind: 'main',
      tariff,
      term_months: 12,
    };
    const sub = await api.createSubscription(order, `renew-${s.id}`);
    const through: string | undefined = sub.through;
    done.push(`${s.name ?? ''}: through ${through ?? '?'}`);
  }
  return done;
}

export async function launch(api: Oblako, area: number): Promise<string> {
  try {
    const session = await api.openSession({ area });
    const id: number | undefined = session.id;
    if (id !== undefined) await api.closeSession(id);
    return session.launch_url;
  } catch (e) {
    if (e instanceof OblakoError && e.problem.code === 'limit_exceeded') return '';
    throw e;
  }
}

export async function partnerNames(api: Oblako): Promise<string[]> {
  const page = await api.listPartners();
  const next: string | null | undefined = page.next;
  return (page.items ?? []).map((p: Schemas['Partner']) => `${p.id ?? 0} ${p.state ?? ''}`).concat(
    next ? [next] : [],
  );
}
