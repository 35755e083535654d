// What an operator needs (issue 16, docs/deploy.md "Operating"): SIGHUP reloads the live
// settings and reopens the log file, a broken file changes nothing, /metrics may want a
// token, the business metrics are there and move, every metric the Grafana dashboard draws
// exists, and docs/oblako.conf.sample is what `oblako config sample` prints and loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runCli, startServer } from './lib/server.js';
import { setup } from './lib/accounts.js';
import { eventually } from './lib/wait.js';

const post = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function lines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('SIGHUP: the log file is reopened after a rotation, log levels change, a broken file changes nothing, the metrics token is set live', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-hup-'));
  const conf = path.join(dir, 'oblako.conf');
  const log = path.join(dir, 'oblako.log');
  writeFileSync(conf, 'log-level = info\n');
  const s = await startServer({ args: ['--config', conf] });
  const hup = () => s.proc.kill('SIGHUP');
  const inLog = (file, pred, what) => eventually(() => lines(file).find(pred), { what });
  try {
    // 1. a log file appears: the reload's own line is its first
    writeFileSync(conf, `log-level = info\nlog-file = ${log}\n`);
    hup();
    const first = await inLog(log, (l) => l.msg === 'settings reloaded', 'the reload logged in the new file');
    assert.equal(first.changed, 'log-file');
    await s.fetch('/healthz');
    await inLog(log, (l) => l.msg === 'request' && l.path === '/healthz', 'a request logged in the file');

    // 2. logrotate moves the file; SIGHUP: the next lines go to a new file at the same path
    renameSync(log, `${log}.1`);
    hup();
    await inLog(log, (l) => l.msg === 'settings reloaded' && l.generation === first.generation + 1,
      'the reload logged in a new file after the move');
    await s.fetch('/rotated');
    await inLog(log, (l) => l.msg === 'request' && l.path === '/rotated', 'the next request in the new file');
    assert.ok(!lines(`${log}.1`).some((l) => l.path === '/rotated'), 'the moved file got a line after SIGHUP');

    // 3. log level warn, requests at info: no request line; a setting that needs a
    //    restart (threads) is logged as such and not applied
    writeFileSync(conf, `log-level = warn\nlog-file = ${log}\nthreads = 3\n`);
    hup();
    await inLog(log, (l) => l.msg === 'settings changed that need a restart; not applied' && l.settings === 'threads',
      'the restart-only change logged');
    await s.fetch('/quiet');
    writeFileSync(conf, `log-level = warn\nrequest-log-level = error\nlog-file = ${log}\nthreads = 3\n`);
    hup();
    await eventually(() => lines(log).filter((l) => l.settings === 'threads').length === 2, { what: 'the second reload' });
    await s.fetch('/loud');
    const loud = await inLog(log, (l) => l.path === '/loud', 'the request line at the new level');
    assert.equal(loud.level, 'error');
    assert.ok(!lines(log).some((l) => l.path === '/quiet'), 'a request was logged below the log level');

    // 4. a broken file is refused whole: its valid lines (a metrics token) do not apply
    writeFileSync(conf, `log-level = loud\nmetrics-token = sekret-1\nlog-file = ${log}\n`);
    hup();
    const refused = await inLog(log, (l) => l.msg === 'reload refused; the settings in force are kept', 'the refusal');
    assert.match(refused.why, /log-level/);
    assert.equal((await s.fetch('/metrics')).status, 200, 'a refused file set the token');
    await s.fetch('/still');
    assert.equal((await inLog(log, (l) => l.path === '/still', 'a request after the refusal')).level, 'error');

    // 5. a token set live: /metrics wants it, /healthz and /readyz stay open
    writeFileSync(conf, `log-level = warn\nrequest-log-level = error\nmetrics-token = sekret-1\nlog-file = ${log}\nthreads = 3\n`);
    hup();
    await eventually(async () => (await s.fetch('/metrics')).status === 401, { what: '/metrics closed by the token' });
    const bearer = (t) => ({ headers: { authorization: `Bearer ${t}` } });
    const no = await s.fetch('/metrics');
    assert.match(no.headers.get('www-authenticate') || '', /Bearer/);
    assert.equal((await s.fetch('/metrics', bearer('sekret-2'))).status, 401);
    assert.equal((await s.fetch('/metrics', bearer('sekret-'))).status, 401);
    assert.equal((await s.fetch('/metrics', bearer('sekret-1x'))).status, 401);
    assert.equal((await s.fetch('/metrics', { headers: { authorization: 'Basic c2VrcmV0LTE=' } })).status, 401);
    const ok = await s.fetch('/metrics', bearer('sekret-1'));
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /oblako_http_requests_total/);
    assert.equal((await s.fetch('/healthz')).status, 200);
    assert.equal((await s.fetch('/readyz')).status, 200);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('SIGHUP: trusted proxies and the webhook allow list change from the next request, both ways', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-hup-live-'));
  const conf = path.join(dir, 'oblako.conf');
  const log = path.join(dir, 'oblako.log');
  const base = `log-level = info\nlog-file = ${log}\n`;
  writeFileSync(conf, 'log-level = info\n');    // "listening" on stderr, where the start looks
  const { s, admin } = await setup('hup-live', { args: ['--config', conf] });
  let generation = 0;
  const reload = async (text) => {
    writeFileSync(conf, base + text);
    s.proc.kill('SIGHUP');
    const l = await eventually(() => lines(log).find((x) => x.msg === 'settings reloaded' && x.generation > generation),
      { what: 'the reload' });
    generation = l.generation;
  };
  // who the request log says asked, for a request that says it was forwarded for 203.0.113.7
  let n = 0;
  const addr = async () => {
    const p = `/forwarded-${++n}`;
    await s.fetch(p, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    return (await eventually(() => lines(log).find((l) => l.path === p), { what: `${p} in the log` })).addr;
  };
  const hook = () => admin.post('/api/v1/webhooks', { url: 'https://127.0.0.1:9/hook' });
  try {
    await reload('');
    // none trusted: a client's own X-Forwarded-For is not believed; loopback is no webhook target
    assert.equal(await addr(), '127.0.0.1');
    assert.equal((await hook()).status, 400);
    // the proxy and the address allowed from the reload on, without a restart
    await reload('trusted-proxies = 127.0.0.1\nwebhook-allow = 127.0.0.1\n');
    assert.equal(await addr(), '203.0.113.7');
    const ok = await hook();
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    // and taken back: the next request is the socket's address again, the registration refused
    await reload('');
    assert.equal(await addr(), '127.0.0.1');
    assert.equal((await hook()).status, 400);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('--metrics-token at start; a log file that cannot be opened stops the start', async () => {
  const s = await startServer({ args: ['--metrics-token', 'tok-at-start'] });
  try {
    assert.equal((await s.fetch('/metrics')).status, 401);
    assert.equal((await s.fetch('/metrics', { headers: { authorization: 'Bearer tok-at-start' } })).status, 200);
  } finally {
    await s.stop();
  }
  const r = runCli(['serve', '--log-file', '/nonexistent-dir/oblako.log', '--listen', '127.0.0.1:0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot open the log file/);
});

test('business metrics: refused sessions by reason, outbox, job lag, statement runs; every metric of the Grafana dashboard exists', async () => {
  const { s, admin } = await setup('ops-metrics', { jobs: false });
  const metric = async (name) => {
    const text = await (await s.fetch('/metrics')).text();
    const m = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  try {
    // a refusal at admission counts under its reason
    const before = await metric('oblako_app_sessions_refused_total{reason="area.not_found"}');
    assert.equal((await admin.post('/api/v1/sessions', { area: 987654 })).status, 404);
    assert.equal(await metric('oblako_app_sessions_refused_total{reason="area.not_found"}'), before + 1);
    assert.equal(await metric('oblako_app_sessions_open'), 0);

    // mail without --smtp-url waits: the outbox gauge counts it, and its age grows with the clock
    assert.equal(await metric('oblako_outbox_queued'), 0);
    assert.equal((await s.fetch('/api/v1/auth/password-reset', post({ email: 'admin@example.test' }))).status, 202);
    assert.equal(await metric('oblako_outbox_queued'), 1);
    assert.equal((await s.fetch('/api/v1/test/clock', post({ advance: 3 * 86400 }))).status, 200);
    assert.ok(await metric('oblako_outbox_oldest_age_seconds') >= 3 * 86400);

    // no job runner here: three days on, the daily prune is late (a run by hand does not
    // complete a period); a node with a runner catches up and the lag is gone
    assert.ok(await metric('oblako_job_lag_seconds{job="prune"}') > 0, 'prune not late with no runner');
    assert.equal((await s.fetch('/api/v1/test/jobs', post({ names: ['prune'] }))).status, 200);
    assert.ok(await metric('oblako_job_lag_seconds{job="prune"}') > 0, 'a run by hand completed the period');
    const runner = await startServer({ db: s.db });
    try {
      await eventually(async () => (await metric('oblako_job_lag_seconds{job="prune"}')) === 0, { what: 'prune caught up' });
    } finally {
      await runner.stop();
    }
    assert.ok(await metric('oblako_job_lag_seconds{job="statements"}') !== undefined);
    assert.ok((await metric('oblako_statement_run_last_done_timestamp_seconds')) !== undefined);

    // the dashboard draws only what /metrics has
    const dash = JSON.parse(readFileSync(path.join(repoRoot, 'docs/grafana-dashboard.json'), 'utf8'));
    const text = await (await s.fetch('/metrics')).text();
    // each metric family once: Prometheus refuses a scrape that declares one twice
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    assert.deepEqual(families.filter((n, i) => families.indexOf(n) !== i), [], 'a metric family declared twice');
    const have = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, n, t]) =>
      t === 'histogram' ? [`${n}_bucket`, `${n}_sum`, `${n}_count`] : [n]));
    const exprs = JSON.stringify(dash).match(/"expr":"(?:[^"\\]|\\.)*"/g) || [];
    const used = new Set(exprs.flatMap((e) => e.match(/\boblako_[a-z_]+/g) || []));
    assert.ok(used.size >= 10, `the dashboard queries ${used.size} metrics`);
    for (const name of used) assert.ok(have.has(name), `the dashboard queries ${name}, which /metrics does not have`);
    assert.ok(JSON.stringify(dash.templating).includes('"type":"datasource"'), 'the data source is not a variable');
  } finally {
    await s.stop();
  }
});

test('docs/oblako.conf.sample is `oblako config sample`, names every setting and loads; a bad file is refused', () => {
  const sample = runCli(['config', 'sample']);
  assert.equal(sample.status, 0);
  const file = path.join(repoRoot, 'docs/oblako.conf.sample');
  assert.equal(readFileSync(file, 'utf8'), sample.stdout, 'docs/oblako.conf.sample is stale: oblako config sample > docs/oblako.conf.sample');
  const inSample = new Set([...sample.stdout.matchAll(/^([a-z0-9-]+) =/gm)].map((m) => m[1]));
  for (const cmd of ['serve', 'init', 'migrate', 'jobs']) {
    const help = runCli(['help', cmd]).stdout;
    for (const [, name] of help.matchAll(/^ {2}--([a-z0-9-]+)/gm)) {
      if (name !== 'config') assert.ok(inSample.has(name), `the sample lacks ${name}`);
    }
  }
  const env = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('OBLAKO_')).map((k) => [k, undefined]));
  const clean = { ...env, OBLAKO_DB: 'sqlite:./oblako.db' };
  const ok = runCli(['config', 'check', '--config', file], { env: clean });
  assert.equal(ok.status, 0, ok.stderr);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-conf-'));
  const bad = path.join(dir, 'bad.conf');
  writeFileSync(bad, `${sample.stdout}\nthreads = many\n`);
  const r = runCli(['config', 'check', '--config', bad], { env: clean });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /'threads' wants a whole number/);
  writeFileSync(bad, 'no-such-setting = 1\n');
  assert.equal(runCli(['config', 'check', '--config', bad], { env: clean }).status, 2);
});

