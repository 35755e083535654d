// bench/memory_conns.mjs - bench/memory.sh's measure of the memory an open HTTP connection
// holds in the server: N keep-alive connections each send one GET /healthz and stay open;
// the server's VmRSS is read before and once all have been answered (within the server's
// head deadline, 10 s, after which it closes idle connections). Node 20, built-ins only.
//
//   node bench/memory_conns.mjs URL PID N
//
// Prints "conns: N connections open, VmRSS A -> B MiB, X KiB each".
import net from 'node:net';
import { readFileSync } from 'node:fs';

const [url, pid, count] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const before = rss();
const socks = [];
await Promise.all(Array.from({ length: Number(count) }, () => new Promise((resolve, reject) => {
  const s = net.connect(Number(port), hostname, () => s.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`));
  let got = '';
  s.on('data', (d) => { got += d; if (got.includes('\r\n\r\n') && /ok/.test(got)) resolve(); });
  s.on('error', reject);
  socks.push(s);
})));
await new Promise((r) => setTimeout(r, 500));
const after = rss();
console.log(`conns: ${count} connections open, VmRSS ${(before / 1024).toFixed(1)} -> ${(after / 1024).toFixed(1)} MiB, ` +
  `${((after - before) / Number(count)).toFixed(1)} KiB each`);
for (const s of socks) s.destroy();
