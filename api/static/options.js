// otd web UI: the option choices of the configurator and of the tracker's
// amend form (the `options` macro), dressed for one model and market.
//
// - An option the model cannot take, or the market does not offer, is not
//   offered: hidden, disabled and unticked (a radio family falls back to its
//   default), so "TERRA only" cannot be ticked on an AURA.
// - Hints in words ("Needs 20-inch wheels"), prices per locale, no codes.
// - Every rule the API says is broken, in words next to the option, with
//   one-click fixes where there is one ("Add 20-inch wheels", "Remove Sport
//   package").
'use strict';

(function () {
  const { h, $$, fill } = window.OTD;
  const F = window.OTDFormat;
  const t = (text, vars) => (window.OTDText ? window.OTDText.t(text, vars) : text);

  function inputs(prefix) {
    return $$(`input[id^="${prefix}-opt-"]`);
  }

  function input(prefix, code) {
    return document.getElementById(`${prefix}-opt-${code}`);
  }

  /** Whether `code` can go on `model` in `market`. */
  function offered(catalog, code, model, market) {
    const o = catalog.options[code];
    if (!o) return false;
    return (!o.models.length || o.models.includes(model)) && !!o.prices[market];
  }

  /** Shows only what `model` in `market` can take, with hints and prices in words. */
  function dress(prefix, catalog, model, market) {
    const byFamily = new Map();
    for (const el of inputs(prefix)) {
      const code = el.value;
      const o = catalog.options[code];
      const ok = offered(catalog, code, model, market);
      const choice = el.closest('.choice');
      if (choice) choice.hidden = !ok;
      el.disabled = !ok;
      if (!ok) el.checked = false;
      if (!byFamily.has(el.name)) byFamily.set(el.name, []);
      byFamily.get(el.name).push(el);
      if (!choice || !o) continue;
      for (const c of $$('.code', choice)) c.hidden = true;
      const price = o.prices[market];
      const priceEl = $$('[data-price]', choice)[0];
      if (priceEl) fill(priceEl, !price ? t('not offered') : price.amount_minor === 0 ? t('included') : `+${F.money(price)}`);
      const hints = [];
      if (o.requires.length) hints.push(t('Needs {x}', { x: o.requires.map((r) => F.optionName(catalog, r)).join(', ') }));
      if (o.excludes.length) hints.push(t('Not with {x}', { x: o.excludes.map((r) => F.optionName(catalog, r)).join(', ') }));
      const hintEl = $$('.hint', choice)[0] || (hints.length ? choice.querySelector('label').appendChild(h('span', { class: 'hint' })) : null);
      if (hintEl) fill(hintEl, hints.join(' · '));
    }
    // A radio family whose choice went away takes its default (or the first offered).
    for (const group of byFamily.values()) {
      if (group[0].type !== 'radio' || group.some((el) => el.checked)) continue;
      const pick = group.find((el) => !el.disabled && el.dataset.default === 'yes') || group.find((el) => !el.disabled);
      if (pick) pick.checked = true;
    }
  }

  /** One-click fixes of a broken rule: buttons that tick or untick options. */
  function fixes(prefix, catalog, violation, changed) {
    const parts = F.ruleParts(violation);
    if (!parts) return [];
    const button = (label, code, on) => {
      const el = input(prefix, code);
      if (!el || (on && el.disabled)) return null;
      return h('button', {
        type: 'button',
        class: 'secondary small fix',
        'data-fix': `${on ? 'add' : 'remove'}:${code}`,
        onclick: () => {
          el.checked = on;
          changed(el);
        },
      }, t(label, { x: F.optionName(catalog, code) }));
    };
    switch (parts.kind) {
      case 'requires':
        return [button('Add {x}', parts.b[0], true), button('Remove {x}', parts.a, false)];
      case 'excludes':
        return [button('Remove {x}', parts.b[0], false), button('Remove {x}', parts.a, false)];
      case 'model_only':
      case 'not_in_market':
        return [button('Remove {x}', parts.a, false)];
      default:
        return [];
    }
  }

  /**
   * Shows every broken rule in words next to the option (or family) it is
   * about, with its fixes; the rest and a count in `summary`. `changed(el)`
   * runs after a fix ticked or unticked `el`. Returns how many were shown.
   */
  function violations(prefix, catalog, errors, summary, changed) {
    for (const p of $$(`[id^="${prefix}-viol-"]`)) {
      p.hidden = true;
      p.replaceChildren();
    }
    inputs(prefix).forEach((i) => i.removeAttribute('aria-invalid'));
    const rest = [];
    for (const e of errors) {
      const parts = F.ruleParts(e);
      const about = e.option || (parts && parts.a);
      let target = null;
      if (parts && (parts.kind === 'exactly_one' || parts.kind === 'missing_choice')) {
        target = document.getElementById(`${prefix}-viol-family-${parts.a}`);
      } else if (about) {
        target = document.getElementById(`${prefix}-viol-${about}`);
        const el = input(prefix, about);
        if (el) el.setAttribute('aria-invalid', 'true');
      }
      const line = [h('span', { class: 'rule', 'data-rule': e.rule }, F.ruleText(catalog, e)),
        fixes(prefix, catalog, e, changed)];
      if (target && !target.parentElement.closest('[hidden]')) {
        target.hidden = false;
        target.append(...line.flat().filter(Boolean));
      } else {
        rest.push(line);
      }
    }
    if (summary) {
      summary.hidden = errors.length === 0;
      fill(summary, errors.length
        ? [h('p', {}, h('strong', {}, errors.length === 1 ? t('1 rule broken') : t('{n} rules broken', { n: errors.length })),
          rest.length ? '' : ` ${t('— see the options marked below.')}`),
        rest.length ? h('ul', {}, rest.map((l) => h('li', {}, l))) : null]
        : []);
    }
    return errors.length;
  }

  window.OTDOptions = { dress, violations, offered };
})();
