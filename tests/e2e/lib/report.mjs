// A node --test reporter for tests/run.sh: the lines it reads from a run, in one file.
//   # pass N, # fail N, # cancelled N, …   the run's totals, as TAP writes them
//   skip|todo <TAB> FILE <TAB> TEST NAME <TAB> REASON   one line per skipped or todo test
// FILE is relative to the working directory. run.sh prints the skips and fails on one that is
// not on its list of expected skips. It is used beside the spec reporter instead of TAP, which
// does not say which file a skipped test is in (and a third reporter makes node warn).
import path from 'node:path';

const flat = (s) => String(s).replace(/[\t\n\r]+/g, ' ');

export default async function* report(source) {
  for await (const ev of source) {
    const d = ev.data;
    if (ev.type === 'test:diagnostic' && d.nesting === 0 && !d.file) {
      yield `# ${flat(d.message)}\n`;
      continue;
    }
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    for (const kind of ['skip', 'todo']) {
      if (d[kind] === undefined || d[kind] === false) continue;
      const reason = d[kind] === true ? '' : flat(d[kind]);
      const file = d.file ? path.relative(process.cwd(), d.file) : '?';
      yield `${kind}\t${file}\t${flat(d.name)}\t${reason}\n`;
    }
  }
}
