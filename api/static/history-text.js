// otd web UI: an order's history line in the page's language. The engine
// writes each event of `GET /api/v1/orders/{id}/history` as one English
// sentence (`summary`) of the event's fields; this reads those fields back
// by the event's `type` (money "56525.00 EUR", days "2026-12-22", ISO weeks,
// dealer, plant, model and option codes, ids) and writes the sentence again
// from a template keyed by its English text (`i18n-de.js`, `i18n-zh.js`
// hold the German and Chinese), with names, money and dates per locale and
// no vehicle UUIDs. A sentence this does not know is made readable as it is
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

  /**
   * Per event type: the engine's sentence as a pattern, the names of its
   * parts (in order; their kind after the colon), and the sentence to
   * write (chosen by a function of the parts when it varies).
   */
  const SENTENCES = {
    OrderPlaced: [{
      re: `^Order placed: ${CODE} for delivery at ${CODE}(?: \\(sold by ${CODE}\\))?, ${MONEY} gross$`,
      parts: ['model:name', 'dealer:name', 'seller:name', 'price:money'],
      text: (p) => (p.seller ? '{model} for delivery at {dealer} (sold by {seller}), {price} gross' : '{model} for delivery at {dealer}, {price} gross'),
    }],
    OrderAwaitingCapacity: [{
      re: `^Awaiting capacity since ${DAY}: no matching vehicle or free production week$`,
      parts: ['since:date'],
      text: 'Since {since}: no matching car and no free production week',
    }],
    OrderAllocated: [{
      re: `^Vehicle ${UUID} at ${CODE} reserved; expected at the dealer on ${DAY}$`,
      parts: ['location:name', 'eta:date'],
      text: 'A car at {location} reserved; expected at the dealer on {eta}',
    }],
    OrderScheduled: [{
      re: `^Scheduled for production at ${CODE} in ${WEEK}; changeable until ${DAY}; expected at the dealer on ${DAY}$`,
      parts: ['plant:name', 'week:week', 'until:date', 'eta:date'],
      text: 'Production at {plant} in week {week}; changeable until {until}; expected at the dealer on {eta}',
    }],
    OrderProductionStarted: [{ re: '^Production started, VIN (\\S+)$', parts: ['vin:text'], text: 'VIN {vin}' }],
    OrderBuilt: [{ re: '^Build completed$', parts: [], text: 'Build completed' }],
    OrderDispatched: [{
      re: `^Dispatched to the dealer; expected on ${DAY}$`,
      parts: ['eta:date'],
      text: 'On its way to the dealer; expected on {eta}',
    }],
    OrderDelayed: [{
      re: `^Delayed: (.*); now expected on ${DAY}$`,
      parts: ['reason:text', 'eta:date'],
      text: '{reason}; now expected on {eta}',
    }],
    OrderArrivedAtDealer: [{ re: `^Arrived at the dealer on ${DAY}$`, parts: ['day:date'], text: 'Arrived at the dealer on {day}' }],
    OrderDelayCompensated: [{
      re: `^Arrived (\\d+) days after the promised ${DAY}: ${MONEY} delay compensation, credited on the invoice$`,
      parts: ['days:text', 'promised:date', 'amount:money'],
      text: '{days} days after the promised {promised}: {amount} delay compensation, credited on the invoice',
    }],
    OrderHandoverBooked: [{
      re: '^Handover appointment booked for (\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}) UTC$',
      parts: ['at:instant'],
      text: 'Handover appointment booked for {at}',
    }],
    OrderDelivered: [{ re: '^Handed over to the customer$', parts: [], text: 'Handed over to the customer' }],
    OrderAmended: [{
      re: `^Configuration amended to ${CODE} \\((.*)\\); price difference ${MONEY}(; the reserved vehicle no longer matches and was released)?$`,
      parts: ['model:name', 'options:options', 'difference:money', 'released:text'],
      text: (p) => (p.released ? 'Now {model} with {options}; price difference {difference}; the reserved car no longer matches and was released'
        : 'Now {model} with {options}; price difference {difference}'),
    }],
    OrderCancelled: [{
      re: `^Cancelled: (.*); deposit refunded ${MONEY}, forfeited ${MONEY}$`,
      parts: ['reason:text', 'refund:money', 'forfeited:money'],
      text: '{reason}; deposit refunded {refund}, forfeited {forfeited}',
    }],
    OrderReallocated: [{
      re: `^Reallocated vehicle ${UUID} at ${CODE}; expected at the dealer on ${DAY}(?:; its production slot at ${CODE} in ${WEEK} was released|(; vehicle ${UUID} was released))?$`,
      parts: ['location:name', 'eta:date', 'plant:name', 'week:week', 'car:text'],
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
      parts: ['number:text', 'gross:money', 'due:money'],
      text: 'Invoice {number}: {gross} gross, {due} due after the deposit',
    }],
    InvoicePaymentRecorded: [{
      re: `^Payment of ${MONEY} received; ${MONEY} outstanding$`,
      parts: ['amount:money', 'outstanding:money'],
      text: '{amount} received; {outstanding} outstanding',
    }],
    InvoicePaid: [{ re: '^Invoice (\\S+) paid in full$', parts: ['number:text'], text: 'Invoice {number} paid in full' }],
    CreditNoteIssued: [{
      re: `^Credit note (\\S+) cancels invoice (\\S+); ${MONEY} refunded$`,
      parts: ['credit:text', 'number:text', 'refund:money'],
      text: 'Credit note {credit} cancels invoice {number}; {refund} refunded',
    }],
  };

  /** `56525.00 EUR` as money `{amount_minor, currency}`. */
  function money(text) {
    const m = /^(-?)(\d+)\.(\d{2}) ([A-Z]{3})$/.exec(text);
    const minor = Number(m[2]) * 100 + Number(m[3]);
    return { amount_minor: m[1] ? -minor : minor, currency: m[4] };
  }

  /** A catalog code by its name (dealer, plant, model, option), else the code. */
  function named(F, catalog, code) {
    for (const map of ['dealers', 'plants', 'models', 'options']) {
      const entry = catalog && catalog[map] && catalog[map][code];
      if (entry) return map === 'models' ? F.modelName(catalog, code) : map === 'options' ? F.optionName(catalog, code) : entry.name;
    }
    return code;
  }

  /**
   * The history line of an event: `type` and the engine's `summary`, written
   * with `t` (the page's `OTDText.t`) in locale `loc`, formatted by `F`
   * (`OTDFormat`). Unknown sentences: `F.humanize`.
   */
  function sentence(F, t, catalog, type, summary, loc) {
    const text = String(summary || '');
    for (const shape of SENTENCES[type] || []) {
      const m = new RegExp(shape.re).exec(text);
      if (!m) continue;
      const values = {};
      const raw = {};
      shape.parts.forEach((part, i) => {
        const [name, kind] = part.split(':');
        const v = m[i + 1];
        raw[name] = v;
        if (v === undefined) return;
        if (kind === 'money') values[name] = F.money(money(v), loc);
        else if (kind === 'date') values[name] = F.date(v, loc);
        else if (kind === 'instant') values[name] = F.dateTime(`${v.replace(' ', 'T')}:00Z`, loc);
        else if (kind === 'week') values[name] = String(Number(v.split('-W')[1]));
        else if (kind === 'name') values[name] = named(F, catalog, v);
        else if (kind === 'options') {
          const codes = v.split(', ').filter(Boolean);
          values[name] = codes.length ? F.optionNames(catalog, codes).join(', ') : t('no options');
        } else values[name] = v;
      });
      const template = typeof shape.text === 'function' ? shape.text(raw) : shape.text;
      return t(template, values);
    }
    return F.humanize(catalog, text, loc);
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
