// Password reset in a real headless Chromium against the real `otd serve` (run.sh): the
// sign-in page links to /reset-password; asking for a link answers the same whatever the
// address; a link's page asks for the new password, refuses a short one in the page and
// says so when the link is not valid (then offers to ask for a new one). Both states have
// labelled fields and no axe-core violation, and no page logs an unexpected console
// error. (The mail itself, and a link that works once, are tested against a real SMTP
// receiver in api/tests/account_mails.rs: run.sh's server has no mail server.)
//
// Waiting is always on a condition with a deadline, never a sleep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE,
  WAIT,
  consoleErrors,
  expectedRejections,
  open,
  until,
  assertAccessible,
  everyAxeViolation,
  launchBrowser,
  closeBrowser,
} from './lib.mjs';

before(launchBrowser);
after(closeBrowser);

test('a forgotten password is asked for from the sign-in page, with one answer for every address', async () => {
  const page = await open('anonymous (reset)', null, { bypassCSP: true });
  await page.goto(BASE + '/sign-in');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.waitForURL((u) => u.pathname === '/reset-password', { timeout: WAIT });
  assert.equal(await page.locator('#reset-confirm').isHidden(), true);
  await assertAccessible(page);
  assert.deepEqual(await everyAxeViolation(page), []);
  const answers = [];
  for (const email of ['reset.nobody@example.de', 'planner@otd.example']) {
    await page.evaluate(() => { document.querySelector('#reset-status').textContent = ''; });
    await page.fill('#reset-email', email);
    await page.click('#reset-request button[type=submit]');
    await until(page, () => document.querySelector('#reset-status').textContent.trim(), null, `the answer for ${email}`);
    answers.push((await page.locator('#reset-status').innerText()).trim());
  }
  assert.equal(answers[0], answers[1], 'a known and an unknown address get the same answer');
  assert.match(answers[0], /on its way/);
  await page.context().close();
});

test('a reset link asks for the new password and says when it is not valid', async () => {
  expectedRejections.push({ status: 422, path: '/api/v1/password-resets/confirm' });
  const page = await open('anonymous (reset link)', null, { bypassCSP: true });
  await page.goto(BASE + '/reset-password?code=not-a-valid-code');
  await until(page, () => !document.querySelector('#reset-confirm').hidden, null, 'the new-password form');
  assert.equal(new URL(page.url()).search, '', 'the code is taken out of the address bar');
  await assertAccessible(page);
  assert.deepEqual(await everyAxeViolation(page), []);

  await page.fill('#reset-password', 'short');
  await page.click('#reset-confirm button[type=submit]');
  await until(page, () => /10 to 128/.test(document.querySelector('#reset-status').textContent), null, 'the length rule');
  assert.equal(await page.getAttribute('#reset-password', 'aria-invalid'), 'true');

  await page.fill('#reset-password', 'a long enough password');
  await page.click('#reset-confirm button[type=submit]');
  await until(page, () => /not valid/.test(document.querySelector('#reset-status').textContent), null, 'the refusal');
  assert.equal(await page.locator('#reset-request').isVisible(), true, 'a new link can be asked for');
  assert.ok(expectedRejections.find((e) => e.path === '/api/v1/password-resets/confirm').seen >= 1);
  assert.deepEqual(await everyAxeViolation(page), []);
  await page.context().close();
  assert.deepEqual(consoleErrors, []);
});
