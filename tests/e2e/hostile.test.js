// Hostile connections: one address cannot take every connection, a request
// head must be complete in time, per-address limits key on the client behind a
// trusted proxy (and on the peer otherwise), a long query string and ambiguous
// body framing are answered at once, a request counts as done however it ends,
// and Origin is compared by scheme, host and port. Runs on both engines.
//
// The slow connections come from 127.0.0.2 (Linux routes all of 127/8 to
// loopback), the well-behaved client from 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startServer } from './lib/server.js';
import { Client, provisionedDb } from './lib/session.js';
import { eventually } from './lib/wait.js';

const portOf = (s) => Number(new URL(s.url).port);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends raw bytes; resolves with {status, head, body, ms} once a whole answer
 * (by Content-Length) is in or the server closes, or {timedOut} after timeoutMs. */
function raw(port, text, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let got = Buffer.alloc(0);
    let done = false;
    const c = net.connect({ host: '127.0.0.1', port }, () => c.write(text));
    const finish = (extra = {}) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      c.destroy();
      const s = got.toString('latin1');
      const end = s.indexOf('\r\n\r\n');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(s);
      resolve({ status: m ? Number(m[1]) : 0, head: end >= 0 ? s.slice(0, end) : s,
        body: end >= 0 ? s.slice(end + 4) : '', ms: Date.now() - t0, ...extra });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    c.on('data', (d) => {
      got = Buffer.concat([got, d]);
      const s = got.toString('latin1');
      const end = s.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: *(\d+)/i.exec(s.slice(0, end));
      if (end >= 0 && len && got.length >= end + 4 + Number(len[1])) finish();
    });
    c.on('error', () => finish());
    c.on('close', () => finish());
  });
}

async function metric(s, re) {
  const text = await (await s.fetch('/metrics')).text();
  const m = re.exec(text);
  assert.ok(m, `${re} not in /metrics:\n${text}`);
  return Number(m[1]);
}

/** oblako_http_in_flight once it has fallen to 1 (the /metrics request itself), or after 5 s. */
async function inFlight(s) {
  return eventually(async () => {
    const n = await metric(s, /oblako_http_in_flight (\d+)/);
    assert.equal(n, 1, `${n} requests in flight`);
    return n;
  }, { what: 'nothing in flight but the /metrics request', timeout: 5000 });
}

/** GET /healthz on a fresh connection from 127.0.0.1; {status, ms} or {error}. */
function healthz(port, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ error: e.message, ms: Date.now() - t0 }));
  });
}

test('1,000 slow connections from one address: it keeps its cap, other clients are answered, slow heads are cut at the deadline', async (t) => {
  const N = 1000;
  const CAP = 64;
  const HEAD_S = 2;
  const s = await startServer({
    jobs: false, args: ['--per-address-connections', String(CAP), '--head-timeout-seconds', String(HEAD_S)],
  });
  const port = portOf(s);
  const socks = [];
  let polling = true;
  let poller;
  try {
    // The well-behaved client asks for /healthz all along, a new connection each time.
    const answers = [];
    poller = (async () => {
      while (polling) {
        answers.push(await healthz(port, 10_000));
        await sleep(100); // the pace of an ordinary client, not a wait for anything
      }
    })();
    await eventually(() => answers.length > 0, { what: 'a first answer to the well-behaved client' });

    // Each slow client sends a partial head, then one header line every 300 ms:
    // never idle, never done.
    let closed = 0;
    await Promise.all(Array.from({ length: N }, () => new Promise((resolve) => {
      // Timed from before the connect: the server's clock starts later, at accept, so a
      // lifetime measured here is never shorter than the one the deadline applies to.
      const rec = { opened: Date.now(), closed: 0 };
      const c = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
      rec.c = c;
      socks.push(rec);
      c.on('connect', () => {
        c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
        rec.drip = setInterval(() => c.write('X-Slow: 1\r\n'), 300);
        resolve();
      });
      c.on('error', () => {});
      c.on('close', () => {
        clearInterval(rec.drip);
        rec.closed = Date.now();
        closed++;
        resolve();
      });
    })));

    // Past the cap, connections are shut at once.
    await eventually(() => closed >= N - CAP, {
      what: `all but at most ${CAP} of ${N} slow connections shut`, timeout: 15_000, interval: 50,
    });
    const settled = Date.now();
    const kept = socks.filter((r) => !r.closed);
    assert.ok(kept.length <= CAP, `${kept.length} slow connections from one address stayed open`);

    // The ones within the cap are cut at the head deadline, not before, though they never idle.
    await eventually(() => {
      assert.equal(N - closed, 0, 'slow heads still open');
      return true;
    }, { what: 'every slow head cut', timeout: (HEAD_S + 10) * 1000, interval: 50 });
    polling = false;
    await poller;
    const lives = kept.map((r) => r.closed - r.opened);
    for (const ms of lives) assert.ok(ms >= HEAD_S * 1000, `a slow head was cut after ${ms} ms, before the ${HEAD_S} s deadline`);

    // Every refusal and every cut is counted: each slow connection is one or the other.
    const perAddress = await metric(s, /oblako_http_connections_cut_total\{reason="per_address"\} (\d+)/);
    const late = await metric(s, /oblako_http_connections_cut_total\{reason="head_timeout"\} (\d+)/);
    assert.equal(perAddress + late, N);
    assert.ok(late <= CAP);

    const failed = answers.filter((a) => a.status !== 200);
    assert.deepEqual(failed, [], 'every /healthz from 127.0.0.1 is answered');
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
    t.diagnostic(`/healthz from 127.0.0.1 under ${N} slow connections: ${answers.length} answers, ` +
      `median ${ms[ms.length >> 1]} ms, max ${ms[ms.length - 1]} ms`);
    t.diagnostic(`${N - kept.length} shut at once (settled ${settled - Math.min(...socks.map((r) => r.opened))} ms after the first connect); ` +
      `${kept.length} kept, cut after ${Math.min(...lives)}–${Math.max(...lives)} ms (deadline ${HEAD_S} s)`);
  } finally {
    polling = false;
    for (const r of socks) {
      clearInterval(r.drip);
      r.c.destroy();
    }
    await poller;
    assert.equal(await s.stop(), 0);
  }
});

