// SMTP sink for end-to-end tests: plain SMTP on loopback, no AUTH, no STARTTLS.
//
//   const sink = await startSink({ port: 0 });
//   sink.url                       'smtp://127.0.0.1:PORT'
//   sink.messages                  [{from, to: [...], raw, subject, headers, body, text}]
//   sink.rejected                  [{from, to: [...], code, phase}] transactions refused
//   sink.setMode('451' | '550' | 'ok' | '451-then-ok', {count = 1, phase = 'rcpt'})
//   await sink.waitFor(n, timeoutMs)   resolves with messages once there are at least n
//   await sink.stop(); await sink.restart()   (restart listens on the same port)
//   sink.clear()
//
// Modes: 'ok' accepts; '451' / '550' refuse every transaction with that code; '451-then-ok'
// refuses the next `count` transactions with 451, then accepts. `phase` is the SMTP command
// that gets the refusal: 'mail', 'rcpt' (default) or 'data' (after the message is sent).

import { SMTPServer } from 'smtp-server';

const REPLIES = {
  451: '4.7.1 Temporarily unavailable, try again later',
  550: '5.1.1 Mailbox unavailable',
};

function decodeCharset(bytes, charset) {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

function decodeQ(text) {
  const out = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '_') out.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c.charCodeAt(0) & 0xff);
  }
  return Uint8Array.from(out);
}

/** Decodes RFC 2047 encoded words (B and Q). Adjacent words separated by whitespace join. */
export function decodeMimeWords(value) {
  const re = /=\?([^?*\s]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;
  // Whitespace between two encoded words is dropped (RFC 2047, 6.2).
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  // Concatenate bytes of consecutive words with the same charset before decoding,
  // so a multi-byte character split across two words survives.
  let result = '';
  let last = 0;
  let pending = null; // {charset, bytes[]}
  const flush = () => {
    if (pending) {
      result += decodeCharset(Uint8Array.from(pending.bytes), pending.charset);
      pending = null;
    }
  };
  let m;
  while ((m = re.exec(joined)) !== null) {
    if (m.index > last) {
      flush();
      result += joined.slice(last, m.index);
    }
    const [, charset, enc, text] = m;
    const bytes = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQ(text);
    if (pending && pending.charset.toLowerCase() !== charset.toLowerCase()) flush();
    if (!pending) pending = { charset, bytes: [] };
    pending.bytes.push(...bytes);
    last = re.lastIndex;
  }
  flush();
  result += joined.slice(last);
  return result;
}

function decodeQuotedPrintable(s) {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'latin1'));
    }
  }
  return Buffer.from(bytes);
}

/**
 * Parses a raw message: {headers: {lowercase name: decoded value (last wins)},
 * headerList: [[name, raw value]], body (raw), text (body decoded by its
 * Content-Transfer-Encoding and charset when the message is not multipart), subject}.
 */
export function parseMessage(raw) {
  const rawStr = Buffer.isBuffer(raw) ? raw.toString('latin1') : raw;
  const sep = rawStr.search(/\r?\n\r?\n/);
  const head = sep >= 0 ? rawStr.slice(0, sep) : rawStr;
  const body = sep >= 0 ? rawStr.slice(sep).replace(/^\r?\n\r?\n/, '') : '';
  const headerList = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headerList.length) {
      headerList[headerList.length - 1][1] += line.replace(/^[ \t]+/, ' ');
    } else {
      const i = line.indexOf(':');
      if (i > 0) headerList.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  const headers = {};
  for (const [name, value] of headerList) {
    // Header bytes are latin1 here; undo that for raw UTF-8 headers before decoding words.
    const utf8 = Buffer.from(value, 'latin1').toString('utf8');
    headers[name.toLowerCase()] = decodeMimeWords(utf8);
  }
  const ctype = headers['content-type'] || 'text/plain';
  const cte = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  const charset = (/charset="?([^";\s]+)"?/i.exec(ctype) || [, 'utf-8'])[1];
  let text;
  if (!/^multipart\//i.test(ctype)) {
    let bytes;
    if (cte === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    else if (cte === 'quoted-printable') bytes = decodeQuotedPrintable(body);
    else bytes = Buffer.from(body, 'latin1');
    text = decodeCharset(bytes, charset);
  }
  return { headers, headerList, body: Buffer.from(body, 'latin1').toString('utf8'), text, subject: headers.subject };
}

