// The customer-facing pages as their people use them (issue 19): the
// configurator opening on the customer's market and language, options a
// model cannot take not offered, broken rules in words with a one-click fix,
// the delivery estimate before ordering (the fulfilment policy's answer),
// the review and deposit steps, the tracker with names and business dates,
// "Arrived on …", two columns on a desktop, the handover picker in the
// dealer's local time, and German, Chinese and English texts. Each page at
// desktop (1280×900) and phone (390×844) width, with no axe-core violation.
//
// Its own data: three customers of its own, a stock car of a configuration
// no other test orders; it opens no capacity, so it leaves no free supply
// another file's orders could take.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { copyFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  BASE, TOKENS, WAIT, PASSWORD, ARTIFACTS, open, until, text, api, everyAxeViolation, assertAccessible, placeOrder,
  launchBrowser, closeBrowser, consoleErrors, expectedRejections,
} from './lib.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const DOCS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'ui');
// A configuration no other browser test orders: the stock car this file registers.
const STOCK_CAR = { market: 'DE', model: 'AURA', options: ['PNT-BLK', 'INT-LEATHER', 'PKG-WINTER'] };

before(launchBrowser);
after(closeBrowser);

/**
 * A viewport screenshot (small), also into docs/ui/ with OTD_UPDATE_DOCS=1
 * unless `artifactOnly` (Chinese pages: a machine without a CJK font draws
 * boxes, so the docs keep the German and English shots).
 */
