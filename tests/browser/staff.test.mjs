// The staff pages as their people use them (issue 19): the planner finds any
// order by the customer's name, reallocates by the 8-character numbers shown
// (no UUID typed) and reads the locator; the Munich dealer's board and stock
// follow a dispatch and a delay live, count what "Delayed only" shows ("1
// order") and offer "Hand over" only once the invoice is paid; finance
// searches, opens the details where the eye is (focus moves there), sees the
// overpayment refused once and the payment in the paged payments card. Then
// every staff page at 1280 and 390 px: no overflow, every field labelled,
// axe-core without any violation, a screenshot (OTD_UPDATE_DOCS=1 writes
// them to docs/ui/).
//
// Its own data: two showroom customers of Munich (D-MUC-01, a dealer no other
// file uses), TERRA cars at Hamburg; no capacity opened, the clock left alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

import {
  BASE, TOKENS, WAIT, EMAILS, ARTIFACTS, open, staffPage, until, api, text, everyAxeViolation, assertAccessible,
  launchBrowser, closeBrowser, consoleErrors, expectedRejections, signInAs,
} from './lib.mjs';

const DEALER = 'D-MUC-01';
const dealerToken = () => execFileSync(process.env.OTD_BIN_PATH, ['token', '--data', process.env.OTD_DATA_DIR,
  '--role', 'dealer', '--sub', DEALER]).toString().trim();
const short = (id) => String(id).slice(-8);
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const data = {};

async function ok(method, p, token, body) {
  const r = await api(method, p, token, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** A staff member signed in, in a context where axe-core may be injected (CSP bypassed for that only). */
async function signedIn(role, viewport) {
  const page = await open(role, viewport, { bypassCSP: true });
  await signInAs(page, role);
  return page;
}

/** A viewport screenshot of a staff page, kept in the artifacts and, when asked, in docs/ui/. */
async function shoot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `staff-${name}.png`), animations: 'disabled', caret: 'hide', timeout: 90_000 });
  if (process.env.OTD_UPDATE_DOCS === '1') {
    const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../docs/ui');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${name}.png`), animations: 'disabled', caret: 'hide', timeout: 90_000 });
  }
}

before(async () => {
  await launchBrowser();
  data.dealer = dealerToken();
  const person = async (name, email) => (await ok('POST', '/api/v1/customers', data.dealer,
    { name, email, language: 'de', market: 'DE' })).customer_id;
  data.stella = await person('Stella Sternberg', 'stella.sternberg@staff.example');
  data.mats = await person('Mats Mahlberg', 'mats.mahlberg@staff.example');
  const car = { market: 'DE', model: 'TERRA', options: ['PNT-RED'] };
  data.v1 = (await ok('POST', '/api/v1/vehicles', TOKENS.planner, { ...car, location: 'D-HAM-01' })).vehicle_id;
  const order = async (customer) => (await ok('POST', '/api/v1/orders', data.dealer,
    { ...car, dealer_id: DEALER, customer_id: customer })).order_id;
  // Stella's order takes the red TERRA from Hamburg's stock; Mats' waits for one.
  data.a = await order(data.stella);
  data.b = await order(data.mats);
  // A black one nobody ordered: free for the locator.
  data.v2 = (await ok('POST', '/api/v1/vehicles', TOKENS.planner, { market: 'DE', model: 'TERRA', options: ['PNT-BLK'], location: 'D-HAM-01' })).vehicle_id;
  const deadline = Date.now() + WAIT;
  for (;;) {
    // The read model may not hold the order yet (a 404 until it catches up).
    const { json: o } = await api('GET', `/api/v1/orders/${data.a}`, TOKENS.planner);
    if (o && o.fulfilment && o.fulfilment.vehicle_id === data.v1) break;
    assert.ok(Date.now() < deadline, `order A never got the red TERRA: ${JSON.stringify(o)}`);
    await new Promise((r) => setImmediate(r));
  }
});

