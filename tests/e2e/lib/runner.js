// The job runner, seen from a test: enqueue 'test.note' tasks (a server started with
// --test-clock has the routes), read them back, and the signal that every runner has been
// round since a given moment.
import { eventually } from './wait.js';

const post = (body) => ({
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

/** Enqueues a 'test.note' task on server s; its id. */
export async function enqueueNote(s, body) {
  const r = await s.fetch('/api/v1/test/tasks', post(body));
  if (r.status !== 201) throw new Error(`POST /api/v1/test/tasks: ${r.status} ${await r.text()}`);
  return (await r.json()).id;
}

/** A task as GET /api/v1/test/tasks/{id} shows it. */
export async function taskOf(s, id) {
  return (await s.fetch(`/api/v1/test/tasks/${id}`)).json();
}

/** The first number a /metrics line matching re gives (0 when there is no such line). */
export async function metric(s, re) {
  const text = await (await s.fetch('/metrics')).text();
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
}

const NOTES_DONE = /oblako_jobs_total\{kind="task",name="test.note",result="done"\} (\d+)/;

/**
 * Resolves once the job runner of each of the servers has finished a 'test.note' task
 * enqueued after the call: the signal for never() that a runner would have done a thing
 * by now. A runner is one thread that claims the oldest due task first, so by then it has
 * finished whatever it was doing before the call, and any older task it could claim (one
 * that is final, or whose kind is shut on that node) it would have claimed first. Markers
 * go to the servers in turn, one at a time, until each runner has done one.
 */
export async function runnersPassed(servers, { timeout = 30_000 } = {}) {
  const before = await Promise.all(servers.map((s) => metric(s, NOTES_DONE)));
  let marker = null;
  let turn = 0;
  await eventually(async () => {
    const now = await Promise.all(servers.map((s) => metric(s, NOTES_DONE)));
    if (now.every((n, i) => n > before[i])) return true;
    if (marker === null || (await taskOf(servers[0], marker)).state === 'done') {
      marker = await enqueueNote(servers[turn++ % servers.length], { note: 'marker' });
    }
    return false;
  }, { what: `each of ${servers.length} job runners to finish a marker task`, timeout, interval: 50 });
}