async function shot(page, name, artifactOnly) {
  const file = path.join(ARTIFACTS, `customer-${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide', timeout: 90_000 });
  if (process.env.OTD_UPDATE_DOCS && !artifactOnly) await copyFile(file, path.join(DOCS, `customer-${name}.png`));
}

async function noAxeViolation(page, where) {
  assert.deepEqual(await everyAxeViolation(page), [], `axe-core on ${where}`);
  await assertAccessible(page);
}

/** Signs up a customer with `language` and `market`, verifies the e-mail; resolves with its id. */
async function signUp(person) {
  const body = { ...person, password: PASSWORD, consents: { email: false } };
  const made = await api('POST', '/api/v1/customers', null, body);
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const code = new URL(made.json.verification_link, BASE).searchParams.get('code');
  const verified = await api('POST', '/api/v1/customers/verify', null, { token: code });
  assert.equal(verified.status, 200, JSON.stringify(verified.json));
  return made.json.customer_id;
}

/** A page of a browser whose language is `locale`, signed in as `email` when given. */
async function browserAs(who, viewport, locale, email) {
  const page = await open(who, viewport, { locale, bypassCSP: true });
  if (email) {
    await page.goto(BASE + '/sign-in');
    await page.fill('#account-email', email);
    await page.fill('#account-password', PASSWORD);
    await page.click('#account-form button[type=submit]');
    await page.waitForURL((u) => u.pathname !== '/sign-in', { timeout: WAIT });
  }
  return page;
}

/** The configurator once it has quoted (a price or a rule). */
async function configurator(page) {
  await page.goto(BASE + '/configurator');
  await until(page, () => document.querySelector('#cfg-breakdown tbody tr'), null, 'the configurator to quote');
}

const GRETA = { name: 'Greta Lang', email: 'greta.lang@example.de', phone: '+49 30 5550901', language: 'de', market: 'DE' };
const WEI = { name: 'Wei Zhang', email: 'wei.zhang@example.cn', phone: '+86 21 5550 9020', language: 'zh', market: 'CN' };
const story = {};

test('the configurator opens in the browser\'s language and region, names rules in words and fixes them in one click', async () => {
  expectedRejections.push({ status: 422, path: '/api/v1/quotes' });
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const page = await browserAs(`anonymous de (${name})`, viewport, 'de-DE');
    await configurator(page);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'de-DE');
    assert.equal(await page.inputValue('#cfg-market'), 'DE', 'a German browser opens on Germany, not China');
    assert.equal(await text(page, 'main h1'), 'Konfigurieren Sie Ihr Auto');
    assert.match(await text(page, '#cfg-breakdown'), /42\.900,00\s€/);
    // The Tow package is for the Terra only: on an Aura it is neither offered nor ticked.
    await page.selectOption('#cfg-model', 'AURA');
    assert.equal(await page.locator('#cfg-opt-PKG-TOW').isVisible(), false);
    // On a Terra, the Sport package without 20-inch wheels: the rule in words, and its fix.
    await page.selectOption('#cfg-model', 'TERRA');
    await page.check('#cfg-opt-PKG-SPORT');
    await until(page, () => document.querySelector('#cfg-viol-PKG-SPORT .rule'), null, 'the broken rule');
    assert.equal(await text(page, '#cfg-viol-PKG-SPORT .rule'), 'Sport package braucht 20-inch wheels');
    assert.equal(await page.locator('#cfg-place').count(), 1);
    // The test-drive box speaks German too: its labels, the free times, the date.
    assert.equal(await text(page, '#tdb-title'), 'Probefahrt');
    assert.match(await text(page, '#tdb-signin'), /Zum Buchen melden Sie sich an als Kunde/);
    await page.selectOption('#tdb-dealer', 'D-BER-01');
    await page.click('#tdb-show');
    await until(page, () => document.querySelector('#tdb-list, #tdb-none'), null, 'the free times');
    const slots = await text(page, '#tdb-slots');
    assert.match(slots, /^(Freie Zeiten für einen Terra \(SUV\) am|Keine freie Zeit für einen Terra \(SUV\) bei)/, slots);
    assert.match(slots, /(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d+\. \S+ 2026/, 'a German date');
    assert.doesNotMatch(slots, /Free times|No free time|local time/);
    await noAxeViolation(page, `the configurator with a broken rule (${name})`);
    await shot(page, `configurator-rule-${name}`);
    await page.click('#cfg-viol-PKG-SPORT [data-fix="add:WHL-20"]');
    await until(page, () => !document.querySelector('#cfg-viol-PKG-SPORT .rule') && document.querySelector('#cfg-breakdown tr.grand'), null, 'the fixed price');
    assert.equal(await page.isChecked('#cfg-opt-WHL-20'), true);
    // 58,500 + 1,500 + 3,100 = 63,100 net; 19% VAT 11,989; gross 75,089.
    assert.match(await text(page, '#cfg-breakdown tr.grand'), /75\.089,00\s€/);
    // The switcher: English, kept for the next page.
    await page.selectOption('#lang', 'en');
    await page.waitForLoadState('load');
    await until(page, () => document.documentElement.lang.startsWith('en'), null, 'English');
    assert.equal(await text(page, 'main h1'), 'Configure your car');
    await page.context().close();
  }
});

test('an English browser of a country otd does not sell in opens on the home market, Germany, not China', async () => {
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    for (const locale of ['en-US', 'en-GB']) {
      const page = await browserAs(`anonymous ${locale} (${name})`, viewport, locale);
      await configurator(page);
      assert.equal(await page.inputValue('#cfg-market'), 'DE', `${locale} opens on Germany`);
      assert.equal(await text(page, 'main h1'), 'Configure your car');
      assert.match(await text(page, '#cfg-breakdown tr.grand'), /€/);
      assert.doesNotMatch(await text(page, '#cfg-breakdown'), /¥|CN¥/);
      await page.context().close();
    }
  }
});

test('a signed-in customer sees the configurator in the profile\'s language and market, whatever the browser says', async () => {
  await signUp(WEI);
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const page = await browserAs(`Wei (${name})`, viewport, 'en-US', WEI.email);
    await configurator(page);
    await until(page, () => document.documentElement.lang === 'zh-CN', null, 'the profile\'s language');
    await until(page, () => document.querySelector('#cfg-market').value === 'CN' && /¥/.test(document.querySelector('#cfg-breakdown tr.grand')?.textContent || ''), null, 'the profile\'s market, in yuan');
    assert.equal(await text(page, 'main h1'), '配置您的车');
    await until(page, () => document.querySelector('#cfg-estimate-text'), null, 'the estimate');
    assert.match(await text(page, '#cfg-estimate-text'), /交付/);
    await noAxeViolation(page, `the configurator in Chinese (${name})`);
    await shot(page, `configurator-zh-${name}`, true);
    await page.context().close();
  }
});

test('the estimate before ordering is what the order then gets; review and deposit come before it is placed', async () => {
  story.customer = await signUp(GRETA);
  const car = await api('POST', '/api/v1/vehicles', TOKENS.planner, { ...STOCK_CAR, location: 'D-HAM-01' });
  assert.equal(car.status, 201, JSON.stringify(car.json));
  story.vehicle = car.json.vehicle_id;
  const page = await browserAs('Greta', DESKTOP, 'en-US', GRETA.email);
  await configurator(page);
  await until(page, () => document.documentElement.lang === 'de-DE', null, 'German from the profile');
  assert.equal(await page.inputValue('#cfg-market'), 'DE');
  await page.selectOption('#cfg-model', 'AURA');
  for (const code of ['PNT-BLK', 'INT-LEATHER', 'PKG-WINTER']) await page.check(`#cfg-opt-${code}`);
  await page.selectOption('#cfg-dealer', 'D-BER-01');
  await until(page, () => /Hamburg/.test(document.querySelector('#cfg-estimate-text')?.textContent || ''), null, 'the estimate from stock');
  const estimate = await text(page, '#cfg-estimate-text');
  assert.match(estimate, /Ab Lager in Hamburg: morgen bei Berlin/);
  const quote = await api('POST', '/api/v1/quotes', null, { ...STOCK_CAR, dealer_id: 'D-BER-01' });
  assert.equal(quote.json.estimate.kind, 'stock');
  story.eta = quote.json.estimate.eta;
  await shot(page, 'configurator-estimate-desktop');

  // Review: the car in words, the price, the deposit, the dealer, the estimate, the terms.
  await page.click('#cfg-place');
  await page.locator('#cfg-review').waitFor({ state: 'visible' });
  const review = await text(page, '#cfg-review');
  for (const words of [/Aura \(compact EV\) · Obsidian black/, /Berlin/, /Ab Lager in Hamburg/, /Anzahlung\s+1\.000,00\s€/, /Bedingungen/]) {
    assert.match(review, words, 'the review');
  }
  assert.doesNotMatch(review, /PNT-BLK|D-BER-01/);
  await page.click('#cfg-to-deposit');
  assert.equal(await page.locator('#cfg-deposit').isVisible(), false, 'the terms must be accepted first');
  assert.match(await text(page, '#cfg-accept-error'), /akzeptieren/);
  await noAxeViolation(page, 'the review step');
  await shot(page, 'configurator-review-desktop');
  await page.check('#cfg-accept');
  await page.click('#cfg-to-deposit');
  await page.locator('#cfg-deposit').waitFor({ state: 'visible' });
  assert.match(await text(page, '#cfg-deposit-amount'), /1\.000,00\s€/);
  assert.match(await text(page, '#cfg-deposit-how'), /Schlussrechnung/);
  const mine = async () => (await api('GET', '/api/v1/orders', TOKENS.planner)).json.filter((o) => o.customer_id === story.customer);
  assert.equal((await mine()).length, 0, 'nothing is placed before the confirmation');
  await noAxeViolation(page, 'the deposit step');
  await shot(page, 'configurator-deposit-desktop');
  await page.click('#cfg-confirm');
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}/, { timeout: WAIT });
  story.order = /\/orders\/([0-9a-f-]{36})/.exec(page.url())[1];
  await until(page, () => document.querySelector('#trk-stepper li.current')?.dataset.step === 'secured', null, 'the reserved car');
  const order = (await api('GET', `/api/v1/orders/${story.order}`, TOKENS.planner)).json;
  assert.equal(order.fulfilment.vehicle_id, story.vehicle, 'fulfilment took the estimated car');
  assert.equal(order.eta, story.eta, 'and promises the estimated day');
  await page.context().close();
});

