// `/orders`: the signed-in customer's (or dealer's) orders.
// `/orders/{id}`: one order's tracker — the stepper from placed to
// delivered, the ETA and why it waits, the history, amend (until the
// freeze, with the price difference), cancel (with the refund), the
// invoice and the handover appointment, and every ETA and price promised as a timeline. It refreshes itself every few
// seconds while the tab is visible.
'use strict';

(function () {
  const {
    api, h, $, fill, money, date, dateTime, badge, statusLabel, shortId, gate, busy, newKey,
    problemNode, flash, flashError, chosenOptions, setOptions, showViolations, ApiError, invoiceTable,
  } = window.OTD;
  const me = gate();
  if (!me) return;

  if (document.body.dataset.page === 'orders') {
    listOrders();
    return;
  }

  const content = $('#content');
  const orderId = content.dataset.order;
  const firstAt = new URL(window.location.href).searchParams.get('at');
  let order = null;
  let today = null;
  let withdrawalDays = {};
  let loading = null;
  let amendKey = newKey();

  async function listOrders() {
    const tbody = $('#orders tbody');
    try {
      const orders = await api('GET', '/api/v1/orders');
      orders.sort((a, b) => String(b.placed_at).localeCompare(String(a.placed_at)));
      $('#orders-empty').hidden = orders.length > 0;
      fill(tbody, orders.map((o) => h('tr', {},
        h('td', {}, h('a', { href: `/orders/${o.order_id}` }, shortId(o.order_id))),
        h('td', {}, o.model),
        h('td', {}, badge(o.status), o.delayed ? h('span', { class: 'flag' }, 'delayed') : null),
        h('td', {}, date(o.eta)),
        h('td', {}, o.dealer_id),
        h('td', {}, dateTime(o.placed_at)))));
    } catch (err) {
      flashError(err);
    }
  }

  const STEPS = [
    ['placed', 'Placed'],
    ['secured', 'Vehicle or slot secured'],
    ['in_production', 'In production'],
    ['built', 'Built'],
    ['in_transit', 'In transit'],
    ['at_dealer', 'At the dealer'],
    ['handover_scheduled', 'Handover booked'],
    ['delivered', 'Delivered'],
  ];

  function stepOf(status) {
    if (status === 'allocated' || status === 'scheduled') return 'secured';
    return status;
  }

  function stepper(o) {
    const stock = o.fulfilment && o.fulfilment.kind === 'stock';
    const steps = STEPS
      .filter(([k]) => !(stock && (k === 'in_production' || k === 'built')))
      .map(([k, label]) => [k, k === 'secured' && o.fulfilment ? (stock ? 'Vehicle reserved' : `Production booked${o.fulfilment.week ? ' ' + o.fulfilment.week : ''}`) : label]);
    const current = steps.findIndex(([k]) => k === stepOf(o.status));
    const el = $('#trk-stepper');
    el.classList.toggle('cancelled', o.status === 'cancelled');
    fill(el, steps.map(([k, label], i) => {
      const state = o.status === 'cancelled' ? 'todo' : i < current ? 'done' : i === current ? 'current' : 'todo';
      return h('li', { class: state, 'data-step': k, 'aria-current': state === 'current' ? 'step' : null },
        h('span', { class: 'dot', 'aria-hidden': 'true' }, state === 'done' ? '✓' : String(i + 1)),
        h('span', { class: 'label' }, label),
        h('span', { class: 'sr-only' }, state === 'done' ? ' (done)' : state === 'current' ? ' (now)' : ''));
    }));
  }

  function fact(term, ...value) {
    return [h('dt', {}, term), h('dd', {}, ...value)];
  }

  function canChange(o) {
    if (me.role !== 'customer' && me.role !== 'dealer') return false;
    if (['placed', 'allocated', 'scheduled'].includes(o.status)) return true;
    // A stock car that already stood at the dealer when it was matched: amendable until a
    // handover is booked or its invoice (issued at the booking) is paid.
    return o.status === 'at_dealer' && o.fulfilment && o.fulfilment.kind === 'stock' && !o.handover_at && !o.invoice;
  }

  function frozen(o) {
    return o.changeable_until && today && today > o.changeable_until;
  }

  function render(o) {
    fill($('#trk-status'), badge(o.status));
    stepper(o);
    const where = o.dealer_id;
    fill($('#trk-eta'), o.status === 'delivered' ? 'Delivered.' : o.status === 'cancelled' ? 'Cancelled.'
      : o.eta ? [`Expected at ${where} on `, h('strong', { id: 'trk-eta-date' }, date(o.eta)), o.delayed ? h('span', { class: 'flag' }, 'delayed') : null]
        : 'No delivery date yet.');
    const reason = $('#trk-reason');
    reason.hidden = !o.status_reason;
    reason.classList.toggle('delayed', !!o.delayed);
    reason.textContent = o.status_reason ? `Waiting: ${o.status_reason}` : '';
    const f = o.fulfilment;
    fill($('#trk-facts'),
      fact('Order', h('code', {}, o.order_id)),
      fact('Car', `${o.model} for ${o.market}: `, o.options.join(', ')),
      fact('Delivering dealer', o.dealer_id),
      fact('Fulfilment', !f ? 'not yet' : f.kind === 'stock' ? `from stock${f.location ? ' at ' + f.location : ''}` : `built at ${f.plant || '—'}${f.week ? ' in ' + f.week : ''}`,
        f && f.vin ? [' · VIN ', h('code', {}, f.vin)] : null),
      fact('Price', `${money(o.price.net)} net + ${money(o.price.vat)} VAT = `, h('strong', {}, money(o.price.gross))),
      fact('Deposit', money(o.deposit)),
      fact('Placed', dateTime(o.placed_at)),
      o.handover_at ? fact('Handover', dateTime(o.handover_at)) : null);

    // Amend.
    const amendCard = $('#trk-amend-card');
    amendCard.hidden = !canChange(o);
    if (!amendCard.hidden) {
      const stock = f && f.kind === 'stock';
      fill($('#trk-changeable'), frozen(o) ? `Frozen since ${date(o.changeable_until)}: the options can no longer change.`
        : o.changeable_until ? ['Changeable until ', h('strong', { id: 'trk-changeable-date' }, date(o.changeable_until)), '.']
          : stock ? 'Changeable until the vehicle is dispatched (a new configuration may release the reserved car).'
            : 'Changeable until production is booked and frozen.');
      if (!amendCard.dataset.filled) {
        setOptions('amend', o.options);
        amendCard.dataset.filled = 'yes';
        showOptionPrices(o.market);
      }
    }

    // Cancel.
    const cancelCard = $('#trk-cancel-card');
    cancelCard.hidden = ['delivered', 'cancelled'].includes(o.status) || me.role === 'finance';
    fill($('#trk-refund-policy'), o.changeable_until
      ? (frozen(o) ? `Past the freeze (${date(o.changeable_until)}): the deposit of ${money(o.deposit)} is forfeited.`
        : `Until ${date(o.changeable_until)} the deposit of ${money(o.deposit)} is refunded in full; after that it is forfeited.`)
      : `The deposit of ${money(o.deposit)} is refunded in full until the car is dispatched to the dealer; `
        + 'a car already standing there, until a handover is booked or a payment is made.'
        + (withdrawalDays[o.market] && !o.selling_dealer_id
          ? ` An online order from stock may in any case be withdrawn with a full refund within ${withdrawalDays[o.market]} days of placing it.` : ''));

    // Handover.
    const hand = $('#trk-handover-card');
    hand.hidden = !['in_transit', 'at_dealer', 'handover_scheduled', 'delivered'].includes(o.status) || me.role === 'planner' || me.role === 'finance';
    fill($('#trk-appointment'), o.handover_at ? ['Appointment: ', h('strong', {}, dateTime(o.handover_at))] : 'No appointment booked yet.');
    $('#trk-book').hidden = o.status === 'delivered';
    $('#trk-handover-dealer').hidden = !(me.role === 'dealer' && ['at_dealer', 'handover_scheduled'].includes(o.status));

    // Invoice.
    $('#trk-invoice-card').hidden = !o.invoice;
  }

  /** Today's option prices in the order's market beside the amend choices. */
  async function showOptionPrices(market) {
    try {
      const catalog = await api('GET', '/api/v1/catalog');
      for (const span of document.querySelectorAll('#trk-amend [data-price]')) {
        const option = catalog.options[span.dataset.price];
        const price = option && option.prices[market];
        fill(span, !price ? 'not offered' : price.amount_minor === 0 ? 'included' : '+' + money(price));
      }
    } catch (err) {
      flashError(err);
    }
  }

  async function renderInvoice(o) {
    if (!o.invoice) return;
    const box = $('#trk-invoice');
    if (me.role === 'dealer') {
      fill(box, h('p', {}, `${o.invoice.number}: `, badge(o.invoice.status), ` — amount due ${money(o.invoice.amount_due)}`));
      return;
    }
    try {
      const inv = await api('GET', `/api/v1/invoices/${encodeURIComponent(o.invoice.number)}`);
      fill(box,
        h('p', {}, h('strong', {}, inv.number), ' ', badge(inv.status), ` issued ${date(inv.issued_on)}`),
        invoiceTable(inv, 'trk-outstanding'),
        inv.credit_note ? h('p', {}, `Credit note ${inv.credit_note.number}: refund ${money(inv.credit_note.refund)}`) : null);
    } catch (err) {
      fill(box, problemNode(err));
    }
  }

  async function renderHistory() {
    const list = $('#trk-history');
    try {
      const entries = await api('GET', `/api/v1/orders/${orderId}/history`);
      fill(list, entries.map((e) => h('li', { 'data-type': e.type },
        h('time', { datetime: e.at }, dateTime(e.at)), h('span', { class: 'summary' }, e.summary))));
    } catch (err) {
      fill(list, h('li', {}, problemNode(err)));
    }
  }

  const PROMISE_REASONS = {
    placed: 'Order placed',
    booked: 'Vehicle or production week booked',
    delay: 'Delayed',
    amendment: 'You changed the order',
    reallocation: 'Another vehicle assigned',
  };

  /** Every ETA and price we promised, as a timeline, and how the first promise turned out. */
  async function renderPromises() {
    const card = $('#trk-promises-card');
    if (me.role === 'finance') return;
    try {
      const p = await api('GET', `/api/v1/orders/${orderId}/promises`);
      card.hidden = false;
      fill($('#trk-promises'), p.history.map((e) => h('li', { 'data-reason': e.reason },
        h('time', { datetime: e.promised_at }, dateTime(e.promised_at)),
        h('span', { class: 'summary' }, `${PROMISE_REASONS[e.reason] || e.reason}: `,
          e.eta ? ['at the dealer on ', h('strong', {}, date(e.eta))] : 'no delivery date yet',
          ` · ${money(e.price)}`))));
      fill($('#trk-promise-summary'),
        p.first_eta ? ['First promised for ', h('strong', {}, date(p.first_eta)), '.'] : 'No delivery date promised yet.',
        p.actual_arrival ? [' Arrived on ', h('strong', {}, date(p.actual_arrival)),
          p.days_late ? `, ${p.days_late} days late.` : ', on time.'] : null,
        p.compensation ? [' Delay compensation: ', h('strong', { id: 'trk-compensation' }, money(p.compensation)),
          ', credited on the invoice.'] : null);
    } catch (err) {
      card.hidden = true;
    }
  }

  async function load(minPosition) {
    if (loading) return loading;
    loading = (async () => {
      try {
        const clock = await api('GET', '/api/v1/clock');
        today = clock.today;
        if (!order) {
          const catalog = await api('GET', '/api/v1/catalog');
          for (const [code, m] of Object.entries(catalog.markets || {})) withdrawalDays[code] = m.online_withdrawal_days;
        }
        const q = minPosition ? `?min_position=${encodeURIComponent(minPosition)}` : '';
        const o = await api('GET', `/api/v1/orders/${orderId}${q}`);
        // Compared whole: `updated_at` is business time, and under a simulated clock several
        // events (an arrival and its invoice) happen at one business instant.
        const changed = !order || JSON.stringify(order) !== JSON.stringify(o);
        order = o;
        render(o);
        if (changed) {
          await Promise.all([renderHistory(), renderInvoice(o), renderPromises()]);
        }
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
          fill($('#trk-facts'), problemNode(err));
        } else {
          flashError(err);
        }
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  // Amend: preview the price difference, then save.
  const amendForm = $('#trk-amend');
  let previewed = 0;
  amendForm.addEventListener('change', async () => {
    if (!order) return;
    const mine = ++previewed;
    amendKey = newKey();
    const diff = $('#trk-amend-diff');
    try {
      const q = await api('POST', '/api/v1/quotes', { market: order.market, model: order.model, options: chosenOptions('amend') });
      if (mine !== previewed) return;
      showViolations('amend', [], $('#trk-amend-problems'));
      const delta = { amount_minor: q.net.amount_minor - order.price.net.amount_minor, currency: q.net.currency };
      fill(diff, 'Price difference: ', h('strong', { id: 'trk-amend-delta' }, (delta.amount_minor >= 0 ? '+' : '') + money(delta)),
        ` net (new gross ${money(q.gross)}).`);
    } catch (err) {
      if (mine !== previewed) return;
      fill(diff, '');
      if (err instanceof ApiError && err.status === 422) showViolations('amend', err.errors, $('#trk-amend-problems'));
      else flashError(err);
    }
  });
  amendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(amendForm, async () => {
      try {
        const done = await api('POST', `/api/v1/orders/${orderId}/amend`, { options: chosenOptions('amend') }, { key: amendKey });
        amendKey = newKey();
        const d = done.difference;
        flash(`Options changed. Price difference ${(d.amount_minor >= 0 ? '+' : '') + money(d)} net; new price ${money(done.price.gross)}.`
          + (done.released_vehicle ? ' The reserved car no longer matches and was released; a new one is being found.' : ''));
        $('#trk-amend-diff').textContent = '';
        await load(done.position);
      } catch (err) {
        if (err instanceof ApiError && err.status === 422) showViolations('amend', err.errors, $('#trk-amend-problems'));
        flashError(err);
      }
    });
  });

  // Cancel.
  const cancelForm = $('#trk-cancel');
  cancelForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(cancelForm, async () => {
      try {
        const done = await api('POST', `/api/v1/orders/${orderId}/cancel`, { reason: $('#trk-cancel-reason').value }, { key: newKey() });
        flash(h('p', { class: 'ok', id: 'trk-cancelled' }, h('strong', {}, 'Order cancelled.'), ` Refund: ${money(done.refund)}`,
          ` (deposit refunded ${money(done.deposit_refunded)}, forfeited ${money(done.deposit_forfeited)})`,
          done.credit_note ? `; credit note ${done.credit_note}` : '', '.'));
        await load(done.position);
      } catch (err) {
        flashError(err);
      }
    });
  });

  // Handover appointment and handover.
  const bookForm = $('#trk-book');
  bookForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const local = $('#trk-book-at').value;
    if (!local) return;
    const at = new Date(local + ':00Z');
    if (Number.isNaN(at.getTime())) return;
    busy(bookForm, async () => {
      try {
        const done = await api('POST', `/api/v1/orders/${orderId}/handover-appointment`, { at: at.toISOString().replace('.000Z', 'Z') }, { key: newKey() });
        flash(`Handover booked for ${dateTime(at.toISOString())}.`);
        await load(done && done.position);
      } catch (err) {
        flashError(err);
      }
    });
  });
  $('#trk-hand-over').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/orders/${orderId}/handover`, undefined, { key: newKey() });
      flash('Handed over: the order is delivered.');
      await load(done && done.position);
    } catch (err) {
      flashError(err);
    } finally {
      button.disabled = false;
    }
  });

  $('#trk-refresh').addEventListener('click', () => load());
  load(firstAt);
  window.setInterval(() => {
    if (document.visibilityState === 'visible') load();
  }, 4000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') load();
  });
  void statusLabel;
})();