after(async () => {
  // Nothing left waiting for capacity other files open.
  await api('POST', `/api/v1/orders/${data.a}/cancel`, TOKENS.planner, { reason: 'staff test done' });
  await closeBrowser();
});

/** The planner's search by name and the locator, read the same at every width. */
async function plannerFinds(planner) {
  await until(planner, () => document.querySelector('#pl-orders-range'), null, 'the orders list');
  // Empty states say what to do: no match for a search; no capacity until a week is opened.
  await planner.fill('#pl-orders-q', 'nobody-at-all');
  await planner.click('#pl-orders-search button[type=submit]');
  await until(planner, () => /^No order matches “nobody-at-all”\.$/.test(document.querySelector('#pl-orders-range').textContent), null, 'the empty search');
  if (await planner.locator('#pl-capacity-empty').count()) {
    assert.match(await text(planner, '#pl-capacity-empty'), /No capacity yet: open a week below/);
  }
  await planner.fill('#pl-orders-q', 'mahlberg');
  await planner.click('#pl-orders-search button[type=submit]');
  const row = `#pl-orders tr[data-order="${data.b}"]`;
  await until(planner, (sel) => document.querySelector(sel) && document.querySelectorAll('#pl-orders tbody tr').length === 1, row, "Mats' order alone");
  const words = await text(planner, row);
  assert.match(words, /Mats Mahlberg/);
  assert.match(words, /Terra \(SUV\) · .*Volcano red/);
  assert.match(words, /Munich/);
  assert.ok(words.includes(short(data.b)), 'the number shown is the id\'s end');
  assert.ok(!words.includes(data.b), 'no UUID on the page');
  assert.match(await text(planner, '#pl-orders-range'), /^1–1 of 1 order$/);

  // The locator: vehicle, status and match filled; "Reallocate…" fills the form with the id.
  await planner.selectOption('#pl-loc-market', 'DE');
  await planner.selectOption('#pl-loc-model', 'TERRA');
  await planner.click('#pl-locate button[type=submit]');
  const located = `#pl-locate-result tr[data-vehicle="${data.v2}"]`;
  await until(planner, (sel) => document.querySelector(sel), located, 'the black TERRA among the candidates');
  const cells = await planner.locator(`${located} td`).allInnerTexts();
  assert.equal(cells[0], short(data.v2));
  assert.match(cells[1], /Hamburg/);
  assert.equal(cells[2], 'Free');
  assert.match(cells[3], /^(Exact|Near)$/);
  assert.ok(!cells.join(' ').includes('undefined'));
  await planner.click(`${located} button:has-text("Reallocate")`);
  assert.equal(await planner.inputValue('#pl-realloc-vehicle'), data.v2);
}

/** A typed number that names no order: the page says so, no UUID asked for. */
async function unknownNumber(planner) {
  await planner.fill('#pl-realloc-order', 'ffffffff');
  await planner.click('#pl-reallocate button[type=submit]');
  await until(planner, () => /No order ffffffff found/.test(document.querySelector('#flash').textContent), null, 'the unknown number');
}

test('the planner finds any order by name and reallocates by the numbers shown; the locator is filled in', async () => {
  // At phone width first (nothing changed), then at a desktop, where the reallocation is made.
  const phone = await staffPage('planner (phone)', EMAILS.planner, PHONE);
  await plannerFinds(phone);
  await unknownNumber(phone);
  await phone.context().close();
  const planner = await staffPage('planner', EMAILS.planner, DESKTOP);
  await plannerFinds(planner);

  // Typed: the 8 characters shown, for the order and the vehicle.
  await planner.fill('#pl-realloc-order', short(data.b));
  await planner.fill('#pl-realloc-vehicle', short(data.v1));
  await planner.click('#pl-reallocate button[type=submit]');
  await until(planner, () => /now serves order/.test(document.querySelector('#flash').textContent), null, 'the reallocation');
  assert.match(await text(planner, '#flash'), new RegExp(`order ${short(data.b)}.*order ${short(data.a)} goes back`));
  const b = await ok('GET', `/api/v1/orders/${data.b}`, TOKENS.planner);
  assert.equal(b.fulfilment.vehicle_id, data.v1);

  // A number that names nothing says so, without a request for a UUID.
  await unknownNumber(planner);
  await planner.context().close();
});

