// otd web UI, every page: a table that scrolls sideways (wide ones, and most
// on phones) must be reachable with the keyboard to be scrolled (WCAG 2.1.1;
// axe-core's scrollable-region-focusable). While a `.table-wrap` overflows it
// is a focusable region named after its table; once it fits it is no tab
// stop. Checked after every change of the page and every resize, at most
// once a frame. Kept apart from app.js: it needs nothing of it.
'use strict';

(function () {
  /** The name of the table in `wrap`: its caption, what labels it, or its section's heading. */
  function nameOf(wrap) {
    const table = wrap.querySelector('table');
    if (table && table.caption && table.caption.textContent.trim()) return table.caption.textContent.trim();
    const labelledBy = table && table.getAttribute('aria-labelledby');
    const section = wrap.closest('section');
    const heading = labelledBy ? document.getElementById(labelledBy) : section && section.querySelector('h2, h3');
    return (heading && heading.textContent.trim()) || 'Table';
  }

  function mark() {
    for (const wrap of document.querySelectorAll('.table-wrap')) {
      const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls === wrap.hasAttribute('tabindex')) continue;
      if (scrolls) {
        wrap.setAttribute('tabindex', '0');
        wrap.setAttribute('role', 'region');
        wrap.setAttribute('aria-label', `${nameOf(wrap)} (scrolls sideways)`);
      } else {
        wrap.removeAttribute('tabindex');
        wrap.removeAttribute('role');
        wrap.removeAttribute('aria-label');
      }
    }
  }

  let pending = false;
  function markSoon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(() => {
      pending = false;
      mark();
    });
  }

  new MutationObserver(markSoon).observe(document.body, { childList: true, subtree: true });
  window.addEventListener('resize', markSoon);
  markSoon();
})();
