// otd web UI: the language of the customer-facing pages (configurator,
// orders, tracker, customer 360, sign-in, e-mail verification).
//
// - Texts: English is the source language, written in the templates and
//   scripts; German and Chinese live in one file each (`i18n-de.js`,
//   `i18n-zh.js`), keyed by the English text (`{name}` marks a value).
// - Which language: the one chosen with the switcher (kept in this
//   browser), else the signed-in customer's profile language (learnt when
//   signing in and refreshed on every page for the next one), else the
//   first of the browser's languages (`navigator.languages`) we have, else
//   English. `<html lang>` says which, so `format.js` formats money and
//   dates for it through `Intl`.
// - Static text marked `data-i18n` in a template is translated when the
//   page loads; scripts call `OTDText.t('English {x}', {x})`.
'use strict';

(function () {
  const LANGUAGES = { en: 'English', de: 'Deutsch', zh: '中文' };
  /** The locale each language formats with when the browser names no region of it. */
  const LOCALES = { en: 'en-GB', de: 'de-DE', zh: 'zh-CN' };
  const CHOICE = 'otd.lang';
  const PROFILE = 'otd.profile-lang';
  const texts = { en: {}, de: {}, zh: {} };

  function known(tag) {
    const lang = String(tag || '').slice(0, 2).toLowerCase();
    return Object.prototype.hasOwnProperty.call(LANGUAGES, lang) ? lang : null;
  }

  /** The browser's languages, best first (`navigator.languages`). */
  function browserLanguages() {
    return (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'])
      .filter(Boolean);
  }

  /** The language to use and where it came from: `choice`, `profile`, `browser` or `default`. */
  function pick() {
    const chosen = known(localStorage.getItem(CHOICE));
    if (chosen) return { lang: chosen, from: 'choice' };
    const remembered = profile();
    if (remembered && known(remembered.language)) return { lang: known(remembered.language), from: 'profile' };
    for (const tag of browserLanguages()) {
      if (known(tag)) return { lang: known(tag), from: 'browser' };
    }
    return { lang: 'en', from: 'default' };
  }

  const current = pick();
  const lang = current.lang;
  /** The locale for Intl: the browser's own tag of this language when it has one (de-AT), else ours. */
  const locale = browserLanguages().find((tag) => known(tag) === lang && tag.includes('-')) || LOCALES[lang];
  document.documentElement.lang = locale;

  /** `text` (English, the key) in the page's language, `{name}` replaced from `vars`. */
  function t(text, vars) {
    const own = texts[lang] && texts[lang][text];
    let out = typeof own === 'string' ? own : text;
    if (vars) out = out.replace(/\{(\w+)\}/g, (m, name) => (vars[name] === undefined ? m : String(vars[name])));
    return out;
  }

  /** Adds a language's texts (called by `i18n-de.js`, `i18n-zh.js`). */
  function add(language, entries) {
    Object.assign(texts[language] || (texts[language] = {}), entries);
  }

  /** Translates the elements marked `data-i18n` (and their `data-i18n-*` attributes) under `root`. */
  function translate(root) {
    for (const el of (root || document).querySelectorAll('[data-i18n]')) {
      if (el.dataset.i18nSource === undefined) el.dataset.i18nSource = el.dataset.i18n || el.textContent.trim();
      el.textContent = t(el.dataset.i18nSource);
    }
    for (const el of (root || document).querySelectorAll('[data-i18n-label]')) {
      el.setAttribute('aria-label', t(el.dataset.i18nLabel));
    }
    for (const el of (root || document).querySelectorAll('[data-i18n-placeholder]')) {
      el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
    }
  }

  /** The page's title and heading, the navigation and the switcher. */
  function dressPage() {
    const h1 = document.querySelector('main h1');
    if (h1) {
      h1.dataset.i18n = h1.textContent.trim();
      document.title = `${t(h1.textContent.trim())} · otd`;
    }
    for (const a of document.querySelectorAll('header nav a, #who a, #who button, .skip')) {
      if (!a.dataset.i18n) a.dataset.i18n = a.textContent.trim();
    }
    translate(document);
    // "customer C-1001": the role in words.
    const identity = document.querySelector('#who .identity');
    if (identity && identity.firstChild && identity.firstChild.nodeType === Node.TEXT_NODE) {
      identity.firstChild.textContent = `${t(identity.firstChild.textContent.trim())} `;
    }
    const who = document.querySelector('header.top');
    if (!who || document.getElementById('lang')) return;
    const wrap = document.createElement('div');
    wrap.className = 'lang';
    const label = document.createElement('label');
    label.htmlFor = 'lang';
    label.className = 'sr-only';
    label.textContent = t('Language');
    const select = document.createElement('select');
    select.id = 'lang';
    for (const [code, name] of Object.entries(LANGUAGES)) {
      const option = document.createElement('option');
      option.value = code;
      option.lang = code;
      option.textContent = name;
      option.selected = code === lang;
      select.append(option);
    }
    select.addEventListener('change', () => {
      localStorage.setItem(CHOICE, select.value);
      window.location.reload();
    });
    wrap.append(label, select);
    who.append(wrap);
  }

  /**
   * Reads the signed-in customer's profile and remembers its language and
   * market in this browser, so pages start in them; resolves with
   * `{sub, language, market}`, or null (not a customer, or unreadable).
   */
  async function learnProfile() {
    const s = window.OTD && window.OTD.session();
    if (!s || s.role !== 'customer') return null;
    try {
      const c = await window.OTD.api('GET', `/api/v1/customers/${encodeURIComponent(s.sub)}`);
      const remembered = { sub: s.sub, language: c.language, market: c.market };
      localStorage.setItem(PROFILE, JSON.stringify(remembered));
      return remembered;
    } catch (_) {
      return null;
    }
  }

  /**
   * Refreshes the remembered profile as a page starts (a profile changed
   * elsewhere): the next page follows it. The page shown is not loaded
   * again under the reader's eyes.
   */
  function followProfile() {
    return learnProfile();
  }

  /** The signed-in customer's remembered profile (`{sub, language, market}`), or null. */
  function profile() {
    const s = window.OTD && window.OTD.session();
    if (!s || s.role !== 'customer') return null;
    try {
      const p = JSON.parse(localStorage.getItem(PROFILE) || 'null');
      return p && p.sub === s.sub ? p : null;
    } catch (_) {
      return null;
    }
  }

  window.OTDText = {
    t, add, translate, lang, locale, from: current.from, languages: LANGUAGES, browserLanguages, profile, learnProfile,
    profileLoaded: null,
  };
  // The language files load after this one; dress the page once the document is ready.
  document.addEventListener('DOMContentLoaded', () => {
    if (window.OTD) window.OTD.renderWho();
    dressPage();
  });
  // The sign-in page learns the profile itself, before it moves on.
  window.OTDText.profileLoaded = document.body.dataset.page === 'sign-in' ? Promise.resolve(null) : followProfile();
})();
