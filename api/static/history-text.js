// otd web UI: an order's history line in the page's language. The engine
// writes each event of `GET /api/v1/orders/{id}/history` as one English
// sentence (`summary`) and gives its values by name (`fields`: codes, money
// as minor units, days, ISO weeks, instants). This writes the sentence again
// from the event's `type` and those fields, with a template keyed by its
// English text (`i18n-de.js`, `i18n-zh.js` hold the German and Chinese):
// names from the catalog, money and dates per locale, no vehicle UUIDs. An
// entry without `fields` (an older server) has them read back from its
// sentence; a sentence this does not know is made readable as it is
// (`OTDFormat.humanize`). Plain JavaScript; in node for its unit tests.
'use strict';

(function (root, factory) {
  const api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.OTDHistory = api;
}(typeof self !== 'undefined' ? self : this, function () {
  const MONEY = '(-?\\d+\\.\\d{2} [A-Z]{3})';
  const DAY = '(\\d{4}-\\d{2}-\\d{2})';
  const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
  const CODE = '([A-Za-z0-9][A-Za-z0-9_-]*)';
  const WEEK = '(\\d{4}-W\\d{2})';

  /** How each field is written: money, a day, an instant, a week, a catalog name, options, as it is. */
  const KINDS = {
    price: 'money', amount: 'money', difference: 'money', refund: 'money', forfeited: 'money', gross: 'money', due: 'money', outstanding: 'money',
    since: 'date', eta: 'date', until: 'date', day: 'date', promised: 'date',
    at: 'instant',
    week: 'week',
    model: 'name', dealer: 'name', seller: 'name', location: 'name', plant: 'name',
    options: 'options',
  };

  /**
   * Per event type (the stored type): the engine's sentence as a pattern
   * with the names of its parts in order (for an entry without `fields`),
   * and the sentence to write (chosen by a function of the fields when it
   * varies).
   */
  const SENTENCES = {
    OrderPlaced: [{
      re: `^Order placed: ${CODE} for delivery at ${CODE}(?: \\(sold by ${CODE}\\))?, ${MONEY} gross$`,
      parts: ['model', 'dealer', 'seller', 'price'],
      text: (p) => (p.seller ? '{model} for delivery at {dealer} (sold by {seller}), {price} gross' : '{model} for delivery at {dealer}, {price} gross'),
    }],
    OrderAwaitingCapacity: [{
      re: `^Awaiting capacity since ${DAY}: no matching vehicle or free production week$`,
      parts: ['since'],
      text: 'Since {since}: no matching car and no free production week',
    }],
    OrderAllocated: [{
      re: `^Vehicle ${UUID} at ${CODE} reserved; expected at the dealer on ${DAY}$`,
      parts: ['location', 'eta'],
      text: 'A car at {location} reserved; expected at the dealer on {eta}',
    }],
    OrderScheduled: [{
      re: `^Scheduled for production at ${CODE} in ${WEEK}; changeable until ${DAY}; expected at the dealer on ${DAY}$`,
      parts: ['plant', 'week', 'until', 'eta'],
      text: 'Production at {plant} in week {week}; changeable until {until}; expected at the dealer on {eta}',
    }],
    OrderProductionStarted: [{ re: '^Production started, VIN (\\S+)$', parts: ['vin'], text: 'VIN {vin}' }],
    OrderBuilt: [{ re: '^Build completed$', parts: [], text: 'Build completed' }],
    OrderDispatched: [{
      re: `^Dispatched to the dealer; expected on ${DAY}$`,
      parts: ['eta'],
      text: 'On its way to the dealer; expected on {eta}',
    }],
    OrderDelayed: [{
      re: `^Delayed: (.*); now expected on ${DAY}$`,
      parts: ['reason', 'eta'],
      text: '{reason}; now expected on {eta}',
    }],
    OrderArrivedAtDealer: [{ re: `^Arrived at the dealer on ${DAY}$`, parts: ['day'], text: 'Arrived at the dealer on {day}' }],
    OrderDelayCompensated: [{
      re: `^Arrived (\\d+) days after the promised ${DAY}: ${MONEY} delay compensation, credited on the invoice$`,
      parts: ['days', 'promised', 'amount'],
      text: '{days} days after the promised {promised}: {amount} delay compensation, credited on the invoice',
    }],
    HandoverAppointmentBooked: [{
      re: '^Handover appointment booked for (\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}) UTC$',
      parts: ['at'],
      text: 'Handover appointment booked for {at}',
    }],
    OrderDelivered: [{ re: '^Handed over to the customer$', parts: [], text: 'Handed over to the customer' }],
    OrderAmended: [{
      re: `^Configuration amended to ${CODE} \\((.*)\\); price difference ${MONEY}(; the reserved vehicle no longer matches and was released)?$`,
      parts: ['model', 'options', 'difference', 'released'],
      text: (p) => (p.released ? 'Now {model} ({options}); price difference {difference}; the reserved car no longer matches and was released'
        : 'Now {model} ({options}); price difference {difference}'),
    }],
    OrderCancelled: [{
      re: `^Cancelled: (.*); deposit refunded ${MONEY}, forfeited ${MONEY}$`,
      parts: ['reason', 'refund', 'forfeited'],
      text: '{reason}; deposit refunded {refund}, forfeited {forfeited}',
    }],
    OrderReallocated: [{
      re: `^Reallocated vehicle ${UUID} at ${CODE}; expected at the dealer on ${DAY}(?:; its production slot at ${CODE} in ${WEEK} was released|(; vehicle ${UUID} was released))?$`,
      parts: ['location', 'eta', 'plant', 'week', 'car'],
      text: (p) => {
        if (p.plant) return 'Another car at {location}; expected at the dealer on {eta}; its production slot at {plant} in week {week} was released';
        if (p.car) return 'Another car at {location}; expected at the dealer on {eta}; the car reserved before was released';
        return 'Another car at {location}; expected at the dealer on {eta}';
      },
    }],
    OrderVehicleWithdrawn: [{
      re: `^Vehicle ${UUID} was reallocated to another order; looking for another vehicle or slot$`,
      parts: [],
      text: 'The reserved car went to another order; looking for another car or production week',
    }],
    InvoiceIssued: [{
      re: `^Invoice (\\S+) issued: ${MONEY} gross, ${MONEY} due after the deposit$`,
      parts: ['number', 'gross', 'due'],
      text: 'Invoice {number}: {gross} gross, {due} due after the deposit',
    }],
    PaymentRecorded: [{
      re: `^Payment of ${MONEY} received; ${MONEY} outstanding$`,
      parts: ['amount', 'outstanding'],
      text: '{amount} received; {outstanding} outstanding',
    }],
    InvoicePaid: [{ re: '^Invoice (\\S+) paid in full$', parts: ['number'], text: 'Invoice {number} paid in full' }],
    CreditNoteIssued: [{
      re: `^Credit note (\\S+) cancels invoice (\\S+); ${MONEY} refunded$`,
      parts: ['credit', 'number', 'refund'],
      text: 'Credit note {credit} cancels invoice {number}; {refund} refunded',
    }],
  };

  /** `56525.00 EUR` as money `{amount_minor, currency}`. */
  function money(text) {
    const m = /^(-?)(\d+)\.(\d{2}) ([A-Z]{3})$/.exec(text);
    if (!m) return text;
    const minor = Number(m[2]) * 100 + Number(m[3]);
    return { amount_minor: m[1] ? -minor : minor, currency: m[4] };
  }

  /** The fields of an engine sentence read back by the pattern of its type, or null. */
  function readBack(type, summary) {
    for (const shape of SENTENCES[type] || []) {
      const m = new RegExp(shape.re).exec(String(summary || ''));
      if (!m) continue;
      const fields = {};
      shape.parts.forEach((name, i) => {
        let v = m[i + 1];
        if (v === undefined) return;
        if (KINDS[name] === 'money') v = money(v);
        else if (KINDS[name] === 'instant') v = `${v.replace(' ', 'T')}:00Z`;
        else if (KINDS[name] === 'options') v = v.split(', ').filter(Boolean);
        fields[name] = v;
      });
      return fields;
    }
    return null;
  }

  /** A catalog code by its name (dealer, plant, model, option), else the code. */
  function named(F, catalog, code) {
    for (const map of ['dealers', 'plants', 'models', 'options']) {
      const entry = catalog && catalog[map] && catalog[map][code];
      if (entry) return map === 'models' ? F.modelName(catalog, code) : map === 'options' ? F.optionName(catalog, code) : entry.name;
    }
    return String(code);
  }

  /** One field as the page shows it. */
  function show(F, t, catalog, name, v, loc) {
    switch (KINDS[name]) {
      case 'money': return v && typeof v === 'object' ? F.money(v, loc) : String(v);
      case 'date': return F.date(v, loc);
      case 'instant': return F.dateTime(v, loc);
      case 'week': return String(Number(String(v).split('-W')[1]));
      case 'name': return named(F, catalog, v);
      case 'options': {
        const codes = Array.isArray(v) ? v : [];
        return codes.length ? F.optionNames(catalog, codes).join(', ') : t('no options');
      }
      default: return String(v);
    }
  }

  /**
   * The history line of an entry (`{type, summary, fields}` of the history
   * route), written with `t` (the page's `OTDText.t`) in locale `loc`,
   * formatted by `F` (`OTDFormat`). Unknown sentences: `F.humanize`.
   */
  function sentence(F, t, catalog, entry, loc) {
    const shape = (SENTENCES[entry.type] || [])[0];
    const given = entry.fields && typeof entry.fields === 'object' ? entry.fields : null;
    const fields = shape && (given || readBack(entry.type, entry.summary));
    if (!fields) return F.humanize(catalog, String(entry.summary || ''), loc);
    const values = {};
    for (const [name, v] of Object.entries(fields)) {
      if (v !== null && v !== undefined) values[name] = show(F, t, catalog, name, v, loc);
    }
    const template = typeof shape.text === 'function' ? shape.text(fields) : shape.text;
    return t(template, values);
  }

  /** Every template, for the language files' completeness test. */
  function templates() {
    const out = new Set(['no options']);
    const sample = { seller: 'x', released: 'x', plant: 'x', car: 'x' };
    for (const shapes of Object.values(SENTENCES)) {
      for (const s of shapes) {
        if (typeof s.text === 'string') out.add(s.text);
        else [sample, {}, { car: 'x' }].forEach((p) => out.add(s.text(p)));
      }
    }
    return Array.from(out);
  }

  return { sentence, templates };
}));
