// `/finance`: invoices by status (a bar of the shares, a filter, the
// details and the payment form), the payments received, commission
// statements per dealer for a month, and the order-to-delivery KPIs.
'use strict';

(function () {
  const { api, h, $, $$, fill, money, parseMinor, date, badge, shortId, gate, busy, newKey, flash, flashError, problemNode, loadKpis, invoiceTable } = window.OTD;
  const me = gate();
  if (!me) return;

  let invoices = [];
  let filter = '';
  let selected = null;

  function renderInvoices() {
    const counts = { '': invoices.length, open: 0, paid: 0, credited: 0 };
    for (const i of invoices) counts[i.status] = (counts[i.status] || 0) + 1;
    for (const span of $$('#fi-filter [data-count]')) span.textContent = String(counts[span.dataset.count] || 0);
    for (const b of $$('#fi-filter button')) b.setAttribute('aria-pressed', String(b.dataset.status === filter));
    const bar = $('#fi-status-bar');
    fill(bar, ['open', 'paid', 'credited'].filter((k) => counts[k] > 0).map((k) => {
      const part = h('span', { class: `part ${k}` }, `${k} ${counts[k]}`);
      part.style.flexGrow = String(counts[k]);
      return part;
    }));
    const list = invoices.filter((i) => !filter || i.status === filter);
    $('#fi-empty').hidden = list.length > 0;
    fill($('#fi-invoices tbody'), list.map((i) => h('tr', { 'data-invoice': i.number, class: selected === i.number ? 'selected' : '' },
      h('th', { scope: 'row' }, i.number),
      h('td', {}, h('a', { href: `/customers/${i.customer_id}` }, i.customer_name || i.customer_id)),
      h('td', {}, i.dealer_name || i.dealer_id),
      h('td', { class: 'money' }, money(i.gross)),
      h('td', { class: 'money' }, money(i.amount_due)),
      h('td', { class: 'money' }, money(i.outstanding)),
      h('td', {}, badge(i.status)),
      h('td', {}, date(i.issued_on)),
      h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => showInvoice(i.number) }, 'Details')))));
    const paid = invoices.filter((i) => i.paid && i.paid.amount_minor > 0);
    $('#fi-payments-empty').hidden = paid.length > 0;
    fill($('#fi-payments tbody'), paid.map((i) => h('tr', {},
      h('th', { scope: 'row' }, i.number),
      h('td', { class: 'money' }, money(i.paid)),
      h('td', { class: 'money' }, money(i.outstanding)),
      h('td', {}, i.paid_on ? date(i.paid_on) : '—'))));
  }

  async function loadInvoices(at) {
    try {
      invoices = await api('GET', '/api/v1/invoices' + (at ? `?min_position=${at}` : ''));
      invoices.sort((a, b) => String(b.number).localeCompare(String(a.number)));
      renderInvoices();
    } catch (err) {
      flashError(err);
    }
  }

  async function showInvoice(number, at) {
    selected = number;
    const card = $('#fi-detail-card');
    card.hidden = false;
    fill($('#fi-detail-number'), number);
    try {
      const inv = await api('GET', `/api/v1/invoices/${encodeURIComponent(number)}` + (at ? `?min_position=${at}` : ''));
      fill($('#fi-pay-currency'), inv.outstanding.currency);
      $('#fi-pay').hidden = inv.status !== 'open';
      if (inv.status === 'open') $('#fi-pay-amount').value = (inv.outstanding.amount_minor / 100).toFixed(2);
      fill($('#fi-detail'),
        h('p', {}, badge(inv.status), ` order `, h('a', { href: `/orders/${inv.order_id}` }, shortId(inv.order_id)),
          `, ${inv.customer_name || 'customer'} (${inv.customer_id}), ${inv.dealer_name || inv.dealer_id}, issued ${date(inv.issued_on)}`),
        invoiceTable(inv, 'fi-outstanding'),
        inv.credit_note ? h('p', {}, `Credit note ${inv.credit_note.number} on ${date(inv.credit_note.credited_on)}: refund ${money(inv.credit_note.refund)}, forfeited ${money(inv.credit_note.deposit_forfeited)} (${inv.credit_note.reason}).`) : null);
      renderInvoices();
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
    const head = h('th', { scope: 'row' }, st.dealer_id);
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
      renderInvoices();
    });
  }

  const pay = $('#fi-pay');
  pay.addEventListener('submit', (event) => {
    event.preventDefault();
    const minor = parseMinor($('#fi-pay-amount').value);
    if (minor === null || minor <= 0) {
      flash(h('p', { class: 'error' }, 'Enter the amount received, e.g. 1234.56.'), 'error');
      $('#fi-pay-amount').focus();
      return;
    }
    busy(pay, async () => {
      try {
        const done = await api('POST', `/api/v1/invoices/${encodeURIComponent(selected)}/payments`, { amount_minor: minor }, { key: newKey() });
        flash(`Payment of ${money({ amount_minor: minor, currency: done.paid.currency })} recorded on ${done.number}: ${done.status}, outstanding ${money(done.outstanding)}.`);
        await loadInvoices(done.position);
        await showInvoice(done.number, done.position);
      } catch (err) {
        flashError(err);
      }
    });
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
  loadKpis($('#fi-kpis'));
})();
