// Time travel over 36 months (issue 13 item 5): the same scenarios and hand tables as
// tests/e2e/timetravel.test.js, 2027-03-01 through 2030-03-11, with the scenarios of the
// second and third years (Feb 28 of common years, Jan 31 + 1 month → Mar 1 in 2029, a
// yearly term to 2030). Both engines (`make test-full`).
import { test, before, after } from 'node:test';
import { defineSuite, LAST_DAY_36 } from '../lib/timeline.js';

defineSuite({ test, before, after }, 'timetravel-long', LAST_DAY_36);
