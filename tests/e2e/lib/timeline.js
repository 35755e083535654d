// The time-travel suite (issue 13 item 5, reliability T7): every scenario is a
// subscriber on ONE timeline, because the test clock only goes forward. Each
// day the clock is set to 10:00 Moscow time, the daily jobs run once by hand
// (POST /api/v1/test/jobs, in the server's process, as `oblako jobs run
// reminders digest` runs them; the server runs with --no-jobs), and
// then the day's postings are made (a job runs in the early morning, people
// post during the day). Three days of the timeline have no job run at all:
// the job runner's outage.
//
// What is expected is written below BY HAND from the rules, never computed
// by the code under test:
//   R-SUB-0   a term [start, end) shown as "through L", L = end - 1; N months
//             after a date is the same day N months later, or the 1st of the
//             next month when that day does not exist (Jan 31 + 1 month → Mar 1).
//   R-SUB-1a  creating a subscriber starts TRIAL-30 at once ([day, day + 30));
//             the trial stops counting from the first day a paid main is in force.
//   R-SUB-5   a deferral: 7 days from `end` (or from the day it is taken, if
//             later), taken from L on; the next paid main starts at its start.
//   R-NOT-1   mails to the owner and administrators on L−7, L−3, L and L+5 (the
//             guide: «за 7 и 3 суток до даты окончания доступа, в день окончания
//             доступа и через 5 дней после»), once per end of access (each
//             tariff's chain has its own end); none once access was renewed
//             meanwhile; after an outage only the latest due offset per end is
//             sent, marked late (the earlier ones are recorded skipped); a
//             deferral keeps the offsets already sent and schedules the rest
//             from the new L.
//   R-NOT-2   on Mondays, to each partner's operators: its clients whose access
//             ends in the next 14 days and those whose access ended in the last 14.
// Decisions this table takes where the rules leave room (docs/decisions.md,
// "Time travel"): a reminder is late when it is sent after its own day (the
// latest due offset sent on its own day after an outage is not late); the
// digest's "next 14 days" are L in [Monday, Monday + 13] or + 14 (the named
// Mondays have no end on that edge) and "the last 14" L in [Monday − 14,
// Monday − 1].
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { bin } from './server.js';
import { query } from './db.js';
import { Client } from './session.js';
import { newPartner, newEmployee, activate, uniqueEmail } from './accounts.js';

export const FIRST_DAY = '2027-03-01';          // a Monday
export const LAST_DAY_12 = '2028-03-06';        // a Monday: 12 months and the L+5 of Feb 29
export const LAST_DAY_36 = '2030-03-11';        // a Monday: 36 months and the last reminder of 2030-03-04
/** P2's own list of reminder days (PATCH /api/v1/partners/{id}); P1 keeps the provider's -7,-3,0,5. */
export const P2_OFFSETS = '-14,-1,0,3';
/** Two runs of the daily jobs at once on this day (R-OPS-3): still one reminder each. */
export const TWICE = '2027-03-23';
/** The job runner is down on these days: no job runs (Tuesday to Thursday). */
const DAILY = ['reminders', 'digest'];   // the daily jobs, run once a day by hand
export const OUTAGE = ['2027-09-14', '2027-09-15', '2027-09-16'];

// ---- the scenarios --------------------------------------------------------------------------
// Each is one subscriber: its partner, the day it is created (its trial starts
// that day) and what is posted on which day. `main` is posted by the partner
// (default start: a renewal starts at the running main's end, else today).
export const SCENARIOS = [
  { key: 'trial', partner: 'P1', born: '2027-03-01', steps: [] },
  { key: 'ontime', partner: 'P1', born: '2027-03-01', steps: [
    ['2027-03-01', 'main', 1],
    // each renewal posted on L−10 of the running main, before any reminder of it
    ...['2027-03-21', '2027-04-20', '2027-05-21', '2027-06-20', '2027-07-21', '2027-08-21',
      '2027-09-20', '2027-10-21', '2027-11-20', '2027-12-21', '2028-01-21'].map((d) => [d, 'main', 1]),
  ] },
  { key: 'late1', partner: 'P1', born: '2027-05-03', steps: [['2027-05-03', 'main', 1], ['2027-06-03', 'main', 1]] },
  { key: 'late3', partner: 'P1', born: '2027-05-03', steps: [['2027-05-03', 'main', 1], ['2027-06-05', 'main', 1]] },
  { key: 'late6', partner: 'P1', born: '2027-05-03', steps: [['2027-05-03', 'main', 1], ['2027-06-08', 'main', 1]] },
  { key: 'deferpaid', partner: 'P1', born: '2027-07-01', steps: [
    ['2027-07-01', 'main', 1], ['2027-08-02', 'defer'], ['2027-08-06', 'main', 1]] },
  { key: 'deferonL', partner: 'P1', born: '2027-07-01', steps: [['2027-07-01', 'main', 1], ['2027-07-31', 'defer']] },
  { key: 'leapyear', partner: 'P1', born: '2027-03-01', steps: [['2027-03-01', 'main', 12]] },
  { key: 'jan31', partner: 'P1', born: '2028-01-31', steps: [['2028-01-31', 'main', 1]] },
  { key: 'oct31', partner: 'P1', born: '2027-10-31', steps: [['2027-10-31', 'main', 1]] },
  { key: 'shortext', partner: 'P1', born: '2027-08-02', steps: [['2027-08-02', 'main', 1], ['2027-08-25', 'short']] },
  { key: 'cancelled', partner: 'P1', born: '2027-08-09', steps: [
    ['2027-08-09', 'main', 1], ['2027-08-16', 'main', 1], ['2027-08-20', 'cancel-file'], ['2027-08-23', 'cancel-apply']] },
  { key: 'twomains', partner: 'P1', born: '2027-10-04', steps: [
    ['2027-10-04', 'main', 1], ['2027-10-04', 'main', 3, 'ITSaaS-BASIC']] },
  { key: 'outage1', partner: 'P1', born: '2027-08-19', steps: [['2027-08-19', 'main', 1]] },
  { key: 'outage2', partner: 'P1', born: '2027-08-18', steps: [['2027-08-18', 'main', 1]] },
  { key: 'outage3', partner: 'P1', born: '2027-08-12', steps: [['2027-08-12', 'main', 1]] },
  { key: 'renewLm1', partner: 'P1', born: '2027-12-06', steps: [['2027-12-06', 'main', 1], ['2028-01-04', 'main', 1]] },
  { key: 'itslocal', partner: 'P1', born: '2027-06-07', steps: [['2027-06-07', 'its', '2027-06-07', '2027-09-07']] },
  { key: 'trialpaid', partner: 'P1', born: '2027-03-01', steps: [['2027-03-25', 'main', 1]] },
  { key: 'withadmin', partner: 'P1', born: '2027-03-01', admin: true, user: true, steps: [['2027-03-01', 'main', 1]] },
  { key: 'english', partner: 'P1', born: '2027-03-01', lang: 'en', steps: [['2027-03-01', 'main', 1]] },
  { key: 'partner2', partner: 'P2', born: '2027-03-01', steps: [['2027-03-01', 'main', 1]] },
  // only in the 36 months
  { key: 'feb28', partner: 'P1', born: '2028-03-01', steps: [['2028-03-01', 'main', 12]] },
  { key: 'jan31b', partner: 'P2', born: '2029-01-31', steps: [['2029-01-31', 'main', 1]] },
  { key: 'year3', partner: 'P2', born: '2029-03-05', steps: [['2029-03-05', 'main', 12]] },
];

