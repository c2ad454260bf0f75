// The people in the web UI (real Chromium, real `otd serve`; run.sh), after
// ui-delivery.test.mjs, whose customer (Clara) it finds: the dealer finds customers by
// e-mail and by phone, registers a showroom customer (twice: the second time it is the
// same customer), and its manager merges a duplicate with an order into the survivor
// (left in story-people.json for ui-site-wide.test.mjs); a customer edits their phone,
// downloads their data and erases themselves.
//
// Waiting is always on a condition with a deadline, never a sleep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import {
  BASE,
  WAIT,
  PASSWORD,
  CUSTOMER,
  EMAILS,
  pages,
  consoleErrors,
  expectedRejections,
  open,
  signInAs,
  searchCustomers,
  registerInShowroom,
  placeOrder,
  snap,
  until,
  text,
  assertAccessible,
  api,
  staffPage,
  launchBrowser,
  closeBrowser,
  saveStory,
  loadStory,
} from './lib.mjs';

const story = {};

before(async () => {
  await launchBrowser();
  story.customer = (await loadStory('delivery')).customer;
  pages.dealer = await staffPage('dealer', EMAILS.dealer);
});

after(async () => {
  await saveStory('people', { survivor: story.survivor });
  await pages.dealer.context().close();
  await closeBrowser();
});

test('the dealer finds a customer by e-mail and by phone and opens the 360', async () => {
  const dealer = pages.dealer;
  await dealer.goto(BASE + '/dealer');
  await dealer.locator('#dc-search').waitFor();
  await searchCustomers(dealer, CUSTOMER.email);
  assert.equal(await dealer.locator('#dc-hits li').count(), 1);
  assert.equal(await dealer.getAttribute('#dc-hits li', 'data-customer'), story.customer);
  assert.match(await text(dealer, '#dc-hits li'), new RegExp(`${CUSTOMER.name}.*\\+49305550123`));

  await searchCustomers(dealer, 'nobody.here@example.org');
  assert.equal(await dealer.locator('#dc-hits li').count(), 0);
  assert.match(await text(dealer, '#dc-none'), /No customer found for "nobody\.here@example\.org"/);

  // The national form of the number the customer signed up with.
  await searchCustomers(dealer, '030 5550123');
  assert.equal(await dealer.getAttribute('#dc-hits li', 'data-customer'), story.customer);
  await snap(dealer, 'dealer-customer-search');
  await dealer.click(`#dc-hits li[data-customer="${story.customer}"] a`);
  await dealer.waitForURL((u) => u.pathname === `/customers/${story.customer}`, { timeout: WAIT });
  await until(dealer, (name) => document.querySelector('#cu-name').textContent === name, CUSTOMER.name, 'the 360 from the search');
  assert.equal(await dealer.locator('#cu-edit-card').isVisible(), true, 'its dealer edits the profile');
  assert.equal(await dealer.locator('#cu-merge-card').isVisible(), true, 'the manager merges');
  assert.equal(await dealer.locator('#cu-privacy-card').isVisible(), false, 'export and erasure are the customer\'s');
});