test('at phone width too: the estimate, then review and deposit before anything is placed', async () => {
  const page = await browserAs('Greta (phone)', PHONE, 'en-US', GRETA.email);
  await configurator(page);
  await until(page, () => document.documentElement.lang === 'de-DE', null, 'German from the profile');
  await page.selectOption('#cfg-dealer', 'D-BER-01');
  await until(page, () => document.querySelector('#cfg-estimate-text')?.textContent && !document.querySelector('#cfg-place').disabled, null, 'the estimate');
  const mine = async () => (await api('GET', '/api/v1/orders', TOKENS.planner)).json.filter((o) => o.customer_id === story.customer).length;
  const before = await mine();
  await shot(page, 'configurator-estimate-phone');
  await page.click('#cfg-place');
  await page.locator('#cfg-review').waitFor({ state: 'visible' });
  const review = await text(page, '#cfg-review');
  for (const words of [/Berlin/, /Anzahlung/, /Bedingungen/]) assert.match(review, words, 'the review');
  await shot(page, 'configurator-review-phone');
  await page.click('#cfg-to-deposit');
  assert.equal(await page.locator('#cfg-deposit').isVisible(), false, 'the terms must be accepted first');
  await page.check('#cfg-accept');
  await page.click('#cfg-to-deposit');
  await page.locator('#cfg-deposit').waitFor({ state: 'visible' });
  assert.match(await text(page, '#cfg-deposit-amount'), /\d,00\s€/);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), 0, 'no sideways scrolling');
  await noAxeViolation(page, 'the deposit step (phone)');
  await shot(page, 'configurator-deposit-phone');
  assert.equal(await mine(), before, 'nothing is placed before the confirmation');
  await page.context().close();
});

