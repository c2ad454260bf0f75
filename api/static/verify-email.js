// otd web UI: the e-mail verification link. Sends the link's token to
// POST /api/v1/customers/verify and says what came of it.
'use strict';

(function () {
  const t = (text) => (window.OTDText ? window.OTDText.t(text) : text);
  const { $, api, ApiError } = window.OTD;
  const status = $('#verify-status');
  const token = new URL(window.location.href).searchParams.get('code') || '';
  // The token has done its work once read: keep it out of the history.
  window.history.replaceState(null, '', '/verify-email');
  if (!token) {
    status.textContent = t('This link has no verification code: open the link from your e-mail again.');
    return;
  }
  api('POST', '/api/v1/customers/verify', { token }, { anonymous: true })
    .then(() => {
      status.textContent = t('Thank you: your e-mail address is verified. You can sign in and order.');
    })
    .catch((err) => {
      status.textContent = err instanceof ApiError && err.status === 422
        ? t('This link is not valid (it may have expired): sign up again or ask for a new link.')
        : `${t('Verifying failed:')} ${err.message}`;
    });
})();
