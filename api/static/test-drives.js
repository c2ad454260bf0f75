// `/test-drives`: the showroom's day. One column per demo car of the
// outlet, one row per 45-minute slot of the day's opening hours, in the
// dealer's own time zone (the catalog's). The day's answer
// (`GET /api/v1/dealers/{id}/test-drives?date=`) gives each car's bookings
// and its free slots (the same answer `…/test-drives/slots` gives the
// configurator online): a cell is booked, free, or else gone (past, or not
// bookable). Before its start a booking can be cancelled; from its start it
// is completed or marked no-show. A free cell books for a customer found
// by name, e-mail or phone (`POST /api/v1/test-drives`); a 409 means
// someone else was faster: the page says so and reads the day again.
'use strict';

(function () {
  const { $, api, h, fill, gate, flash, flashError, busy, newKey, ApiError } = window.OTD;
  const CRM = window.CRM;
  const me = gate();
  if (!me) return;
  const dealerId = me.sub;
  let dealer = null;
  let catalog = null;
  let chosen = null;
  let reached = 0;

  /** The business date in the dealer's zone. */
  function localToday() {
    return new Date(CRM.now()).toLocaleDateString('en-CA', { timeZone: dealer.time_zone });
  }

  /** The day's slot starts as wall-clock labels (`09:00`, `09:45`, …) from the opening hours. */
  function grid(day) {
    const weekday = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(`${day}T12:00:00Z`).getUTCDay()];
    const hours = dealer.opening_hours && dealer.opening_hours[weekday];
    if (!hours) return { hours: null, labels: [] };
    const mins = (t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
    const labels = [];
    for (let m = mins(hours.open); m + 45 <= mins(hours.close); m += 45) {
      labels.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
    }
    return { hours, labels };
  }

  /** The cars of the day's answer, whatever its envelope. */
  function carsOf(day) {
    const cars = Array.isArray(day) ? day : (day.cars || day.demo_cars || []);
    return cars.map((c) => ({ ...c, drives: c.drives || c.test_drives || c.bookings || [] }));
  }

  const label = (instant) => CRM.clockTime(instant, dealer.time_zone);

  async function act(drive, action, button) {
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/test-drives/${encodeURIComponent(drive.test_drive_id)}/${action}`, undefined, { key: newKey() });
      reached = Math.max(reached, (done && done.position) || 0);
      flash({ complete: 'Test drive completed: it counts as a contact on the lead.', 'no-show': 'Marked as no-show.', cancel: 'Cancelled: the slot is free again.' }[action]);
      await load();
    } catch (err) {
      button.disabled = false;
      flashError(err);
    }
  }

  /** What can happen to a booked drive now: before its start it is cancelled, from its start it took place or not. */
  function actionsFor(d) {
    if (d.status !== 'booked') return null;
    const started = Date.parse(d.start) <= CRM.now();
    const who = d.name || d.customer_id;
    const button = (action, text, cls) => h('button', {
      type: 'button', class: cls, 'data-action': action, 'aria-label': `${text}: ${who}, ${label(d.start)}`,
      onclick: (e) => act(d, action, e.currentTarget),
    }, text);
    return h('div', { class: 'actions-cell' }, started
      ? [button('complete', 'Completed', 'small'), button('no-show', 'No-show', 'small secondary')]
      : [button('cancel', 'Cancel', 'small secondary')]);
  }

  function bookedCell(d) {
    const who = d.name || d.customer_id;
    const actions = actionsFor(d);
    return h('td', { class: 'slot booked', 'data-state': 'booked', 'data-drive': d.test_drive_id },
      h('a', { href: `/customers/${encodeURIComponent(d.customer_id)}` }, who), ' ', CRM.driveBadge(d.status), actions);
  }

  function freeCell(slot, car) {
    return h('td', { class: 'slot free', 'data-state': 'free' },
      h('button', {
        type: 'button', class: 'small secondary', 'data-start': slot.start,
        'aria-label': `Book ${CRM.modelName(catalog, car.model)} ${car.car_id} at ${label(slot.start)}`,
        onclick: () => choose(slot, car),
      }, 'Book'));
  }

  function render(day, cars, free) {
    const { hours, labels } = grid(day);
    fill($('#td-day'), CRM.longDate(day));
    $('#td-hours').textContent = hours
      ? `Open ${hours.open}–${hours.close} (${dealer.time_zone}); slots of 45 minutes.`
      : '';
    $('#td-closed').hidden = !!hours;
    $('#td-closed').textContent = hours ? '' : `The showroom is closed on ${CRM.longDate(day)}: choose another day.`;
    $('#td-grid').hidden = !hours;
    if (!hours) return;
    const freeAt = new Map(free.map((s) => [`${s.car_id}|${label(s.start)}`, s]));
    const bookedAt = new Map();
    for (const car of cars) {
      for (const d of car.drives) {
        const key = `${car.car_id}|${label(d.start)}`;
        if (d.status === 'cancelled' && bookedAt.has(key)) continue;
        bookedAt.set(key, d);
      }
    }
    fill($('#td-grid thead'), h('tr', {}, h('th', { scope: 'col' }, 'Time'),
      cars.map((c) => h('th', { scope: 'col', 'data-car': c.car_id }, CRM.modelName(catalog, c.model), h('br'), h('span', { class: 'muted' }, c.car_id)))));
    fill($('#td-grid tbody'), labels.map((t) => h('tr', { 'data-time': t },
      h('th', { scope: 'row' }, t),
      cars.map((car) => {
        const key = `${car.car_id}|${t}`;
        const drive = bookedAt.get(key);
        if (drive && drive.status !== 'cancelled') return bookedCell(drive);
        const slot = freeAt.get(key);
        if (slot) return freeCell(slot, car);
        if (drive) return bookedCell(drive);
        return h('td', { class: 'slot gone', 'data-state': 'gone' }, h('span', { class: 'sr-only' }, 'not bookable'), '—');
      }))));
  }

  async function load() {
    const day = $('#td-date').value;
    const q = reached ? `&min_position=${reached}` : '';
    try {
      const answer = await api('GET', `/api/v1/dealers/${encodeURIComponent(dealerId)}/test-drives?date=${day}${q}`);
      const cars = carsOf(answer);
      render(day, cars, cars.flatMap((c) => c.free || []));
      const url = new URL(window.location.href);
      url.searchParams.set('date', day);
      window.history.replaceState(null, '', url.pathname + url.search);
    } catch (err) {
      flashError(err);
    }
  }

  // ---- Booking a free slot for a customer.

  function choose(slot, car) {
    chosen = { slot, car };
    $('#tb-card').hidden = false;
    $('#tb-slot').textContent = `${CRM.modelName(catalog, car.model)} (${car.car_id}) at ${label(slot.start)}, ${CRM.longDate($('#td-date').value)}`;
    fill($('#tb-hits'));
    $('#tb-none').hidden = true;
    $('#tb-q').focus();
  }

  async function book(customer, button) {
    if (!chosen) return;
    button.disabled = true;
    const body = { dealer_id: dealerId, car_id: chosen.car.car_id, start: chosen.slot.start, customer_id: customer.customer_id };
    try {
      const done = await api('POST', '/api/v1/test-drives', body, { key: newKey() });
      reached = Math.max(reached, done.position || 0);
      flash(`Booked: ${customer.name}, ${label(chosen.slot.start)}.`);
      $('#tb-card').hidden = true;
      chosen = null;
      await load();
    } catch (err) {
      button.disabled = false;
      if (err instanceof ApiError && err.status === 409) {
        flash('That slot was just taken by another booking; the day is shown again with what is still free.', 'error');
        $('#tb-card').hidden = true;
        chosen = null;
        await load();
      } else {
        flashError(err);
      }
    }
  }

  $('#tb-search').addEventListener('submit', (event) => {
    event.preventDefault();
    const q = $('#tb-q').value.trim();
    busy(event.currentTarget, async () => {
      try {
        const hits = await api('GET', `/api/v1/customers${q ? `?q=${encodeURIComponent(q)}` : ''}`);
        fill($('#tb-hits'), hits.map((c) => h('li', { 'data-customer': c.customer_id },
          h('strong', {}, c.name), ' ', h('span', { class: 'muted' }, [c.email, c.phone].filter(Boolean).join(' · ')), ' ',
          h('button', { type: 'button', class: 'small', onclick: (e) => book(c, e.currentTarget) }, `Book for ${c.name}`))));
        $('#tb-none').hidden = hits.length > 0;
        $('#tb-none').textContent = q ? `No customer found for "${q}".` : 'No customers yet.';
      } catch (err) {
        flashError(err);
      }
    });
  });

  $('#tb-cancel').addEventListener('click', () => {
    $('#tb-card').hidden = true;
    chosen = null;
  });

  function move(days) {
    $('#td-date').value = CRM.addDays($('#td-date').value, days);
    load();
  }

  $('#td-prev').addEventListener('click', () => move(-1));
  $('#td-next').addEventListener('click', () => move(1));
  $('#td-date').addEventListener('change', () => { if ($('#td-date').value) load(); });
  $('#td-date-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });

  (async function start() {
    try {
      catalog = await CRM.catalog();
      dealer = catalog.dealers[dealerId];
      if (!dealer) throw new Error(`${dealerId} is not a dealer of the network.`);
    } catch (err) {
      flashError(err);
      return;
    }
    await CRM.readClock();
    const asked = new URL(window.location.href).searchParams.get('date');
    $('#td-date').value = /^\d{4}-\d{2}-\d{2}$/.test(asked || '') ? asked : localToday();
    await load();
    // Bookings come in online too: look again every 20 s while visible and idle.
    window.setInterval(() => {
      if (document.visibilityState === 'visible' && $('#tb-card').hidden) load();
    }, 20_000);
  })();
})();
