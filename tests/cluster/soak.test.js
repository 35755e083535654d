// The cluster's soak (tests/run.sh --full, suite "cluster soak"; reliability T8 on several
// nodes): ten minutes of writes and session opens through haproxy while a node is killed with
// SIGKILL and started again every minute or so, the three in turn. The checks are those of the
// short version (scenario.mjs): no acknowledged write lost, the session history's replay finds
// no admission over a limit, each period of a periodic job ran on one node.
// OBLAKO_CLUSTER_SOAK_SECONDS (default 600) and OBLAKO_CLUSTER_SOAK_KILLS (default 9).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from './lib.mjs';
import { killScenario } from './scenario.mjs';
import { provisionedDb } from '../e2e/lib/session.js';

const seconds = Number(process.env.OBLAKO_CLUSTER_SOAK_SECONDS) || 600;
const kills = Number(process.env.OBLAKO_CLUSTER_SOAK_KILLS) || 9;
let c;

after(async () => {
  if (c) assert.equal(await c.stop(), 0, 'every node stops cleanly');
});

test(`${seconds} s of load with ${kills} node kills: no acknowledged write lost, no limit exceeded, jobs once per period`,
  { timeout: (seconds + 300) * 1000 }, async (t) => {
    const env = await provisionedDb('cluster-soak');
    c = await startCluster({ db: env.db, args: ['--log-level', 'debug'] });
    await killScenario(t, c, env, { seconds, kills });
    const errors = c.logs.concat(c.killedLogs).filter((e) => typeof e === 'object' && e.msg === 'request' && e.status >= 500 && e.status !== 503);
    assert.deepEqual(errors, [], 'no 5xx but 503');
  });