test("the Munich board and stock follow a dispatch and a delay live; counts, plural, hand over only once paid", async () => {
  const dealer = await open('dealer Munich', DESKTOP);
  data.dealerRequests = [];
  dealer.on('request', (r) => data.dealerRequests.push(r.url()));
  await dealer.goto(`${BASE}/dealer?token=${data.dealer}`);
  await until(dealer, () => document.querySelector('#dl-live').dataset.state === 'live', null, 'the board stream');
  // The same board at phone width, open beside it: it follows the same changes live.
  const phone = await open('dealer Munich (phone)', PHONE);
  await phone.goto(`${BASE}/dealer?token=${data.dealer}`);
  await until(phone, () => document.querySelector('#dl-live').dataset.state === 'live', null, 'the board stream (phone)');
  await until(dealer, (id) => document.querySelector(`.order-card[data-order="${id}"]`), data.b, "Mats' card");
  const card = await text(dealer, `.order-card[data-order="${data.b}"]`);
  assert.match(card, /Mats Mahlberg · Terra \(SUV\)/);
  assert.match(await text(dealer, '#dl-count'), /^\d+ orders$/);
  assert.equal(await dealer.locator('#dl-stock-empty').isVisible(), true, 'nothing at or bound for Munich yet');

  // Dispatched and delayed by the planner: the card and the stock row follow, no reload.
  await ok('POST', `/api/v1/vehicles/${data.v1}/dispatch`, TOKENS.planner);
  const stockRow = `#dl-stock tr[data-vehicle="${data.v1}"]`;
  await until(dealer, (sel) => document.querySelector(sel), stockRow, 'the car coming in, in the stock table');
  assert.match(await text(dealer, stockRow), /Terra \(SUV\) · .*Volcano red/);
  assert.equal(await dealer.locator(`.column[data-column="in_transit"] .order-card[data-order="${data.b}"]`).count(), 1);
  assert.equal(await dealer.locator(`.column[data-column="in_transit"] .order-card[data-order="${data.b}"] .badge`).count(), 0,
    'a one-status column does not repeat its name on the card');
  await ok('POST', `/api/v1/vehicles/${data.v1}/delay`, TOKENS.planner, { reason: 'ferry cancelled', new_eta: '2026-11-20' });
  await until(dealer, (sel) => /ferry cancelled/.test(document.querySelector(sel)?.textContent || ''), stockRow, 'the delay in the stock row');
  await until(dealer, (id) => document.querySelector(`.order-card[data-order="${id}"]`)?.classList.contains('delayed'), data.b, 'the delayed card');
  for (const page of [dealer, phone]) {
    await until(page, (sel) => /ferry cancelled/.test(document.querySelector(sel)?.textContent || ''), stockRow, 'the delay in the stock row');
    await until(page, (id) => document.querySelector(`.order-card[data-order="${id}"]`)?.classList.contains('delayed'), data.b, 'the delayed card');
    await page.check('#dl-delayed-only');
    assert.equal(await text(page, '#dl-count'), '1 order');
    await page.uncheck('#dl-delayed-only');
  }

  // A car reserved while already on its way here sits under "In transit", saying it is reserved.
  await ok('POST', `/api/v1/vehicles/${data.v2}/dispatch`, TOKENS.planner, { to_location: DEALER });
  data.c = (await ok('POST', '/api/v1/orders', data.dealer,
    { market: 'DE', model: 'TERRA', options: ['PNT-BLK'], dealer_id: DEALER, customer_id: data.stella })).order_id;
  const reserved = `.column[data-column="in_transit"] .order-card[data-order="${data.c}"]`;
  await until(dealer, (sel) => document.querySelector(sel), reserved, 'the car reserved on the road, under In transit');
  assert.equal(await text(dealer, `${reserved} .badge`), 'Vehicle reserved');

  // Arrived: invoiced, not paid, so no "Hand over" yet, and the card says why.
  await ok('POST', `/api/v1/vehicles/${data.v1}/arrive`, TOKENS.planner);
  const waits = `.order-card[data-order="${data.b}"] [data-handover-waits]`;
  for (const page of [dealer, phone]) {
    await until(page, (sel) => /once the invoice is paid/.test(document.querySelector(sel)?.textContent || ''), waits, 'the card at the dealer, invoiced');
    assert.equal(await page.locator(`.order-card[data-order="${data.b}"] button[data-handover]`).count(), 0);
    assert.equal(await page.locator(`.column[data-column="in_transit"] .order-card[data-order="${data.c}"]`).count(), 1, 'reserved on the road: In transit');
    // Badges wrap inside the card, never cut off.
    const cut = await page.$$eval('.order-card .badge', (bs) => bs.filter((b) => b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().right > b.closest('.order-card').getBoundingClientRect().right + 1).map((b) => b.textContent));
    assert.deepEqual(cut, [], 'no badge cut off');
  }
  data.dealerPage = dealer;
  data.dealerPhone = phone;
});