test('the dealer registers a showroom customer; the same e-mail again is the customer it has', async () => {
  const dealer = pages.dealer;
  await dealer.goto(BASE + '/dealer');
  await dealer.locator('#dc-register').waitFor();
  assert.equal(await dealer.inputValue('#dc-market'), 'DE', 'the outlet\'s market first');
  const first = await registerInShowroom(dealer, { name: 'Max Muster', email: 'max.muster@example.de', phone: '040 5550777', sms: true });
  assert.equal(first.created, true, first.text);
  assert.match(first.text, /Registered: Max Muster is customer C-/);
  story.survivor = first.id;
  await snap(dealer, 'dealer-registered');

  const again = await registerInShowroom(dealer, { name: 'M. Muster', email: 'MAX.MUSTER@example.de' });
  assert.equal(again.created, false, again.text);
  assert.equal(again.id, story.survivor, 'one person, one record');
  assert.match(again.text, /Already a customer/);

  await dealer.click('#dc-registered a[href^="/customers/"]');
  await until(dealer, () => document.querySelector('#cu-name').textContent === 'Max Muster', null, 'the new customer\'s 360');
  assert.match(await text(dealer, '#cu-profile'), /\+49405550777/);
  assert.match(await text(dealer, '#cu-profile'), /registered in a showroom/);
  assert.match(await text(dealer, '#cu-consents'), /Marketing SMS\s*yes \(showroom/);
});

test('the dealer manager merges a duplicate, and its order shows in the survivor\'s 360', async () => {
  const dealer = pages.dealer;
  await dealer.goto(BASE + '/dealer');
  await dealer.locator('#dc-register').waitFor();
  const duplicate = await registerInShowroom(dealer, { name: 'Max Muster', email: 'm.muster@example.net' });
  assert.equal(duplicate.created, true, duplicate.text);
  assert.notEqual(duplicate.id, story.survivor);

  // An order for the duplicate, from the link of its registration.
  await dealer.click('#dc-registered a[href^="/configurator"]');
  await dealer.waitForURL((u) => u.pathname === '/configurator', { timeout: WAIT });
  assert.equal(await dealer.inputValue('#cfg-customer'), duplicate.id);
  await dealer.selectOption('#cfg-model', 'AURA');
  await until(dealer, () => /€/.test(document.querySelector('#cfg-breakdown tr.grand')?.textContent || '') && !document.querySelector('#cfg-place').disabled, null, 'a valid car');
  await placeOrder(dealer);
  await until(dealer, () => document.querySelector('#cfg-track'), null, 'the order for the duplicate');
  const order = /\/orders\/([0-9a-f-]{36})/.exec(await dealer.getAttribute('#cfg-track', 'href'))[1];

  await dealer.goto(`${BASE}/customers/${story.survivor}`);
  await until(dealer, () => document.querySelector('#cu-name').textContent === 'Max Muster', null, 'the survivor\'s 360');
  assert.equal(await dealer.locator(`#cu-orders a[href="/orders/${order}"]`).count(), 0, 'not its order yet');
  await dealer.fill('#cu-merge-id', duplicate.id);
  await dealer.click('#cu-merge button[type=submit]');
  await dealer.locator('#cu-merge-dialog').waitFor({ state: 'visible' });
  assert.match(await text(dealer, '#cu-merge-dialog h2'), new RegExp(`Merge ${duplicate.id} into this customer`));
  await snap(dealer, 'customer-merge-confirm');
  await dealer.click('#cu-merge-confirm');
  await until(dealer, () => /merged into this customer/.test(document.querySelector('#flash').textContent), null, 'the merge');
  await until(dealer, (o) => document.querySelector(`#cu-orders a[href="/orders/${o}"]`), order, 'the duplicate\'s order in the survivor\'s 360');
  assert.match(await text(dealer, '#cu-profile'), new RegExp(`Also known as\\s*${duplicate.id}`));
  await snap(dealer, 'customer-merged');

  // The duplicate's number answers as the survivor.
  await dealer.goto(`${BASE}/customers/${duplicate.id}`);
  await until(dealer, (id) => document.querySelector('#cu-id').textContent === id, story.survivor, 'the duplicate\'s number to answer as the survivor');
});

test('a customer edits their phone, downloads their data and erases themselves', async () => {
  const person = { name: 'Erika Loeschen', email: 'erika.loeschen@example.de' };
  const signUp = await api('POST', '/api/v1/customers', null, { ...person, phone: '+49 30 5550456', language: 'de',
    market: 'DE', password: PASSWORD, consents: { email: true } });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.json));
  const id = signUp.json.customer_id;
  EMAILS.erika = person.email;
  const page = await open('customer (privacy)');
  // Erika's profile says German; this story reads the pages in English (the switcher's choice).
  await page.addInitScript(() => localStorage.setItem('otd.lang', 'en'));
  await signInAs(page, 'erika');
  assert.equal(new URL(page.url()).pathname, '/orders', 'a customer starts at the orders');
  const profile = page.locator('nav a[data-profile]');
  assert.equal(await profile.isVisible(), true, 'My profile is in the navigation');
  assert.equal(await profile.getAttribute('href'), `/customers/${id}`);
  await profile.click();
  await until(page, (name) => document.querySelector('#cu-name').textContent === name, person.name, 'their own 360');
  assert.equal(await page.getAttribute('nav a[data-profile]', 'aria-current'), 'page');
  assert.equal(await page.locator('#cu-merge-card').isVisible(), false, 'customers do not merge');
  assert.equal(await page.locator('#cu-privacy-card').isVisible(), true);

  // A phone the API refuses: its problem is shown, not swallowed.
  expectedRejections.push({ status: 422, path: `/api/v1/customers/${id}` });
  await page.fill('#cu-edit-phone', 'not a number');
  await page.click('#cu-edit button[type=submit]');
  await until(page, () => document.querySelector('#flash').dataset.kind === 'error', null, 'the refusal');
  assert.match(await text(page, '#flash'), /phone/);

  await page.fill('#cu-edit-phone', '+49 30 5550999');
  await page.click('#cu-edit button[type=submit]');
  await until(page, () => /Saved/.test(document.querySelector('#flash').textContent), null, 'the change');
  await until(page, () => /\+49305550999/.test(document.querySelector('#cu-profile').textContent), null, 'the new phone');
  assert.equal(await page.inputValue('#cu-edit-phone'), '+49305550999');

  const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT }), page.click('#cu-export')]);
  assert.equal(download.suggestedFilename(), `otd-customer-${id}.json`);
  const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(exported.customer.email, person.email);
  assert.equal(exported.customer.phone, '+49305550999');

  await page.click('#cu-erase');
  await page.locator('#cu-erase-dialog').waitFor({ state: 'visible' });
  const warning = await text(page, '#cu-erase-dialog');
  assert.match(warning, /unreadable everywhere/);
  assert.match(warning, /Invoices already issued keep the billing name and address until their legal retention ends/);
  await assertAccessible(page);
  await snap(page, 'customer-erase-confirm');
  await page.click('#cu-erase-confirm');
  await until(page, () => document.querySelector('#cu-name').textContent === 'Erased customer', null, 'the erasure');
  assert.equal(await page.locator('#cu-erased').isVisible(), true);
  const shown = await page.locator('main').innerText();
  assert.ok(!shown.includes(person.name) && !shown.includes(person.email) && !shown.includes('5550999'), 'no personal data left on the page');
  assert.equal(await page.locator('#cu-manage').isVisible(), false, 'an erased customer takes no action');
  await until(page, () => /signed out/.test(document.querySelector('#flash').textContent), null, 'the sign-out');
  assert.equal(await page.evaluate(() => window.OTD.session()), null, 'the tab forgot the session');
  await snap(page, 'customer-erased');
  await page.context().close();
});
test('no console errors on these pages', () => {
  assert.deepEqual(consoleErrors, []);
});
