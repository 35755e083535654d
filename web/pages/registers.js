// Cash registers of a client (R-CAT-6): a month's registers, which is free and
// why (the promotion, an ITS Retail contract), which is chargeable and why
// (beyond the free ones, over the daily receipts limit on a date), and the
// receipts of each register per day. Shown on the subscriber's subscription
// page (its owner and administrators) and on the partner's client card. The
// price shown is the retail one; a partner's discount is on its statement.
import { t, fmtDate, fmtMoney, currentLang } from '../i18n.js';
import { get, withQuery } from '../api.js';
import { h, card, badge, button, loading, errorBox, clear } from '../ui.js';

const MODELS = { evotor: 'registers.model_evotor', atol: 'registers.model_atol', shtrih: 'registers.model_shtrih' };
const VERDICT = {
  free: ['active', 'registers.free'], paid: ['done', 'registers.paid'], charged: ['pending', 'registers.charged'],
};
const modelName = (m) => (MODELS[m] ? t(MODELS[m]) : m);

function why(r) {
  switch (r.why) {
    case 'promotion': return t('registers.why_promotion');
    case 'its_retail': return t('registers.why_its_retail', { number: r.contract || '' });
    case 'paid_units': return t('registers.why_paid_units');
    case 'over_receipts': return t('registers.why_over', { limit: r.receipts_limit, date: fmtDate(r.max_day), n: r.max_receipts });
    default: return t('registers.why_beyond');
  }
}

function monthName(m) {
  const d = new Date(`${m}-15T12:00:00Z`);
  const s = new Intl.DateTimeFormat(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function shift(m, n) {
  const [y, mo] = m.split('-').map(Number);
  const d = new Date(Date.UTC(y, mo - 1 + n, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Every row of the month (the list pages by cursor; a month is small). */
async function monthRows(url) {
  const rows = [];
  for (let next = `${url}&limit=500`; next;) {
    const r = await get(next);
    rows.push(...r.items);
    next = r.next;
  }
  return rows;
}

function registersTable(rows) {
  const regs = [];
  for (const r of rows) if (!regs.length || regs[regs.length - 1].register !== r.register) regs.push(r);
  if (!regs.length) return h('p', { class: 'muted', 'data-testid': 'registers-empty', text: t('registers.empty') });
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'data-testid': 'registers' },
    h('thead', {}, h('tr', {}, [t('registers.register'), t('registers.model'), t('registers.first_seen'), t('registers.max'), t('registers.verdict'), t('registers.price')]
      .map((l, i) => h('th', { scope: 'col', class: [i >= 3 && i !== 4 && 'num', (i === 1 || i === 2 || i === 3 || i === 5) && 'wide-only'], text: l })))),
    h('tbody', {}, regs.map((r) => h('tr', { dataset: { register: r.register } },
      h('td', {}, h('span', { class: 'mono nowrap', text: r.register }), h('span', { class: 'cell-sub muted narrow-only', text: modelName(r.model) })),
      h('td', { class: 'wide-only', text: modelName(r.model) }),
      h('td', { class: 'nowrap wide-only', text: fmtDate(r.first_seen) }),
      h('td', { class: 'num wide-only' }, String(r.max_receipts), h('span', { class: 'cell-sub muted', text: fmtDate(r.max_day) })),
      h('td', {}, badge(VERDICT[r.verdict][0], { label: t(VERDICT[r.verdict][1]) }), h('span', { class: 'cell-sub', text: why(r) }),
        r.verdict === 'charged' ? h('span', { class: 'cell-sub narrow-only', text: t('registers.price_line', { price: fmtMoney(r.price) }) }) : null),
      h('td', { class: 'num nowrap wide-only', text: r.verdict === 'charged' ? fmtMoney(r.price) : '—' }))))));
}

/** Receipts per day: a row per day, a column per register; over the limit in red. */
function daysTable(rows, url) {
  const regs = [...new Set(rows.map((r) => r.register))];
  const byDay = new Map();
  for (const r of rows) {
    if (!byDay.has(r.date)) byDay.set(r.date, new Map());
    byDay.get(r.date).set(r.register, r);
  }
  const cell = (r) => {
    if (!r) return h('td', { class: 'num muted', text: '—' });
    return h('td', { class: ['num', r.over && 'over'], title: r.over ? t('registers.over_title', { limit: r.receipts_limit }) : null },
      r.over ? `${r.receipts} ▲` : String(r.receipts));
  };
  return h('div', {},
    h('div', { class: 'table-tools' }, h('span', { class: 'spacer' }), h('span', { class: 'exports' }, h('span', { class: 'muted', text: t('table.export') }),
      h('a', { class: 'export', href: withQuery(url, { format: 'csv' }), download: '' }, 'CSV'),
      h('a', { class: 'export', href: withQuery(url, { format: 'xlsx' }), download: '' }, 'XLSX'))),
    h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'data-testid': 'register-days' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('registers.date') }), regs.map((r) => h('th', { scope: 'col', class: 'num mono', text: r })))),
      h('tbody', {}, [...byDay.keys()].sort().map((d) => h('tr', {}, h('td', { class: 'nowrap', text: fmtDate(d) }),
        regs.map((r) => cell(byDay.get(d).get(r)))))))));
}

/** The card: month switcher, registers with their verdict, receipts per day. */
export function registersCard(subscriber, month) {
  const body = h('div', { 'data-testid': 'registers-card' });
  const label = h('strong', { class: 'month-label' });
  let current = month;
  async function show() {
    label.textContent = monthName(current);
    clear(body).append(loading());
    const url = `/api/v1/subscribers/${subscriber}/usage?month=${current}`;
    try {
      const rows = await monthRows(url);
      clear(body).append(h('p', { class: 'note', text: t('registers.note') }), registersTable(rows),
        rows.length ? h('h3', { class: 'sub-head', text: t('registers.days') }) : null, rows.length ? daysTable(rows, url) : null);
    } catch (err) { clear(body).append(errorBox(err)); }
  }
  const nav = h('span', { class: 'month-nav' },
    button('‹', () => { current = shift(current, -1); show(); }, { small: true, kind: 'ghost', 'aria-label': t('registers.prev'), 'data-testid': 'month-prev' }),
    label,
    button('›', () => { current = shift(current, 1); show(); }, { small: true, kind: 'ghost', 'aria-label': t('registers.next'), 'data-testid': 'month-next' }));
  show();
  return card(t('registers.title'), body, { actions: nav });
}
