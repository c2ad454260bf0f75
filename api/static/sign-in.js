// otd web UI: the sign-in page. Sends the e-mail and the password to
// POST /api/v1/sessions; the server answers with the HttpOnly session
// cookie and the CSRF cookie, and this page keeps only who signed in (role,
// subject) for the navigation, never the token.
'use strict';

(function () {
  const t = (text) => (window.OTDText ? window.OTDText.t(text) : text);
  const { $, api, ApiError, busy, homeFor, signedIn } = window.OTD;
  const form = $('#account-form');
  const error = $('#account-error');

  /** Shows one message, replacing the last (so it is announced once). */
  function show(message) {
    error.hidden = !message;
    error.textContent = message || '';
    for (const input of [$('#account-email'), $('#account-password')]) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  function messageOf(err) {
    if (!(err instanceof ApiError)) return `${t('Signing in failed:')} ${err.message}`;
    if (err.status === 401) return t('The e-mail or the password is wrong.');
    if (err.status === 429) return t('Too many failed attempts for this e-mail: try again later.');
    if (err.status === 503) return t('Too many people are signing in right now: try again in a moment.');
    return err.message;
  }

  /** Where to go next: `?next=/path` on this site, else the role's page. */
  function next(role) {
    const wanted = new URL(window.location.href).searchParams.get('next') || '';
    return wanted.startsWith('/') && !wanted.startsWith('//') ? wanted : homeFor(role);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = $('#account-email').value.trim();
    const password = $('#account-password').value;
    if (!email || !password) {
      show(t('Enter your e-mail and your password.'));
      return;
    }
    show('');
    await busy(form, async () => {
      try {
        const session = await api('POST', '/api/v1/sessions', { email, password }, { anonymous: true });
        $('#account-password').value = '';
        signedIn(session);
        // A customer's pages start in the profile's language and market.
        if (window.OTDText) await window.OTDText.learnProfile();
        window.location.assign(next(session.role));
      } catch (err) {
        $('#account-password').value = '';
        show(messageOf(err));
        $('#account-password').focus();
      }
    });
  });
})();