test('finance searches, opens the details where the eye is, is refused an overpayment once, and pages the payments', async () => {
  // At phone width: the search, the details in view with the focus, one message for an overpayment.
  expectedRejections.push({ status: 422, path: '/payments', times: 2 });
  const small = await signedIn('finance', PHONE);
  await until(small, () => document.querySelector('#fi-invoices tbody tr'), null, 'the invoices (phone)');
  await small.fill('#fi-q', 'Mahlberg');
  await small.click('#fi-search button[type=submit]');
  await until(small, () => document.querySelectorAll('#fi-invoices tbody tr').length === 1
    && /Mats Mahlberg/.test(document.querySelector('#fi-invoices tbody tr').textContent), null, "Mats' invoice alone (phone)");
  await small.click('#fi-invoices tbody tr button:has-text("Details")');
  await until(small, () => document.activeElement && document.activeElement.id === 'detail-title', null, 'the focus on the details (phone)');
  const smallBox = await small.locator('#fi-detail-card').boundingBox();
  assert.ok(smallBox.y >= -1 && smallBox.y < 844, `the details are in view on a phone (top at ${smallBox.y})`);
  await until(small, () => !document.querySelector('#fi-pay').hidden && document.querySelector('#fi-pay-amount').value, null, 'the payment form (phone)');
  // An open invoice shown (its badge, its part of the status bar): readable, no axe violation.
  assert.deepEqual(await everyAxeViolation(small), [], 'axe-core on finance with an open invoice (phone)');
  // Typed the German way ("57.953,00"): read as that amount, so the API refuses the overpayment.
  const tooMuch = new Intl.NumberFormat('de-DE', { minimumFractionDigits: 2 }).format(Number(await small.inputValue('#fi-pay-amount')) + 1000);
  await small.fill('#fi-pay-amount', tooMuch);
  await small.click('#fi-pay button[type=submit]');
  await until(small, () => document.querySelector('#flash').dataset.kind === 'error', null, 'the overpayment refused (phone)');
  const once = (await text(small, '#flash')).split('\n').map((l) => l.trim()).filter(Boolean);
  assert.equal(once.length, 1, `one message: ${once}`);
  assert.doesNotMatch(once[0], /Enter the amount/, 'the amount was read, the API refused it');
  await small.context().close();

  const finance = await signedIn('finance', DESKTOP);
  await until(finance, () => document.querySelector('#fi-invoices tbody tr'), null, 'the invoices');
  await finance.fill('#fi-q', 'Mahlberg');
  await finance.click('#fi-search button[type=submit]');
  await until(finance, () => document.querySelectorAll('#fi-invoices tbody tr').length === 1
    && /Mats Mahlberg/.test(document.querySelector('#fi-invoices tbody tr').textContent), null, "Mats' invoice alone");
  assert.match(await text(finance, '#fi-pager'), /^1–1 of 1 invoice$/);
  assert.match(await text(finance, '#fi-totals'), /Total: gross €[\d,]+\.\d\d, outstanding €[\d,]+\.\d\d/);
  const number = await finance.locator('#fi-invoices tbody tr').getAttribute('data-invoice');
  await finance.selectOption('#fi-market', 'CN');
  await finance.click('#fi-search button[type=submit]');
  await until(finance, () => !document.querySelector('#fi-empty').hidden, null, 'no Chinese invoice of Mats');
  await finance.selectOption('#fi-market', '');
  await finance.click('#fi-search button[type=submit]');
  await until(finance, () => document.querySelectorAll('#fi-invoices tbody tr').length === 1, null, 'the invoice again');

  await finance.click(`#fi-invoices tr[data-invoice="${number}"] button:has-text("Details")`);
  await until(finance, () => document.activeElement && document.activeElement.id === 'detail-title', null, 'the focus on the details');
  const box = await finance.locator('#fi-detail-card').boundingBox();
  assert.ok(box.y >= -1 && box.y < 900, `the details are in view (top at ${box.y})`);
  await until(finance, () => !document.querySelector('#fi-pay').hidden && document.querySelector('#fi-pay-amount').value, null, 'the payment form');
  const due = await finance.inputValue('#fi-pay-amount');
  assert.deepEqual(await everyAxeViolation(finance), [], 'axe-core on finance with an open invoice');

  // Too much: refused, and said once.
  await finance.fill('#fi-pay-amount', String(Number(due) + 1000));
  await finance.click('#fi-pay button[type=submit]');
  await until(finance, () => document.querySelector('#flash').dataset.kind === 'error', null, 'the overpayment refused');
  const flash = await text(finance, '#flash');
  const sentences = flash.split('\n').map((l) => l.trim()).filter(Boolean);
  assert.equal(new Set(sentences).size, sentences.length, `said once: ${flash}`);
  assert.equal(sentences.length, 1, `one message: ${flash}`);

  // Typed the English way with its grouping ("56,953.00"): the exact amount due.
  await finance.fill('#fi-pay-amount', new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2 }).format(Number(due)));
  await finance.click('#fi-pay button[type=submit]');
  await until(finance, () => /recorded/.test(document.querySelector('#flash').textContent), null, 'the payment');
  assert.match(await text(finance, '#flash'), /: paid, outstanding €0\.00/);
  await until(finance, (n) => document.querySelector('#fi-payments tbody tr th')?.textContent === n, number, 'the newest payment first');
  assert.ok(await finance.locator('#fi-payments tbody tr').count() <= 10, 'the payments card is paged');
  await finance.context().close();

  // Paid: the dealer may hand over now.
  const dealer = data.dealerPage;
  await until(dealer, (id) => document.querySelector(`.order-card[data-order="${id}"] button[data-handover]`), data.b, 'the handover button once paid');
  await dealer.click(`.order-card[data-order="${data.b}"] button[data-handover]`);
  await until(dealer, (id) => document.querySelector(`.order-card[data-order="${id}"]`)?.dataset.status === 'delivered', data.b, 'the car handed over');
  await until(data.dealerPhone, (id) => document.querySelector(`.column[data-column="delivered"] .order-card[data-order="${id}"]`), data.b, 'delivered, live, on the phone');
  await data.dealerPhone.context().close();
  // Live, under "Delivered", whose cards the page pages through the orders list: the board
  // itself is read without its delivered orders.
  assert.equal(await dealer.locator(`.column[data-column="delivered"] .order-card[data-order="${data.b}"]`).count(), 1);
  assert.equal(await text(dealer, '.column[data-column="delivered"] h3 .count'), '1');
  const boards = data.dealerRequests.filter((u) => u.includes(`/api/v1/dealers/${DEALER}/board?`));
  assert.ok(boards.length > 0 && boards.every((u) => u.includes('except_status=delivered')), `the board without delivered orders: ${boards}`);
  const pages = data.dealerRequests.map((u) => new URL(u)).filter((u) => u.pathname === '/api/v1/orders');
  assert.ok(pages.some((u) => u.searchParams.get('status') === 'delivered' && u.searchParams.get('dealer_id') === DEALER
    && u.searchParams.get('limit') === '10'), `the delivered orders paged by the API: ${pages}`);
  await dealer.context().close();
});