test('the tracker: names, business dates, two columns on a desktop, one on a phone; after arrival "Angekommen am"', async () => {
  // The car travels from Hamburg and arrives (the business clock stands still).
  const shipped = await api('POST', `/api/v1/vehicles/${story.vehicle}/dispatch`, TOKENS.planner, {});
  assert.equal(shipped.status, 200, JSON.stringify(shipped.json));
  const arrived = await api('POST', `/api/v1/vehicles/${story.vehicle}/arrive`, TOKENS.planner);
  assert.equal(arrived.status, 200, JSON.stringify(arrived.json));
  const clock = (await api('GET', '/api/v1/clock')).json;
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const page = await browserAs(`Greta tracker (${name})`, viewport, 'en-US', GRETA.email);
    await page.goto(`${BASE}/orders/${story.order}`);
    await until(page, () => document.querySelector('#trk-stepper li.current')?.dataset.step === 'at_dealer', null, 'at the dealer');
    await until(page, () => document.querySelectorAll('#trk-history li').length >= 4, null, 'the history');
    const eta = await text(page, '#trk-eta');
    assert.match(eta, /^Angekommen bei Berlin am /, eta);
    assert.doesNotMatch(eta, /D-BER-01|Erwartet/);
    const facts = await text(page, '#trk-facts');
    assert.match(facts, /Obsidian black, 18-inch wheels, Leather interior, Winter package/);
    assert.match(facts, /ab Lager in Berlin/);
    assert.doesNotMatch(facts, /D-BER-01|D-HAM-01|PNT-BLK/);
    const history = await text(page, '#trk-history');
    assert.match(history, /Bestellung aufgegeben/);
    assert.match(history, /\d\.\d{3},00\s€/, 'money in German');
    assert.doesNotMatch(history, /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no vehicle UUID');
    assert.doesNotMatch(history, /\d+\.\d\d EUR/, 'no "56525.00 EUR"');
    // The engine's sentences written again in German, from the event's fields.
    assert.match(history, /Aura \(compact EV\) zur Auslieferung bei Berlin, \d+\.\d{3},00\s€ brutto/);
    assert.match(history, /Ein Auto in Hamburg reserviert; beim Händler erwartet am/);
    assert.match(history, /Unterwegs zum Händler; erwartet am/);
    assert.match(history, /Am \d+\. \S+ 2026 beim Händler angekommen/);
    assert.doesNotMatch(history, /delivery at|reserved|expected|gross|Vehicle|Dispatched|Arrived/, `no English: ${history}`);
    // Each line dated by the business clock (simulated), never the wall clock.
    const days = await page.$$eval('#trk-history time', (ts) => ts.map((t) => t.getAttribute('datetime').slice(0, 10)));
    assert.ok(days.every((d) => d <= clock.today), `business dates: ${days} (today ${clock.today})`);
    const columns = await page.evaluate(() => {
      const main = document.querySelector('.tracker-main').getBoundingClientRect();
      const side = document.querySelector('.tracker-side').getBoundingClientRect();
      return { sideBySide: side.left >= main.right - 1, mainWidth: main.width, page: document.documentElement.clientWidth };
    });
    if (name === 'desktop') assert.ok(columns.sideBySide, `two columns on a desktop: ${JSON.stringify(columns)}`);
    else assert.ok(!columns.sideBySide && columns.mainWidth > columns.page * 0.8, `stacked on a phone: ${JSON.stringify(columns)}`);
    await noAxeViolation(page, `the tracker (${name})`);
    await shot(page, `tracker-${name}`);
    await page.context().close();
  }
});

