// The tracker in Chinese (issue 19, items 1 and 5; the language of the customer-facing
// pages): a customer whose profile says zh opens /orders/{id} at a desktop (1280×900) and on
// a phone (390×844); the ETA and the history's sentences are written in Chinese from
// i18n-zh.js ("预计到达{dealer}，日期", "已预留位于{location}的车辆；预计{eta}到达经销商"),
// dates the Chinese way, no English sentence left; axe-core finds no violation.
//
// Its own data: a Chinese customer (signed up, e-mail verified), a red AURA of the Chinese
// market registered at Beijing and ordered online for delivery at Shanghai (it takes that
// car: reserved, on its way to come); no other file orders in China.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  TOKENS, PASSWORD, EMAILS, consoleErrors, open, signInAs, until, text, everyAxeViolation, assertAccessible, snap, api,
  launchBrowser, closeBrowser,
} from './lib.mjs';
import { ok, eventually } from './supply.mjs';

const WIDTHS = [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]];
const CAR = { market: 'CN', model: 'AURA', options: ['PNT-RED'] };
const data = {};

before(async () => {
  await launchBrowser();
  const person = { name: '李伟', email: 'li.wei@tracker-zh.example' };
  const signUp = await ok('POST', '/api/v1/customers', null,
    { ...person, language: 'zh', market: 'CN', password: PASSWORD, consents: {} });
  const code = new URL(signUp.verification_link, 'http://x').searchParams.get('code');
  await ok('POST', '/api/v1/customers/verify', null, { token: code });
  EMAILS.li = person.email;
  const token = (await ok('POST', '/api/v1/sessions', null, { email: person.email, password: PASSWORD })).token;
  data.vehicle = (await ok('POST', '/api/v1/vehicles', TOKENS.planner, { ...CAR, location: 'D-BJS-01' })).vehicle_id;
  data.order = (await ok('POST', '/api/v1/orders', token, { ...CAR, dealer_id: 'D-SHA-01' })).order_id;
  await eventually(() => api('GET', `/api/v1/orders/${data.order}`, token),
    (r) => r.json && r.json.fulfilment && r.json.fulfilment.vehicle_id === data.vehicle && r.json.eta, 'the order to take the car at Beijing');
});

after(closeBrowser);

test('a Chinese customer reads the tracker\'s ETA and history sentences in Chinese, at desktop and phone width', async () => {
  for (const [name, viewport] of WIDTHS) {
    const page = await open(`customer zh (${name})`, viewport, { bypassCSP: true, locale: 'zh-CN' });
    await signInAs(page, 'li');
    await page.goto(`${page.url().split('/orders')[0]}/orders/${data.order}`);
    await until(page, () => document.querySelectorAll('#trk-history li').length >= 2 && document.querySelector('#trk-eta-date'), null, `the history and the ETA (${name})`);
    assert.match(await page.evaluate(() => document.documentElement.lang), /^zh/, 'the page speaks Chinese');

    // "Expected at {dealer} on" in Chinese, the date written the Chinese way.
    const eta = await text(page, '#trk-eta');
    assert.match(eta, /^预计到达.+，日期/, `the ETA in Chinese: ${eta}`);
    assert.match(await text(page, '#trk-eta-date'), /^2026年\d{1,2}月\d{1,2}日$/);
    assert.doesNotMatch(eta, /Expected|Arrived/);

    // The history's sentences, written again in Chinese from each event's type and fields.
    const history = await text(page, '#trk-history');
    assert.match(history, /已预留位于.+的车辆；预计2026年\d{1,2}月\d{1,2}日到达经销商/, `the reservation in Chinese: ${history}`);
    assert.match(history, /，在.+交付，含税/, 'the order placed, in Chinese');
    assert.doesNotMatch(history, /reserved|expected|delivery at|gross|Order placed/, `no English sentence: ${history}`);
    assert.doesNotMatch(history, /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no vehicle UUID');

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the tracker fits ${name} (overflow ${overflow}px)`);
    await assertAccessible(page);
    assert.deepEqual(await everyAxeViolation(page), [], `axe-core on the Chinese tracker (${name})`);
    await snap(page, `tracker-zh-${name}`);
    await page.context().close();
  }
});

test('no console error on the Chinese tracker', () => {
  assert.deepEqual(consoleErrors, []);
});
