// `/configurator`, the test-drive box: choose a dealer (of the market shown)
// and a day, see the free 45-minute slots of its demo cars of the model
// being configured (`GET /api/v1/dealers/{id}/test-drives/slots?date=&model=`,
// the same answer the showroom's calendar gets), in the dealer's time; a
// signed-in customer books one (`POST /api/v1/test-drives`). A 409 means the
// slot went to someone else meanwhile: the box says so kindly and shows the
// slots again. configurator.js prices and orders; this script only adds to
// the page.
'use strict';

(function () {
  const { $, api, h, fill, session, newKey, problemNode, ApiError } = window.OTD;
  const CRM = window.CRM;
  const t = window.OTDText ? window.OTDText.t : (text, vars) => text.replace(/\{(\w+)\}/g, (m, k) => vars[k]);
  const card = $('#tdb-card');
  if (!card) return;
  const me = session();
  const dealerSelect = $('#tdb-dealer');
  const dateInput = $('#tdb-date');
  const market = $('#cfg-market');
  const model = $('#cfg-model');
  const slotsBox = $('#tdb-slots');
  const result = $('#tdb-result');
  let catalog = null;
  const customer = me && me.role === 'customer';

  // Its fields belong to the configurator's form, but are not part of the configuration.
  card.addEventListener('change', (event) => event.stopPropagation());

  function zone() {
    const d = catalog && catalog.dealers[dealerSelect.value];
    return d ? d.time_zone : undefined;
  }

  /** Only the dealers of the market shown. */
  function matchMarket() {
    for (const o of dealerSelect.options) o.hidden = o.dataset.market !== market.value;
    if (dealerSelect.selectedOptions[0] && dealerSelect.selectedOptions[0].hidden) {
      const first = Array.from(dealerSelect.options).find((o) => !o.hidden);
      if (first) dealerSelect.value = first.value;
    }
  }

  async function show(note) {
    fill(result, note || []);
    if (!dateInput.value) {
      fill(slotsBox, h('p', { class: 'error' }, t('Choose a day first.')));
      dateInput.focus();
      return;
    }
    const params = new URLSearchParams({ date: dateInput.value, model: model.value });
    try {
      const slots = await api('GET', `/api/v1/dealers/${encodeURIComponent(dealerSelect.value)}/test-drives/slots?${params}`);
      const name = CRM.modelName(catalog, model.value);
      if (!slots.length) {
        fill(slotsBox, h('p', { class: 'empty', id: 'tdb-none' },
          t('No free time for a {model} at {dealer} on {date}. Try another day or dealer.',
            { model: name, dealer: CRM.dealerName(catalog, dealerSelect.value), date: CRM.longDate(dateInput.value) })));
        return;
      }
      // One button per time: the first demo car of the model free then (the customer drives the model).
      const byStart = new Map();
      for (const s of slots) if (!byStart.has(s.start)) byStart.set(s.start, s);
      const times = Array.from(byStart.values()).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
      fill(slotsBox,
        h('p', {}, t('Free times for a {model} on {date} (local time at the dealer):', { model: name, date: CRM.longDate(dateInput.value) })),
        h('ul', { class: 'slots', id: 'tdb-list' }, times.map((s) => h('li', {},
          h('button', {
            type: 'button',
            class: 'small secondary',
            'data-car': s.car_id,
            'data-start': s.start,
            disabled: !customer,
            onclick: (e) => book(s, e.currentTarget),
          }, CRM.clockTime(s.start, zone()))))));
      $('#tdb-signin').hidden = customer;
    } catch (err) {
      fill(slotsBox, problemNode(err));
    }
  }

  async function book(slot, button) {
    button.disabled = true;
    const body = { dealer_id: dealerSelect.value, car_id: slot.car_id, start: slot.start };
    try {
      const done = await api('POST', '/api/v1/test-drives', body, { key: newKey() });
      fill(slotsBox);
      fill(result, h('div', { class: 'ok', id: 'tdb-booked', 'data-drive': done.test_drive_id },
        h('p', {}, h('strong', {}, t('Booked:')), ' ',
          t('{model} at {dealer}, {date} at {time}.', {
            model: CRM.modelName(catalog, model.value),
            dealer: CRM.dealerName(catalog, dealerSelect.value),
            date: CRM.longDate(dateInput.value),
            time: CRM.clockTime(slot.start, zone()),
          }), ' ', t('The dealer will expect you.')),
        h('p', {}, h('a', { href: `/customers/${encodeURIComponent(me.sub)}` }, t('See your test drives')))));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        await show(h('p', { class: 'note', role: 'alert', id: 'tdb-taken' },
          t('Sorry, {time} was just booked by someone else. Here are the times still free.', { time: CRM.clockTime(slot.start, zone()) })));
      } else {
        button.disabled = false;
        fill(result, problemNode(err));
      }
    }
  }

  $('#tdb-show').addEventListener('click', () => show());
  dealerSelect.addEventListener('change', () => { if (slotsBox.childElementCount) show(); });
  dateInput.addEventListener('change', () => { if (dateInput.value) show(); });
  market.addEventListener('change', () => { matchMarket(); fill(slotsBox); });
  model.addEventListener('change', () => fill(slotsBox));

  (async function start() {
    $('#tdb-signin').hidden = customer;
    try {
      catalog = await CRM.catalog();
      await CRM.readClock();
    } catch (err) {
      fill(result, problemNode(err));
      return;
    }
    const today = CRM.today();
    dateInput.min = today;
    dateInput.value = CRM.addDays(today, 1);
    matchMarket();
  })();
})();
