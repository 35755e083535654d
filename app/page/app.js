// The cash book page: talks only to its own backend (docs/app-backend.md).
// It keeps the Oblako session alive with /api/heartbeat, stops when the
// session is over, and closes it on pagehide.

const ru = (navigator.language || '').toLowerCase().startsWith('ru');
const T = ru ? {
  title: 'Кассовая книга', addTitle: 'Новая запись', date: 'Дата', kind: 'Вид', income: 'Приход',
  expense: 'Расход', amountRub: 'Сумма, ₽', comment: 'Комментарий', add: 'Добавить',
  entries: 'Записи', balance: 'Остаток', amount: 'Сумма', actions: 'Действия',
  empty: 'Записей пока нет.', more: 'Показать ещё', del: 'Удалить', confirmDel: 'Удалить запись?',
  count: (n) => `(записей: ${n})`,
  open: 'сеанс открыт', closed: 'сеанс закрыт', expired: 'сеанс истёк', blocked: 'доступ заблокирован',
  replaced: 'сеанс заменён',
  overClosed: 'Сеанс закрыт. Чтобы продолжить, откройте информационную базу ещё раз из Облака.',
  overExpired: 'Сеанс истёк: окно долго не отвечало. Откройте информационную базу ещё раз из Облака.',
  overBlocked: 'Абонент заблокирован, сеанс завершён. Обратитесь к обслуживающему партнёру.',
  overReplaced: 'В этом браузере открыта другая информационная база; это окно остановлено.',
  noSession: 'Нет сеанса. Откройте информационную базу из Облака.',
  warnBlocked: 'Абонент заблокирован: сеанс скоро завершится. Сохраните работу.',
  warnUpdate: (at) => `Приложение будет обновлено в ${at}: сеанс будет закрыт. Сохраните работу и закройте окно, чтобы обновление прошло раньше.`,
  unreachable: 'Облако не отвечает; работа продолжается, попытка повторится.',
  badAmount: 'Сумма — число больше нуля, не больше двух знаков после запятой, например 1234,50.',
  failed: 'Не удалось выполнить запрос. Попробуйте ещё раз.',
} : {
  title: 'Cash book', addTitle: 'New entry', date: 'Date', kind: 'Kind', income: 'Income',
  expense: 'Expense', amountRub: 'Amount, ₽', comment: 'Comment', add: 'Add',
  entries: 'Entries', balance: 'Balance', amount: 'Amount', actions: 'Actions',
  empty: 'No entries yet.', more: 'Load more', del: 'Delete', confirmDel: 'Delete this entry?',
  count: (n) => `(${n} ${n === 1 ? 'entry' : 'entries'})`,
  open: 'session open', closed: 'session closed', expired: 'session expired', blocked: 'blocked',
  replaced: 'session replaced',
  overClosed: 'The session is closed. Open the data area again from Oblako to go on.',
  overExpired: 'The session expired: this window was silent too long. Open the data area again from Oblako.',
  overBlocked: 'The subscriber is blocked and the session has ended. Contact your service partner.',
  overReplaced: 'Another data area was opened in this browser; this window has stopped.',
  noSession: 'No session. Open a data area from Oblako.',
  warnBlocked: 'The subscriber is blocked: the session will end soon. Save your work.',
  warnUpdate: (at) => `The application will be updated at ${at}: the session will be closed. Save your work and close this window to let the update run sooner.`,
  unreachable: 'Oblako does not answer; work goes on and it will be tried again.',
  badAmount: 'The amount is a number above zero with at most two decimals, like 1234.50.',
  failed: 'The request failed. Please try again.',
};

const $ = (sel) => document.querySelector(sel);
const form = $('#add');
const tbody = $('#entries tbody');
const money = new Intl.NumberFormat(ru ? 'ru-RU' : 'en-US', { maximumFractionDigits: 0 });

let sessionId = null;
let over = false;
let timer = null;
let next = null;

/** Kopecks as "-1 234.50" in the page's language. */
function rub(kop) {
  const abs = Math.abs(kop);
  const frac = String(abs % 100).padStart(2, '0');
  return `${kop < 0 ? '−' : ''}${money.format(Math.trunc(abs / 100))}${ru ? ',' : '.'}${frac}`;
}

/** "1 234,50" or "1234.50" into kopecks, or null. */
function parseAmount(text) {
  const s = text.replace(/[\s\u00a0]/g, '').replace(',', '.');
  const m = /^(\d{1,11})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const kop = Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
  return kop > 0 ? kop : null;
}

function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function showDate(iso) {
  const [y, m, d] = iso.split('-');
  return ru ? `${d}.${m}.${y}` : iso;
}

function banner(text, kind) {
  const b = $('#banner');
  b.textContent = text;
  b.className = `banner ${kind}`;
  b.hidden = !text;
}

function setState(state) {
  const s = $('#state');
  s.textContent = T[state] || state;
  s.className = `badge ${state}`;
}

