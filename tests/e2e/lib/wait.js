// Waiting in tests, the two ways there are: for something to happen, and for
// something not to.
//
//   await eventually(fn, { what, timeout })   polls fn until it returns a truthy value and
//                                             returns it
//   await never(fn, { until, what })          fn must stay falsy until the signal `until`
//                                             resolves; it is checked once more after
//
// eventually: fn may also assert. An AssertionError means "not yet": after the timeout
// (default 20 s; generous, since a timeout only decides how long a failing test takes) the
// last one is thrown, with `what` in front of its message. Any other error fails at once.
//
// never: a test that something does NOT happen must not sleep and look, because a sleep
// proves nothing about a slow machine and costs its length on a fast one. It waits instead
// for a signal that the thing would have happened by then if it were going to: the job run
// of a later period is recorded, the message's task reached a final state and the job
// runner has finished a task enqueued after that, a later marker mail arrived. `until` is
// that signal, a promise or a function returning one (which should time out by itself, as
// eventually() does). fn returns something truthy when the unwanted thing has happened
// (a description of it, ideally); it is checked while the signal is pending, to fail
// early, and once more after the signal.
import assert from 'node:assert/strict';

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn() until it returns a truthy value, which it returns; see the head of the file. */
export async function eventually(fn, { what, timeout = 20_000, interval = 100 } = {}) {
  assert.ok(what, 'eventually() needs { what } for its failure message');
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = undefined;
    } catch (e) {
      if (!(e instanceof assert.AssertionError)) throw e;
      last = e;
    }
    if (Date.now() >= end) break;
    await delay(interval);
  }
  if (last) {
    last.message = `timed out after ${timeout} ms waiting for ${what}: ${last.message}`;
    throw last;
  }
  throw new assert.AssertionError({ message: `timed out after ${timeout} ms waiting for ${what}` });
}

/** Checks that fn() stays falsy until the signal `until` resolves, and once more after it. */
export async function never(fn, { until, what, interval = 50 } = {}) {
  assert.ok(what, 'never() needs { what } for its failure message');
  assert.ok(until, 'never() needs a signal { until }, not a length of time');
  let settled = false;
  const signal = Promise.resolve(typeof until === 'function' ? until() : until)
    .finally(() => { settled = true; });
  signal.catch(() => {}); // handled below; a check that fails first must not leave it unhandled
  const check = async (when) => {
    const v = await fn();
    if (v) {
      const seen = typeof v === 'string' ? v : JSON.stringify(v);
      throw new assert.AssertionError({ message: `${what} happened ${when}: ${seen}` });
    }
  };
  while (!settled) {
    await check('while waiting for the signal');
    await Promise.race([signal.catch(() => {}), delay(interval)]);
  }
  await signal;
  await check('by the signal');
}