// ---- the reminders expected, by hand -------------------------------------------------------
// [scenario, the day it is sent, offset, L the mail says, late]. One line per
// reminder sent (each mailed to the owner, and to the administrator when there
// is one). Derivations in the comments: T = the trial [born, born + 30).
export const REMINDERS = [
  // trial: T = [03-01, 03-31), L = 03-30; nothing else is posted: all four.
  ['trial', '2027-03-23', -7, '2027-03-30'],
  ['trial', '2027-03-27', -3, '2027-03-30'],
  ['trial', '2027-03-30', 0, '2027-03-30'],
  ['trial', '2027-04-04', 5, '2027-03-30'],
  // ontime: mains [03-01, 04-01), then renewed on each L−10 before any reminder, up to
  // [2028-02-01, 2028-03-01): L = Feb 29 (2028 is a leap year). Only the last end is reminded;
  // the trial (L 03-30) never is: a paid main is in force from its first day (R-SUB-1a).
  ['ontime', '2028-02-22', -7, '2028-02-29'],
  ['ontime', '2028-02-26', -3, '2028-02-29'],
  ['ontime', '2028-02-29', 0, '2028-02-29'],
  ['ontime', '2028-03-05', 5, '2028-02-29'],
  // late1: [05-03, 06-03) L 06-02: −7 05-26, −3 05-30, 0 06-02; renewed on 06-03 (L+1, before
  // L+5 06-07): no +5; the renewal [06-03, 07-03) is a new end, L 07-02.
  ['late1', '2027-05-26', -7, '2027-06-02'],
  ['late1', '2027-05-30', -3, '2027-06-02'],
  ['late1', '2027-06-02', 0, '2027-06-02'],
  ['late1', '2027-06-25', -7, '2027-07-02'],
  ['late1', '2027-06-29', -3, '2027-07-02'],
  ['late1', '2027-07-02', 0, '2027-07-02'],
  ['late1', '2027-07-07', 5, '2027-07-02'],
  // late3: the same first end; renewed on 06-05 (L+3): no +5; [06-05, 07-05) L 07-04.
  ['late3', '2027-05-26', -7, '2027-06-02'],
  ['late3', '2027-05-30', -3, '2027-06-02'],
  ['late3', '2027-06-02', 0, '2027-06-02'],
  ['late3', '2027-06-27', -7, '2027-07-04'],
  ['late3', '2027-07-01', -3, '2027-07-04'],
  ['late3', '2027-07-04', 0, '2027-07-04'],
  ['late3', '2027-07-09', 5, '2027-07-04'],
  // late6: the same first end; renewed on 06-08 (L+6), after the +5 of 06-07 went; [06-08, 07-08) L 07-07.
  ['late6', '2027-05-26', -7, '2027-06-02'],
  ['late6', '2027-05-30', -3, '2027-06-02'],
  ['late6', '2027-06-02', 0, '2027-06-02'],
  ['late6', '2027-06-07', 5, '2027-06-02'],
  ['late6', '2027-06-30', -7, '2027-07-07'],
  ['late6', '2027-07-04', -3, '2027-07-07'],
  ['late6', '2027-07-07', 0, '2027-07-07'],
  ['late6', '2027-07-12', 5, '2027-07-07'],
  // deferpaid: [07-01, 08-01) L 07-31: −7 07-24, −3 07-28, 0 07-31. Deferral taken 08-02 (R-SUB-5:
  // from the later of end and today) [08-02, 08-09), new L 08-08: the same end; +5 now falls on
  // 08-13. The paid main of 08-06 starts at the deferral's start: [08-02, 09-02) L 09-01, a new
  // end before 08-13: the old +5 never goes.
  ['deferpaid', '2027-07-24', -7, '2027-07-31'],
  ['deferpaid', '2027-07-28', -3, '2027-07-31'],
  ['deferpaid', '2027-07-31', 0, '2027-07-31'],
  ['deferpaid', '2027-08-25', -7, '2027-09-01'],
  ['deferpaid', '2027-08-29', -3, '2027-09-01'],
  ['deferpaid', '2027-09-01', 0, '2027-09-01'],
  ['deferpaid', '2027-09-06', 5, '2027-09-01'],
  // deferonL: the same first end; the deferral is taken on L (07-31, after that morning's L
  // reminder): [08-01, 08-08), new L 08-07. −7, −3 and 0 stay sent (not again on 08-07); the rest,
  // +5, is scheduled from the new L: 08-12, saying "through 08-07".
  ['deferonL', '2027-07-24', -7, '2027-07-31'],
  ['deferonL', '2027-07-28', -3, '2027-07-31'],
  ['deferonL', '2027-07-31', 0, '2027-07-31'],
  ['deferonL', '2027-08-12', 5, '2027-08-07'],
  // leapyear: 12 months from 2027-03-01: [2027-03-01, 2028-03-01) L 2028-02-29.
  ['leapyear', '2028-02-22', -7, '2028-02-29'],
  ['leapyear', '2028-02-26', -3, '2028-02-29'],
  ['leapyear', '2028-02-29', 0, '2028-02-29'],
  ['leapyear', '2028-03-05', 5, '2028-02-29'],
  // jan31: Jan 31 + 1 month → Mar 1 (R-SUB-0): [2028-01-31, 2028-03-01) L Feb 29. Its trial
  // [01-31, 03-01) has the same L, but it stopped counting on 01-31 when the paid main began
  // (R-SUB-1a): no trial reminders, one mail a day, not two.
  ['jan31', '2028-02-22', -7, '2028-02-29'],
  ['jan31', '2028-02-26', -3, '2028-02-29'],
  ['jan31', '2028-02-29', 0, '2028-02-29'],
  ['jan31', '2028-03-05', 5, '2028-02-29'],
  // oct31: Oct 31 + 1 month → Dec 1: [2027-10-31, 2027-12-01) L Nov 30.
  ['oct31', '2027-11-23', -7, '2027-11-30'],
  ['oct31', '2027-11-27', -3, '2027-11-30'],
  ['oct31', '2027-11-30', 0, '2027-11-30'],
  ['oct31', '2027-12-05', 5, '2027-11-30'],
  // shortext: [08-02, 09-02) L 09-01; the short extension taken 08-25 ([08-25, 09-08)) adds to
  // its main and does not move the end (R-SUB-4, R-NOT-1).
  ['shortext', '2027-08-25', -7, '2027-09-01'],
  ['shortext', '2027-08-29', -3, '2027-09-01'],
  ['shortext', '2027-09-01', 0, '2027-09-01'],
  ['shortext', '2027-09-06', 5, '2027-09-01'],
  // cancelled: [08-09, 09-09) L 09-08, renewed 08-16 ([09-09, 10-09)); the renewal is cancelled by
  // request (filed 08-20, applied 08-23), before the first end's L−7 (09-01): the end is 09-08 again.
  ['cancelled', '2027-09-01', -7, '2027-09-08'],
  ['cancelled', '2027-09-05', -3, '2027-09-08'],
  ['cancelled', '2027-09-08', 0, '2027-09-08'],
  ['cancelled', '2027-09-13', 5, '2027-09-08'],
  // twomains: PROF [10-04, 11-04) L 11-03 and BASIC 3 months [10-04, 2028-01-04) L 01-03: two
  // chains, two ends, each with its four (access goes on through BASIC after 11-03).
  ['twomains', '2027-10-27', -7, '2027-11-03'],
  ['twomains', '2027-10-31', -3, '2027-11-03'],
  ['twomains', '2027-11-03', 0, '2027-11-03'],
  ['twomains', '2027-11-08', 5, '2027-11-03'],
  ['twomains', '2027-12-27', -7, '2028-01-03'],
  ['twomains', '2027-12-31', -3, '2028-01-03'],
  ['twomains', '2028-01-03', 0, '2028-01-03'],
  ['twomains', '2028-01-08', 5, '2028-01-03'],
  // The outage: no job on 09-14, 09-15, 09-16; the run of 09-17 catches up.
  // outage1: [08-19, 09-19) L 09-18: −7 09-11; −3 was due 09-15 (in the outage): sent 09-17, late;
  // 0 on 09-18 and +5 on 09-23 as usual.
  ['outage1', '2027-09-11', -7, '2027-09-18'],
  ['outage1', '2027-09-17', -3, '2027-09-18', 'late'],
  ['outage1', '2027-09-18', 0, '2027-09-18'],
  ['outage1', '2027-09-23', 5, '2027-09-18'],
  // outage2: [08-18, 09-18) L 09-17: −7 09-10; −3 was due 09-14 (outage) and 0 is due 09-17, the
  // run day: only the latest, 0, goes (on its own day: not late); −3 is skipped. +5 09-22.
  ['outage2', '2027-09-10', -7, '2027-09-17'],
  ['outage2', '2027-09-17', 0, '2027-09-17'],
  ['outage2', '2027-09-22', 5, '2027-09-17'],
  // outage3: [08-12, 09-12) L 09-11: −7 09-04, −3 09-08, 0 09-11; +5 was due 09-16: sent 09-17, late.
  ['outage3', '2027-09-04', -7, '2027-09-11'],
  ['outage3', '2027-09-08', -3, '2027-09-11'],
  ['outage3', '2027-09-11', 0, '2027-09-11'],
  ['outage3', '2027-09-17', 5, '2027-09-11', 'late'],
  // renewLm1: [12-06, 2028-01-06) L 01-05: −7 12-29, −3 01-02; renewed on 01-04 (L−1): no L, no +5;
  // the renewal [01-06, 02-06) L 02-05 is a new end.
  ['renewLm1', '2027-12-29', -7, '2028-01-05'],
  ['renewLm1', '2028-01-02', -3, '2028-01-05'],
  ['renewLm1', '2028-01-29', -7, '2028-02-05'],
  ['renewLm1', '2028-02-02', -3, '2028-02-05'],
  ['renewLm1', '2028-02-05', 0, '2028-02-05'],
  ['renewLm1', '2028-02-10', 5, '2028-02-05'],
  // itslocal: a local ITS contract (PROF) valid 2027-06-07 .. 2027-09-07, posted 06-07: ITSaaS-PROF
  // for the contract's validity, [06-07, 09-07) as the posting makes it (R-SUB-6), L 09-06: a chain
  // of its own. It is no paid main (price 0), so the trial [06-07, 07-07) L 07-06 goes on beside it
  // and ends too (R-SUB-1a): its four as well.
  ['itslocal', '2027-06-29', -7, '2027-07-06'],
  ['itslocal', '2027-07-03', -3, '2027-07-06'],
  ['itslocal', '2027-07-06', 0, '2027-07-06'],
  ['itslocal', '2027-07-11', 5, '2027-07-06'],
  ['itslocal', '2027-08-30', -7, '2027-09-06'],
  ['itslocal', '2027-09-03', -3, '2027-09-06'],
  ['itslocal', '2027-09-06', 0, '2027-09-06'],
  ['itslocal', '2027-09-11', 5, '2027-09-06'],
  // trialpaid: trial L 03-30: −7 on 03-23; the paid main posted 03-25 starts that day
  // [03-25, 04-25) L 04-24 and ends the trial: no −3, 0, +5 of the trial.
  ['trialpaid', '2027-03-23', -7, '2027-03-30'],
  ['trialpaid', '2027-04-17', -7, '2027-04-24'],
  ['trialpaid', '2027-04-21', -3, '2027-04-24'],
  ['trialpaid', '2027-04-24', 0, '2027-04-24'],
  ['trialpaid', '2027-04-29', 5, '2027-04-24'],
  // withadmin: [03-01, 04-01) L 03-31; owner and administrator: two mails each; the user none.
  ['withadmin', '2027-03-24', -7, '2027-03-31'],
  ['withadmin', '2027-03-28', -3, '2027-03-31'],
  ['withadmin', '2027-03-31', 0, '2027-03-31'],
  ['withadmin', '2027-04-05', 5, '2027-03-31'],
  // english: the same dates, mailed in English.
  ['english', '2027-03-24', -7, '2027-03-31'],
  ['english', '2027-03-28', -3, '2027-03-31'],
  ['english', '2027-03-31', 0, '2027-03-31'],
  ['english', '2027-04-05', 5, '2027-03-31'],
  // partner2: a client of P2, whose own list is -14, -1, 0, +3: [03-01, 04-01) L 03-31:
  // L−14 03-17, L−1 03-30, L 03-31, L+3 04-03 (and none on L−7, L−3, L+5).
  ['partner2', '2027-03-17', -14, '2027-03-31'],
  ['partner2', '2027-03-30', -1, '2027-03-31'],
  ['partner2', '2027-03-31', 0, '2027-03-31'],
  ['partner2', '2027-04-03', 3, '2027-03-31'],
  // ---- after 2028-03-06: the 36 months only ----
  // feb28: 12 months from 2028-03-01: [2028-03-01, 2029-03-01) L 2029-02-28 (not a leap year).
  ['feb28', '2029-02-21', -7, '2029-02-28'],
  ['feb28', '2029-02-25', -3, '2029-02-28'],
  ['feb28', '2029-02-28', 0, '2029-02-28'],
  ['feb28', '2029-03-05', 5, '2029-02-28'],
  // jan31b (P2: -14, -1, 0, +3): Jan 31 + 1 month → Mar 1 in a common year: [2029-01-31,
  // 2029-03-01) L Feb 28: 02-14, 02-27, 02-28, 03-03. The trial [01-31, 03-02) L 03-01 stopped on
  // 01-31 (R-SUB-1a): no trial reminders although no paid main is in force on 03-02 (a mail
  // saying "through 01.03.2029" would be false: access ends on 02-28).
  ['jan31b', '2029-02-14', -14, '2029-02-28'],
  ['jan31b', '2029-02-27', -1, '2029-02-28'],
  ['jan31b', '2029-02-28', 0, '2029-02-28'],
  ['jan31b', '2029-03-03', 3, '2029-02-28'],
  // year3 (P2): [2029-03-05, 2030-03-05) L 2030-03-04: 02-18, 03-03, 03-04, 03-07.
  ['year3', '2030-02-18', -14, '2030-03-04'],
  ['year3', '2030-03-03', -1, '2030-03-04'],
  ['year3', '2030-03-04', 0, '2030-03-04'],
  ['year3', '2030-03-07', 3, '2030-03-04'],
];

