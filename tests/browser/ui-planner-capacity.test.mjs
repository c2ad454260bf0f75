// The planner's capacity card on an empty state (issue 19, item 9: empty states say what
// to do), at a desktop (1280×900) and on a phone (390×844), whatever other files opened on
// the shared server: the capacity the page reads is answered by the test (no week open at
// any plant; then one week open at Leipzig), so "No capacity yet: open a week below" is
// checked shown when nothing is open and gone as soon as a week is; on the real server the
// hint is shown exactly when the API has no capacity in the weeks the page reads. axe-core
// finds no violation with the hint shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  TOKENS, consoleErrors, open, signInAs, until, text, everyAxeViolation, assertAccessible, snap, api,
  launchBrowser, closeBrowser,
} from './lib.mjs';

const WIDTHS = [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]];
const HINT = /^No capacity yet: open a week below \("Open capacity"\); waiting orders are booked into it by themselves\.$/;
const CAPACITY = /^\/api\/v1\/plants\/([^/]+)\/capacity$/;

before(launchBrowser);
after(closeBrowser);

/**
 * The planner's page, its capacity reads answered by `answer(plant, from)` (null: the
 * server's own); resolves with the page and the capacity addresses it read.
 */
async function planner(name, viewport, answer) {
  const page = await open(`planner (${name})`, viewport, { bypassCSP: true });
  const reads = [];
  await page.route((u) => CAPACITY.test(u.pathname), (route) => {
    const u = new URL(route.request().url());
    reads.push(u.pathname + u.search);
    const weeks = answer && answer(CAPACITY.exec(u.pathname)[1], u.searchParams.get('from'));
    return weeks ? route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(weeks) }) : route.continue();
  });
  await signInAs(page, 'planner');
  await until(page, () => document.querySelectorAll('#pl-capacity figure').length > 0, null, `the capacity card (${name})`);
  return { page, reads };
}

test('the planner\'s capacity says what to do when no week is open, and not once one is, at desktop and phone width', async () => {
  for (const [name, viewport] of WIDTHS) {
    // A fresh state: no plant has a week open.
    const empty = await planner(name, viewport, () => []);
    assert.ok(empty.reads.length > 0, 'the capacity was read');
    assert.equal(await empty.page.locator('#pl-capacity-empty').isVisible(), true, `the hint on an empty state (${name})`);
    assert.match(await text(empty.page, '#pl-capacity-empty'), HINT);
    const overflow = await empty.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the planner fits ${name} (overflow ${overflow}px)`);
    await assertAccessible(empty.page);
    assert.deepEqual(await everyAxeViolation(empty.page), [], `axe-core with the hint shown (${name})`);
    await snap(empty.page, `planner-capacity-empty-${name}`);
    await empty.page.context().close();

    // One week open at one plant: the hint goes, the bar is drawn.
    const one = await planner(name, viewport, (plant, from) => (plant === 'P-LEIPZIG'
      ? [{ week: from, capacity: 5, booked: 1, frozen: false, production_started: false }] : []));
    await until(one.page, () => document.querySelector('#pl-capacity figure[data-plant="P-LEIPZIG"][data-opened="true"]'), null, `Leipzig's open week (${name})`);
    assert.equal(await one.page.locator('#pl-capacity-empty').count(), 0, `no hint once a week is open (${name})`);
    await one.page.context().close();
  }
});

test('on the real server the hint is shown exactly when no plant has capacity in the weeks the page reads', async () => {
  const { page, reads } = await planner('desktop, the server\'s capacity', WIDTHS[0][1], null);
  let open = false;
  for (const read of new Set(reads.map((r) => r.replace(/[?&]min_position=[^&]*/, '')))) {
    const r = await api('GET', read, TOKENS.planner);
    assert.equal(r.status, 200, `${read}: ${JSON.stringify(r.json)}`);
    if (r.json.some((w) => w.capacity > 0)) open = true;
  }
  assert.equal(await page.locator('#pl-capacity-empty').count(), open ? 0 : 1, `capacity open on the server: ${open}`);
  await page.context().close();
});

test('no console error on the planner\'s capacity', () => {
  assert.deepEqual(consoleErrors, []);
});