export async function startSink({ port = 0 } = {}) {
  const messages = [];
  const rejected = [];
  const waiters = new Set();
  let mode = 'ok';
  let phase = 'rcpt';
  let remaining = 0; // for 451-then-ok
  let server = null;
  let boundPort = port;

  // Decides, once per transaction (at MAIL FROM), whether and how it is refused.
  function fate() {
    if (mode === '451' || mode === '550') return Number(mode);
    if (mode === '451-then-ok' && remaining > 0) {
      remaining--;
      return 451;
    }
    return 0;
  }

  function refuse(session, code, when, callback, extraTo = []) {
    const env = session.envelope;
    rejected.push({
      from: env.mailFrom ? env.mailFrom.address : null,
      to: [...env.rcptTo.map((r) => r.address), ...extraTo],
      code,
      phase: when,
    });
    const err = new Error(REPLIES[code]);
    err.responseCode = code;
    callback(err);
    return rejected[rejected.length - 1];
  }

  function notify() {
    for (const w of waiters) w();
  }

  function makeServer() {
    return new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideSTARTTLS: true,
      logger: false,
      banner: 'oblako test sink',
      size: 50 * 1024 * 1024,
      closeTimeout: 100,
      onConnect(session, callback) {
        callback();
      },
      onMailFrom(address, session, callback) {
        const code = fate();
        session.envelope.oblakoFate = { code, phase };
        if (code && phase === 'mail') {
          rejected.push({ from: address.address, to: [], code, phase: 'mail' });
          const err = new Error(REPLIES[code]);
          err.responseCode = code;
          return callback(err);
        }
        callback();
      },
      onRcptTo(address, session, callback) {
        const f = session.envelope.oblakoFate || { code: 0 };
        if (f.code && f.phase === 'rcpt') {
          if (!f.recorded) {
            f.recorded = refuse(session, f.code, 'rcpt', callback, [address.address]);
            return undefined;
          }
          f.recorded.to.push(address.address);
          const err = new Error(REPLIES[f.code]);
          err.responseCode = f.code;
          return callback(err);
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('error', (err) => callback(err));
        stream.on('end', () => {
          const f = session.envelope.oblakoFate || { code: 0 };
          if (stream.sizeExceeded) {
            const err = new Error('5.3.4 Message too big');
            err.responseCode = 552;
            return callback(err);
          }
          if (f.code) return refuse(session, f.code, 'data', callback);
          const rawBuf = Buffer.concat(chunks);
          const parsed = parseMessage(rawBuf);
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: rawBuf.toString('utf8'),
            subject: parsed.subject,
            headers: parsed.headers,
            body: parsed.body,
            text: parsed.text,
          });
          callback(null, 'Queued');
          notify();
        });
      },
    });
  }

  function listen() {
    server = makeServer();
    server.on('error', () => { /* client errors are not test failures */ });
    return new Promise((resolve, reject) => {
      const onErr = (err) => reject(err);
      server.server.once('error', onErr);
      server.listen(boundPort, '127.0.0.1', () => {
        server.server.off('error', onErr);
        boundPort = server.server.address().port;
        resolve();
      });
    });
  }

  function close() {
    const s = server;
    server = null;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.close(() => resolve());
      for (const c of s.connections) {
        try { c.close(); } catch { /* ignore */ }
      }
    });
  }

  await listen();

  const sink = {
    get port() { return boundPort; },
    get url() { return `smtp://127.0.0.1:${boundPort}`; },
    get mode() { return mode; },
    messages,
    rejected,
    setMode(m, { count = 1, phase: ph = 'rcpt' } = {}) {
      if (!['ok', '451', '550', '451-then-ok'].includes(String(m))) throw new Error(`bad sink mode ${m}`);
      if (!['mail', 'rcpt', 'data'].includes(ph)) throw new Error(`bad sink phase ${ph}`);
      mode = String(m);
      phase = ph;
      remaining = mode === '451-then-ok' ? count : 0;
    },
    clear() {
      messages.length = 0;
      rejected.length = 0;
    },
    waitFor(n, timeoutMs = 10_000) {
      if (messages.length >= n) return Promise.resolve(messages);
      return new Promise((resolve, reject) => {
        const w = () => {
          if (messages.length >= n) {
            clearTimeout(t);
            waiters.delete(w);
            resolve(messages);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`SMTP sink: ${messages.length} of ${n} messages after ${timeoutMs} ms` +
            (rejected.length ? ` (${rejected.length} refused)` : '')));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    async stop() {
      await close();
    },
    async restart() {
      await close();
      await listen();
    },
  };
  return sink;
}