/** Recorded skipped, not sent (the outage): [scenario, offset, L]. */
export const SKIPPED = [
  ['outage2', -3, '2027-09-17'],
];

// ---- the digests expected, by hand ---------------------------------------------------------
// Monday → partner → the clients listed (by scenario). The window is L in [M − 14, M + 13]
// (ended: M − 14 .. M − 1; ending: M .. M + 13; no end of these Mondays falls on M + 14, where
// "the next 14 days" could be read either way); the state is the morning's, before the day's
// postings. A partner with nothing to list gets no mail (--digest-when-empty is off). No digest
// on any other day, none to the partners' owners or consultants.
export const DIGESTS = {
  // [03-08, 04-04]: the trials of trial and trialpaid (L 03-30; trialpaid's main comes 03-25),
  // withadmin and english (L 03-31); ontime was renewed 03-21 (L 04-30). P2: partner2 (03-31).
  '2027-03-22': { P1: ['trial', 'trialpaid', 'withadmin', 'english'], P2: ['partner2'] },
  // [03-22, 04-18]: ended trial (03-30), withadmin, english (03-31); trialpaid's trial is no end
  // since 03-25, its main's L 04-24 is past the window. P2: partner2.
  '2027-04-05': { P1: ['trial', 'withadmin', 'english'], P2: ['partner2'] },
  // [04-05, 05-02]: trialpaid (04-24), ontime (04-30: its renewal comes 04-20). P2: nothing.
  '2027-04-19': { P1: ['trialpaid', 'ontime'] },
  // [05-17, 06-13]: late1, late3, late6 (06-02); ontime was renewed 05-21 (L 06-30).
  '2027-05-31': { P1: ['late1', 'late3', 'late6'] },
  // [06-21, 07-18]: late1 (07-02), late3 (07-04), late6 (07-07), itslocal's trial (07-06).
  '2027-07-05': { P1: ['late1', 'late3', 'late6', 'itslocal'] },
  // [07-19, 08-15]: deferpaid (07-31 that morning: its deferral comes later that day), deferonL
  // (deferred to 08-07); ontime renewed 07-21 (08-31); itslocal's trial (07-06) is out.
  '2027-08-02': { P1: ['deferpaid', 'deferonL'] },
  // [08-30, 09-26]: shortext and deferpaid (09-01), itslocal (ITS 09-06), cancelled (09-08),
  // outage3 (09-11), outage2 (09-17), outage1 (09-18); ontime's L 09-30 is out.
  '2027-09-13': { P1: ['shortext', 'deferpaid', 'itslocal', 'cancelled', 'outage3', 'outage2', 'outage1'] },
  // [09-27, 10-24]: nothing (ontime 10-31, twomains 11-03): no mail to anyone.
  '2027-10-11': {},
  // [10-18, 11-14]: twomains's PROF (11-03); oct31 (11-30) and ontime (11-30) are out.
  '2027-11-01': { P1: ['twomains'] },
  // [11-15, 12-12]: oct31 (11-30); ontime renewed 11-20 (12-31).
  '2027-11-29': { P1: ['oct31'] },
  // [12-13, 2028-01-09]: twomains's BASIC (01-03), renewLm1 (01-05); ontime renewed 12-21 (01-31).
  '2027-12-27': { P1: ['twomains', 'renewLm1'] },
  // [01-31, 02-27]: renewLm1 (renewed: 02-05); ontime, jan31, leapyear (02-29) are out.
  '2028-02-14': { P1: ['renewLm1'] },
  // [02-14, 03-12]: ontime, jan31, leapyear (02-29).
  '2028-02-28': { P1: ['ontime', 'jan31', 'leapyear'] },
  // the 36 months only: [2029-02-12, 03-11]: feb28 (P1), jan31b (P2), both 2029-02-28.
  '2029-02-26': { P1: ['feb28'], P2: ['jan31b'] },
  // [2030-02-11, 03-10]: year3 (2030-03-04).
  '2030-02-25': { P2: ['year3'] },
};