/** A failed sign-in from localAddress, via raw HTTP so any X-Forwarded-For goes out as given. */
function signIn(port, email, forwardedFor, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ email, password: 'wrong-password' });
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
    const req = http.request({
      host: '127.0.0.1', port, localAddress, method: 'POST', path: '/api/v1/auth/login', headers, agent: false,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('per-address limits key on the client: two behind a trusted proxy are limited apart, a spoofed X-Forwarded-For from elsewhere counts for nothing', async () => {
  // 127.0.0.1 is the load balancer; 127.0.0.2 is a client that is not.
  const s = await startServer({ jobs: false, args: ['--trusted-proxies', '10.0.0.0/8, 127.0.0.1'] });
  try {
    const port = portOf(s);
    // 30 failures per address in 15 minutes; distinct emails keep the per-account limit
    // (5) out of it. The two series run side by side: each failure costs a password hash.
    const failures = async (series) => {
      for (let i = 0; i < 30; i++) assert.equal(await series(i), 401, `failure ${i + 1}`);
    };
    await Promise.all([
      failures((i) => signIn(port, `a${i}@example.test`, '203.0.113.1')),
      failures((i) => signIn(port, `c${i}@example.test`, `203.0.113.${100 + i}`, '127.0.0.2')),
    ]);
    assert.equal(await signIn(port, 'a-last@example.test', '203.0.113.1'), 429, 'the first client behind the proxy is limited');
    assert.equal(await signIn(port, 'b0@example.test', '203.0.113.2'), 401, 'the second is not');
    // What a client wrote left of what the proxy appended counts for nothing.
    assert.equal(await signIn(port, 'b1@example.test', '198.51.100.9, 203.0.113.1'), 429);
    // A peer that is no trusted proxy is limited by its own address, whatever it claims.
    assert.equal(await signIn(port, 'c-last@example.test', '203.0.113.250', '127.0.0.2'), 429);
    const line = await s.waitForLog((e) => e.msg === 'request' && e.addr === '203.0.113.2');
    assert.equal(line.status, 401);
    assert.ok(!s.logs.some((e) => e.msg === 'request' && /^203\.0\.113\.(1\d\d|250)$/.test(e.addr)),
      'no request is logged under an address a non-proxy claimed');
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('a query of 2,000 "&" is answered 400 at once; a URI past the buffer 414', async () => {
  const s = await startServer({ jobs: false });
  try {
    const port = portOf(s);
    const r = await raw(port, `GET /healthz?${'&'.repeat(2000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.ok(!r.timedOut, `no answer in ${r.ms} ms`);
    assert.equal(r.status, 400);
    assert.match(r.head, /\r\ncontent-type: application\/problem\+json/i);
    assert.equal(JSON.parse(r.body).code, 'invalid');
    const many = await raw(port, `GET /api/v1/nope?${'a=1&'.repeat(600)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(many.status, 400);
    assert.match(JSON.parse(many.body).detail, /more than 32 arguments/);
    const long = await raw(port, `GET /healthz?a=${'b'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(long.status, 414);
    assert.equal(await inFlight(s), 1, 'nothing left in flight');
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('a body two readers could delimit differently is refused 400 and changes nothing', async () => {
  const s = await startServer({ jobs: false });
  try {
    const port = portOf(s);
    const body = '{"advance":3600}';
    const head = 'POST /api/v1/test/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
    const cases = {
      'two Content-Length': `${head}Content-Length: ${body.length}\r\nContent-Length: 2\r\n\r\n${body}`,
      'two equal Content-Length': `${head}Content-Length: ${body.length}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'Content-Length and Transfer-Encoding': `${head}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    };
    for (const [name, text] of Object.entries(cases)) {
      const r = await raw(port, text);
      assert.equal(r.status, 400, name);
      assert.match(r.head, /\r\nconnection: close/i, `${name}: the connection is not reused`);
      const p = JSON.parse(r.body);
      assert.equal(p.code, 'invalid', name);
      assert.match(p.detail, /Content-Length/, name);
    }
    const clock = await (await s.fetch('/api/v1/test/clock')).json();
    assert.equal(clock.offset, 0, 'the clock did not move');
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('requests that end unanswered leave nothing in flight, and SIGTERM does not wait for them', async () => {
  // With a leak, the drain would wait all 20 s (and the test helper kills at 10 s).
  const s = await startServer({ jobs: false, args: ['--drain-seconds', '20'] });
  const port = portOf(s);
  const upload = 'POST /api/v1/test/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
  const ends = {
    'upload closed half-way': [`${upload}Content-Length: 1000\r\n\r\n{"adv`, 'end'],
    'upload reset half-way': [`${upload}Content-Length: 1000\r\n\r\n{"adv`, 'reset'],
    'chunked upload closed half-way': [`${upload}Transfer-Encoding: chunked\r\n\r\n100\r\n{"adv`, 'end'],
    'head closed half-way': ['GET /healthz HTTP/1.1\r\nHost: x\r\n', 'end'],
    'a query the library chokes on': [`GET /healthz?${'&'.repeat(2000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 'end'],
  };
  for (const [, [text, how]] of Object.entries(ends)) {
    await new Promise((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port }, () => {
        c.write(text);
        // The pause lets the server take the partial request in before it ends (to prove
        // that it is then not left in flight); it proves nothing by itself, and a server
        // that has not read it yet only makes the case weaker, never fails it.
        setTimeout(() => (how === 'reset' ? c.resetAndDestroy() : c.end()), 100);
      });
      c.on('error', () => {});
      c.on('data', () => {});
      c.on('close', resolve);
    });
  }
  assert.equal(await inFlight(s), 1, 'in flight: only the /metrics request itself');
  const t0 = Date.now();
  assert.equal(await s.stop(), 0);
  const ms = Date.now() - t0;
  // Generous: the drain is 20 s; with nothing in flight the stop takes milliseconds.
  assert.ok(ms < 5000, `SIGTERM took ${ms} ms`);
});

/** POST /api/v1/tokens with the cookie and the given Host and Origin, no CSRF token. */
function post(port, cookie, host, origin) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ account: 1, roles: 'admin', name: 'origin probe' });
    const headers = {
      host, cookie: `oblako_session=${cookie}`, 'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (origin !== undefined) headers.origin = origin;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/tokens', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('Origin is the same only with the same scheme, host and port', async () => {
  const env = await provisionedDb('origin');
  const plain = await startServer({ db: env.db, jobs: false });
  const tls = await startServer({ db: env.db, jobs: false, args: ['--public-url', 'https://oblako.test'] });
  try {
    const c = new Client(plain);
    assert.equal((await c.login(env.email, env.password)).status, 200);
    const p = portOf(plain);
    const here = `127.0.0.1:${p}`;
    const cases = [
      // [rule, server, Host, Origin, status]
      ['same scheme, host and port', plain, here, `http://${here}`, 201],
      ['https is another scheme', plain, here, `https://${here}`, 403],
      ['another port', plain, here, `http://127.0.0.1:${p + 1}`, 403],
      ['the default port written out', plain, '127.0.0.1', 'http://127.0.0.1:80', 201],
      ['the default port left out', plain, '127.0.0.1:80', 'http://127.0.0.1', 201],
      ['host names ignore case', plain, `Oblako.Test:${p}`, `http://oblako.test:${p}`, 201],
      ['an origin is no URL with a path', plain, here, `http://${here}/`, 403],
      ['"null" is nobody', plain, here, 'null', 403],
      ['the public URL', plain, 'elsewhere.test', 'http://127.0.0.1:8080', 201],
      ['the public URL over https', plain, 'elsewhere.test', 'https://127.0.0.1:8080', 403],
      ['behind TLS: the https origin', tls, 'oblako.test', 'https://oblako.test', 201],
      ['behind TLS: the https origin, port 443 written out', tls, 'oblako.test', 'https://oblako.test:443', 201],
      ['behind TLS: an http page of the same host', tls, 'oblako.test', 'http://oblako.test', 403],
      ['behind TLS: the Host over the public scheme', tls, 'node1.oblako.test:8443', 'https://node1.oblako.test:8443', 201],
      ['behind TLS: the Host over plain http', tls, 'node1.oblako.test:8443', 'http://node1.oblako.test:8443', 403],
    ];
    const wrong = [];
    for (const [rule, srv, host, origin, want] of cases) {
      const got = await post(portOf(srv), c.cookie, host, origin);
      if (got !== want) wrong.push(`${rule} (Host ${host}, Origin ${origin}): ${got}, want ${want}`);
    }
    assert.deepEqual(wrong, []);
  } finally {
    assert.equal(await tls.stop(), 0);
    assert.equal(await plain.stop(), 0);
  }
});
