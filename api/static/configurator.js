// `/configurator`: choose market, model and options; every change asks
// `POST /api/v1/quotes` for the price breakdown or the list of every rule
// the configuration breaks (each shown next to its option); a signed-in
// customer, or a dealer for a showroom customer, places the order with
// `POST /api/v1/orders`.
'use strict';

(function () {
  const { api, h, $, $$, fill, money, session, showViolations, chosenOptions, busy, newKey, problemNode, ApiError } = window.OTD;
  const form = $('#configurator');
  const market = $('#cfg-market');
  const model = $('#cfg-model');
  const dealer = $('#cfg-dealer');
  const customer = $('#cfg-customer');
  const place = $('#cfg-place');
  const breakdown = $('#cfg-breakdown tbody');
  const problems = $('#cfg-problems');
  const result = $('#cfg-order-result');
  const me = session();
  let catalog = null;
  let asked = 0;
  let valid = false;
  let key = newKey();

  function row(label, amount, cls) {
    return h('tr', { class: cls || '' }, h('th', { scope: 'row' }, label), h('td', { class: 'money' }, amount));
  }

  function showPrices() {
    if (!catalog) return;
    const m = market.value;
    const base = catalog.models[model.value];
    fill($('#cfg-base-price'), base && base.prices[m] ? money(base.prices[m]) : 'not sold here');
    for (const span of $$('[data-price]', form)) {
      const option = catalog.options[span.dataset.price];
      const price = option && option.prices[m];
      fill(span, !price ? 'not offered' : price.amount_minor === 0 ? 'included' : '+' + money(price));
    }
    for (const o of dealer.options) o.hidden = o.dataset.market !== m;
    if (dealer.selectedOptions[0] && dealer.selectedOptions[0].hidden) {
      const first = Array.from(dealer.options).find((o) => !o.hidden);
      if (first) dealer.value = first.value;
    }
  }

  function setValid(ok) {
    valid = ok;
    place.disabled = !ok;
    place.title = ok ? '' : 'Fix the configuration first';
  }

  async function quote() {
    const mine = ++asked;
    key = newKey();
    const body = { market: market.value, model: model.value, options: chosenOptions('cfg') };
    try {
      const q = await api('POST', '/api/v1/quotes', body);
      if (mine !== asked) return;
      showViolations('cfg', [], problems);
      fill(breakdown,
        q.lines.map((l) => row(l.kind === 'base' ? `${l.description} (base)` : l.description, money(l.amount), l.kind)),
        row('Net', money(q.net), 'total'),
        row('VAT', money(q.vat)),
        row('Gross', money(q.gross), 'total grand'),
        row('Deposit due on ordering', money(q.deposit), 'deposit'));
      fill($('#cfg-price-list'), `Price list ${q.price_list}. The price is locked when you order.`);
      setValid(true);
    } catch (err) {
      if (mine !== asked) return;
      setValid(false);
      if (err instanceof ApiError && err.status === 422) {
        showViolations('cfg', err.errors, problems);
        fill(breakdown, row('Price', 'fix the configuration to see it'));
      } else {
        problems.hidden = false;
        fill(problems, problemNode(err));
      }
    }
  }

  function orderBox() {
    const fields = $('#cfg-order-fields');
    const note = $('#cfg-order-role');
    $('#cfg-order-signin').hidden = !!me;
    if (!me) return;
    if (me.role === 'customer' || me.role === 'dealer') {
      fields.hidden = false;
      $('#cfg-customer-field').hidden = me.role !== 'dealer';
      customer.required = me.role === 'dealer';
      if (me.role === 'dealer') {
        // "Order a car for them" on the dealer page names the customer.
        const named = new URL(window.location.href).searchParams.get('customer');
        if (named) customer.value = named;
        const mine = Array.from(dealer.options).find((o) => o.value === me.sub);
        if (mine) {
          market.value = mine.dataset.market;
          dealer.value = me.sub;
        }
      }
    } else {
      note.hidden = false;
      note.textContent = `Signed in as ${me.role}: customers and dealers place orders.`;
    }
  }

  form.addEventListener('change', (event) => {
    if (event.target === customer) return;
    if (event.target === market || event.target === model) showPrices();
    if (event.target === dealer) return;
    quote();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!me || !valid) return;
    if (me.role === 'dealer' && !/^C-[A-Z0-9]+(?:-[A-Z0-9]+)*$/.test(customer.value.trim())) {
      fill(result, h('p', { class: 'error', role: 'alert' }, 'Enter the customer number: C- then letters and digits.'));
      customer.focus();
      return;
    }
    const body = { market: market.value, model: model.value, options: chosenOptions('cfg'), dealer_id: dealer.value };
    if (me.role === 'dealer') body.customer_id = customer.value.trim();
    busy(form, async () => {
      try {
        const placed = await api('POST', '/api/v1/orders', body, { key });
        key = newKey();
        const link = `/orders/${placed.order_id}?at=${placed.position}`;
        fill(result, h('div', { class: 'ok', role: 'status' },
          h('p', {}, h('strong', {}, 'Order placed'), ` — ${money(placed.price.gross)}, deposit ${money(placed.deposit)}.`),
          h('p', {}, h('a', { href: link, id: 'cfg-track' }, 'Track the order'))));
        if (me.role === 'customer') window.location.assign(link);
      } catch (err) {
        if (err instanceof ApiError && err.status === 422) showViolations('cfg', err.errors, problems);
        fill(result, problemNode(err));
      }
    }).finally(() => setValid(valid));
  });

  orderBox();
  setValid(false);
  api('GET', '/api/v1/catalog').then((c) => {
    catalog = c;
    showPrices();
    quote();
  }).catch((err) => fill(result, problemNode(err)));
})();