test('docs/oblako.service: systemd-analyze verify passes; reload is SIGHUP, the stop waits past the drain, the file system is read-only but for the data, backup and log folders', () => {
  const unit = readFileSync(path.join(repoRoot, 'docs/oblako.service'), 'utf8');
  const values = (key) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
  const one = (key) => { const v = values(key); assert.equal(v.length, 1, `${key} ${v.length} times`); return v[0]; };
  assert.equal(one('Type'), 'exec');   // no sd_notify in oblako (docs/decisions.md)
  assert.match(one('ExecReload'), /kill -HUP \$MAINPID$/);
  const conf = /serve --config (\S+)$/.exec(one('ExecStart'))[1];
  assert.equal(one('ExecStartPre'), one('ExecStart').replace(/ serve /, ' config check '));
  assert.ok(conf.startsWith('/etc/oblako/'));
  const drain = Number(/--drain-seconds VALUE {2}\(OBLAKO_DRAIN_SECONDS, default '(\d+)'/.exec(runCli(['help', 'serve']).stdout)[1]);
  assert.ok(Number(one('TimeoutStopSec')) >= drain + 10, 'TimeoutStopSec leaves the drain no room');
  for (const [k, v] of [['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['PrivateTmp', 'yes'], ['ProtectHome', 'yes']]) assert.equal(one(k), v);
  assert.ok(one('User') !== 'root');
  const rw = one('ReadWritePaths').split(/\s+/);
  for (const dir of ['/var/lib/oblako', '/var/backups/oblako', '/var/log/oblako']) assert.ok(rw.includes(dir), `${dir} not writable`);
  const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
  if (!analyze) return;
  // verify checks that ExecStart's program exists: point it at this build
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-unit-'));
  const copy = path.join(dir, 'oblako.service');
  writeFileSync(copy, unit.replaceAll('/usr/local/bin/oblako', path.resolve(repoRoot, 'build/oblako')));
  const r = spawnSync(analyze, ['verify', copy], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', r.stderr);
});
