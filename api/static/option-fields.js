// otd web UI: the option fields shared by the configurator, the amend form,
// the locator and stock registration (inputs `#PREFIX-opt-CODE`, rule marks
// `#PREFIX-viol-CODE`): which options are chosen, choosing them, and every
// rule the API reports shown next to the option that breaks it. Adds to
// `window.OTD` (app.js).
'use strict';

(function () {
  const { h, $$, fill } = window.OTD;

  /** Options chosen in an options fieldset group whose inputs are `#PREFIX-opt-*`. */
  function chosenOptions(prefix) {
    return $$(`input[id^="${prefix}-opt-"]`).filter((i) => i.checked).map((i) => i.value);
  }

  function setOptions(prefix, options) {
    const wanted = new Set(options);
    for (const input of $$(`input[id^="${prefix}-opt-"]`)) input.checked = wanted.has(input.value);
  }

  /**
   * Shows every violated rule next to the option that breaks it: the first
   * option code its message names; a family's rule goes to the family; the
   * rest to `fallback`. Returns how many were placed.
   */
  function showViolations(prefix, errors, fallback) {
    for (const p of $$(`[id^="${prefix}-viol-"]`)) {
      p.hidden = true;
      p.replaceChildren();
    }
    $$(`[id^="${prefix}-opt-"]`).forEach((i) => i.removeAttribute('aria-invalid'));
    const codes = new Set($$(`input[id^="${prefix}-opt-"]`).map((i) => i.value));
    const rest = [];
    for (const e of errors) {
      // The API names the option a rule is about; older servers only name it in the message.
      const named = (e.option ? [e.option] : String(e.message).match(/[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+/g) || [])
        .filter((c) => codes.has(c));
      const family = /^family (\S+)/.exec(e.message);
      let target = null;
      if (family && e.rule === 'exactly_one') target = document.getElementById(`${prefix}-viol-family-${family[1]}`);
      if (!target && named.length) {
        target = document.getElementById(`${prefix}-viol-${named[0]}`);
        const input = document.getElementById(`${prefix}-opt-${named[0]}`);
        if (input) input.setAttribute('aria-invalid', 'true');
      }
      if (!target && family) target = document.getElementById(`${prefix}-viol-family-${family[1]}`);
      if (target) {
        target.hidden = false;
        target.append(h('span', { class: 'rule', 'data-rule': e.rule }, e.message));
      } else {
        rest.push(e);
      }
    }
    if (fallback) {
      fallback.hidden = errors.length === 0;
      fill(fallback, errors.length
        ? [h('p', {}, h('strong', {}, `${errors.length} rule${errors.length === 1 ? '' : 's'} broken`),
          rest.length ? '' : ': see the options marked below.'),
        rest.length ? h('ul', {}, rest.map((e) => h('li', { 'data-rule': e.rule }, e.message))) : null]
        : []);
    }
    return errors.length;
  }

  Object.assign(window.OTD, { chosenOptions, setOptions, showViolations });
})();
