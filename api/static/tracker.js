// `/orders`: the signed-in customer's (or dealer's) orders.
// `/orders/{id}`: one order's tracker — the stepper from placed to
// delivered, the ETA ("Arrived on …" once it is there) and why it waits,
// the history, amend (until the freeze, with the price difference), cancel
// (with the refund), the invoice and the handover appointment (in the
// dealer's local time, from its opening hours), and every ETA and price
// promised as a timeline (`tracker-history.js`). Names, not ids; money and
// dates in the page's language. It refreshes itself every few seconds while
// the tab is visible.
'use strict';

(function () {
  const {
    api, h, $, fill, badge, gate, busy, newKey, problemNode, flash, flashError, chosenOptions, setOptions, ApiError,
    invoiceTable,
  } = window.OTD;
  const F = window.OTDFormat;
  const O = window.OTDOptions;
  const t = window.OTDText.t;
  const money = (m) => F.money(m);
  const date = (d) => F.date(d);
  const me = gate();
  if (!me) return;
  let catalog = null;
  /** The order's promises (`tracker-history.js`), once read: when the car arrived. */
  let promises = null;
  const catalogLoaded = api('GET', '/api/v1/catalog').then((c) => { catalog = c; return c; });

  if (document.body.dataset.page === 'orders') {
    listOrders();
    return;
  }

  const content = $('#content');
  const orderId = content.dataset.order;
  const firstAt = new URL(window.location.href).searchParams.get('at');
  let order = null;
  let today = null;
  let clockNow = null;
  let loading = null;
  let amendKey = newKey();

  async function listOrders() {
    const tbody = $('#orders tbody');
    try {
      const [orders] = await Promise.all([api('GET', '/api/v1/orders'), catalogLoaded]);
      orders.sort((a, b) => String(b.placed_at).localeCompare(String(a.placed_at)));
      $('#orders-empty').hidden = orders.length > 0;
      fill(tbody, orders.map((o) => h('tr', {},
        h('td', {}, h('a', { href: `/orders/${o.order_id}`, 'aria-label': t('Order {n}', { n: F.shortId(o.order_id) }) }, h('code', {}, F.shortId(o.order_id)))),
        h('td', {}, F.configuration(catalog, o)),
        h('td', {}, statusBadge(o.status), o.delayed ? h('span', { class: 'flag' }, t('delayed')) : null),
        h('td', {}, etaText(o)),
        h('td', {}, o.dealer_name || F.dealerName(catalog, o.dealer_id)),
        h('td', {}, date(o.placed_at)))));
    } catch (err) {
      flashError(err);
    }
  }

  const STEPS = [
    ['placed', 'Placed'],
    ['secured', 'Car or production week secured'],
    ['in_production', 'In production'],
    ['built', 'Built'],
    ['in_transit', 'In transit'],
    ['at_dealer', 'At the dealer'],
    ['handover_scheduled', 'Handover booked'],
    ['delivered', 'Delivered'],
  ];

  /** A status badge in the page's language. */
  function statusBadge(status) {
    const b = badge(status);
    b.textContent = t(b.textContent);
    return b;
  }

  /** Where the car is or when it is due, in words. */
  function etaText(o) {
    if (o.status === 'cancelled') return t('Cancelled');
    if (o.status === 'delivered') return t('Delivered');
    if (['at_dealer', 'handover_scheduled'].includes(o.status)) return t('Arrived on {date}', { date: date(arrivedOn(o)) });
    return o.eta ? t('about {date}', { date: date(o.eta) }) : t('no date yet');
  }

  /** The day the car arrived at the dealer: the promises' record, else the ETA it kept. */
  function arrivedOn(o) {
    return (promises && promises.actual_arrival) || o.eta;
  }



  function stepOf(status) {
    if (status === 'allocated' || status === 'scheduled') return 'secured';
    return status;
  }

  function stepper(o) {
    const stock = o.fulfilment && o.fulfilment.kind === 'stock';
    const steps = STEPS
      .filter(([k]) => !(stock && (k === 'in_production' || k === 'built')))
      .map(([k, label]) => [k, k === 'secured' && o.fulfilment ? (stock ? t('Car reserved')
        : t('Production in week {week}', { week: o.fulfilment.week ? Number(String(o.fulfilment.week).split('-W')[1]) : '—' })) : t(label)]);
    const current = steps.findIndex(([k]) => k === stepOf(o.status));
    const el = $('#trk-stepper');
    el.classList.toggle('cancelled', o.status === 'cancelled');
    fill(el, steps.map(([k, label], i) => {
      const state = o.status === 'cancelled' ? 'todo' : i < current ? 'done' : i === current ? 'current' : 'todo';
      return h('li', { class: state, 'data-step': k, 'aria-current': state === 'current' ? 'step' : null },
        h('span', { class: 'dot', 'aria-hidden': 'true' }, state === 'done' ? '✓' : String(i + 1)),
        h('span', { class: 'label' }, label),
        h('span', { class: 'sr-only' }, state === 'done' ? ` (${t('done')})` : state === 'current' ? ` (${t('now')})` : ''));
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
    fill($('#trk-status'), statusBadge(o.status));
    stepper(o);
    const where = o.dealer_name || F.dealerName(catalog, o.dealer_id);
    const arrived = ['at_dealer', 'handover_scheduled'].includes(o.status);
    fill($('#trk-eta'), o.status === 'delivered' ? t('Delivered.') : o.status === 'cancelled' ? t('Cancelled.')
      : arrived ? [t('Arrived at {dealer} on', { dealer: where }), ' ', h('strong', { id: 'trk-eta-date' }, date(arrivedOn(o))), '.']
        : o.eta ? [t('Expected at {dealer} on', { dealer: where }), ' ', h('strong', { id: 'trk-eta-date' }, date(o.eta)),
          o.delayed ? h('span', { class: 'flag' }, t('delayed')) : null]
          : t('No delivery date yet.'));
    const reason = $('#trk-reason');
    reason.hidden = !o.status_reason;
    reason.classList.toggle('delayed', !!o.delayed);
    reason.textContent = o.status_reason ? `${t('Waiting:')} ${F.humanize(catalog, o.status_reason)}` : '';
    const f = o.fulfilment;
    const week = f && f.week ? Number(String(f.week).split('-W')[1]) : null;
    fill($('#trk-facts'),
      fact(t('Order number'), h('code', { title: o.order_id }, F.shortId(o.order_id))),
      fact(t('Car'), F.configuration(catalog, o)),
      fact(t('Delivering dealer'), where),
      fact(t('Fulfilment'), !f ? t('not yet') : f.kind === 'stock'
        ? (f.location ? t('from stock at {place}', { place: F.locationName(catalog, f.location) }) : t('from stock'))
        : t('built at {plant} in week {week}', { plant: F.plantName(catalog, f.plant), week: week || '—' }),
      f && f.vin ? [' · VIN ', h('code', {}, f.vin)] : null),
      fact(t('Price'), `${money(o.price.net)} ${t('net')} + ${money(o.price.vat)} ${t('VAT')} = `, h('strong', {}, money(o.price.gross))),
      fact(t('Deposit'), money(o.deposit)),
      fact(t('Placed'), date(o.placed_at)),
      o.handover_at ? fact(t('Handover'), handoverText(o)) : null);

    // Amend.
    const amendCard = $('#trk-amend-card');
    amendCard.hidden = !canChange(o);
    if (!amendCard.hidden) {
      const stock = f && f.kind === 'stock';
      fill($('#trk-changeable'), frozen(o) ? t('Frozen since {date}: the options can no longer change.', { date: date(o.changeable_until) })
        : o.changeable_until ? [t('Changeable until'), ' ', h('strong', { id: 'trk-changeable-date' }, date(o.changeable_until)), '.']
          : stock ? t('Changeable until the car is dispatched (a new configuration may release the reserved car).')
            : t('Changeable until production is booked and frozen.'));
      if (!amendCard.dataset.filled) {
        setOptions('amend', o.options);
        amendCard.dataset.filled = 'yes';
        O.dress('amend', catalog, o.model, o.market);
      }
    }

    // Cancel.
    const cancelCard = $('#trk-cancel-card');
    cancelCard.hidden = ['delivered', 'cancelled'].includes(o.status) || me.role === 'finance';
    const days = catalog.markets[o.market] && catalog.markets[o.market].online_withdrawal_days;
    fill($('#trk-refund-policy'), o.changeable_until
      ? (frozen(o) ? t('Past the freeze ({date}): the deposit of {deposit} is forfeited.', { date: date(o.changeable_until), deposit: money(o.deposit) })
        : t('Until {date} the deposit of {deposit} is refunded in full; after that it is forfeited.', { date: date(o.changeable_until), deposit: money(o.deposit) }))
      : t('The deposit of {deposit} is refunded in full until the car is dispatched to the dealer; a car already standing there, until a handover is booked or a payment is made.', { deposit: money(o.deposit) })
        + (days && !o.selling_dealer_id
          ? ` ${t('An online order from stock may in any case be withdrawn with a full refund within {days} days of placing it.', { days })}` : ''));

    // Handover.
    const hand = $('#trk-handover-card');
    hand.hidden = !['in_transit', 'at_dealer', 'handover_scheduled', 'delivered'].includes(o.status) || me.role === 'planner' || me.role === 'finance';
    fill($('#trk-appointment'), o.handover_at ? [t('Appointment:'), ' ', h('strong', { id: 'trk-appointment-at' }, handoverText(o))] : t('No appointment booked yet.'));
    $('#trk-book').hidden = o.status === 'delivered';
    if (!hand.hidden) window.OTDHandover.prepare(o, catalog, today, clockNow);
    $('#trk-handover-dealer').hidden = !(me.role === 'dealer' && ['at_dealer', 'handover_scheduled'].includes(o.status));

    // Invoice.
    $('#trk-invoice-card').hidden = !o.invoice;
  }

  /** The handover appointment in the dealer's local time. */
  function handoverText(o) {
    const dealer = catalog.dealers[o.dealer_id];
    return F.dateTime(o.handover_at, undefined, dealer ? dealer.time_zone : 'UTC');
  }

  async function renderInvoice(o) {
    if (!o.invoice) return;
    const box = $('#trk-invoice');
    if (me.role === 'dealer') {
      fill(box, h('p', {}, `${o.invoice.number}: `, statusBadge(o.invoice.status), ` — ${t('amount due')} ${money(o.invoice.amount_due)}`));
      return;
    }
    try {
      const inv = await api('GET', `/api/v1/invoices/${encodeURIComponent(o.invoice.number)}`);
      fill(box,
        h('p', {}, h('strong', {}, inv.number), ' ', statusBadge(inv.status), ` ${t('issued {date}', { date: date(inv.issued_on) })}`),
        invoiceTable(inv, 'trk-outstanding'),
        inv.credit_note ? h('p', {}, t('Credit note {n}: refund {amount}', { n: inv.credit_note.number, amount: money(inv.credit_note.refund) })) : null);
    } catch (err) {
      fill(box, problemNode(err));
    }
  }

  async function load(minPosition) {
    if (loading) return loading;
    loading = (async () => {
      try {
        const clock = await api('GET', '/api/v1/clock');
        today = clock.today;
        clockNow = clock.now;
        await catalogLoaded;
        const q = minPosition ? `?min_position=${encodeURIComponent(minPosition)}` : '';
        const o = await api('GET', `/api/v1/orders/${orderId}${q}`);
        // Compared whole: `updated_at` is business time, and under a simulated clock several
        // events (an arrival and its invoice) happen at one business instant.
        const changed = !order || JSON.stringify(order) !== JSON.stringify(o);
        order = o;
        if (changed) {
          const history = window.OTDTracker;
          const [p] = await Promise.all([me.role === 'finance' ? null : history.renderPromises(orderId),
            history.renderHistory(orderId, catalog), renderInvoice(o)]);
          promises = p;
        }
        render(o);
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
  const amendProblems = $('#trk-amend-problems');
  let previewed = 0;
  async function previewAmend() {
    if (!order) return;
    const mine = ++previewed;
    amendKey = newKey();
    const diff = $('#trk-amend-diff');
    try {
      const q = await api('POST', '/api/v1/quotes', { market: order.market, model: order.model, options: chosenOptions('amend') });
      if (mine !== previewed) return;
      O.violations('amend', catalog, [], amendProblems, previewAmend);
      const delta = { amount_minor: q.net.amount_minor - order.price.net.amount_minor, currency: q.net.currency };
      fill(diff, `${t('Price difference:')} `, h('strong', { id: 'trk-amend-delta' }, (delta.amount_minor >= 0 ? '+' : '') + money(delta)),
        ` ${t('net (new gross {gross}).', { gross: money(q.gross) })}`);
    } catch (err) {
      if (mine !== previewed) return;
      fill(diff, '');
      if (err instanceof ApiError && err.status === 422) O.violations('amend', catalog, err.errors, amendProblems, previewAmend);
      else flashError(err);
    }
  }
  amendForm.addEventListener('change', previewAmend);
  amendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(amendForm, async () => {
      try {
        const done = await api('POST', `/api/v1/orders/${orderId}/amend`, { options: chosenOptions('amend') }, { key: amendKey });
        amendKey = newKey();
        const d = done.difference;
        flash(t('Options changed. Price difference {diff} net; new price {gross}.', { diff: (d.amount_minor >= 0 ? '+' : '') + money(d), gross: money(done.price.gross) })
          + (done.released_vehicle ? ` ${t('The reserved car no longer matches and was released; a new one is being found.')}` : ''));
        $('#trk-amend-diff').textContent = '';
        await load(done.position);
      } catch (err) {
        if (err instanceof ApiError && err.status === 422) O.violations('amend', catalog, err.errors, amendProblems, previewAmend);
        else flashError(err);
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
        flash(h('p', { class: 'ok', id: 'trk-cancelled' }, h('strong', {}, t('Order cancelled.')), ' ',
          t('Refund: {refund} (deposit refunded {back}, forfeited {kept})', { refund: money(done.refund), back: money(done.deposit_refunded), kept: money(done.deposit_forfeited) }),
          done.credit_note ? `; ${t('credit note')} ${done.credit_note}` : '', '.'));
        await load(done.position);
      } catch (err) {
        flashError(err);
      }
    });
  });

  // Handover appointment (the picker: `handover-picker.js`) and handover.
  window.OTDHandover.onBook(async (at) => {
    const done = await api('POST', `/api/v1/orders/${orderId}/handover-appointment`, { at }, { key: newKey() });
    flash(t('Handover booked for {when}.', { when: handoverText({ ...order, handover_at: at }) }));
    await load(done && done.position);
  });
  $('#trk-hand-over').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/orders/${orderId}/handover`, undefined, { key: newKey() });
      flash(t('Handed over: the order is delivered.'));
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
})();
