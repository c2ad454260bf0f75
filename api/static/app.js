// otd web UI: what every page shares. Plain JavaScript, no dependencies.
//
// - The session: either the session cookie set by signing in on /sign-in
//   (HttpOnly: scripts never see the token; who signed in is kept in
//   localStorage for display and navigation only, and writes carry the
//   `otd_csrf` cookie's value in `X-CSRF-Token`), or, for developers and
//   tests, a bearer token taken from the address bar (`?token=`, then
//   removed from it) or pasted into a form, kept in this tab's
//   sessionStorage. The server checks every request.
// - `api()`: fetch with the session; problems (RFC 9457) become ApiError.
// - `h()`: builds DOM nodes from data without ever parsing it as HTML.
// - Formatting of money (integer minor units, never floats), dates, statuses.
// - The sign-in gate of pages that are not public, and the navigation.
'use strict';

(function () {
  const KEY = 'otd.token';
  const PROFILE = 'otd.profile';

  /** The claims of a JWT, or null when it is not one. */
  function claims(token) {
    const parts = String(token).trim().split('.');
    if (parts.length !== 3) return null;
    try {
      const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
      const json = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
      const c = JSON.parse(json);
      if (typeof c.role !== 'string' || typeof c.sub !== 'string') return null;
      return c;
    } catch (_) {
      return null;
    }
  }

  /** Moves `?token=` from the address bar into the session. */
  function takeTokenFromUrl() {
    const url = new URL(window.location.href);
    if (!url.searchParams.has('token')) return false;
    const token = url.searchParams.get('token') || '';
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    if (!claims(token)) return false;
    sessionStorage.setItem(KEY, token.trim());
    return true;
  }

  /** Who signed in with the session cookie (`{role, sub, exp, ...}`), or null. */
  function cookieSession() {
    let profile = null;
    try {
      profile = JSON.parse(localStorage.getItem(PROFILE) || 'null');
    } catch (_) {
      profile = null;
    }
    if (!profile || typeof profile.role !== 'string' || typeof profile.sub !== 'string'
      || typeof profile.exp !== 'number' || profile.exp * 1000 <= Date.now()) {
      localStorage.removeItem(PROFILE);
      return null;
    }
    return { token: null, cookie: true, role: profile.role, sub: profile.sub, exp: profile.exp,
      user: profile.user || null, manager: profile.manager === true };
  }

  /**
   * `{token, role, sub, exp}` of the signed-in user (a pasted token first,
   * else the session cookie's, with `token: null`), or null.
   */
  function session() {
    const token = sessionStorage.getItem(KEY);
    if (!token) return cookieSession();
    const c = claims(token);
    if (!c || (typeof c.exp === 'number' && c.exp * 1000 <= Date.now())) {
      sessionStorage.removeItem(KEY);
      return cookieSession();
    }
    return { token, role: c.role, sub: c.sub, exp: c.exp, user: c.user || null, manager: c.manager === true };
  }

  /** Remembers who signed in with e-mail and password (the answer of POST /api/v1/sessions). */
  function signedIn(view) {
    const exp = Math.floor(Date.parse(view.expires_at) / 1000);
    sessionStorage.removeItem(KEY);
    localStorage.setItem(PROFILE, JSON.stringify({
      role: view.role, sub: view.sub, user: view.user || null, manager: view.manager === true, exp,
    }));
    return session();
  }

  /** The `otd_csrf` cookie's value, or ''. */
  function csrfToken() {
    for (const pair of document.cookie.split(';')) {
      const [name, ...value] = pair.trim().split('=');
      if (name === 'otd_csrf') return value.join('=');
    }
    return '';
  }

  function signIn(token) {
    const c = claims(token);
    if (!c) return null;
    sessionStorage.setItem(KEY, token.trim());
    return session();
  }

  /** Forgets the session in this browser (the server's answer already ended it). */
  function signOut() {
    sessionStorage.removeItem(KEY);
    localStorage.removeItem(PROFILE);
  }

  /** Signs out: ends a cookie session on the server too, then forgets it here. */
  async function signOutEverywhere() {
    const current = session();
    if (current && current.cookie) {
      try {
        await fetch('/api/v1/sessions', {
          method: 'DELETE', headers: { 'X-CSRF-Token': csrfToken() }, cache: 'no-store',
        });
      } catch (_) {
        // Offline: the cookie expires by itself; forget it here anyway.
      }
    }
    signOut();
  }

  /** Where a role starts. */
  function homeFor(role) {
    return { customer: '/orders', dealer: '/dealer', planner: '/planner', finance: '/finance', admin: '/' }[role] || '/';
  }

  /** A rejected API call: the status and the problem document. */
  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
      this.status = status;
      this.problem = problem || {};
    }
    get errors() {
      return Array.isArray(this.problem.errors) ? this.problem.errors : [];
    }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + '-' + Math.random().toString(16).slice(2);
  }

  /**
   * Calls the API. `options.key` sends an Idempotency-Key (pass the same one
   * when retrying the same submission). Resolves with the JSON body; with
   * `options.withTotal`, with `{body, total, headers}` (a paged list's `X-Total-Count`).
   */
  async function api(method, path, body, options) {
    const headers = { Accept: 'application/json' };
    const s = (options && options.anonymous) ? null : session();
    if (s && s.token) headers.Authorization = 'Bearer ' + s.token;
    if (s && s.cookie && !['GET', 'HEAD'].includes(method)) headers['X-CSRF-Token'] = csrfToken();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options && options.key) headers['Idempotency-Key'] = options.key;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'same-origin',
      });
    } catch (e) {
      throw new ApiError(0, { title: 'Network error', detail: 'The server cannot be reached: ' + e.message });
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_) {
        data = { detail: text };
      }
    }
    if (!response.ok) {
      if (response.status === 401 && s) {
        signOut();
        renderWho();
      }
      throw new ApiError(response.status, data);
    }
    if (options && options.withTotal) {
      const total = Number(response.headers.get('X-Total-Count'));
      return { body: data, total: Number.isFinite(total) ? total : (Array.isArray(data) ? data.length : 0), headers: response.headers };
    }
    return data;
  }

  /** `h('p', {class: 'x'}, 'text', child)`: an element; strings become text. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on') && typeof value === 'function') {
        el.addEventListener(name.slice(2), value);
      } else if (name === 'dataset') {
        Object.assign(el.dataset, value);
      } else {
        el.setAttribute(name, value === true ? '' : String(value));
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  /** An SVG element. */
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) el.setAttribute(name, String(value));
    }
    return append(el, children);
  }

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $$(selector, root) {
    return Array.from((root || document).querySelectorAll(selector));
  }

  /** Replaces the children of `el`. */
  function fill(el, ...children) {
    el.replaceChildren();
    return append(el, children);
  }

  const formats = new Map();
  /**
   * `{amount_minor, currency}` as text, from the integer (no float math), in
   * the page's locale (`format.js`, which pages load after this file).
   */
  function money(m) {
    if (window.OTDFormat) return window.OTDFormat.money(m);
    if (!m || typeof m.amount_minor !== 'number') return '—';
    let f = formats.get(m.currency);
    if (!f) {
      try {
        f = new Intl.NumberFormat('en-GB', { style: 'currency', currency: m.currency });
      } catch (_) {
        f = null;
      }
      formats.set(m.currency, f);
    }
    const minor = Math.abs(m.amount_minor);
    const text = (m.amount_minor < 0 ? '-' : '') + Math.trunc(minor / 100) + '.' + String(minor % 100).padStart(2, '0');
    return f ? f.format(text) : text + ' ' + m.currency;
  }

  /** Decimal major units typed by a user ("1234.5") as integer minor units, or null. */
  function parseMinor(text) {
    // Typed per locale ("56.953,00", "56,953.00", "56953"): format.js reads it, never rounding.
    if (window.OTDFormat) return window.OTDFormat.parseMoney(String(text || ''), window.OTDFormat.locale());
    const m = /^\s*(\d{1,12})(?:[.,](\d{1,2}))?\s*$/.exec(text || '');
    if (!m) return null;
    return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
  }

  /** A day or an instant as a date in the page's locale. */
  function date(d) {
    if (window.OTDFormat) return d ? window.OTDFormat.date(d) : '—';
    if (!d) return '—';
    const value = new Date(d.length === 10 ? d + 'T00:00:00Z' : d);
    if (Number.isNaN(value.getTime())) return d;
    return value.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  }

  /** An instant as date and time (UTC) in the page's locale. */
  function dateTime(d) {
    if (window.OTDFormat) return d ? window.OTDFormat.dateTime(d) : '—';
    if (!d) return '—';
    const value = new Date(d);
    if (Number.isNaN(value.getTime())) return d;
    return value.toLocaleString('en-GB', {
      day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC',
    }) + ' UTC';
  }

  const STATUS = {
    placed: 'Placed',
    allocated: 'Vehicle reserved',
    scheduled: 'Production booked',
    in_production: 'In production',
    built: 'Built',
    in_transit: 'In transit',
    at_dealer: 'At the dealer',
    handover_scheduled: 'Handover booked',
    delivered: 'Delivered',
    cancelled: 'Cancelled',
    free: 'Free',
    reserved: 'Reserved',
    open: 'Open',
    paid: 'Paid',
    credited: 'Credited',
  };

  function statusLabel(status) {
    return STATUS[status] || String(status || '—').replace(/_/g, ' ');
  }

  function badge(status) {
    return h('span', { class: 'badge', 'data-status': status }, statusLabel(status));
  }

  /** The 8 characters of an id people read and quote (format.js says which). */
  function shortId(id) {
    return window.OTDFormat.shortId(id);
  }

  /** A problem as a short message with the violated rules listed. */
  function problemNode(err) {
    // A rule whose message is the detail itself is said once, not twice.
    const rules = (err instanceof ApiError ? err.errors : []).filter((r) => r.message !== err.message);
    return h('div', { class: 'problem' },
      h('p', {}, h('strong', {}, (err.problem && err.problem.title) || 'Error'), ': ', err.message),
      rules.length ? h('ul', {}, rules.map((r) => h('li', { 'data-rule': r.rule }, r.message))) : null);
  }

  /** A message in the page's live region. */
  function flash(message, kind) {
    const el = $('#flash');
    if (!el) return;
    fill(el, message instanceof Node ? message : h('p', { class: kind || 'ok' }, message));
    el.dataset.kind = kind || 'ok';
  }

  function flashError(err) {
    flash(problemNode(err), 'error');
  }

  function roleName(role) {
    return { customer: 'customer', dealer: 'dealer', planner: 'planner', finance: 'finance', admin: 'admin' }[role] || role;
  }

  function renderWho() {
    const who = $('#who');
    const current = session();
    for (const li of $$('[data-for]')) li.hidden = !current || li.dataset.for !== current.role;
    // A customer's own 360 ("My profile"): its address is known only here, from the session.
    if (current && current.role === 'customer') {
      const mine = `/customers/${encodeURIComponent(current.sub)}`;
      for (const a of $$('a[data-profile]')) {
        a.href = mine;
        if (window.location.pathname === mine) a.setAttribute('aria-current', 'page');
      }
    }
    if (!who) return;
    if (!current) {
      fill(who, h('a', { href: '/sign-in' }, 'Sign in'));
      return;
    }
    fill(who,
      h('span', { class: 'identity' }, roleName(current.role), ' ', h('strong', {}, current.sub)),
      h('button', {
        type: 'button',
        class: 'link',
        onclick: async () => {
          await signOutEverywhere();
          window.location.assign('/');
        },
      }, 'Sign out'));
  }

  /**
   * The gate of a page that is not public: resolves with the session when
   * its role is one of the page's, else shows the sign-in form (or says the
   * role does not fit) and resolves with null. Private content stays hidden.
   */
  function gate() {
    const roles = (document.body.dataset.roles || 'public').split(' ');
    const content = $('#content');
    const current = session();
    if (roles.includes('public')) {
      if (content) content.hidden = false;
      return current;
    }
    if (current && roles.includes(current.role)) {
      if (content) content.hidden = false;
      return current;
    }
    const box = $('#gate');
    if (!box) return null;
    box.hidden = false;
    if (current) {
      fill($('#gate-text'), 'You are signed in as ', roleName(current.role), ' ', current.sub,
        '; this page is for the ', roles.map(roleName).join(' or '), ' role. ',
        h('a', { href: homeFor(current.role) }, 'Go to your page'), ', or sign in with another token.');
    }
    const form = $('#gate-form');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const next = signIn($('#gate-token').value);
      const error = $('#gate-error');
      if (!next) {
        error.hidden = false;
        error.textContent = 'That is not an access token.';
        return;
      }
      window.location.reload();
    });
    return null;
  }

  /** Disables a form's buttons while `work` runs. */
  async function busy(form, work) {
    const buttons = $$('button', form);
    buttons.forEach((b) => { b.disabled = true; });
    form.setAttribute('aria-busy', 'true');
    try {
      return await work();
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      form.removeAttribute('aria-busy');
    }
  }

  window.OTD = {
    ApiError, api, h, s, $, $$, fill, append, money, parseMinor, date, dateTime, statusLabel, badge, shortId,
    problemNode, flash, flashError, session, signIn, signedIn, signOut, signOutEverywhere, csrfToken, homeFor, gate, busy, newKey,
    renderWho, arrivedWithToken: false,
  };

  // Deferred: the document is parsed when this runs.
  window.OTD.arrivedWithToken = takeTokenFromUrl();
  renderWho();
})();
