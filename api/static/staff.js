// otd web UI, the staff pages (dealer, planner, finance): what they share.
//
// - Cars in words: the model's and the options' names from the catalog,
//   never their codes ("Aura · Red paint, 20-inch wheels").
// - "1 order", "2 orders".
// - A short id (the 8 characters the pages show: the id's end) or a full one, resolved
//   through a list route's search (`?q=`) to exactly one id, else a clear
//   message: a planner never types a UUID.
// - Totals per currency: EUR and CNY are never added together.
'use strict';

(function () {
  const { api, money, shortId } = window.OTD;

  const { optionName, configuration } = window.OTDFormat;

  /** A vehicle or an order's configuration as words (format.js: model, then the options in family order). */
  function carName(cat, car) {
    return configuration(cat, car);
  }

  /** A locator difference ("+PNT-RED", "-WHL-20") in words. */
  function differenceName(cat, d) {
    const sign = d[0];
    const name = optionName(cat, d.slice(1));
    if (sign === '+') return `also has ${name}`;
    if (sign === '-') return `lacks ${name}`;
    return d;
  }

  function plural(n, one, many) {
    return n === 1 ? one : many;
  }

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  /**
   * The one id `typed` (a full id, or the 8 characters shown: its end) names in `list`
   * (`/api/v1/orders` or `/api/v1/vehicles`), `field` being the id's field.
   * Throws an Error that says what is wrong when none or several match.
   */
  async function resolveId(typed, list, field, what) {
    const text = String(typed || '').trim().toLowerCase();
    if (UUID.test(text)) return text;
    if (!/^[0-9a-f-]{4,36}$/.test(text)) throw new Error(`Enter the ${what}'s number as shown (8 characters), or pick it from the list.`);
    const found = await api('GET', `${list}?q=${encodeURIComponent(text)}&limit=10`);
    const hits = found.filter((x) => String(x[field]).includes(text));
    if (hits.length === 1) return hits[0][field];
    if (hits.length === 0) throw new Error(`No ${what} ${text} found.`);
    throw new Error(`${hits.length} ${what}s end in ${text} (${hits.map((x) => shortId(x[field])).join(', ')}): type more of the number.`);
  }

  /** `[{amount_minor, currency}]` summed per currency, as text ("€1,000.00 · CN¥2,000.00"). */
  function totalsByCurrency(amounts) {
    const sums = new Map();
    for (const m of amounts) {
      if (!m || typeof m.amount_minor !== 'number') continue;
      sums.set(m.currency, (sums.get(m.currency) || 0) + m.amount_minor);
    }
    return Array.from(sums.entries()).sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, amount_minor]) => ({ currency, amount_minor, text: money({ currency, amount_minor }) }));
  }

  /**
   * A totals header of a list (`X-Total-Gross: EUR=5652500, CNY=30510000`:
   * minor units per currency, over every match) as `totalsByCurrency` gives them.
   */
  function totalsFromHeader(value) {
    const amounts = String(value || '').split(',').map((part) => /^\s*([A-Z]{3})=(-?\d+)\s*$/.exec(part))
      .filter(Boolean).map((m) => ({ currency: m[1], amount_minor: Number(m[2]) }));
    return totalsByCurrency(amounts);
  }

  window.STAFF = { optionName, carName, differenceName, plural, resolveId, totalsByCurrency, totalsFromHeader };
})();