test('the handover picker offers the dealer\'s open days in the locale\'s format and its local times, never the past', async () => {
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const page = await browserAs(`Greta handover (${name})`, viewport, 'en-US', GRETA.email);
    await page.goto(`${BASE}/orders/${story.order}`);
    await page.locator('#trk-handover-card').waitFor({ state: 'visible' });
    await until(page, () => document.querySelectorAll('#trk-book-day option').length > 3, null, 'the days');
    const clock = (await api('GET', '/api/v1/clock')).json;
    const days = await page.$$eval('#trk-book-day option', (os) => os.map((o) => ({ value: o.value, label: o.textContent })));
    assert.ok(days.every((d) => d.value >= clock.today), 'no day before the business day');
    assert.ok(days.every((d) => !/\//.test(d.label)), `German dates, not mm/dd/yyyy: ${days[0].label}`);
    assert.ok(days.every((d) => new Date(`${d.value}T12:00:00Z`).getUTCDay() !== 0), 'Berlin is closed on Sundays');
    assert.match(await text(page, '#trk-book-zone'), /Berlin/);
    // A Saturday: 10:00 to 16:00 in Berlin, so 10:00 is the first time offered.
    const saturday = days.find((d) => new Date(`${d.value}T12:00:00Z`).getUTCDay() === 6);
    await page.selectOption('#trk-book-day', saturday.value);
    assert.equal(await page.$eval('#trk-book-time option', (o) => o.value), '10:00');
    await page.selectOption('#trk-book-time', '10:30');
    assert.match(await text(page, '#trk-book-when'), /Samstag.*10:30.*Ortszeit Berlin/);
    await noAxeViolation(page, `the handover picker (${name})`);
    if (name === 'phone') {
      await page.click('#trk-book button[type=submit]');
      await until(page, () => document.querySelector('#trk-stepper li.current')?.dataset.step === 'handover_scheduled', null, 'the appointment');
      const order = (await api('GET', `/api/v1/orders/${story.order}`, TOKENS.planner)).json;
      // 10:30 in Berlin in winter is 09:30 UTC.
      assert.equal(order.handover_at, `${saturday.value}T09:30:00Z`);
      assert.match(await text(page, '#trk-appointment'), /10:30/);
      // Finance records the payment, so this file leaves no open invoice behind.
      const paid = await api('POST', `/api/v1/invoices/${encodeURIComponent(order.invoice.number)}/payments`, TOKENS.finance,
        { amount_minor: order.invoice.amount_due.amount_minor });
      assert.equal(paid.status, 200, JSON.stringify(paid.json));
    }
    await page.context().close();
  }
});

test('the orders list and the customer 360 show names, formatted money and short order numbers', async () => {
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const page = await browserAs(`Greta lists (${name})`, viewport, 'en-US', GRETA.email);
    await page.goto(`${BASE}/orders`);
    await until(page, () => document.querySelector('#orders tbody tr'), null, 'the orders');
    const row = await text(page, '#orders tbody tr');
    assert.match(row, new RegExp(story.order.slice(-8)));
    assert.match(row, /Aura \(compact EV\) · Obsidian black/);
    assert.match(row, /Berlin/);
    assert.doesNotMatch(row, /D-BER-01|AURA|[0-9a-f]{8}-[0-9a-f]{4}/);
    await noAxeViolation(page, `the orders list (${name})`);
    await shot(page, `orders-${name}`);
    await page.goto(`${BASE}/customers/${encodeURIComponent(story.customer)}`);
    await until(page, (n) => document.querySelector('#cu-name').textContent === n, GRETA.name, 'the 360');
    await until(page, () => document.querySelector('#cu-orders tbody tr'), null, 'the 360\'s orders');
    const orders = await text(page, '#cu-orders tbody');
    assert.match(orders, /\d\.\d{3},\d\d\s€/);
    assert.doesNotMatch(orders, /D-BER-01|[0-9a-f]{8}-[0-9a-f]{4}/);
    assert.match(await text(page, '#cu-profile'), /Deutschland/);
    await noAxeViolation(page, `the customer 360 (${name})`);
    await shot(page, `customer-360-${name}`);
    await page.context().close();
  }
});

test('sign-in and e-mail verification speak the browser\'s language', async () => {
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const page = await browserAs(`anonymous zh (${name})`, viewport, 'zh-CN');
    await page.goto(BASE + '/sign-in');
    assert.equal(await text(page, 'main h1'), '登录');
    expectedRejections.push({ status: 401, path: '/api/v1/sessions' });
    await page.fill('#account-email', WEI.email);
    await page.fill('#account-password', 'not the password');
    await page.click('#account-form button[type=submit]');
    await until(page, () => !document.querySelector('#account-error').hidden, null, 'the refusal');
    assert.equal(await text(page, '#account-error'), '邮箱或密码错误。');
    await noAxeViolation(page, `sign-in (${name})`);
    await shot(page, `sign-in-zh-${name}`, true);
    await page.goto(BASE + '/verify-email');
    await until(page, () => /链接/.test(document.querySelector('#verify-status').textContent), null, 'the verification answer');
    await noAxeViolation(page, `verify-email (${name})`);
    await page.context().close();
  }
  assert.deepEqual(consoleErrors, [], 'no console errors');
});
