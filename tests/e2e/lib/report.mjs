// A node --test reporter for tests/run.sh: the lines it reads from a run, in one file.
//   # pass N, # fail N, # cancelled N, …   the run's totals, as TAP writes them
//   skip|todo <TAB> FILE <TAB> TEST NAME <TAB> REASON   one line per skipped or todo test
//   fail <TAB> FILE <TAB> TEST NAME <TAB> ERROR           one line per failed test (run.sh
//                                                        repeats them at the very end, where a
//                                                        CI log's tail shows them)
//   file <TAB> FILE <TAB> SECONDS                        per file (at the end): from the start of
//                                                        its first test (arrival less its own time)
//                                                        to its last result's arrival
// FILE is relative to the working directory. run.sh prints the skips and fails on one that is
// not on its list of expected skips. It is used beside the spec reporter instead of TAP, which
// does not say which file a skipped test is in (and a third reporter makes node warn).
import path from 'node:path';

const flat = (s) => String(s).replace(/[\t\n\r]+/g, ' ');

export default async function* report(source) {
  const seen = new Map();   // file -> [first, last] arrival, ms
  const t0 = Date.now();
  for await (const ev of source) {
    const d = ev.data;
    if (d && d.file && (ev.type === 'test:pass' || ev.type === 'test:fail')) {
      const f = path.relative(process.cwd(), d.file);
      const now = Date.now();
      const start = now - (d.details?.duration_ms ?? 0);
      const span = seen.get(f) || [start, now];
      span[0] = Math.min(span[0], start);
      span[1] = now;
      seen.set(f, span);
    }
    if (ev.type === 'test:diagnostic' && d.nesting === 0 && !d.file) {
      yield `# ${flat(d.message)}\n`;
      continue;
    }
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    if (ev.type === 'test:fail' && d.details?.error?.failureType !== 'subtestsFailed') {
      const file = d.file ? path.relative(process.cwd(), d.file) : '?';
      const err = d.details?.error;
      const msg = flat(err?.cause?.message ?? err?.message ?? '').slice(0, 300);
      yield `fail\t${file}\t${flat(d.name)}\t${msg}\n`;
    }
    for (const kind of ['skip', 'todo']) {
      if (d[kind] === undefined || d[kind] === false) continue;
      const reason = d[kind] === true ? '' : flat(d[kind]);
      const file = d.file ? path.relative(process.cwd(), d.file) : '?';
      yield `${kind}\t${file}\t${flat(d.name)}\t${reason}\n`;
    }
  }
  for (const [f, [a, b]] of seen) yield `file\t${f}\t${((b - Math.max(a, t0)) / 1000).toFixed(1)}\n`;
}
