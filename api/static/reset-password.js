// otd web UI: resetting a password. Without a code: asks for a reset link by e-mail
// (POST /api/v1/password-resets, the same answer whatever the address). With the code of
// the link from the mail: sets the new password (POST /api/v1/password-resets/confirm).
'use strict';

(function () {
  const { $, api, ApiError, busy } = window.OTD;
  const status = $('#reset-status');
  const token = new URL(window.location.href).searchParams.get('code') || '';
  // The token stays in memory only: keep it out of the history.
  window.history.replaceState(null, '', '/reset-password');

  function say(message) {
    status.textContent = message;
  }

  const request = $('#reset-request');
  const confirm = $('#reset-confirm');

  if (!token) {
    request.hidden = false;
    request.addEventListener('submit', async (event) => {
      event.preventDefault();
      const email = $('#reset-email').value.trim();
      if (!email) {
        say('Enter the e-mail address you sign in with.');
        return;
      }
      await busy(request, async () => {
        try {
          await api('POST', '/api/v1/password-resets', { email }, { anonymous: true });
          say('If this address signs in to an account, a link to set a new password is on its way. It is valid for one hour.');
        } catch (err) {
          say(err instanceof ApiError && err.status === 429
            ? 'Too many requests for this address: try again later.'
            : 'Asking for a link failed: ' + err.message);
        }
      });
    });
    return;
  }

  confirm.hidden = false;
  confirm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('#reset-password');
    const password = input.value;
    if (password.length < 10 || password.length > 128) {
      input.setAttribute('aria-invalid', 'true');
      say('The new password needs 10 to 128 characters.');
      return;
    }
    input.removeAttribute('aria-invalid');
    await busy(confirm, async () => {
      try {
        await api('POST', '/api/v1/password-resets/confirm', { token, password }, { anonymous: true });
        input.value = '';
        confirm.hidden = true;
        say('Your new password is set: sign in with it.');
      } catch (err) {
        say(err instanceof ApiError && err.status === 422
          ? (err.message || 'This link is not valid') + ' Ask for a new link below.'
          : 'Setting the password failed: ' + err.message);
        if (err instanceof ApiError && err.status === 422) request.hidden = false;
      }
    });
  });

  request.addEventListener('submit', async (event) => {
    event.preventDefault();
    window.location.assign('/reset-password');
  });
})();
