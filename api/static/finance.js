// `/finance`: invoices searched, filtered (status, market, dealer, issue
// day) and paged by the API, with per-currency totals and a bar of the
// shares by status (the totals from the list's X-Total-Gross and
// X-Total-Outstanding headers: every match, not the page); an invoice's details (scrolled to, focused) and the
// payment form; the payments received, paged; commission statements per
// dealer for a month; the order-to-delivery KPIs.
'use strict';

(function () {
  const { api, h, $, $$, fill, money, parseMinor, date, badge, shortId, gate, busy, newKey, flash, flashError, problemNode, loadKpis, invoiceTable } = window.OTD;
  const me = gate();
  if (!me) return;

  const { totalsFromHeader, plural } = window.STAFF;
  const PAGE = 20;
  const PAYMENTS_PAGE = 10;
  let invoices = [];
  let filter = '';
  let offset = 0;
  let total = 0;
  // Per currency over every invoice the search matches (the list's headers), not the page.
  let totals = { gross: [], outstanding: [] };
  let paymentsOffset = 0;
  let selected = null;

  /** The search and filters of the form, as the API's query (without status and paging). */
  function narrowing() {
    const q = new URLSearchParams();
    for (const [key, id] of [['q', '#fi-q'], ['market', '#fi-market'], ['dealer_id', '#fi-dealer'], ['from', '#fi-from'], ['to', '#fi-to']]) {
      const value = $(id).value.trim();
      if (value) q.set(key, value);
    }
    return q;
  }

  function pager(box, first, shown, all, noun, onPage) {
    const last = first + shown;
    fill(box,
      h('p', { role: 'status' }, all === 0 ? '' : `${first + 1}–${last} of ${all} ${noun(all)}`),
      first > 0 ? h('button', { type: 'button', class: 'small secondary', 'data-page': 'previous', onclick: () => onPage(-1) }, 'Previous') : null,
      last < all ? h('button', { type: 'button', class: 'small secondary', 'data-page': 'next', onclick: () => onPage(1) }, 'Next') : null);
  }

  /** The counts per status under the same search (one `limit=1` read each: the total is a header). */
  async function loadCounts(base) {
    const counts = {};
    await Promise.all(['', 'open', 'paid', 'credited'].map(async (status) => {
      const q = new URLSearchParams(base);
      if (status) q.set('status', status);
      q.set('limit', '1');
      counts[status] = (await api('GET', `/api/v1/invoices?${q}`, undefined, { withTotal: true })).total;
    }));
    for (const span of $$('#fi-filter [data-count]')) span.textContent = String(counts[span.dataset.count] || 0);
    const bar = $('#fi-status-bar');
    fill(bar, ['open', 'paid', 'credited'].filter((k) => counts[k] > 0).map((k) => {
      const part = h('span', { class: `part ${k}` }, `${k} ${counts[k]}`);
      part.style.flexGrow = String(counts[k]);
      return part;
    }));
  }

  function renderInvoices() {
    for (const b of $$('#fi-filter button')) b.setAttribute('aria-pressed', String(b.dataset.status === filter));
    $('#fi-empty').hidden = invoices.length > 0;
    if (invoices.length === 0 && (narrowing().toString() || filter)) fill($('#fi-empty'), 'No invoice matches the search and filters.');
    pager($('#fi-pager'), offset, invoices.length, total, (n) => plural(n, 'invoice', 'invoices'), (step) => {
      offset = Math.max(0, offset + step * PAGE);
      loadInvoices();
    });
    fill($('#fi-invoices tbody'), invoices.map((i) => h('tr', { 'data-invoice': i.number, class: selected === i.number ? 'selected' : '' },
      h('th', { scope: 'row' }, i.number),
      h('td', {}, h('a', { href: `/customers/${i.customer_id}` }, i.customer_name || i.customer_id)),
      h('td', {}, i.dealer_name || i.dealer_id),
      h('td', { class: 'money' }, money(i.gross)),
      h('td', { class: 'money' }, money(i.amount_due)),
      h('td', { class: 'money' }, money(i.outstanding)),
      h('td', {}, badge(i.status)),
      h('td', {}, date(i.issued_on)),
      h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': `Details of ${i.number}`, onclick: () => showInvoice(i.number, undefined, true) }, 'Details')))));
    // Per currency, never EUR and CNY added together; over the whole search.
    const { gross, outstanding } = totals;
    fill($('#fi-totals'), total === 0 ? '' : [
      h('strong', {}, 'Total: '),
      'gross ', gross.map((t, n) => h('span', { class: 'money', 'data-currency': t.currency }, (n ? ' · ' : '') + t.text)),
      ', outstanding ', outstanding.map((t, n) => h('span', { class: 'money', 'data-outstanding': t.currency }, (n ? ' · ' : '') + t.text)),
    ]);
  }

  async function loadInvoices(at) {
    try {
      const base = narrowing();
      const q = new URLSearchParams(base);
      if (filter) q.set('status', filter);
      q.set('newest_first', 'true');
      q.set('limit', String(PAGE));
      q.set('offset', String(offset));
      if (at) q.set('min_position', at);
      const page = await api('GET', `/api/v1/invoices?${q}`, undefined, { withTotal: true });
      invoices = page.body;
      total = page.total;
      totals = {
        gross: totalsFromHeader(page.headers.get('X-Total-Gross')),
        outstanding: totalsFromHeader(page.headers.get('X-Total-Outstanding')),
      };
      renderInvoices();
      await loadCounts(base);
    } catch (err) {
      flashError(err);
    }
  }

  async function loadPayments(at) {
    try {
      const q = new URLSearchParams({ paid: 'true', newest_first: 'true', limit: String(PAYMENTS_PAGE), offset: String(paymentsOffset) });
      if (at) q.set('min_position', at);
      const { body: paid, total: all } = await api('GET', `/api/v1/invoices?${q}`, undefined, { withTotal: true });
      $('#fi-payments-empty').hidden = paid.length > 0;
      pager($('#fi-payments-pager'), paymentsOffset, paid.length, all, (n) => plural(n, 'invoice with a payment', 'invoices with payments'), (step) => {
        paymentsOffset = Math.max(0, paymentsOffset + step * PAYMENTS_PAGE);
        loadPayments();
      });
      fill($('#fi-payments tbody'), paid.map((i) => h('tr', {},
        h('th', { scope: 'row' }, i.number),
        h('td', { class: 'money' }, money(i.paid)),
        h('td', { class: 'money' }, money(i.outstanding)),
        h('td', {}, i.paid_on ? date(i.paid_on) : '—'))));
    } catch (err) {
      flashError(err);
    }
  }

  /** Opens an invoice's details; `focus`: scroll there and move the focus to it (a "Details" click). */
  async function showInvoice(number, at, focus) {
    selected = number;
    const card = $('#fi-detail-card');
    card.hidden = false;
    fill($('#fi-detail-number'), number);
    for (const tr of $$('#fi-invoices tbody tr')) tr.classList.toggle('selected', tr.dataset.invoice === number);
    if (focus) {
      card.scrollIntoView({ block: 'start' });
      $('#detail-title').focus({ preventScroll: true });
    }
    try {
      const inv = await api('GET', `/api/v1/invoices/${encodeURIComponent(number)}` + (at ? `?min_position=${at}` : ''));
      fill($('#fi-pay-currency'), inv.outstanding.currency);
      $('#fi-pay').hidden = inv.status !== 'open';
      if (inv.status === 'open') $('#fi-pay-amount').value = (inv.outstanding.amount_minor / 100).toFixed(2);
      fill($('#fi-detail'),
        h('p', {}, badge(inv.status), ' order ', h('a', { href: `/orders/${inv.order_id}` }, shortId(inv.order_id)),
          ', ', h('a', { href: `/customers/${inv.customer_id}` }, inv.customer_name || 'customer'), `, ${inv.dealer_name || inv.dealer_id}, issued ${date(inv.issued_on)}`),
        invoiceTable(inv, 'fi-outstanding'),
        inv.credit_note ? h('p', {}, `Credit note ${inv.credit_note.number} on ${date(inv.credit_note.credited_on)}: refund ${money(inv.credit_note.refund)}, forfeited ${money(inv.credit_note.deposit_forfeited)} (${inv.credit_note.reason}).`) : null);
    } catch (err) {
      fill($('#fi-detail'), problemNode(err));
    }
  }

  async function loadStatements(month) {
    const box = $('#fi-statements');
    const dealers = (box.dataset.dealers || '').split(' ').filter(Boolean);
    const statements = await Promise.all(dealers.map(async (d) => {
      try {
        return await api('GET', `/api/v1/dealers/${encodeURIComponent(d)}/commissions?month=${encodeURIComponent(month)}`);
      } catch (err) {
        return { dealer_id: d, error: err };
      }
    }));
    fill(box, h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('caption', {}, `Commission statements ${month}`),
      h('thead', {}, h('tr', {}, ['Dealer', 'Handovers', 'Total', 'Lines'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, statements.map(statementRow)))));
  }

  function statementRow(st) {
    const head = h('th', { scope: 'row' }, st.dealer_name || st.dealer_id);
    if (st.error) return h('tr', { 'data-dealer': st.dealer_id }, head, h('td', { colspan: 3 }, problemNode(st.error)));
    const lines = st.lines.map((l) => h('li', {},
      `${shortId(l.order_id)} on ${date(l.delivered_on)}: ${Number(l.rate) / 100}% of ${money(l.net_price)} + ${money(l.fee)} = `,
      h('strong', {}, money(l.commission))));
    return h('tr', { 'data-dealer': st.dealer_id },
      head,
      h('td', {}, st.lines.length),
      h('td', { class: 'money' }, st.total ? money(st.total) : '—'),
      h('td', {}, lines.length === 0 ? '—' : h('details', {}, h('summary', {}, 'Show'), h('ul', { class: 'plain' }, lines))));
  }

  for (const b of $$('#fi-filter button')) {
    b.addEventListener('click', () => {
      filter = b.dataset.status;
      offset = 0;
      // The rows of the previous filter go at once: nothing stale to click meanwhile.
      fill($('#fi-invoices tbody'));
      loadInvoices();
    });
  }

  const pay = $('#fi-pay');
  pay.addEventListener('submit', (event) => {
    event.preventDefault();
    const minor = parseMinor($('#fi-pay-amount').value);
    if (minor === null || minor <= 0) {
      flash(h('p', { class: 'error' }, 'Enter the amount received, e.g. 56,953.00 or 56953.'), 'error');
      $('#fi-pay-amount').focus();
      return;
    }
    busy(pay, async () => {
      try {
        const done = await api('POST', `/api/v1/invoices/${encodeURIComponent(selected)}/payments`, { amount_minor: minor }, { key: newKey() });
        flash(`Payment of ${money({ amount_minor: minor, currency: done.paid.currency })} recorded on ${done.number}: ${done.status}, outstanding ${money(done.outstanding)}.`);
        await Promise.all([loadInvoices(done.position), loadPayments(done.position)]);
        await showInvoice(done.number, done.position);
      } catch (err) {
        flashError(err);
      }
    });
  });

  $('#fi-search').addEventListener('submit', (event) => {
    event.preventDefault();
    offset = 0;
    loadInvoices();
  });

  $('#fi-month-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadStatements($('#fi-month').value);
  });

  api('GET', '/api/v1/clock').then((clock) => {
    const month = clock.today.slice(0, 7);
    $('#fi-month').value = month;
    loadStatements(month);
  }).catch(flashError);
  loadInvoices();
  loadPayments();
  loadKpis($('#fi-kpis'));
})();
