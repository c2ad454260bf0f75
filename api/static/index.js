// `/`: sign in with a token, then go to the page of one's role; the tiles
// of the other roles are dimmed (their pages would ask for another token).
'use strict';

(function () {
  const { $, $$, session, signIn, homeFor, fill, h } = window.OTD;
  const form = $('#signin');
  const current = session();

  // A link with `?token=` that lands here goes on to the role's page.
  if (current && window.OTD.arrivedWithToken) {
    window.location.replace(homeFor(current.role));
    return;
  }

  function show() {
    const now = session();
    for (const tile of $$('[data-tile]')) {
      tile.classList.toggle('dim', !!now && tile.dataset.tile !== now.role);
      tile.classList.toggle('mine', !!now && tile.dataset.tile === now.role);
    }
    const note = $('#signed-in');
    if (!note) return;
    note.hidden = !now;
    if (now) {
      fill(note, 'Signed in as ', now.role, ' ', h('strong', {}, now.sub), '. ',
        h('a', { href: homeFor(now.role) }, 'Continue to your page'), '.');
    }
  }

  if (form) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const next = signIn($('#signin-token').value);
      const error = $('#signin-error');
      if (!next) {
        error.hidden = false;
        error.textContent = 'That is not an access token: paste the whole token (three parts separated by dots).';
        return;
      }
      error.hidden = true;
      window.location.assign(homeFor(next.role));
    });
  }
  show();
})();
