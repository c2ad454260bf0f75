// otd web UI: formatting shared by every page. Plain JavaScript, no
// dependencies; it runs in the browser (as `window.OTDFormat`) and in node
// (`require('format.js')`, for its unit tests).
//
// - Money from integer minor units (never floats) and dates per locale,
//   through `Intl`.
// - Money typed by a user per locale: "56.953,00" in German, "56,953.00" in
//   English, both 5695300 minor units.
// - Names for ids from the public catalog (`GET /api/v1/catalog`): options,
//   models, dealers, markets, plants; a configuration in words.
// - A rule the API reports (`{rule, message, option}`) in words, with the
//   catalog's names instead of codes.
//
// The locale is the page's `<html lang>` (set from the customer's profile or
// the browser's languages), else the browser's first language.
'use strict';

(function (root, factory) {
  const api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.OTDFormat = api;
}(typeof self !== 'undefined' ? self : this, function () {
  /** The locale to format for: `<html lang>` when set, else the browser's, else British English. */
  function locale() {
    const doc = typeof document !== 'undefined' ? document.documentElement : null;
    const tag = (doc && doc.lang) || (typeof navigator !== 'undefined' && navigator.language) || 'en';
    // A bare English writes dates day-first, as in the markets otd sells in.
    return tag === 'en' ? 'en-GB' : tag;
  }

  const numberFormats = new Map();
  function currencyFormat(currency, loc) {
    const key = `${loc}|${currency}`;
    if (!numberFormats.has(key)) {
      let f = null;
      try {
        f = new Intl.NumberFormat(loc, { style: 'currency', currency });
      } catch (_) {
        f = null;
      }
      numberFormats.set(key, f);
    }
    return numberFormats.get(key);
  }

  /** Integer minor units as a plain decimal string ("-1234.05"), without float math. */
  function decimal(minor) {
    const abs = Math.abs(minor);
    return (minor < 0 ? '-' : '') + Math.trunc(abs / 100) + '.' + String(abs % 100).padStart(2, '0');
  }

  /**
   * `{amount_minor, currency}` as text in the locale ("56.953,00 €" in de,
   * "€56,953.00" in en); '—' when there is no amount.
   */
  function money(m, loc) {
    if (!m || typeof m.amount_minor !== 'number') return '—';
    const f = currencyFormat(m.currency, loc || locale());
    const text = decimal(m.amount_minor);
    // Intl formats a decimal string exactly (no binary float in between).
    return f ? f.format(text) : `${text} ${m.currency}`;
  }

  /** The locale's decimal and grouping separators, e.g. `{decimal: ',', group: '.'}` for de. */
  function separators(loc) {
    const parts = new Intl.NumberFormat(loc || locale()).formatToParts(12345.6);
    const find = (type, fallback) => (parts.find((p) => p.type === type) || { value: fallback }).value;
    return { decimal: find('decimal', '.'), group: find('group', ',') };
  }

  /** Whether `digits` split by a grouping separator are groups of three (the first 1–3). */
  function groupedRight(groups) {
    return groups.length > 1 && /^\d{1,3}$/.test(groups[0]) && groups.slice(1).every((g) => /^\d{3}$/.test(g));
  }

  /**
   * An amount typed by a user as integer minor units, or null when it is not
   * one. Accepts the locale's way ("56.953,00" in de, "56,953.00" in en),
   * plain digits ("56953", "56953.5", "56953,50"), spaces as grouping and a
   * currency symbol or code around it. A separator followed by exactly
   * three digits is grouping unless it is the locale's decimal mark; an
   * amount with more than two decimals is refused, never rounded.
   */
  function parseMoney(text, loc) {
    if (typeof text !== 'string') return null;
    const seps = separators(loc);
    const cleaned = text.trim()
      .replace(/^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$/g, '')
      .replace(/[€$£¥\u5143]/g, '')
      .replace(/[\s\u00a0\u202f'’]/g, '');
    if (!/^\d[\d.,]*$/.test(cleaned) || /[.,]$/.test(cleaned)) return null;
    const marks = Array.from(new Set(cleaned.replace(/\d/g, '')));
    let whole = cleaned;
    let fraction = '';
    if (marks.length === 2) {
      // Both: the last one is the decimal mark, the other one groups.
      const last = Math.max(cleaned.lastIndexOf('.'), cleaned.lastIndexOf(','));
      const dec = cleaned[last];
      const group = dec === '.' ? ',' : '.';
      whole = cleaned.slice(0, last);
      fraction = cleaned.slice(last + 1);
      if (whole.includes(dec) || !groupedRight(whole.split(group))) return null;
      whole = whole.split(group).join('');
    } else if (marks.length === 1) {
      const mark = marks[0];
      const pieces = cleaned.split(mark);
      const grouping = mark !== seps.decimal && groupedRight(pieces);
      if (grouping) {
        whole = pieces.join('');
      } else if (pieces.length === 2) {
        [whole, fraction] = pieces;
      } else {
        return null;
      }
    }
    if (fraction.length > 2 || !/^\d+$/.test(whole) || whole.length > 13) return null;
    return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  }

  /** A minor-unit amount as the locale writes it in a field ("56.953,00" in de), without currency. */
  function moneyInput(minor, loc) {
    const f = new Intl.NumberFormat(loc || locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return f.format(decimal(minor));
  }

  function toDate(d) {
    if (!d) return null;
    const value = new Date(String(d).length === 10 ? `${d}T12:00:00Z` : d);
    return Number.isNaN(value.getTime()) ? null : value;
  }

  /**
   * A business day (`YYYY-MM-DD`) or an instant as a date in the locale
   * ("22. Dez. 2026", "22 Dec 2026"). A bare day is shown as that day
   * everywhere; an instant in `zone` (default UTC, the engine's calendar).
   */
  function date(d, loc, zone) {
    const value = toDate(d);
    if (!value) return d ? String(d) : '—';
    return value.toLocaleDateString(loc || locale(), {
      day: 'numeric', month: 'short', year: 'numeric',
      timeZone: String(d).length === 10 ? 'UTC' : (zone || 'UTC'),
    });
  }

  /** A day without the year ("22 Dec"), for near dates such as an estimate. */
  function dayMonth(d, loc) {
    const value = toDate(d);
    if (!value) return d ? String(d) : '—';
    return value.toLocaleDateString(loc || locale(), { day: 'numeric', month: 'short', timeZone: 'UTC' });
  }

  /** An instant as date and time in the locale, in `zone` (default UTC, named). */
  function dateTime(d, loc, zone) {
    const value = toDate(d);
    if (!value) return d ? String(d) : '—';
    const text = value.toLocaleString(loc || locale(), {
      day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
      timeZone: zone || 'UTC',
    });
    return zone ? text : `${text} UTC`;
  }

  /** Lookups by id in a catalog (`GET /api/v1/catalog`); the id itself when it is unknown. */
  function entry(map, id) {
    return (map && id !== null && id !== undefined && map[id]) || null;
  }

  function optionName(catalog, code) {
    const o = entry(catalog && catalog.options, code);
    return o ? o.name : String(code || '—');
  }

  function modelName(catalog, code) {
    const m = entry(catalog && catalog.models, code);
    return m ? m.name : String(code || '—');
  }

  function dealerName(catalog, id) {
    const d = entry(catalog && catalog.dealers, id);
    return d ? d.name : String(id || '—');
  }

  /** A market by name: the country in the locale's language when the code is one ("Deutschland"), else the catalog's name. */
  function marketName(catalog, code, loc) {
    const m = entry(catalog && catalog.markets, code);
    if (/^[A-Z]{2}$/.test(String(code)) && typeof Intl.DisplayNames === 'function') {
      try {
        const name = new Intl.DisplayNames([loc || locale()], { type: 'region' }).of(code);
        if (name && name !== code) return name;
      } catch (_) {
        // An unknown region: the catalog's name.
      }
    }
    return m ? m.name : String(code || '—');
  }

  function plantName(catalog, id) {
    const p = entry(catalog && catalog.plants, id);
    return p ? p.name : String(id || '—');
  }

  /** A location (`D-BER-01`, `P-LEI`, or `{dealer}`/`{plant}`) by name. */
  function locationName(catalog, location) {
    if (location && typeof location === 'object') {
      if (location.dealer) return dealerName(catalog, location.dealer);
      if (location.plant) return plantName(catalog, location.plant);
    }
    const id = String(location || '');
    if (catalog && catalog.dealers && catalog.dealers[id]) return dealerName(catalog, id);
    if (catalog && catalog.plants && catalog.plants[id]) return plantName(catalog, id);
    return id || '—';
  }

  /** The option names of a configuration in the catalog's family order. */
  function optionNames(catalog, options) {
    const order = new Map(((catalog && catalog.families) || []).map((f, i) => [f.code, i]));
    const rank = (code) => {
      const o = entry(catalog && catalog.options, code);
      return o && order.has(o.family) ? order.get(o.family) : order.size;
    };
    return (options || []).slice().sort((a, b) => rank(a) - rank(b)).map((c) => optionName(catalog, c));
  }

  /** A configuration in words: "TERRA Sport · Polar White, Cloth, 18-inch wheels". */
  function configuration(catalog, config) {
    if (!config) return '—';
    const names = optionNames(catalog, config.options);
    return modelName(catalog, config.model) + (names.length ? ` · ${names.join(', ')}` : '');
  }

  /** The short number of an order or a vehicle, the part someone may need to quote: its
   *  last 8 characters (an id is a UUIDv7 whose start is a timestamp shared by every id of
   *  the same minute; its end is random). The list routes' `q` finds an id by them. */
  function shortId(id) {
    return String(id || '').slice(-8);
  }

  /** Words for the configuration rules, per language; `{a}`, `{b}` are names. */
  const RULES = {
    en: {
      requires: '{a} needs {b}',
      excludes: '{a} cannot be combined with {b}',
      model_only: '{a} is only available for {b}',
      exactly_one: 'Choose one {a}, not {b}',
      not_in_market: '{a} is not offered in this market',
      missing_choice: 'Choose a {a}',
    },
    de: {
      requires: '{a} braucht {b}',
      excludes: '{a} lässt sich nicht mit {b} kombinieren',
      model_only: '{a} gibt es nur für {b}',
      exactly_one: 'Wählen Sie eine Option für {a}, nicht {b}',
      not_in_market: '{a} wird in diesem Markt nicht angeboten',
      missing_choice: 'Wählen Sie {a}',
    },
    zh: {
      requires: '{a}需要{b}',
      excludes: '{a}不能与{b}同时选择',
      model_only: '{a}仅适用于{b}',
      exactly_one: '{a}只能选择一项，而不是{b}',
      not_in_market: '{a}在此市场不提供',
      missing_choice: '请选择{a}',
    },
  };

  const CODE = /[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+|[A-Z]{3,}/g;

  /**
   * The parts of a violated configuration rule, from the API's message:
   * `{kind, a, b}` with `a` the option (or family) it is about and `b` the
   * codes it names (what is required, excluded, the models); null for a
   * message of another shape.
   */
  function ruleParts(violation) {
    const msg = String((violation && violation.message) || '');
    let m;
    if ((m = /^option (\S+) requires (\S+)$/.exec(msg))) return { kind: 'requires', a: m[1], b: [m[2]] };
    if ((m = /^option (\S+) excludes (\S+)$/.exec(msg))) return { kind: 'excludes', a: m[1], b: [m[2]] };
    if ((m = /^option (\S+) is only available for (.+)$/.exec(msg))) return { kind: 'model_only', a: m[1], b: m[2].split(/,\s*/) };
    if ((m = /^family (\S+) takes exactly one option, not (.+)$/.exec(msg))) return { kind: 'exactly_one', a: m[1], b: m[2].split(/\s+and\s+/) };
    if ((m = /^option (\S+) is not offered in market (\S+)$/.exec(msg))) return { kind: 'not_in_market', a: m[1], b: [m[2]] };
    if ((m = /^family (\S+) needs one option/.exec(msg))) return { kind: 'missing_choice', a: m[1], b: [] };
    return null;
  }

  /**
   * A violated configuration rule in words with the catalog's names: "Sport
   * package needs 20-inch wheels". The API's English message (with codes)
   * is the input; a message this does not know keeps its words, codes named.
   */
  function ruleText(catalog, violation, loc) {
    const lang = String(loc || locale()).slice(0, 2).toLowerCase();
    const words = RULES[lang] || RULES.en;
    const name = (code) => {
      if (catalog && catalog.options && catalog.options[code]) return optionName(catalog, code);
      if (catalog && catalog.models && catalog.models[code]) return modelName(catalog, code);
      const family = ((catalog && catalog.families) || []).find((f) => f.code === code);
      return family ? family.name : code;
    };
    const parts = ruleParts(violation);
    if (!parts) return String((violation && violation.message) || '').replace(CODE, (code) => name(code));
    const sep = lang === 'zh' ? '、' : ', ';
    return words[parts.kind].replace('{a}', name(parts.a)).replace('{b}', parts.b.map(name).join(sep));
  }


  /**
   * A sentence the engine wrote (a history line) made readable: amounts
   * ("56525.00 EUR") and dates per locale, vehicle UUIDs left out (other
   * UUIDs shortened), dealer, plant, model and option codes by name, ISO
   * weeks as "week 51".
   */
  function humanize(catalog, text, loc) {
    const l = loc || locale();
    const known = (code) => {
      for (const map of ['dealers', 'plants', 'models', 'options']) {
        const entryOf = catalog && catalog[map] && catalog[map][code];
        if (entryOf) return entryOf.name;
      }
      return null;
    };
    return String(text || '')
      .replace(/(-?\d+)\.(\d{2}) ([A-Z]{3})\b/g, (m, whole, cents, currency) => {
        const minor = Number(whole.replace('-', '')) * 100 + Number(cents);
        return money({ amount_minor: whole.startsWith('-') ? -minor : minor, currency }, l);
      })
      .replace(/\b(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC\b/g, (m, d, time) => dateTime(`${d}T${time}:00Z`, l))
      .replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => date(d, l))
      .replace(/\b(\d{4})-W(\d{2})\b/g, (m, year, week) => `week ${Number(week)}`)
      .replace(/\b([Vv]ehicle) [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '$1')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, (id) => shortId(id))
      .replace(CODE, (code) => known(code) || code);
  }

  /** The offset of `zone` from UTC at `instant`, in minutes (Berlin in winter: 60). */
  function zoneOffset(instant, zone) {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(instant);
    const v = Object.fromEntries(parts.map((p) => [p.type, p.value]));
    const asUtc = Date.UTC(Number(v.year), Number(v.month) - 1, Number(v.day), Number(v.hour) % 24, Number(v.minute), Number(v.second));
    return Math.round((asUtc - instant.getTime()) / 60000);
  }

  /**
   * A wall-clock day and time (`2026-12-22`, `10:00`) in `zone` as the
   * instant it names (a Date), daylight saving included.
   */
  function zonedToUtc(day, time, zone) {
    const naive = Date.parse(`${day}T${time}:00Z`);
    if (Number.isNaN(naive)) return null;
    let guess = new Date(naive);
    for (let i = 0; i < 2; i += 1) guess = new Date(naive - zoneOffset(guess, zone) * 60000);
    return guess;
  }

  return {
    locale, money, parseMoney, moneyInput, separators, date, dayMonth, dateTime,
    optionName, optionNames, modelName, dealerName, marketName, plantName, locationName,
    configuration, shortId, ruleText, ruleParts, humanize, zoneOffset, zonedToUtc,
  };
}));
