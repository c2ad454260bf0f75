// `/planner`: stock by location and status as a matrix with the open
// demand beside it (a number lists those vehicles, with their actions);
// slot capacity per plant and week as bars (booked against capacity,
// frozen weeks hatched); the orders waiting; the LTO locator; and the
// actions: open capacity, start production, register stock, transfer,
// reallocate, record milestones, advance a simulated clock.
'use strict';

(function () {
  const {
    api, h, s, $, $$, fill, date, badge, shortId, gate, busy, newKey, flash, flashError, problemNode,
    chosenOptions, showViolations, loadKpis, ApiError, statusLabel,
  } = window.OTD;
  const { carName, differenceName, plural, resolveId } = window.STAFF;
  const ORDERS_PAGE = 20;
  let ordersOffset = 0;
  const me = gate();
  if (!me) return;

  let catalog = null;
  let today = null;
  let listed = null; // {location, status} of the vehicle list shown

  const STATUSES = ['free', 'reserved', 'built', 'in_transit', 'in_production'];

  function placeName(id) {
    if (!catalog) return id;
    const d = catalog.dealers[id];
    const p = catalog.plants[id];
    return d ? `${d.name} (${id})` : p ? `${p.name} plant (${id})` : id;
  }

  /** `YYYY-Www` of a `YYYY-MM-DD` day. */
  function isoWeek(day) {
    const d = new Date(day + 'T00:00:00Z');
    const weekday = (d.getUTCDay() + 6) % 7;
    d.setUTCDate(d.getUTCDate() - weekday + 3); // the Thursday of its week
    const year = d.getUTCFullYear();
    const jan4 = new Date(Date.UTC(year, 0, 4));
    const week = 1 + Math.round(((d - jan4) / 86400000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
    return `${year}-W${String(week).padStart(2, '0')}`;
  }

  function addDays(day, n) {
    const d = new Date(day + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function mondayOf(day) {
    const d = new Date(day + 'T00:00:00Z');
    return addDays(day, -((d.getUTCDay() + 6) % 7));
  }

  async function loadClock() {
    const clock = await api('GET', '/api/v1/clock');
    today = clock.today;
    fill($('#pl-today'), date(today));
    $('#pl-advance').hidden = !clock.simulated;
    const bookable = isoWeek(addDays(mondayOf(today), 21));
    if (!$('#pl-cap-week').value) $('#pl-cap-week').value = bookable;
    if (!$('#pl-start-week').value) $('#pl-start-week').value = isoWeek(today);
  }

  async function loadMatrix(at) {
    const tbody = $('#pl-matrix tbody');
    try {
      const summary = await api('GET', '/api/v1/stock/summary' + (at ? `?min_position=${at}` : ''));
      $('#pl-matrix-empty').hidden = summary.length > 0;
      const max = Math.max(1, ...summary.flatMap((r) => STATUSES.map((k) => r[k])));
      fill(tbody, summary.map((r) => h('tr', { 'data-location': r.location },
        h('th', { scope: 'row' }, placeName(r.location)),
        STATUSES.map((k) => h('td', { 'data-level': r[k] === 0 ? 0 : Math.min(4, 1 + Math.floor((3 * r[k]) / max)) },
          r[k] === 0 ? h('span', { class: 'zero' }, '0') : h('button', {
            type: 'button',
            class: 'cell',
            'data-status': k,
            'aria-label': `${r[k]} ${statusLabel(k).toLowerCase()} at ${placeName(r.location)}: list them`,
            onclick: () => listVehicles(r.location, k),
          }, String(r[k])))),
        h('td', { class: 'demand' + (r.open_demand > 0 ? ' hot' : '') }, String(r.open_demand)))));
    } catch (err) {
      fill(tbody, h('tr', {}, h('td', { colspan: 7 }, problemNode(err))));
    }
  }

  function actionButton(label, work) {
    return h('button', {
      type: 'button',
      class: 'small',
      onclick: async (event) => {
        const b = event.currentTarget;
        b.disabled = true;
        try {
          await work();
        } catch (err) {
          flashError(err);
        } finally {
          b.disabled = false;
        }
      },
    }, label);
  }

  /** Puts an id picked from a list into a form's field (a typed short id works too). */
  function prefill(selector, value, focus) {
    const input = $(selector);
    input.value = value;
    if (focus) {
      input.closest('form').scrollIntoView({ block: 'center' });
      $(focus).focus();
    }
  }

  async function milestone(vehicle, kind, body) {
    const done = await api('POST', `/api/v1/vehicles/${vehicle}/${kind}`, body, { key: newKey() });
    const what = { 'complete-build': 'build complete', dispatch: 'dispatched', delay: 'delayed', arrive: 'arrived' }[kind];
    flash(`Vehicle ${shortId(vehicle)}: ${what}${done && done.eta ? `, ETA ${date(done.eta)}` : ''}.`);
    await refresh(done && done.position);
  }

  function vehicleActions(v) {
    const out = [];
    if (v.status === 'free') {
      out.push(h('button', { type: 'button', class: 'small', onclick: () => prefill('#pl-transfer-vehicle', v.vehicle_id, '#pl-transfer-to') }, 'Transfer…'));
    }
    if (v.status !== 'delivered') {
      out.push(h('button', { type: 'button', class: 'small secondary', onclick: () => prefill('#pl-realloc-vehicle', v.vehicle_id, '#pl-realloc-order') }, 'Reallocate…'));
    }
    if (v.status === 'in_production') out.push(actionButton('Build complete', () => milestone(v.vehicle_id, 'complete-build')));
    if ((v.status === 'built' || v.status === 'reserved') && v.order_id) out.push(actionButton('Dispatch', () => milestone(v.vehicle_id, 'dispatch')));
    if (v.status === 'in_transit') {
      out.push(actionButton('Arrived', () => milestone(v.vehicle_id, 'arrive')));
      out.push(h('button', {
        type: 'button',
        class: 'small secondary',
        onclick: () => {
          $('#pl-ms-kind').value = 'delay';
          showMilestoneFields();
          prefill('#pl-ms-vehicle', v.vehicle_id, '#pl-ms-reason');
        },
      }, 'Delay…'));
    }
    return out;
  }

  async function listVehicles(location, status, at) {
    listed = { location, status };
    const box = $('#pl-vehicles');
    try {
      const q = new URLSearchParams({ location, status });
      if (at) q.set('min_position', at);
      const vehicles = await api('GET', `/api/v1/vehicles?${q}`);
      fill(box, h('h3', { id: 'pl-vehicles-title' }, `${vehicles.length} ${statusLabel(status).toLowerCase()} at ${placeName(location)}`),
        h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-labelledby': 'pl-vehicles-title' },
          h('thead', {}, h('tr', {}, ['Vehicle', 'Car', 'Status', 'Order', 'ETA', 'VIN', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, vehicles.map((v) => h('tr', { 'data-vehicle': v.vehicle_id },
            h('td', {}, h('code', { class: 'id', title: v.vehicle_id }, shortId(v.vehicle_id))),
            h('td', { class: 'car' }, carName(catalog, v)),
            h('td', {}, badge(v.status), v.delay_reason ? h('span', { class: 'flag' }, v.delay_reason) : null,
              v.origin ? h('span', { class: 'muted' }, ` from ${placeName(v.origin)}`) : null),
            h('td', {}, v.order_id ? h('a', { href: `/orders/${v.order_id}` }, shortId(v.order_id)) : '—'),
            h('td', {}, date(v.eta)),
            h('td', {}, v.vin ? h('code', {}, v.vin) : '—'),
            h('td', { class: 'actions-cell' }, vehicleActions(v))))))));
    } catch (err) {
      fill(box, problemNode(err));
    }
  }

  async function loadDemand(at) {
    try {
      const orders = await api('GET', '/api/v1/orders?status=placed' + (at ? `&min_position=${at}` : ''));
      $('#pl-demand-empty').hidden = orders.length > 0;
      fill($('#pl-demand tbody'), orders.map((o) => h('tr', { 'data-order': o.order_id },
        h('td', {}, h('a', { href: `/orders/${o.order_id}` }, h('code', { class: 'id', title: o.order_id }, shortId(o.order_id)))),
        h('td', {}, h('a', { href: `/customers/${o.customer_id}` }, o.customer_name || o.customer_id)),
        h('td', { class: 'car' }, carName(catalog, o)),
        h('td', {}, o.dealer_name || o.dealer_id),
        h('td', {}, o.status_reason || '—'),
        h('td', {}, date(String(o.placed_at).slice(0, 10))),
        h('td', {}, reallocateTo(o)))));
    } catch (err) {
      flashError(err);
    }
  }

  function reallocateTo(o) {
    if (o.status === 'delivered' || o.status === 'cancelled') return null;
    return h('button', { type: 'button', class: 'small secondary', 'data-reallocate-order': o.order_id, onclick: () => prefill('#pl-realloc-order', o.order_id, '#pl-realloc-vehicle') }, 'Reallocate a vehicle to it…');
  }

  /** Every order, searched and paged by the API (`q`, `status`, `dealer_id`, `limit`, `offset`). */
  async function loadOrders(at) {
    const box = $('#pl-orders');
    const q = new URLSearchParams({ limit: String(ORDERS_PAGE), offset: String(ordersOffset) });
    const text = $('#pl-orders-q').value.trim();
    if (text) q.set('q', text);
    if ($('#pl-orders-status').value) q.set('status', $('#pl-orders-status').value);
    if ($('#pl-orders-dealer').value) q.set('dealer_id', $('#pl-orders-dealer').value);
    if (at) q.set('min_position', at);
    try {
      const { body: orders, total } = await api('GET', `/api/v1/orders?${q}`, undefined, { withTotal: true });
      const first = total === 0 ? 0 : ordersOffset + 1;
      const last = ordersOffset + orders.length;
      const pager = h('div', { class: 'pager row' },
        h('p', { id: 'pl-orders-range', role: 'status' }, total === 0 ? (text ? `No order matches “${text}”.` : 'No orders yet: customers and dealers place them in the configurator.') : `${first}–${last} of ${total} ${plural(total, 'order', 'orders')}`),
        ordersOffset > 0 ? h('button', { type: 'button', class: 'small secondary', onclick: () => { ordersOffset = Math.max(0, ordersOffset - ORDERS_PAGE); loadOrders(); } }, 'Previous') : null,
        last < total ? h('button', { type: 'button', class: 'small secondary', id: 'pl-orders-next', onclick: () => { ordersOffset += ORDERS_PAGE; loadOrders(); } }, 'Next') : null);
      fill(box, pager, orders.length === 0 ? null : h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-labelledby': 'orders-title' },
        h('thead', {}, h('tr', {}, ['Order', 'Customer', 'Car', 'Dealer', 'Status', 'ETA', 'Action'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, orders.map((o) => h('tr', { 'data-order': o.order_id },
          h('td', {}, h('a', { href: `/orders/${o.order_id}` }, h('code', { class: 'id', title: o.order_id }, shortId(o.order_id)))),
          h('td', {}, h('a', { href: `/customers/${o.customer_id}` }, o.customer_name || o.customer_id)),
          h('td', { class: 'car' }, carName(catalog, o)),
          h('td', {}, o.dealer_name || o.dealer_id),
          h('td', {}, badge(o.status), o.delayed ? h('span', { class: 'flag' }, 'delayed') : null),
          h('td', {}, date(o.eta)),
          h('td', {}, reallocateTo(o))))))));
    } catch (err) {
      fill(box, problemNode(err));
    }
  }

  /** One plant's weeks as bars: booked (filled) within capacity (outline); frozen weeks hatched. */
  function capacityChart(plant, weeks) {
    const width = 640;
    const height = 170;
    const top = 18;
    const bottom = 34;
    const barW = (width - 20) / weeks.length;
    const max = Math.max(1, ...weeks.map((w) => Math.max(w.capacity, w.booked)));
    const y = (n) => top + (height - top - bottom) * (1 - n / max);
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart capacity-chart', role: 'img', 'aria-labelledby': `cap-${plant}-title` },
      s('title', { id: `cap-${plant}-title` }, `${plant}: booked against capacity, ${weeks[0].week} to ${weeks[weeks.length - 1].week}`),
      s('defs', {}, s('pattern', { id: `hatch-${plant}`, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
        s('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' }))));
    weeks.forEach((w, i) => {
      const x = 10 + i * barW;
      const g = s('g', { class: 'week' + (w.frozen ? ' frozen' : ''), 'data-week': w.week },
        s('title', {}, `${w.week}: ${w.booked} booked of ${w.capacity}${w.frozen ? ' (frozen)' : ''}${w.production_started ? ', production started' : ''}`));
      if (w.frozen) g.append(s('rect', { x, y: top, width: barW - 4, height: height - top - bottom, fill: `url(#hatch-${plant})`, class: 'frozen-bg' }));
      if (w.capacity > 0) g.append(s('rect', { x, y: y(w.capacity), width: barW - 4, height: y(0) - y(w.capacity), class: 'cap' }));
      if (w.booked > 0) g.append(s('rect', { x, y: y(w.booked), width: barW - 4, height: y(0) - y(w.booked), class: 'booked' + (w.booked >= w.capacity ? ' full' : '') }));
      g.append(
        s('text', { x: x + (barW - 4) / 2, y: Math.min(y(Math.max(w.capacity, w.booked)), y(0)) - 4, class: 'value', 'text-anchor': 'middle' }, w.capacity || w.booked ? `${w.booked}/${w.capacity}` : ''),
        s('text', { x: x + (barW - 4) / 2, y: height - bottom + 14, class: 'label', 'text-anchor': 'middle' }, w.week.slice(5)));
      svg.append(g);
    });
    return svg;
  }

  async function loadCapacity(at) {
    const box = $('#pl-capacity');
    const from = isoWeek(today);
    const to = isoWeek(addDays(today, 7 * 15));
    const sections = await Promise.all(Object.keys(catalog.plants).map(async (plant) => {
      try {
        const q = new URLSearchParams({ from, to });
        if (at) q.set('min_position', at);
        const opened = await api('GET', `/api/v1/plants/${plant}/capacity?${q}`);
        const byWeek = new Map(opened.map((w) => [w.week, w]));
        const weeks = [];
        for (let i = 0; i < 16; i++) {
          const monday = addDays(mondayOf(today), 7 * i);
          const week = isoWeek(monday);
          // A week never opened: frozen by the calendar rule (14 days before it starts).
          weeks.push(byWeek.get(week) || { week, capacity: 0, booked: 0, frozen: addDays(monday, -14) <= today, production_started: false });
        }
        const details = h('details', {}, h('summary', {}, 'The numbers'), h('div', { class: 'table-wrap' }, h('table', { class: 'data compact' },
          h('thead', {}, h('tr', {}, ['Week', 'Capacity', 'Booked', 'Frozen', 'Production'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, opened.map((w) => h('tr', { 'data-week': w.week },
            h('th', { scope: 'row' }, w.week), h('td', {}, w.capacity), h('td', {}, w.booked),
            h('td', {}, w.frozen ? 'frozen' : 'open'), h('td', {}, w.production_started ? 'started' : '—')))))));
        return h('figure', { class: 'plant', 'data-plant': plant, 'data-opened': String(opened.some((w) => w.capacity > 0)) },
          h('figcaption', {}, `${catalog.plants[plant].name} (${plant})`), capacityChart(plant, weeks), details);
      } catch (err) {
        return h('div', {}, problemNode(err));
      }
    }));
    const anyOpen = sections.some((f) => f.dataset && f.dataset.opened === 'true');
    fill(box, anyOpen ? null : h('p', { id: 'pl-capacity-empty' }, 'No capacity yet: open a week below ("Open capacity"); waiting orders are booked into it by themselves.'),
      h('p', { class: 'legend' }, h('span', { class: 'key booked' }), 'booked ', h('span', { class: 'key cap' }), 'capacity ', h('span', { class: 'key frozen' }), 'frozen'), sections);
  }

  /** The transfer form's suggestions: the free vehicles, by the number shown and in words. */
  async function loadFreeVehicles(at) {
    try {
      const q = new URLSearchParams({ status: 'free', limit: '200' });
      if (at) q.set('min_position', at);
      const free = await api('GET', `/api/v1/vehicles?${q}`);
      fill($('#pl-free-vehicles'), free.map((v) => h('option', { value: shortId(v.vehicle_id) }, `${carName(catalog, v)} at ${placeName(v.location)}`)));
    } catch (_) {
      // Suggestions only: the field still takes a typed number.
    }
  }

  async function refresh(at) {
    loadFreeVehicles(at);
    await Promise.all([loadMatrix(at), loadDemand(at), loadOrders(at), loadCapacity(at), loadKpis($('#pl-kpis'))]);
    if (listed) await listVehicles(listed.location, listed.status, at);
  }

  function onSubmit(selector, work) {
    const form = $(selector);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!form.checkValidity()) {
        form.reportValidity();
        return;
      }
      busy(form, async () => {
        try {
          await work(form);
        } catch (err) {
          flashError(err);
        }
      });
    });
  }

  onSubmit('#pl-advance', async () => {
    const clock = await api('POST', '/api/v1/clock/advance', { days: Number($('#pl-advance-days').value) });
    flash(`The business day is now ${date(clock.today)}.`);
    $('#pl-cap-week').value = '';
    $('#pl-start-week').value = '';
    await loadClock();
    await refresh();
  });

  onSubmit('#pl-open-capacity', async () => {
    const plant = $('#pl-cap-plant').value;
    const week = $('#pl-cap-week').value.trim();
    const done = await api('PUT', `/api/v1/plants/${plant}/capacity/${encodeURIComponent(week)}`, { units: Number($('#pl-cap-units').value) }, { key: newKey() });
    flash(`Capacity of ${plant} in ${done.week} set to ${done.capacity}. Waiting orders are booked into it by themselves.`);
    await refresh(done.position);
  });

  onSubmit('#pl-start-production', async () => {
    const plant = $('#pl-start-plant').value;
    const week = $('#pl-start-week').value.trim();
    const builds = await api('POST', `/api/v1/plants/${plant}/capacity/${encodeURIComponent(week)}/start-production`, undefined, { key: newKey() });
    flash(h('div', { class: 'ok' }, h('p', {}, `${builds.length} build(s) started at ${plant} in ${week}.`),
      builds.length ? h('ul', {}, builds.map((b) => h('li', {}, `order ${shortId(b.order_id)}: vehicle `, h('code', {}, b.vehicle_id), ', VIN ', h('code', {}, b.vin)))) : null));
    await refresh();
  });

  onSubmit('#pl-register', async () => {
    const body = { market: $('#pl-reg-market').value, model: $('#pl-reg-model').value, options: chosenOptions('reg'), location: $('#pl-reg-location').value };
    try {
      const done = await api('POST', '/api/v1/vehicles', body, { key: newKey() });
      showViolations('reg', [], $('#pl-register-problems'));
      flash(h('p', { class: 'ok' }, 'Vehicle registered: ', h('code', { id: 'pl-registered' }, done.vehicle_id), ` at ${body.location}.`));
      await refresh(done.position);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) showViolations('reg', err.errors, $('#pl-register-problems'));
      throw err;
    }
  });

  onSubmit('#pl-orders-search', async () => {
    ordersOffset = 0;
    await loadOrders();
  });

  const vehicleId = (selector) => resolveId($(selector).value, '/api/v1/vehicles', 'vehicle_id', 'vehicle');
  const orderId = (selector) => resolveId($(selector).value, '/api/v1/orders', 'order_id', 'order');

  onSubmit('#pl-transfer', async () => {
    const vehicle = await vehicleId('#pl-transfer-vehicle');
    const done = await api('POST', `/api/v1/vehicles/${encodeURIComponent(vehicle)}/dispatch`, { to_location: $('#pl-transfer-to').value }, { key: newKey() });
    flash(`Vehicle ${shortId(vehicle)} is on its way to ${placeName(done.to_location)}, ETA ${date(done.eta)}.`);
    await refresh(done.position);
  });

  onSubmit('#pl-reallocate', async () => {
    const order = await orderId('#pl-realloc-order');
    const vehicle = await vehicleId('#pl-realloc-vehicle');
    const done = await api('POST', `/api/v1/orders/${encodeURIComponent(order)}/reallocate`, { vehicle_id: vehicle }, { key: newKey() });
    flash(`Vehicle ${shortId(vehicle)} now serves order ${shortId(order)}, ETA ${date(done.eta)}`
      + (done.from_order ? `; order ${shortId(done.from_order)} goes back to fulfilment.` : '.'));
    await refresh(done.position);
  });

  function showMilestoneFields() {
    const kind = $('#pl-ms-kind').value;
    for (const el of $$('[data-for-milestone]')) {
      el.hidden = el.dataset.forMilestone !== kind;
      $$('input', el).forEach((i) => { i.required = !el.hidden; });
    }
  }
  $('#pl-ms-kind').addEventListener('change', showMilestoneFields);
  onSubmit('#pl-milestone', async () => {
    const vehicle = encodeURIComponent(await vehicleId('#pl-ms-vehicle'));
    const kind = $('#pl-ms-kind').value;
    const body = kind === 'delay' ? { reason: $('#pl-ms-reason').value, new_eta: $('#pl-ms-eta').value } : undefined;
    await milestone(vehicle, kind, body);
  });

  onSubmit('#pl-locate', async () => {
    const q = new URLSearchParams({ market: $('#pl-loc-market').value, model: $('#pl-loc-model').value, options: chosenOptions('loc').join(',') });
    if ($('#pl-loc-dealer').value) q.set('dealer_id', $('#pl-loc-dealer').value);
    const box = $('#pl-locate-result');
    try {
      const found = await api('GET', `/api/v1/vehicles/locate?${q}`);
      showViolations('loc', [], $('#pl-locate-problems'));
      fill(box, found.length === 0 ? h('p', {}, 'No vehicle matches, exactly or nearly.') : h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('caption', {}, `${found.length} candidate(s), best first`),
        h('thead', {}, h('tr', {}, ['Vehicle', 'Location', 'Status', 'Match', 'Differences', 'ETA', 'Action'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, found.map((c) => h('tr', { 'data-vehicle': c.vehicle_id },
          h('td', {}, h('code', { class: 'id', title: c.vehicle_id }, shortId(c.vehicle_id))),
          h('td', {}, placeName(c.location)),
          h('td', {}, badge(c.status)),
          h('td', {}, h('span', { class: 'badge', 'data-status': c.match }, c.match === 'exact' ? 'Exact' : 'Near')),
          h('td', {}, (c.differences || []).map((d) => differenceName(catalog, String(d))).join('; ') || '—'),
          h('td', {}, date(c.eta)),
          h('td', {}, h('button', { type: 'button', class: 'small secondary', onclick: () => prefill('#pl-realloc-vehicle', c.vehicle_id, '#pl-realloc-order') }, 'Reallocate…'))))))));
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        showViolations('loc', err.errors, $('#pl-locate-problems'));
        fill(box, '');
        return;
      }
      throw err;
    }
  });

  (async () => {
    try {
      catalog = await api('GET', '/api/v1/catalog');
      await loadClock();
      await refresh();
    } catch (err) {
      flashError(err);
    }
  })();
  window.setInterval(() => {
    // The vehicle list is left alone: someone may be acting on it.
    if (document.visibilityState === 'visible' && catalog && today) Promise.all([loadMatrix(), loadDemand(), loadCapacity()]);
  }, 5000);
})();