// ---- helpers --------------------------------------------------------------------------------
const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;
const PW = 'a-good-password-1';
const INFO = {
  legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
  phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null, leave_comment: '',
};

/** The next day of a YYYY-MM-DD date (a calendar step, not a rule under test). */
export function nextDay(d) {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
}

/** Runs `oblako jobs run NAME...` on the test database at the test clock. */
function runJobs(db, names, extra = []) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['jobs', 'run', ...names, '--db', db, '--test-clock', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => { out += b; });
    p.stderr.on('data', (b) => { err += b; });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`jobs run ${names.join(' ')}: exit ${code}\n${err}`))));
  });
}

/**
 * Drives the timeline from FIRST_DAY through `lastDay` on ctx ({s, db, admin, env}).
 * Returns {subs: key → {id, email, owner, ...}, P1, P2, timings}.
 */
export async function runTimeline(ctx, lastDay, { onDay } = {}) {
  const outage = new Set(OUTAGE);
  const subs = {};
  const partners = {};
  const t = { jobs: 0, steps: 0, days: 0 };
  const clockTo = async (day) => {
    const r = await ctx.s.fetch('/api/v1/test/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ now: `${day}T10:00:00+03:00` }),
    });
    assert.equal(r.status, 200, await r.text());
  };
  const signIn = async (email, password = PW) => {
    const c = new Client(ctx.s);
    const r = await c.login(email, password);
    assert.equal(r.status, 200, `${email}: ${JSON.stringify(r.body)}`);
    return c;
  };
  const admin = async () => signIn(ctx.env.email, ctx.env.password);

  const steps = [];
  for (const sc of SCENARIOS) {
    steps.push([sc.born, sc, ['create']]);
    for (const st of sc.steps) steps.push([st[0], sc, st.slice(1)]);
  }

  for (let day = FIRST_DAY; day <= lastDay; day = nextDay(day)) {
    await clockTo(day);
    t.days++;
    if (day === FIRST_DAY) {
      // the partners and their people, before anything else
      const a = await admin();
      const c = { ...ctx, admin: a };
      for (const name of ['P1', 'P2']) {
        const p = await newPartner(c);
        p.operator = await newEmployee(c, p, ['operator']);
        p.consultant = await newEmployee(c, p, ['consultant']);   // gets no digest
        partners[name] = p;
      }
      // the partner's own offsets, as the provider sets them
      const o = await a.patch(`/api/v1/partners/${partners.P2.id}`, { reminder_offsets: P2_OFFSETS });
      assert.equal(o.status, 200, JSON.stringify(o.body));
    }
    if (!outage.has(day)) {
      const t0 = performance.now();
      const jobs = () => ctx.s.fetch('/api/v1/test/jobs', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ names: DAILY }),
      });
      if (day === TWICE) {
        // two at once: the lease lets one run (the other is 409) or they run one after the other
        const rs = await Promise.all([jobs(), jobs()]);
        const st = rs.map((r) => r.status).sort();
        assert.ok(st[0] === 200 && [200, 409].includes(st[1]), `${day}: two runs at once: ${st}`);
      } else {
        const r = await jobs();
        assert.equal(r.status, 200, `${day}: ${await r.text()}`);
      }
      t.jobs += performance.now() - t0;
    }
    const today = steps.filter(([d]) => d === day);
    if (today.length) {
      const t0 = performance.now();
      const signed = {};
      const as = async (who) => {
        if (!signed[who]) {
          if (who === 'admin') signed[who] = await admin();
          else signed[who] = await signIn(partners[who].email);
        }
        return signed[who];
      };
      for (const [, sc, [what, ...args]] of today) {
        await step(ctx, day, sc, what, args, { as, subs, signIn, partners });
      }
      t.steps += performance.now() - t0;
    }
    if (onDay) await onDay(day, { subs, partners });
  }
  return { subs, partners, timings: t };
}

