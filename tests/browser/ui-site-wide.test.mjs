// Every page of the web UI (real Chromium, real `otd serve`; run.sh), with the data the
// earlier parts of the story left (ui-delivery, ui-leads, ui-people): each at phone width
// without overflow and with labelled fields; the live board stops when its token expires;
// axe-core finds no serious or critical violation on any page for any role; the
// screenshots of the start, sign-in, verification, leads, lead and calendar pages for
// docs/ui.md; and no page logs a console error.
//
// Waiting is always on a condition with a deadline, never a sleep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { copyFile } from 'node:fs/promises';

import {
  BASE,
  TOKENS,
  ARTIFACTS,
  EMAILS,
  pages,
  consoleErrors,
  open,
  signInAs,
  snap,
  until,
  text,
  assertAccessible,
  staffPage,
  axeViolations,
  launchBrowser,
  closeBrowser,
  loadStory,
  customerToken,
} from './lib.mjs';

const story = {};

before(async () => {
  await launchBrowser();
  Object.assign(story, await loadStory('delivery'), await loadStory('leads'), await loadStory('people'));
  await customerToken();
});

after(closeBrowser);

test('every page works at phone width with labelled fields', async () => {
  const cases = [
    ['anonymous', null, '/configurator', '#cfg-breakdown tr.grand'],
    ['customer', 'customer', '/orders', '#orders tbody tr'],
    ['customer', 'customer', `/orders/${story.order}`, '#trk-history li'],
    ['dealer', 'dealer', '/dealer', '#dl-board .order-card'],
    ['planner', 'planner', '/planner', '#pl-capacity svg'],
    ['finance', 'finance', '/finance', '#fi-invoices tbody tr'],
    ['customer', 'customer', `/customers/${story.customer}`, '#cu-orders tbody tr'],
    ['dealer', 'dealer', `/customers/${story.survivor}`, '#cu-edit-card:not([hidden])'],
  ];
  for (const [who, role, p, ready] of cases) {
    const page = await open(`${who} (phone)`, { width: 390, height: 844 });
    await page.goto(role ? `${BASE}${p}?token=${TOKENS[role]}` : BASE + p);
    await until(page, (sel) => document.querySelector(sel), ready, `${p} to show its data`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${p} fits the phone's width (overflow ${overflow}px)`);
    await assertAccessible(page);
    await snap(page, `phone-${p.split('/')[1] || 'start'}${p.split('/')[2] ? `-${who}-one` : ''}`);
    await page.context().close();
  }
});

test('the live board stops when its token expires and asks to sign in again', async () => {
  // A dealer token that lives a few seconds, made now (run.sh says where otd and its data are).
  const short = execFileSync(process.env.OTD_BIN_PATH, ['token', '--data', process.env.OTD_DATA_DIR,
    '--role', 'dealer', '--sub', 'D-BER-01', '--ttl', '5s']).toString().trim();
  const page = await open('dealer (short token)');
  let streams = 0;
  page.on('request', (req) => { if (req.url().includes('/board/stream')) streams += 1; });
  await page.goto(`${BASE}/dealer?token=${short}`);
  await until(page, () => document.querySelector('#dl-live').dataset.state === 'live', null, 'the board stream to connect');
  await until(page, () => document.querySelector('#dl-live').dataset.state === 'off', null, 'the stream to end with the token');
  assert.match(await text(page, '#dl-live'), /sign in again/);
  assert.match(await text(page, '#flash'), /Live updates stopped: the token expired/);
  // EventSource would retry after about 3 s: it was closed instead.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  assert.equal(streams, 1, 'no reconnect with the expired token');
  await snap(page, 'dealer-token-expired');
  await page.context().close();
});


test('axe-core finds no serious or critical violation on any page, for any role', async () => {
  // Each role signs in through /sign-in (the customer with the story's account); the
  // context bypasses the pages' Content-Security-Policy only so that axe can be injected.
  const cases = {
    anonymous: [['/', '#signin-token'], ['/sign-in', '#account-email'], ['/configurator', '#cfg-breakdown tr.grand'],
      ['/verify-email', '#verify-status:not(:empty)'], ['/orders', '#gate:not([hidden])']],
    customer: [['/orders', '#orders tbody tr'], [`/orders/${story.order}`, '#trk-history li'],
      [`/customers/${story.customer}`, '#cu-orders tbody tr'], ['/configurator', '#cfg-breakdown tr.grand']],
    dealer: [['/dealer', '#dl-board .order-card'], ['/orders', '#orders tbody tr'],
      [`/customers/${story.survivor}`, '#cu-merge-card:not([hidden])']],
    planner: [['/planner', '#pl-capacity svg'], [`/customers/${story.customer}`, '#cu-orders tbody tr']],
    finance: [['/finance', '#fi-invoices tbody tr'], [`/orders/${story.order}`, '#trk-history li']],
    admin: [['/', '#signed-in:not([hidden])'], [`/customers/${story.survivor}`, '#cu-privacy-card:not([hidden])']],
  };
  const found = [];
  for (const [role, visits] of Object.entries(cases)) {
    const page = await open(`${role} (axe)`, null, { bypassCSP: true });
    if (role !== 'anonymous') await signInAs(page, role);
    for (const [p, ready] of visits) {
      await page.goto(BASE + p);
      await until(page, (sel) => document.querySelector(sel), ready, `${p} to show its data for axe`);
      for (const line of await axeViolations(page)) found.push(`${role} ${p}: ${line}`);
    }
    await page.context().close();
  }
  assert.deepEqual(found, [], `axe-core:\n${found.join('\n')}`);
});

test('the start, sign-in, e-mail verification, leads, lead and showroom calendar pages: screenshots for docs/ui.md', async () => {
  const cases = [
    ['start', null, '/', '#signin-token'],
    ['sign-in', null, '/sign-in', '#account-email'],
    ['verify-email', null, '/verify-email', '#verify-status:not(:empty)'],
    ['leads', EMAILS.dealer, '/leads', '#kp-tiles'],
    ['lead', EMAILS.dealer, `/leads/${story.lead}`, '#lc-list li'],
    ['test-drives', EMAILS.dealer, `/test-drives?date=${story.driveDay}`, '#td-grid td[data-state="booked"]'],
  ];
  for (const [name, email, p, ready] of cases) {
    for (const [width, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
      const page = email ? await staffPage(`${name} (${width})`, email, viewport) : await open(`${name} (${width})`, viewport);
      await page.goto(BASE + p);
      await until(page, (sel) => document.querySelector(sel), ready, `${p} at ${width}`);
      const file = path.join(ARTIFACTS, `page-${name}-${width}.png`);
      await page.screenshot({ path: file, animations: 'disabled', caret: 'hide', timeout: 90_000 });
      if (process.env.OTD_UPDATE_DOCS === '1') {
        await copyFile(file, path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'docs', 'ui', `${name}-${width}.png`));
      }
      await page.context().close();
    }
  }
});


test('no console errors on these pages', () => {
  assert.deepEqual(consoleErrors, []);
});