/** The session is over: stop everything and say why. */
function end(state) {
  if (over) return;
  over = true;
  clearInterval(timer);
  setState(state);
  const why = { expired: T.overExpired, blocked: T.overBlocked, replaced: T.overReplaced };
  banner(why[state] || T.overClosed, 'error');
  for (const el of document.querySelectorAll('form input, form select, form button, #more, .del')) {
    el.disabled = true;
  }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (sessionId !== null) headers['X-Cashbook-Session'] = String(sessionId);
  const opts = { method, headers, credentials: 'same-origin' };
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body || {});
  }
  const r = await fetch(path, opts);
  let json = null;
  if (r.status !== 204) {
    try { json = await r.json(); } catch { /* not JSON */ }
  }
  if (r.status === 401) end('closed');
  if (r.status === 409 && json && json.state) end(json.state);
  return { status: r.status, json };
}

/** What Oblako's heartbeat answer warns of: a blocked subscriber, or an update
 * (docs/app-backend.md) that closes the session at update_at. */
function warning(json) {
  if (json && json.warning === 'blocked') return T.warnBlocked;
  if (json && json.warning === 'update' && json.update_at) {
    const at = new Date(json.update_at);
    const time = at.toLocaleTimeString(ru ? 'ru-RU' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
    return T.warnUpdate(Number.isNaN(at.getTime()) ? json.update_at : time);
  }
  return '';
}

async function heartbeat() {
  if (over) return;
  try {
    const { status, json } = await api('POST', 'api/heartbeat');
    if (status === 200) {
      setState('open');
      banner(warning(json), 'warn');
    } else if (status === 502) {
      banner(T.unreachable, 'warn');
    }
  } catch {
    if (!over) banner(T.unreachable, 'warn');
  }
}

function row(e) {
  const tr = document.createElement('tr');
  const cells = [showDate(e.date), e.comment, rub(e.amount), rub(e.balance)];
  cells.forEach((text, i) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (i >= 2) td.className = 'num';
    if (i === 2) td.classList.add(e.amount < 0 ? 'out' : 'in');
    tr.append(td);
  });
  const td = document.createElement('td');
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'del';
  del.textContent = '×';
  del.title = T.del;
  del.setAttribute('aria-label', T.del);
  del.disabled = over;
  del.addEventListener('click', () => remove(e.id));
  td.append(del);
  tr.append(td);
  return tr;
}

async function load(fresh) {
  const q = new URLSearchParams({ limit: '50' });
  if (!fresh && next) q.set('after', next);
  const { status, json } = await api('GET', `api/entries?${q}`);
  if (status !== 200) return;
  if (fresh) tbody.replaceChildren();
  tbody.append(...json.items.map(row));
  next = json.next;
  $('#more').hidden = !next;
  $('#empty').hidden = json.count > 0;
  $('#total').textContent = rub(json.total);
  $('#count').textContent = T.count(json.count);
}

async function remove(id) {
  if (over || !confirm(T.confirmDel)) return;
  const { status } = await api('DELETE', `api/entries/${id}`);
  if (status === 204 || status === 404) await load(true);
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (over) return;
  const err = $('#form-error');
  for (const el of form.elements) el.removeAttribute('aria-invalid');
  const kop = parseAmount(form.amount.value);
  if (kop === null) {
    err.textContent = T.badAmount;
    form.amount.setAttribute('aria-invalid', 'true');
    form.amount.focus();
    return;
  }
  const entry = {
    date: form.date.value,
    amount: form.kind.value === 'out' ? -kop : kop,
    comment: form.comment.value.trim(),
  };
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const { status, json } = await api('POST', 'api/entries', entry);
    if (status === 201) {
      err.textContent = '';
      form.amount.value = '';
      form.comment.value = '';
      form.amount.focus();
      await load(true);
    } else if (status !== 409 && status !== 401) {
      err.textContent = (json && json.detail) || T.failed;
      const field = json && json.field && form.elements[json.field];
      if (field) field.setAttribute('aria-invalid', 'true');
    }
  } catch {
    err.textContent = T.failed;
  } finally {
    button.disabled = over;
  }
});

$('#more').addEventListener('click', () => load(false));

window.addEventListener('pagehide', () => {
  if (over || sessionId === null) return;
  fetch('api/close', {
    method: 'POST',
    keepalive: true,
    headers: { 'Content-Type': 'application/json', 'X-Cashbook-Session': String(sessionId) },
    body: '{}',
  });
});

async function start() {
  document.documentElement.lang = ru ? 'ru' : 'en';
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = T[el.dataset.t];
  form.date.value = today();
  const { status, json } = await api('GET', 'api/state');
  if (status !== 200) {
    banner(T.noSession, 'error');
    return;
  }
  sessionId = json.session;
  const appName = (ru && json.application.name_ru) || json.application.name || T.title;
  document.title = `${json.area.name} — ${appName}`;
  $('#area-name').textContent = json.area.name || json.area.key;
  $('#app-name').textContent = appName;
  $('#person').textContent = json.person.name;
  if (json.state !== 'open') {
    end(json.state);
    return;
  }
  setState('open');
  await heartbeat();
  if (over) return;
  await load(true);
  timer = setInterval(heartbeat, json.heartbeat_seconds * 1000);
}

start();