async function step(ctx, day, sc, what, args, { as, subs, signIn, partners }) {
  const p = await as(sc.partner);
  const s = subs[sc.key];
  const ok = (r, status, label) => assert.equal(r.status, status, `${sc.key} ${day} ${label}: ${JSON.stringify(r.body)}`);
  if (what === 'create') {
    const email = uniqueEmail(sc.key.toLowerCase());
    const r = await p.post('/api/v1/subscribers', { name: `ООО «${sc.key}»`, owner_email: email });
    ok(r, 201, 'create');
    ok(await p.put(`/api/v1/subscribers/${r.body.id}/info`, INFO), 200, 'info');
    const owner = await activate(ctx.s, ctx.db, email, PW);
    const x = { id: r.body.id, email, owner, subs: [] };
    if (sc.lang) query(ctx.db, `UPDATE persons SET lang = ${sq(sc.lang)} WHERE email = ${sq(email)}`);
    if (sc.admin) {
      x.adminEmail = uniqueEmail(`${sc.key.toLowerCase()}-admin`);
      ok(await owner.post(`/api/v1/subscribers/${x.id}/users`, { email: x.adminEmail, roles: ['administrator'] }), 202, 'admin');
      await activate(ctx.s, ctx.db, x.adminEmail, PW);
    }
    if (sc.user) {
      x.userEmail = uniqueEmail(`${sc.key.toLowerCase()}-user`);
      ok(await owner.post(`/api/v1/subscribers/${x.id}/users`, { email: x.userEmail, roles: ['user'] }), 202, 'user');
      await activate(ctx.s, ctx.db, x.userEmail, PW);
    }
    subs[sc.key] = x;
    return;
  }
  if (what === 'main') {
    const [term, tariff = 'ITSaaS-PROF'] = args;
    const r = await p.post('/api/v1/subscriptions', { subscriber: s.id, kind: 'main', tariff, term_months: term });
    ok(r, 201, `main ${tariff} ${term}`);
    s.subs.push(r.body);
    return;
  }
  if (what === 'defer' || what === 'short') {
    const owner = await signIn(s.email);
    const kind = what === 'defer' ? 'deferred_renewal' : 'short_extension';
    const r = await owner.post('/api/v1/subscriptions', { subscriber: s.id, kind });
    ok(r, 201, kind);
    s.subs.push(r.body);
    return;
  }
  if (what === 'cancel-file') {
    // the request flow (R-SUB-2): the partner files, the provider applies
    const last = s.subs[s.subs.length - 1];
    const r = await p.post('/api/v1/requests', { kind: 'subscription_cancel', subscription: last.id, reason: 'the client asked' });
    ok(r, 201, 'cancel request');
    s.request = r.body.id;
    return;
  }
  if (what === 'cancel-apply') {
    const a = await as('admin');
    ok(await a.post(`/api/v1/requests/${s.request}/decision`, { decision: 'apply', note: 'ok' }), 200, 'cancel apply');
    return;
  }
  if (what === 'its') {
    const [from, to] = args;
    const a = await as('admin');
    const partnerId = partners[sc.partner].id;
    const c = await a.post('/api/v1/its-contracts', {
      number: `ITS-TT-${s.id}`, level: 'PROF', partner: partnerId, subscriber: s.id, valid_from: from, valid_to: to,
    });
    ok(c, 201, 'its contract');
    const r = await p.post('/api/v1/subscriptions', { subscriber: s.id, kind: 'its_local' });
    ok(r, 201, 'its_local');
    s.subs.push(r.body);
    return;
  }
  throw new Error(`unknown step ${what}`);
}

