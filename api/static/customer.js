// otd web UI: the customer 360. One page per customer: profile, consents,
// orders with status and ETA, invoices and payments, handovers. The
// customer sees their own; their dealers, planners and finance theirs.
'use strict';

(function () {
  const { $, api, h, fill, money, date, dateTime, badge, shortId, gate, flashError } = window.OTD;
  if (!gate()) return;
  const id = $('#content').dataset.customer;

  function fact(term, value) {
    return [h('dt', {}, term), h('dd', {}, value === null || value === undefined || value === '' ? '—' : value)];
  }

  function consent(c) {
    if (!c) return 'not given';
    return `${c.granted ? 'yes' : 'no'} (${c.source}, ${dateTime(c.at)})`;
  }

  function render(c) {
    const erased = c.erased;
    $('#cu-name').textContent = erased ? 'Erased customer' : c.name;
    $('#cu-id').textContent = c.customer_id;
    $('#cu-erased').hidden = !erased;
    const address = c.billing_address
      ? `${c.billing_address.street}, ${c.billing_address.postcode} ${c.billing_address.city}, ${c.billing_address.country}`
      : null;
    fill($('#cu-profile'),
      ...fact('E-mail', c.email), ...fact('Phone', c.phone), ...fact('Billing address', address),
      ...fact('Language', c.language), ...fact('Market', c.market),
      ...fact('Account', c.account ? (c.verified ? 'signs in online, e-mail verified' : 'signs in online, e-mail not verified yet') : 'none (registered in a showroom)'),
      ...fact('Customer since', date(c.registered_at)),
      ...(c.merged_ids.length ? fact('Also known as', c.merged_ids.join(', ')) : []));
    fill($('#cu-consents'),
      ...fact('Marketing e-mail', consent(c.consents.email)),
      ...fact('Marketing SMS', consent(c.consents.sms)),
      ...fact('Marketing calls', consent(c.consents.phone)));
    const rows = c.orders.map((o) => h('tr', {},
      h('td', {}, h('a', { href: `/orders/${o.order_id}` }, shortId(o.order_id))),
      h('td', {}, o.model), h('td', {}, badge(o.status)), h('td', {}, o.eta ? date(o.eta) : '—'),
      h('td', {}, o.dealer_name || o.dealer_id), h('td', { class: 'num' }, money(o.price.gross))));
    fill($('#cu-orders tbody'), ...rows);
    $('#cu-orders-empty').hidden = rows.length > 0;
    const invoices = c.invoices.map((i) => h('tr', {},
      h('td', {}, i.number), h('td', {}, date(i.issued_on)), h('td', { class: 'num' }, money(i.gross)),
      h('td', { class: 'num' }, money(i.paid)), h('td', { class: 'num' }, money(i.outstanding)), h('td', {}, i.status)));
    fill($('#cu-invoices tbody'), ...invoices);
    $('#cu-invoices-empty').hidden = invoices.length > 0;
    const handovers = c.handovers.map((o) => h('li', {},
      h('a', { href: `/orders/${o.order_id}` }, shortId(o.order_id)), ' ',
      o.delivered ? 'handed over' : `booked for ${o.at ? dateTime(o.at) : '—'}`));
    fill($('#cu-handovers'), ...handovers);
    $('#cu-handovers-empty').hidden = handovers.length > 0;
  }

  async function load() {
    try {
      render(await api('GET', `/api/v1/customers/${encodeURIComponent(id)}`));
    } catch (err) {
      flashError(err);
    }
  }

  $('#cu-refresh').addEventListener('click', load);
  load();
})();
