// `/orders/{id}`: the order's history and the promises made, in words.
//
// - History: each event on the day it happened in the business (`at` is the
//   business clock's time, which may be simulated), the event named in the
//   page's language, the engine's sentence written again in the page's
//   language from the event's type and `fields` (`history-text.js`: names,
//   money and dates per locale, no vehicle UUIDs).
// - Promises: every ETA and price promised, and how the first one turned
//   out (the actual arrival, days late, a delay compensation).
'use strict';

(function () {
  const { api, h, $, fill, problemNode } = window.OTD;
  const F = window.OTDFormat;
  const T = window.OTDText;
  const t = T.t;

  /** The event types in words, in English (translated by the language files). */
  const EVENTS = {
    OrderPlaced: 'Order placed',
    OrderAwaitingCapacity: 'Waiting for a car or a production week',
    OrderAllocated: 'Car reserved',
    OrderScheduled: 'Production week booked',
    OrderProductionStarted: 'Production started',
    OrderBuilt: 'Built',
    OrderDispatched: 'On its way to the dealer',
    OrderDelayed: 'Delayed',
    OrderArrivedAtDealer: 'Arrived at the dealer',
    OrderDelayCompensated: 'Delay compensation',
    HandoverAppointmentBooked: 'Handover booked',
    OrderDelivered: 'Handed over',
    OrderAmended: 'Options changed',
    OrderCancelled: 'Cancelled',
    OrderReallocated: 'Another car assigned',
    OrderVehicleWithdrawn: 'Reserved car withdrawn',
    InvoiceIssued: 'Invoice issued',
    PaymentRecorded: 'Payment received',
    InvoicePaid: 'Invoice paid',
    CreditNoteIssued: 'Credit note issued',
  };

  function eventName(type) {
    return EVENTS[type] ? t(EVENTS[type]) : String(type).replace(/([a-z])([A-Z])/g, '$1 $2');
  }

  /** The history list: newest last, each line dated by the business day. */
  async function renderHistory(orderId, catalog) {
    const list = $('#trk-history');
    try {
      const entries = await api('GET', `/api/v1/orders/${orderId}/history`);
      fill(list, entries.map((e) => h('li', { 'data-type': e.type },
        h('time', { datetime: e.at }, F.date(e.at)),
        h('span', { class: 'summary' }, h('strong', {}, eventName(e.type)),
          h('span', { class: 'detail' }, window.OTDHistory.sentence(F, t, catalog, e, F.locale()))))));
    } catch (err) {
      fill(list, h('li', {}, problemNode(err)));
    }
  }

  const PROMISE_REASONS = {
    placed: 'Order placed',
    booked: 'Car or production week booked',
    delay: 'Delayed',
    amendment: 'You changed the order',
    reallocation: 'Another car assigned',
  };

  /**
   * Every ETA and price we promised, and how the first promise turned out.
   * Resolves with the promises (their `actual_arrival` says when the car
   * arrived), or null when they cannot be read.
   */
  async function renderPromises(orderId) {
    const card = $('#trk-promises-card');
    try {
      const p = await api('GET', `/api/v1/orders/${orderId}/promises`);
      card.hidden = false;
      fill($('#trk-promises'), p.history.map((e) => h('li', { 'data-reason': e.reason },
        h('time', { datetime: e.promised_at }, F.date(e.promised_at)),
        h('span', { class: 'summary' }, `${t(PROMISE_REASONS[e.reason] || e.reason)}: `,
          e.eta ? [t('at the dealer on'), ' ', h('strong', {}, F.date(e.eta))] : t('no delivery date yet'),
          ` · ${F.money(e.price)}`))));
      fill($('#trk-promise-summary'),
        p.first_eta ? [t('First promised for'), ' ', h('strong', {}, F.date(p.first_eta)), '.'] : t('No delivery date promised yet.'),
        p.actual_arrival ? [' ', t('Arrived on'), ' ', h('strong', {}, F.date(p.actual_arrival)),
          p.days_late ? ` (${t('{n} days late', { n: p.days_late })}).` : ` (${t('on time')}).`] : null,
        p.compensation ? [' ', t('Delay compensation:'), ' ', h('strong', { id: 'trk-compensation' }, F.money(p.compensation)),
          ', ', t('credited on the invoice.')] : null);
      return p;
    } catch (_) {
      card.hidden = true;
      return null;
    }
  }

  window.OTDTracker = { renderHistory, renderPromises, eventName };
})();
