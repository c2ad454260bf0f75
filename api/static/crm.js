// otd web UI, the pages of leads and test drives: what they share.
//
// - The business clock (`GET /api/v1/clock`): a simulated clock stands
//   still until a planner advances it, a real one runs; `now()` follows
//   either, re-read every 15 s, so the 2-hour countdown is the engine's.
// - Words for grades, sources, channels and drive statuses.
// - Dates and times in the user's locale; a drive's time in the dealer's
//   own time zone (the one its opening hours are in).
// - The countdown text of a lead's 2-hour answer.
'use strict';

(function () {
  const { api, h } = window.OTD;
  // The page's locale where it speaks the customer's language (`i18n.js`), else the browser's.
  const LOCALE = (window.OTDText && window.OTDText.locale) || navigator.language || 'en-GB';

  const GRADES = {
    H: 'H · buys within 7 days',
    A: 'A · within 15 days',
    B: 'B · within 30 days',
    C: 'C · in 2–3 months',
    D: 'D · no clear intent',
    F: 'F · lost',
    S: 'S · sold',
  };
  const SOURCES = { web: 'Web form', showroom: 'Showroom', phone: 'Phone', event: 'Event', live_stream: 'Live stream' };
  const CHANNELS = { phone: 'Phone call', email: 'E-mail', sms: 'SMS', showroom: 'In the showroom', video: 'Video call', test_drive: 'Test drive' };
  const DRIVES = { booked: 'Booked', completed: 'Completed', no_show: 'No-show', cancelled: 'Cancelled' };

  function gradeBadge(grade) {
    return h('abbr', { class: 'grade', 'data-grade': grade, title: GRADES[grade] || grade }, grade);
  }

  function sourceLabel(s) {
    return SOURCES[s] || String(s || '—').replace(/_/g, ' ');
  }

  function channelLabel(c) {
    return CHANNELS[c] || String(c || '—').replace(/_/g, ' ');
  }

  function driveBadge(status) {
    return h('span', { class: 'badge', 'data-status': `drive-${status}` }, DRIVES[status] || status);
  }

  /** An instant as a date and time in the user's locale and time zone. */
  function when(instant) {
    if (!instant) return '—';
    const d = new Date(instant);
    if (Number.isNaN(d.getTime())) return instant;
    return d.toLocaleString(LOCALE, { dateStyle: 'medium', timeStyle: 'short' });
  }

  /** An instant as a date and time in `zone` (a test drive: the dealer's), naming the zone when it is not the browser's. */
  function whenAt(instant, zone) {
    if (!instant) return '—';
    const d = new Date(instant);
    if (Number.isNaN(d.getTime())) return instant;
    const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return d.toLocaleString(LOCALE, {
      dateStyle: 'medium', timeStyle: 'short', timeZone: zone || undefined,
    }) + (zone && zone !== mine ? ` (${zone.split('/').pop().replace(/_/g, ' ')} time)` : '');
  }

  /** An instant as the wall-clock time (`14:15`) in `zone`. */
  function clockTime(instant, zone) {
    const d = new Date(instant);
    if (Number.isNaN(d.getTime())) return instant;
    return d.toLocaleTimeString(LOCALE, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone || undefined });
  }

  /** A `YYYY-MM-DD` as a long date in the user's locale. */
  function longDate(day) {
    const d = new Date(`${day}T12:00:00Z`);
    if (Number.isNaN(d.getTime())) return day;
    return d.toLocaleDateString(LOCALE, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  }

  /** `YYYY-MM-DD` plus `n` days. */
  function addDays(day, n) {
    const d = new Date(`${day}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  /** A share 0..1 as a percentage in the user's locale. */
  function percent(share) {
    if (share === null || share === undefined) return '—';
    return new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 0 }).format(share);
  }

  /** Minutes as "1 h 05 min" / "45 min". */
  function minutes(m) {
    if (m === null || m === undefined) return '—';
    const total = Math.round(m);
    const hours = Math.floor(total / 60);
    return hours ? `${hours} h ${String(total % 60).padStart(2, '0')} min` : `${total} min`;
  }

  // The business clock.
  let clock = { simulated: false, at: Date.now(), now: Date.now() };

  async function readClock() {
    try {
      const c = await api('GET', '/api/v1/clock');
      clock = { simulated: c.simulated, at: Date.now(), now: Date.parse(c.now), today: c.today };
    } catch (_) {
      // Keep the last reading: the countdown stays approximate until the next one.
    }
    return clock;
  }

  /** The business time now, in milliseconds. */
  function now() {
    return clock.simulated ? clock.now : clock.now + (Date.now() - clock.at);
  }

  /** The business date today (`YYYY-MM-DD`, UTC). */
  function today() {
    return new Date(now()).toISOString().slice(0, 10);
  }

  /** What is left of a 2-hour answer: `{late, text}`. */
  function countdown(respondBy) {
    const left = Date.parse(respondBy) - now();
    const abs = Math.abs(left);
    const hh = Math.floor(abs / 3_600_000);
    const mm = Math.floor((abs % 3_600_000) / 60_000);
    const ss = Math.floor((abs % 60_000) / 1000);
    const text = `${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
    return left > 0 ? { late: false, text: `${text} left` } : { late: true, text: `${text} late` };
  }

  /** Starts the clock: read now and every 15 s; `tick` runs every second. */
  async function startClock(tick) {
    await readClock();
    window.setInterval(() => readClock().then(tick), 15_000);
    if (tick) window.setInterval(tick, 1000);
    return clock;
  }

  /** The dealers of the catalog (`{id: {name, time_zone, opening_hours, demo_cars}}`) and models. */
  let catalogPromise = null;
  function catalog() {
    if (!catalogPromise) catalogPromise = api('GET', '/api/v1/catalog');
    return catalogPromise;
  }

  function modelName(cat, code) {
    const m = cat && cat.models && cat.models[code];
    return (m && m.name) || code;
  }

  function dealerName(cat, id) {
    const d = cat && cat.dealers && cat.dealers[id];
    return (d && d.name) || id;
  }

  window.CRM = {
    GRADES, SOURCES, CHANNELS, gradeBadge, sourceLabel, channelLabel, driveBadge, when, whenAt, clockTime, longDate, addDays,
    percent, minutes, readClock, now, today, countdown, startClock, catalog, modelName, dealerName,
  };
})();
