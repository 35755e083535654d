// Time travel over 12 months (issue 13 item 5, reliability T7): the scenarios of
// tests/e2e/lib/timeline.js on one timeline, 2027-03-01 through 2028-03-06, one clock
// step and one run of the daily jobs a day; every reminder and the digests of the named
// Mondays compared with the tables written there by hand. SQLite only: tests/run.sh runs
// this file in the sqlite e2e suite alone; the 36 months on both engines are
// tests/e2e/long/timetravel.test.js (`make test-full`).
import { test, before, after } from 'node:test';
import { defineSuite, LAST_DAY_12 } from './lib/timeline.js';

defineSuite({ test, before, after }, 'timetravel', LAST_DAY_12);
