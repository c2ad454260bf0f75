// `/configurator`: choose market, model and options; every change asks
// `POST /api/v1/quotes` (with the delivering dealer) for the price breakdown
// and the delivery estimate, or for every rule the configuration breaks
// (each shown in words next to its option, with a one-click fix where there
// is one). Ordering goes through two steps before anything is placed: the
// review (configuration, price, dealer, estimate, terms) and the deposit;
// then `POST /api/v1/orders`.
//
// It opens on the signed-in customer's market (profile), else the browser's
// region or language (de → Germany), a dealer on its own market.
'use strict';

(function () {
  const { api, h, $, fill, session, chosenOptions, busy, newKey, problemNode, ApiError } = window.OTD;
  const F = window.OTDFormat;
  const O = window.OTDOptions;
  const T = window.OTDText;
  const t = T.t;
  const form = $('#configurator');
  const market = $('#cfg-market');
  const model = $('#cfg-model');
  const dealer = $('#cfg-dealer');
  const customer = $('#cfg-customer');
  const place = $('#cfg-place');
  const breakdown = $('#cfg-breakdown tbody');
  const problems = $('#cfg-problems');
  const result = $('#cfg-order-result');
  const estimateBox = $('#cfg-estimate');
  const review = $('#cfg-review');
  const deposit = $('#cfg-deposit');
  const me = session();
  let catalog = null;
  let asked = 0;
  let lastQuote = null;
  let key = newKey();

  function row(label, amount, cls) {
    return h('tr', { class: cls || '' }, h('th', { scope: 'row' }, label), h('td', { class: 'money' }, amount));
  }

  /** The catalog's home market: where a browser that names no market of ours starts. */
  const HOME_MARKET = 'DE';

  /**
   * The market to open on: the profile's; else the first of the browser's
   * languages that names a market, by its region (`en-DE`, `de-AT` → none,
   * `zh-CN`) or by the language a market speaks (`de` → Germany, `zh` →
   * China); else the language chosen on the page; else the home market
   * (an `en-US` browser: Germany, never the first market by code).
   */
  function preferredMarket() {
    const markets = Object.keys(catalog.markets);
    const profile = T.profile();
    if (profile && markets.includes(profile.market)) return profile.market;
    const byLanguage = { de: 'DE', zh: 'CN' };
    for (const tag of T.browserLanguages()) {
      const region = (tag.split('-')[1] || '').toUpperCase();
      if (markets.includes(region)) return region;
      const lang = byLanguage[tag.slice(0, 2).toLowerCase()];
      if (lang && markets.includes(lang)) return lang;
    }
    if (byLanguage[T.lang] && markets.includes(byLanguage[T.lang])) return byLanguage[T.lang];
    return markets.includes(HOME_MARKET) ? HOME_MARKET : markets[0];
  }

  function showChoices() {
    if (!catalog) return;
    const m = market.value;
    const base = catalog.models[model.value];
    fill($('#cfg-base-price'), base && base.prices[m] ? F.money(base.prices[m]) : t('not sold here'));
    O.dress('cfg', catalog, model.value, m);
    for (const o of dealer.options) {
      o.hidden = o.dataset.market !== m;
      o.disabled = o.hidden;
    }
    if (dealer.selectedOptions[0] && dealer.selectedOptions[0].hidden) {
      const first = Array.from(dealer.options).find((o) => !o.hidden);
      if (first) dealer.value = first.value;
    }
    for (const o of market.options) o.textContent = `${F.marketName(catalog, o.value)} (${catalog.markets[o.value].currency})`;
  }

  function setValid(ok) {
    place.disabled = !ok;
    place.title = ok ? '' : t('Fix the configuration first');
  }

  /** The estimate in words: "From stock at otd Hamburg, at your dealer in about 3 days". */
  function estimateText(e) {
    if (!e) return '';
    const at = F.dealerName(catalog, e.dealer_id);
    const when = e.eta ? F.dayMonth(e.eta) : '';
    if (e.kind === 'stock') {
      if (e.stock === 'at_dealer') return t('In stock at {dealer}: ready for you now', { dealer: at });
      if (e.stock === 'in_transit_to_dealer') return t('A matching car is on its way to {dealer}: there about {date}', { dealer: at, date: when });
      if (e.stock === 'in_production') return t('A matching car is being built: at {dealer} about {date}', { dealer: at, date: when });
      const place = F.locationName(catalog, e.location);
      return e.days === 1 ? t('From stock at {place}: at {dealer} tomorrow ({date})', { place, dealer: at, date: when })
        : t('From stock at {place}: at {dealer} in about {days} days ({date})', { place, dealer: at, days: e.days, date: when });
    }
    if (e.kind === 'build') {
      return t('Built in week {week}: at {dealer} about {date}', { week: Number(String(e.week).split('-W')[1]), dealer: at, date: when });
    }
    return t('No car and no production week free right now: we confirm the date as soon as one is.');
  }

  function showEstimate(q) {
    const e = q && q.estimate;
    fill(estimateBox, e ? [h('p', { class: 'estimate-text', id: 'cfg-estimate-text', 'data-kind': e.kind },
      h('strong', {}, t('Delivery')), ' ', estimateText(e)),
    h('p', { class: 'hint' }, t('Estimated today from the cars and production weeks free now; the order gets its date when it is placed.'))] : []);
  }

  function configuration() {
    return { market: market.value, model: model.value, options: chosenOptions('cfg') };
  }

  async function quote() {
    const mine = ++asked;
    key = newKey();
    hideSteps();
    const body = { ...configuration(), dealer_id: dealer.value || undefined };
    try {
      const q = await api('POST', '/api/v1/quotes', body);
      if (mine !== asked) return;
      lastQuote = q;
      O.violations('cfg', catalog, [], problems, changed);
      fill(breakdown, priceRows(q), row(t('Deposit due on ordering'), F.money(q.deposit), 'deposit'));
      fill($('#cfg-price-list'), t('Price list {list}. The price is locked when you order.', { list: q.price_list }));
      showEstimate(q);
      setValid(true);
    } catch (err) {
      if (mine !== asked) return;
      lastQuote = null;
      setValid(false);
      showEstimate(null);
      if (err instanceof ApiError && err.status === 422 && err.errors.some((e) => e.option || F.ruleParts(e))) {
        O.violations('cfg', catalog, err.errors, problems, changed);
        fill(breakdown, row(t('Price'), t('fix the configuration to see it')));
      } else {
        problems.hidden = false;
        fill(problems, problemNode(err));
      }
    }
  }

  function priceRows(q) {
    return [q.lines.map((l) => row(l.kind === 'base' ? `${F.modelName(catalog, l.code)} (${t('base')})` : F.optionName(catalog, l.code), F.money(l.amount), l.kind)),
      row(t('Net'), F.money(q.net), 'total'),
      row(t('VAT'), F.money(q.vat)),
      row(t('Gross'), F.money(q.gross), 'total grand')];
  }

  /** A fix ticked or unticked an option: price again. */
  function changed() {
    showChoices();
    quote();
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
    } else {
      note.hidden = false;
      note.textContent = t('Signed in as {role}: customers and dealers place orders.', { role: me.role });
    }
  }

  function hideSteps() {
    review.hidden = true;
    deposit.hidden = true;
  }

  /** The terms a customer agrees to, from the market's rules. */
  function terms(q) {
    const m = catalog.markets[market.value];
    const lines = [
      t('The price is locked when you order; VAT at {rate}% is included.', { rate: m.vat_rate / 100 }),
      t('You can change the options until production is frozen (about 2 weeks before the build week), or until a car from stock is dispatched to your dealer.'),
      t('If you cancel before then, the deposit of {deposit} is refunded in full; after that it is forfeited.', { deposit: F.money(q.deposit) }),
      m.online_withdrawal_days && me.role === 'customer'
        ? t('An order placed online and delivered from stock may be withdrawn within {days} days with a full refund.', { days: m.online_withdrawal_days }) : null,
      t('The rest is invoiced when the car is at your dealer and is paid before the handover.'),
    ];
    return h('ul', { class: 'terms-list' }, lines.filter(Boolean).map((l) => h('li', {}, l)));
  }

  function showReview() {
    const q = lastQuote;
    if (!q) return;
    const fact = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)];
    fill($('#cfg-review-facts'),
      fact(t('Car'), F.configuration(catalog, { model: q.model, options: q.options })),
      fact(t('Market'), F.marketName(catalog, q.market)),
      fact(t('Delivering dealer'), F.dealerName(catalog, dealer.value)),
      me.role === 'dealer' ? fact(t('Customer number'), customer.value.trim()) : null,
      fact(t('Delivery'), q.estimate ? estimateText(q.estimate) : '—'));
    fill($('#cfg-review-price tbody'), priceRows(q), row(t('Deposit due now'), F.money(q.deposit), 'deposit'),
      row(t('Due before the handover'), F.money({ amount_minor: q.gross.amount_minor - q.deposit.amount_minor, currency: q.gross.currency })));
    fill($('#cfg-terms'), h('h3', {}, t('Terms')), terms(q));
    $('#cfg-accept').checked = false;
    $('#cfg-accept-error').hidden = true;
    deposit.hidden = true;
    review.hidden = false;
    review.focus();
  }

  function showDeposit() {
    const q = lastQuote;
    if (!$('#cfg-accept').checked) {
      const err = $('#cfg-accept-error');
      err.hidden = false;
      err.textContent = t('Please accept the terms to go on.');
      $('#cfg-accept').focus();
      return;
    }
    fill($('#cfg-deposit-amount'), F.money(q.deposit));
    fill($('#cfg-deposit-how'),
      h('p', {}, me.role === 'dealer'
        ? t('The customer pays the deposit of {deposit} at your showroom\'s checkout; the order records it as paid.', { deposit: F.money(q.deposit) })
        : t('The deposit of {deposit} is taken with the order at the checkout: otd records it as paid with the order and the final invoice deducts it.', { deposit: F.money(q.deposit) })),
      h('p', { class: 'hint' }, t('The rest, {rest}, is invoiced when the car is at the dealer; the invoice names its number for the bank transfer.',
        { rest: F.money({ amount_minor: q.gross.amount_minor - q.deposit.amount_minor, currency: q.gross.currency }) })));
    review.hidden = true;
    deposit.hidden = false;
    deposit.focus();
  }

  async function confirm() {
    const body = { ...configuration(), dealer_id: dealer.value };
    if (me.role === 'dealer') body.customer_id = customer.value.trim();
    await busy(deposit, async () => {
      try {
        const placed = await api('POST', '/api/v1/orders', body, { key });
        key = newKey();
        const link = `/orders/${placed.order_id}?at=${placed.position}`;
        hideSteps();
        fill(result, h('div', { class: 'ok', role: 'status' },
          h('p', {}, h('strong', {}, t('Order placed')), ' ', t('{gross}, deposit {deposit}.', { gross: F.money(placed.price.gross), deposit: F.money(placed.deposit) })),
          h('p', {}, h('a', { href: link, id: 'cfg-track' }, t('Track the order')))));
        if (me.role === 'customer') window.location.assign(link);
      } catch (err) {
        if (err instanceof ApiError && err.status === 422 && err.errors.some((e) => F.ruleParts(e))) {
          O.violations('cfg', catalog, err.errors, problems, changed);
        }
        fill(result, problemNode(err));
        hideSteps();
      }
    });
  }

  form.addEventListener('change', (event) => {
    if (event.target === customer || event.target.closest('#cfg-review, #cfg-deposit, #tdb-card')) return;
    if (event.target === market || event.target === model) showChoices();
    quote();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!me || !lastQuote) return;
    if (me.role === 'dealer' && !/^C-[A-Z0-9]+(?:-[A-Z0-9]+)*$/.test(customer.value.trim())) {
      fill(result, h('p', { class: 'error', role: 'alert' }, t('Enter the customer number: C- then letters and digits.')));
      customer.focus();
      return;
    }
    fill(result);
    showReview();
  });
  $('#cfg-review-back').addEventListener('click', () => {
    hideSteps();
    place.focus();
  });
  $('#cfg-to-deposit').addEventListener('click', showDeposit);
  $('#cfg-deposit-back').addEventListener('click', showReview);
  $('#cfg-confirm').addEventListener('click', confirm);

  orderBox();
  setValid(false);
  Promise.all([api('GET', '/api/v1/catalog'), T.profileLoaded]).then(([c]) => {
    catalog = c;
    if (me && me.role === 'dealer') {
      // "Order a car for them" on the dealer page names the customer.
      const named = new URL(window.location.href).searchParams.get('customer');
      if (named) customer.value = named;
      const mine = Array.from(dealer.options).find((o) => o.value === me.sub);
      if (mine) market.value = mine.dataset.market;
    } else {
      market.value = preferredMarket();
    }
    showChoices();
    if (me && me.role === 'dealer' && catalog.dealers[me.sub]) dealer.value = me.sub;
    quote();
  }).catch((err) => fill(result, problemNode(err)));
})();