// ---- reading what was sent ------------------------------------------------------------------

/** The reminders ledger as lines comparable with REMINDERS / SKIPPED. */
export function ledger(db, subs) {
  const byId = new Map(Object.entries(subs).map(([k, v]) => [String(v.id), k]));
  const rows = query(db, `SELECT r.id, r.subscriber_id, r.chain, r.offset_days, r.last_day, r.due_day, r.sent_day,
                                 r.state, r.late, (SELECT COUNT(*) FROM reminder_mails m WHERE m.reminder_id = r.id)
                          FROM reminders r ORDER BY r.sent_day, r.subscriber_id, r.offset_days`);
  return rows.map(([id, sub, chain, off, last, due, sent, state, late, mails]) => ({
    id: Number(id), key: byId.get(sub) ?? `#${sub}`, chain, offset: Number(off), last, due, sent, state,
    late: Number(late) !== 0, mails: Number(mails),
  }));
}

export const line = (key, sent, offset, last, late) => `${key} ${sent} ${offset > 0 ? '+' : ''}${offset} through ${last}${late ? ' late' : ''}`;

/** The digest mails: [{id, to, day (service date), body}] of the outbox rows whose template names a digest. */
export function digestMails(db, engine) {
  const nl = engine === 'sqlite' ? 'char(10)' : 'chr(10)';
  const rows = query(db, `SELECT id, to_addr, created_at, REPLACE(REPLACE(body_text, ${nl}, ' '), '\t', ' ')
                          FROM outbox WHERE template LIKE '%digest%' ORDER BY id`);
  return rows.map(([id, to, at, body]) => ({
    id: Number(id), to, body,
    // created_at is the business clock's instant (seconds); the service time zone is UTC+3
    day: new Date((Number(at) + 3 * 3600) * 1000).toISOString().slice(0, 10),
  }));
}