test('finance totals cover every invoice of the search, not only the page', async () => {
  const all = await ok('GET', '/api/v1/invoices', TOKENS.finance);
  assert.ok(all.length >= 2, `invoices of this run: ${all.length}`);
  const sums = {};
  for (const i of all) sums[i.gross.currency] = (sums[i.gross.currency] || 0) + i.gross.amount_minor;
  const expected = Object.entries(sums).map(([currency, minor]) =>
    new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(minor / 100));
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const finance = await open(`finance one a page (${name})`, viewport);
    // Pages of one invoice: the totals must still be those of every invoice.
    await finance.route((u) => u.pathname === '/api/v1/invoices' && u.searchParams.get('limit') === '20', (route) => {
      const u = new URL(route.request().url());
      u.searchParams.set('limit', '1');
      return route.continue({ url: u.toString() });
    });
    await signInAs(finance, 'finance');
    await until(finance, () => document.querySelectorAll('#fi-invoices tbody tr').length === 1 && document.querySelector('#fi-totals').textContent, null, 'a page of one');
    assert.match(await text(finance, "#fi-pager p"), new RegExp(`^1–1 of ${all.length} invoices$`));
    const totals = await text(finance, '#fi-totals');
    for (const amount of expected) assert.ok(totals.includes(amount), `${amount} in "${totals}"`);
    await finance.context().close();
  }
});

