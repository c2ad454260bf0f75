// Finance's "payments received" card pages (issue 19, item 6): 10 invoices with a payment
// a page, newest first, with Next and Previous, at a desktop (1280×900) and on a phone
// (390×844); each page holds what the API's own paging gives (`paid=true`,
// `newest_first`, `limit`, `offset`); axe-core finds no violation on either page.
//
// Its own data: eleven red TERRAs with leather and 20-inch wheels (a configuration no other
// file orders) registered at Munich, ordered for Hamburg (D-HAM-01), brought there and paid
// in full, so that there are more than ten invoices with a payment whatever ran before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE, TOKENS, consoleErrors, open, signInAs, until, text, everyAxeViolation, assertAccessible, snap,
  launchBrowser, closeBrowser,
} from './lib.mjs';
import { tokenFor, ok, orderAtDealer, payInFull } from './supply.mjs';

const DEALER = 'D-HAM-01';
const CAR = { market: 'DE', model: 'TERRA', options: ['PNT-RED', 'WHL-20', 'INT-LEATHER'] };
const WIDTHS = [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]];
const PAGE = 10;
// The log position of the last payment made here: the API's pages are read at least there.
let position = null;

before(async () => {
  await launchBrowser();
  const token = tokenFor('dealer', DEALER);
  const customer = (await ok('POST', '/api/v1/customers', token,
    { name: 'Paul Zahler', email: 'paul.zahler@payments.example', language: 'de', market: 'DE' })).customer_id;
  for (let i = 0; i < PAGE + 1; i++) {
    const { invoice } = await orderAtDealer({ dealer: DEALER, dealerToken: token, customer, car: CAR, from: 'D-MUC-01' });
    position = (await payInFull(invoice)).position;
  }
});

after(closeBrowser);

/** One page of the payments as the API pages them: the invoice numbers and the total. */
async function apiPage(offset) {
  const q = new URLSearchParams({ paid: 'true', newest_first: 'true', limit: String(PAGE), offset: String(offset),
    min_position: String(position) });
  const res = await fetch(`${BASE}/api/v1/invoices?${q}`, { headers: { authorization: `Bearer ${TOKENS.finance}` } });
  assert.equal(res.status, 200);
  return { numbers: (await res.json()).map((i) => i.number), total: Number(res.headers.get('x-total-count')) };
}

const shown = (page) => page.$$eval('#fi-payments tbody tr th', (ths) => ths.map((th) => th.textContent));

test('finance pages the payments received, 10 a page, with Next and Previous, at desktop and phone width', async () => {
  const first = await apiPage(0);
  const second = await apiPage(PAGE);
  assert.ok(first.total > PAGE, `more than one page of payments: ${first.total}`);
  assert.equal(first.numbers.length, PAGE);
  assert.equal(second.total, first.total, 'the same total on both pages');
  assert.equal(second.numbers.length, Math.min(PAGE, first.total - PAGE));
  for (const [name, viewport] of WIDTHS) {
    const page = await open(`finance (${name})`, viewport, { bypassCSP: true });
    await signInAs(page, 'finance');
    await until(page, (n) => document.querySelectorAll('#fi-payments tbody tr').length === n, PAGE, `the first page of payments (${name})`);
    assert.deepEqual(await shown(page), first.numbers, `the newest ${PAGE} first (${name})`);
    const pager = '#fi-payments-pager';
    assert.equal(await text(page, `${pager} p`), `1–${PAGE} of ${first.total} invoices with payments`);
    assert.equal(await page.locator(`${pager} button[data-page="previous"]`).count(), 0, 'no Previous on the first page');

    await page.click(`${pager} button[data-page="next"]`);
    await until(page, (n) => document.querySelector('#fi-payments tbody tr th')?.textContent === n, second.numbers[0], `the second page (${name})`);
    assert.deepEqual(await shown(page), second.numbers, `the next ${PAGE} (${name})`);
    assert.equal(await text(page, `${pager} p`), `${PAGE + 1}–${PAGE + second.numbers.length} of ${first.total} invoices with payments`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `finance fits ${name} (overflow ${overflow}px)`);
    await assertAccessible(page);
    assert.deepEqual(await everyAxeViolation(page), [], `axe-core on the second page of payments (${name})`);
    await snap(page, `finance-payments-page-2-${name}`);

    await page.click(`${pager} button[data-page="previous"]`);
    await until(page, (n) => document.querySelector('#fi-payments tbody tr th')?.textContent === n, first.numbers[0], `the first page again (${name})`);
    assert.deepEqual(await shown(page), first.numbers);
    await page.context().close();
  }
});

test('no console error on the payments pages', () => {
  assert.deepEqual(consoleErrors, []);
});
