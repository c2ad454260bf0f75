// `/orders/{id}`: the handover appointment picker, in the delivering
// dealer's local time (its time zone and opening hours from the catalog),
// whatever the browser's zone: one of the dealer's open days from the
// business day (or the car's arrival) on, written in the page's language
// ("Sa., 28. Nov. 2026"; a native date field would follow the browser's
// own language instead), and a time from that day's opening hours, shown
// back in full ("Samstag, 28. November 2026, 10:30, Ortszeit Berlin"). Past
// days and times are not offered. The server still decides; its answer is
// shown once, under the form.
'use strict';

(function () {
  const { h, $, fill, busy, ApiError } = window.OTD;
  const F = window.OTDFormat;
  const t = window.OTDText.t;
  const form = $('#trk-book');
  const day = $('#trk-book-day');
  const time = $('#trk-book-time');
  const when = $('#trk-book-when');
  const error = $('#trk-book-error');
  const STEP_MINUTES = 30;
  /** How many days ahead the picker offers. */
  const DAYS_AHEAD = 28;
  const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  let dealer = null;
  let now = null;
  let book = null;

  function minutes(hhmm) {
    const [hh, mm] = String(hhmm).split(':').map(Number);
    return hh * 60 + mm;
  }

  function hhmm(total) {
    return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
  }

  function zoneName(zone) {
    return zone.split('/').pop().replace(/_/g, ' ');
  }

  /** The times of `value`'s opening hours (the last one an hour before closing), none in the past. */
  function times(value) {
    if (!dealer || !value) return [];
    const weekday = WEEKDAYS[new Date(`${value}T12:00:00Z`).getUTCDay()];
    const hours = dealer.opening_hours && dealer.opening_hours[weekday];
    if (!hours) return [];
    const out = [];
    for (let m = minutes(hours.open); m + 60 <= minutes(hours.close); m += STEP_MINUTES) {
      const at = F.zonedToUtc(value, hhmm(m), dealer.time_zone);
      if (at && (!now || at.getTime() > Date.parse(now))) out.push(hhmm(m));
    }
    return out;
  }

  function fillTimes() {
    const keep = time.value;
    const list = times(day.value);
    fill(time, list.length ? list.map((v) => h('option', { value: v }, v))
      : h('option', { value: '' }, day.value ? t('closed that day') : t('choose a day first')));
    if (list.includes(keep)) time.value = keep;
    time.disabled = !list.length;
    showWhen();
  }

  /** The chosen appointment as the instant it names, or null. */
  function chosen() {
    if (!dealer || !day.value || !time.value) return null;
    return F.zonedToUtc(day.value, time.value, dealer.time_zone);
  }

  function showWhen() {
    const at = chosen();
    error.hidden = true;
    when.textContent = at ? `${at.toLocaleString(F.locale(), {
      weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit',
      timeZone: dealer.time_zone,
    })}, ${t('{city} time', { city: zoneName(dealer.time_zone) })}` : '';
  }

  /** Sets the picker up for `order` (once per order; the limits on every refresh). */
  function prepare(order, catalog, today, clockNow) {
    dealer = catalog.dealers[order.dealer_id] || null;
    now = clockNow;
    if (!dealer) return;
    day.dataset.min = today;
    fill($('#trk-book-zone'), t('Times are local time at {dealer} ({city}).', { dealer: dealer.name, city: zoneName(dealer.time_zone) }));
    const start = order.eta && order.eta > today ? order.eta : today;
    const key = `${order.order_id}|${start}|${now}`;
    if (form.dataset.prepared === key) return;
    form.dataset.prepared = key;
    const keep = day.value;
    const days = [];
    let d = new Date(`${start}T12:00:00Z`);
    for (let i = 0; i < DAYS_AHEAD; i += 1) {
      const value = d.toISOString().slice(0, 10);
      if (times(value).length) days.push(value);
      d = new Date(d.getTime() + 86400000);
    }
    fill(day, days.map((value) => h('option', { value }, new Date(`${value}T12:00:00Z`).toLocaleDateString(F.locale(), {
      weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
    }))));
    if (days.includes(keep)) day.value = keep;
    fillTimes();
  }

  function refuse(message) {
    error.hidden = false;
    error.textContent = message;
  }

  day.addEventListener('change', fillTimes);
  time.addEventListener('change', showWhen);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!day.value || (day.dataset.min && day.value < day.dataset.min)) {
      refuse(t('Choose a day from {date} on.', { date: F.date(day.dataset.min) }));
      day.focus();
      return;
    }
    const at = chosen();
    if (!at) {
      refuse(t('The dealer is closed that day: choose another day.'));
      day.focus();
      return;
    }
    if (!book) return;
    busy(form, async () => {
      try {
        await book(at.toISOString().replace('.000Z', 'Z'));
      } catch (err) {
        refuse(err instanceof ApiError ? err.message : String(err));
      }
    });
  });

  window.OTDHandover = {
    prepare,
    /** `fn(at)` books the appointment at the RFC 3339 instant `at`; a rejection is shown under the form. */
    onBook(fn) {
      book = fn;
    },
  };
})();
