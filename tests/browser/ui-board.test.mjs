// The dealer board's cards (issue 19, item 7), at a desktop (1280×900) and on a phone
// (390×844): a card's status badge never repeats its column's name (a car at the dealer
// under "At the dealer" says so to screen readers only; a reserved car under "Secured"
// keeps its "Vehicle reserved"), and a "Hand over" the server refuses is said once on the
// page, not twice. axe-core finds no violation with the refusal shown.
//
// Its own data: Hamburg's board (D-HAM-01, a dealer no other file delivers for), white
// TERRAs with leather and 20-inch wheels (a configuration no other file orders) registered
// at Munich for its orders; the clock left alone; nothing left waiting for capacity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE, consoleErrors, expectedRejections, open, until, text, everyAxeViolation, assertAccessible, snap,
  launchBrowser, closeBrowser,
} from './lib.mjs';
import { tokenFor, ok, orderAtDealer, payInFull } from './supply.mjs';

const DEALER = 'D-HAM-01';
const CAR = { market: 'DE', model: 'TERRA', options: ['PNT-WHT', 'WHL-20', 'INT-LEATHER'] };
const WIDTHS = [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]];
const data = {};

before(async () => {
  await launchBrowser();
  data.token = tokenFor('dealer', DEALER);
  data.customer = (await ok('POST', '/api/v1/customers', data.token,
    { name: 'Hanna Hafen', email: 'hanna.hafen@board.example', language: 'de', market: 'DE' })).customer_id;
  const order = (arrive) => orderAtDealer({ dealer: DEALER, dealerToken: data.token, customer: data.customer, car: CAR, from: 'D-MUC-01', arrive });
  // At the dealer, invoiced and not paid: under "At the dealer", whose name its status shares.
  data.waiting = await order(true);
  // Reserved at Munich: under "Secured", with a badge that tells which of its two statuses.
  data.reserved = await order(false);
  // Paid, at the dealer: "Hand over" offered, one per width.
  data.paid = [];
  for (const _ of WIDTHS) {
    const o = await order(true);
    await payInFull(o.invoice);
    data.paid.push(o);
  }
});

after(async () => {
  // Nothing left open or reserved for the files after this one.
  if (data.waiting) await payInFull(data.waiting.invoice);
  if (data.reserved) await ok('POST', `/api/v1/orders/${data.reserved.order}/cancel`, data.token, { reason: 'board test done' });
  await closeBrowser();
});

/** Hamburg's board in a context where axe-core may be injected (its CSP bypassed for that only). */
async function board(name, viewport) {
  const page = await open(`dealer Hamburg (${name})`, viewport, { bypassCSP: true });
  await page.goto(`${BASE}/dealer?token=${data.token}`);
  await until(page, () => document.querySelector('#dl-live').dataset.state === 'live', null, 'the board stream');
  return page;
}

test("a board card's status badge never repeats its column's name, at desktop and phone width", async () => {
  for (const [name, viewport] of WIDTHS) {
    const page = await board(name, viewport);
    const waiting = `.column[data-column="at_dealer"] .order-card[data-order="${data.waiting.order}"]`;
    const reserved = `.column[data-column="allocated"] .order-card[data-order="${data.reserved.order}"]`;
    await until(page, (sels) => sels.every((s) => document.querySelector(s)), [waiting, reserved], `the cards under their columns (${name})`);
    // Every visible badge on every card, against the name of the column it stands in.
    const repeats = await page.$$eval('#dl-board .column', (columns) => columns.flatMap((column) => {
      const title = column.querySelector('h3').firstChild.textContent.trim();
      return Array.from(column.querySelectorAll('.order-card .badge'))
        .filter((b) => b.textContent.trim() === title && b.getClientRects().length > 0)
        .map((b) => `"${title}" on ${b.closest('.order-card').dataset.order}`);
    }));
    assert.deepEqual(repeats, [], `badges repeating their column's name (${name})`);
    assert.equal(await page.locator(`${waiting} .card-head .badge`).count(), 0, `no "At the dealer" badge under "At the dealer" (${name})`);
    assert.match(await text(page, `${waiting} .card-head`), /At the dealer/, 'still said to screen readers');
    assert.equal(await text(page, `${reserved} .card-head .badge`), 'Vehicle reserved', `the badge that tells (${name})`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the board fits ${name} (overflow ${overflow}px)`);
    await assertAccessible(page);
    assert.deepEqual(await everyAxeViolation(page), [], `axe-core on the board (${name})`);
    await snap(page, `board-badges-${name}`);
    await page.context().close();
  }
});

test('a "Hand over" the server refuses is said once on the dealer board, at desktop and phone width', async () => {
  for (const [i, [name, viewport]] of WIDTHS.entries()) {
    const { order } = data.paid[i];
    const page = await board(name, viewport);
    const button = `.order-card[data-order="${order}"] button[data-handover]`;
    await until(page, (sel) => document.querySelector(sel), button, `"Hand over" on the paid order (${name})`);
    // Meanwhile the order is cancelled (the customer withdrew): the server refuses the handover.
    let refusal = null;
    await page.route(`${BASE}/api/v1/orders/${order}/handover`, async (route) => {
      await ok('POST', `/api/v1/orders/${order}/cancel`, data.token, { reason: 'withdrawn at the last minute' });
      const response = await route.fetch();
      refusal = await response.json();
      await route.fulfill({ response });
    });
    expectedRejections.push({ status: 422, path: `/api/v1/orders/${order}/handover` });
    await page.click(button);
    await until(page, () => document.querySelector('#flash').dataset.kind === 'error', null, `the refusal (${name})`);
    assert.equal(refusal && refusal.status, 422, JSON.stringify(refusal));
    const said = await page.evaluate((detail) => document.body.innerText.split(detail).length - 1, refusal.detail);
    assert.equal(said, 1, `"${refusal.detail}" on the page ${said} times (${name}): ${await text(page, '#flash')}`);
    const lines = (await text(page, '#flash')).split('\n').map((l) => l.trim()).filter(Boolean);
    assert.equal(lines.length, 1, `one message (${name}): ${lines}`);
    assert.deepEqual(await everyAxeViolation(page), [], `axe-core with the refusal shown (${name})`);
    await snap(page, `board-handover-refused-${name}`);
    await page.context().close();
  }
  for (const e of expectedRejections) assert.equal(e.seen, 1, `the expected ${e.status} of ${e.path}`);
});

test('no console error on the board', () => {
  assert.deepEqual(consoleErrors, []);
});