/** The outbox rows of an address: [{template, lang, day}]. */
function mailsTo(db, email) {
  return query(db, `SELECT template, lang, created_at FROM outbox WHERE to_addr = ${sq(email)} ORDER BY id`)
    .map(([template, lang, at]) => ({ template, lang, day: new Date((Number(at) + 3 * 3600) * 1000).toISOString().slice(0, 10) }));
}

const isMonday = (d) => new Date(`${d}T00:00:00Z`).getUTCDay() === 1;

/**
 * Registers the suite: one server (jobs off), the timeline from FIRST_DAY through lastDay,
 * then the comparisons with the hand tables. Timings go to the test's diagnostics.
 */
export function defineSuite({ test, before, after, diagnostic }, name, lastDay) {
  let ctx;
  let sink;
  let run;
  const t0 = performance.now();

  before(async () => {
    const { provisionedDb } = await import('./session.js');
    const { startServer, engine } = await import('./server.js');
    const { startSink } = await import('./smtp.js');
    const env = await provisionedDb(name);
    const s = await startServer({ db: env.db, jobs: false });
    ctx = { s, env, db: env.db, engine };
    sink = await startSink({ port: 0 });
    run = await runTimeline(ctx, lastDay);
    run.timings.total = performance.now() - t0;
  });
  after(async () => {
    await sink?.stop();
    assert.equal(await ctx?.s.stop(), 0);
  });

  test(`R-NOT-1: every reminder sent from ${FIRST_DAY} through ${lastDay} is the hand table's line, once`, async (t) => {
    const tm = run.timings;
    t.diagnostic(`${tm.days} days in ${(tm.total / 1000).toFixed(1)} s: daily jobs ${(tm.jobs / 1000).toFixed(1)} s, postings ${(tm.steps / 1000).toFixed(1)} s`);
    const rows = ledger(ctx.db, run.subs);
    const got = rows.filter((r) => r.state === 'sent').map((r) => line(r.key, r.sent, r.offset, r.last, r.late));
    const want = REMINDERS.filter(([, sent]) => sent <= lastDay).map(([k, sent, off, last, late]) => line(k, sent, off, last, late));
    assert.deepEqual([...got].sort(), [...want].sort(), 'the reminders sent differ from the hand table (R-NOT-1)');
    // skipped: only what the outage passed, and never sent as well
    const skipped = rows.filter((r) => r.state === 'skipped').map((r) => `${r.key} ${r.offset} through ${r.last}`);
    assert.deepEqual(skipped.sort(), SKIPPED.map(([k, off, last]) => `${k} ${off} through ${last}`).sort());
    // a sent line's due day is L + offset, and late exactly when sent after it
    for (const r of rows.filter((x) => x.state === 'sent')) {
      assert.equal(r.late, r.sent > r.due, `${line(r.key, r.sent, r.offset, r.last, r.late)}: due ${r.due}`);
    }
  });

  test('R-NOT-1: each reminder is mailed to the owner and the administrators, in their language; a user and the partner get none', async () => {
    const rows = ledger(ctx.db, run.subs).filter((r) => r.state === 'sent');
    for (const r of rows) {
      assert.equal(r.mails, r.key === 'withadmin' ? 2 : 1, `${line(r.key, r.sent, r.offset, r.last, r.late)}: mails`);
    }
    const reminder = (m) => /remind/.test(m.template);
    const wa = run.subs.withadmin;
    const owners = mailsTo(ctx.db, wa.email).filter(reminder).map((m) => m.day);
    const admins = mailsTo(ctx.db, wa.adminEmail).filter(reminder).map((m) => m.day);
    assert.deepEqual(owners, ['2027-03-24', '2027-03-28', '2027-03-31', '2027-04-05']);
    assert.deepEqual(admins, owners, 'the administrator gets each one too');
    assert.deepEqual(mailsTo(ctx.db, wa.userEmail).filter(reminder), [], 'a user gets none');
    for (const p of Object.values(run.partners)) {
      for (const who of [p.email, p.operator.email, p.consultant.email]) {
        assert.deepEqual(mailsTo(ctx.db, who).filter(reminder), [], `${who}: reminders are the client's`);
      }
    }
    // the late one says so (outage1's L−3, sent 09-17); the others do not
    const late = (key) => query(ctx.db, `SELECT COUNT(*) FROM outbox WHERE to_addr = ${sq(run.subs[key].email)}
                                          AND body_text LIKE '%с опозданием%'`)[0][0];
    assert.equal(late('outage1'), '1');
    assert.equal(late('outage2'), '0');
    const en = mailsTo(ctx.db, run.subs.english.email).filter(reminder);
    assert.equal(en.length, 4);
    assert.ok(en.every((m) => m.lang === 'en'), 'english owner: mails in English');
    assert.ok(mailsTo(ctx.db, run.subs.trial.email).filter(reminder).every((m) => m.lang === 'ru'));
  });

  test('R-NOT-2: digests on the named Mondays list the hand table\'s clients to each partner\'s operators; none on other days', async () => {
    const mails = digestMails(ctx.db, ctx.engine);
    const operators = new Map(Object.entries(run.partners).map(([k, p]) => [p.operator.email, k]));
    for (const m of mails) {
      assert.ok(isMonday(m.day), `a digest on ${m.day}, not a Monday`);
      assert.ok(operators.has(m.to), `a digest to ${m.to}, not an operator`);
    }
    const keys = SCENARIOS.map((s) => s.key);
    for (const [monday, want] of Object.entries(DIGESTS)) {
      if (monday > lastDay) continue;
      for (const [pk, p] of Object.entries(run.partners)) {
        const got = mails.filter((m) => m.day === monday && m.to === p.operator.email);
        const list = want[pk] ?? [];
        if (!list.length) {
          assert.equal(got.length, 0, `${monday} ${pk}: nothing to list, no mail`);
          continue;
        }
        assert.equal(got.length, 1, `${monday} ${pk}: one digest`);
        const listed = keys.filter((k) => got[0].body.includes(`«${k}»`));
        assert.deepEqual(listed.sort(), [...list].sort(), `${monday} ${pk}: the clients listed`);
      }
    }
  });

  test('R-OPS-3: the daily jobs run again on the last day, from the command line, send nothing new', async () => {
    const before = query(ctx.db, 'SELECT COUNT(*) FROM outbox')[0][0];
    const n = query(ctx.db, 'SELECT COUNT(*) FROM reminders')[0][0];
    await runJobs(ctx.db, ['reminders', 'digest']);
    assert.equal(query(ctx.db, 'SELECT COUNT(*) FROM outbox')[0][0], before);
    assert.equal(query(ctx.db, 'SELECT COUNT(*) FROM reminders')[0][0], n);
  });

  test('R-NOT-1 through the mail server: "по DD.MM.YYYY" in Russian, "through" in English, the new L after a deferral', async () => {
    // only the mails of two owners go out (the others wait: their tasks are put off), so the
    // delivery takes a second, not the minute of every mail of the year
    const keep = query(ctx.db, `SELECT id FROM outbox WHERE to_addr IN (${sq(run.subs.deferonL.email)}, ${sq(run.subs.english.email)})`)
      .map(([id]) => sq(`{"outbox":${id}}`));
    assert.ok(keep.length >= 8, `${keep.length} mails to the two owners`);
    query(ctx.db, `UPDATE tasks SET run_after = 4102444800 WHERE kind = 'mail.send' AND state = 'queued'
                   AND payload NOT IN (${keep.join(', ')})`);
    // asynchronously: the sink answers in this process
    await runJobs(ctx.db, ['tasks'], ['--smtp-url', sink.url]);
    const { parseMessage } = await import('./smtp.js');
    // the text/plain part of a multipart message (the mail has text and HTML)
    const plain = (m) => {
      const b = /boundary="([^"]+)"/.exec(m.headers['content-type'] || '');
      if (!b) return m.text ?? '';
      const ps = m.raw.split(`--${b[1]}`).slice(1, -1).map((x) => parseMessage(x.replace(/^\r\n/, '')));
      return ps.find((x) => /text\/plain/.test(x.headers['content-type'] || ''))?.text ?? '';
    };
    const to = (email) => sink.messages.filter((m) => m.to.includes(email)).map((m) => ({ ...m, text: plain(m) }));
    const d = to(run.subs.deferonL.email).map((m) => m.text).filter((x) => /по \d\d\.\d\d\.\d{4}/.test(x));
    const all = d.join('\n---\n');
    assert.equal(d.length, 4, `deferonL: four reminders delivered:\n${all}`);
    // L (07-31): "through 31.07.2027" and the deferred renewal offered (R-SUB-5: from L on)
    const onL = d.filter((x) => /сегодня: по 31\.07\.2027 включительно/.test(x));
    assert.equal(onL.length, 1, all);
    assert.match(onL[0], /отложенное продление/);
    // +5 (08-12) says the deferral's L, 07.08.2027, and offers no second deferral
    const after = d.filter((x) => /по 07\.08\.2027 включительно/.test(x));
    assert.equal(after.length, 1, all);
    assert.doesNotMatch(after[0], /отложенное продление/);
    // how to renew: the partner's contacts in every one
    assert.ok(d.every((x) => x.includes('+7 (495) 123-45-67')), all);
    const e = to(run.subs.english.email).map((m) => m.text).filter((x) => /through/.test(x));
    assert.equal(e.length, 4, e.join('\n---\n'));
    assert.ok(e.some((x) => /ends today: through 31 Mar\w* 2027/.test(x)), e.join('\n---\n'));
  });
}