test('every staff page at desktop and phone width: no overflow, labelled, no axe violation, a screenshot', async () => {
  const pagesToCheck = [
    ['dealer', async (viewport) => {
      const p = await open('dealer Munich', viewport, { bypassCSP: true });
      await p.goto(`${BASE}/dealer?token=${data.dealer}`);
      await until(p, (id) => document.querySelector(`.order-card[data-order="${id}"]`), data.b, 'the board');
      await until(p, () => document.querySelector('#dl-stock tbody tr') || !document.querySelector('#dl-stock-empty').hidden, null, 'the stock');
      return p;
    }],
    ['planner', async (viewport) => {
      const p = await signedIn('planner', viewport);
      await until(p, () => document.querySelector('#pl-orders tbody tr') && document.querySelector('#pl-capacity figure'), null, 'the planner page');
      return p;
    }],
    ['finance', async (viewport) => {
      const p = await signedIn('finance', viewport);
      await until(p, () => document.querySelector('#fi-invoices tbody tr') && document.querySelector('#fi-payments tbody tr'), null, 'the finance page');
      return p;
    }],
  ];
  const problems = [];
  for (const [name, openPage] of pagesToCheck) {
    for (const [width, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      const page = await openPage(viewport);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) problems.push(`${name} ${width}: ${overflow}px wider than the screen`);
      await assertAccessible(page);
      for (const v of await everyAxeViolation(page)) problems.push(`${name} ${width}: ${v}`);
      await shoot(page, `${name}-${width}`);
      await page.context().close();
    }
  }
  assert.deepEqual(problems, []);
});

test('no console error on the staff pages', () => {
  assert.deepEqual(consoleErrors, []);
  for (const e of expectedRejections) assert.equal(e.seen, e.times || 1, `the expected ${e.status} of ${e.path}`);
});
