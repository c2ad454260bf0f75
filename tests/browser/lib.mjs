// What every browser test file shares: the browser, pages that watch the
// console, sign-in, waiting on conditions, screenshots, labels and axe-core.
// Each test file runs against the same server (run.sh) one after the other,
// so a file makes its own data (its own customers, weeks, vehicles) and
// never relies on what another file did.
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export const BASE = process.env.OTD_URL;
export const ARTIFACTS = process.env.OTD_ARTIFACTS || 'artifacts';
// The customer's token is the one its sign-in answers (the customer signs up in the story).
export const TOKENS = {
  customer: null,
  dealer: process.env.OTD_TOKEN_DEALER,
  planner: process.env.OTD_TOKEN_PLANNER,
  finance: process.env.OTD_TOKEN_FINANCE,
};
export const WAIT = 30_000;
export const PASSWORD = process.env.OTD_PASSWORD;
export const CUSTOMER = { name: 'Clara Kunde', email: 'clara.kunde@example.de' };
export const EMAILS = {
  customer: CUSTOMER.email,
  dealer: 'dealer@otd.example',
  planner: 'planner@otd.example',
  finance: 'finance@otd.example',
  admin: 'admin@otd.example',
};

let browser;
export const pages = {};
export const consoleErrors = [];
// Browser-logged failed requests the story provokes on purpose: the quote
// of an invalid configuration is a 422 by the API's contract, and Chromium
// logs every 4xx response to the console.
export const expectedRejections = [];
let shot = 0;

export function watch(page, who) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location().url || '';
    const status = /status of (\d{3})/.exec(msg.text());
    const expected = status && expectedRejections.find((e) => e.status === Number(status[1]) && url.endsWith(e.path));
    if (expected) {
      expected.seen = (expected.seen || 0) + 1;
      return;
    }
    consoleErrors.push(`${who} ${page.url()}: ${msg.text()} (${url})`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${who} ${page.url()}: uncaught ${err.message}`));
  page.on('requestfailed', (req) => {
    // An EventSource closed by navigating away is not a failure.
    if (req.failure() && req.failure().errorText === 'net::ERR_ABORTED') return;
    consoleErrors.push(`${who}: request failed ${req.url()} ${req.failure() && req.failure().errorText}`);
  });
}

export async function open(who, viewport, options) {
  const context = await browser.newContext({ viewport: viewport || { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  watch(page, who);
  return page;
}

/** Signs `role` in through /sign-in in `page` and waits for its home page. */
export async function signInAs(page, role) {
  await page.goto(BASE + '/sign-in');
  await page.fill('#account-email', EMAILS[role]);
  await page.fill('#account-password', PASSWORD);
  await page.click('#account-form button[type=submit]');
  await page.waitForURL((u) => u.pathname !== '/sign-in', { timeout: WAIT });
}

/**
 * Places the configured order from the configurator: "Review the order",
 * accept the terms, the deposit step, "Place the order".
 */
export async function placeOrder(page) {
  await page.click('#cfg-place');
  await page.locator('#cfg-review').waitFor({ state: 'visible' });
  await page.check('#cfg-accept');
  await page.click('#cfg-to-deposit');
  await page.locator('#cfg-deposit').waitFor({ state: 'visible' });
  await page.click('#cfg-confirm');
}

/** Submits the dealer page's customer search and waits for its answer. */
export async function searchCustomers(page, q) {
  await page.evaluate(() => {
    document.querySelector('#dc-hits').replaceChildren();
    document.querySelector('#dc-none').hidden = true;
  });
  await page.fill('#dc-q', q);
  await page.click('#dc-search button[type=submit]');
  await until(page, () => document.querySelector('#dc-hits li') || !document.querySelector('#dc-none').hidden, null, `the search for "${q}"`);
}

/** Fills and submits the dealer page's showroom registration; resolves with its result box. */
export async function registerInShowroom(page, person) {
  await page.evaluate(() => document.querySelector('#dc-registered').replaceChildren());
  await page.fill('#dc-name', person.name);
  await page.fill('#dc-email', person.email);
  await page.fill('#dc-phone', person.phone || '');
  if (person.sms) await page.check('#dc-consent-sms');
  await page.click('#dc-register button[type=submit]');
  await until(page, () => document.querySelector('#dc-registered [data-created]'), null, `the registration of ${person.email}`);
  const box = page.locator('#dc-registered [data-created]');
  const href = await box.locator('a[href^="/customers/"]').getAttribute('href');
  return { created: (await box.getAttribute('data-created')) === 'true', id: decodeURIComponent(href.split('/')[2]), text: (await box.innerText()).trim() };
}

export async function snap(page, name) {
  shot += 1;
  const file = path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  // Generous: the machine may be busy; animations (a fresh board card) are stopped.
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide', timeout: 90_000 });
}

/** Waits until `fn(arg)` is truthy in the page. */
export async function until(page, fn, arg, what) {
  try {
    return await page.waitForFunction(fn, arg, { timeout: WAIT, polling: 100 });
  } catch (e) {
    throw new Error(`waited ${WAIT} ms for ${what}: ${e.message.split('\n')[0]}`);
  }
}

export async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

/** Every visible form field has a label; every clickable thing is a button or a link. */
export async function assertAccessible(page) {
  const problems = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || el.closest('[hidden]')) continue;
      const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!labelled) out.push(`unlabelled ${el.tagName.toLowerCase()}#${el.id}`);
    }
    // A focusable region is a table that scrolls sideways, not a click target.
    for (const el of document.querySelectorAll('[onclick], div[tabindex]:not([role="region"]), span[tabindex]')) out.push(`clickable non-button ${el.tagName}`);
    if (!document.querySelector('h1')) out.push('no h1');
    if (!document.documentElement.lang) out.push('no lang');
    return out;
  });
  assert.deepEqual(problems, [], `accessibility on ${page.url()}`);
}

export async function api(method, p, token, body) {
  const res = await fetch(BASE + p, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/** Signs a staff member in by e-mail (the run's password) in a fresh context. */
export async function staffPage(who, email, viewport) {
  const page = await open(who, viewport);
  await page.goto(BASE + '/sign-in');
  await page.fill('#account-email', email);
  await page.fill('#account-password', PASSWORD);
  await page.click('#account-form button[type=submit]');
  await page.waitForURL((u) => u.pathname !== '/sign-in', { timeout: WAIT });
  return page;
}

/** axe-core with every violation, whatever its impact: the new pages have none. */
export async function everyAxeViolation(page) {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `[${v.impact}] ${v.id}: ${v.help} — ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Runs axe-core in `page`; resolves with its serious and critical violations, one line each. */
export async function axeViolations(page) {
  // Two frames: what the page's scripts do once a frame (marking scroll regions) is done.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `[${v.impact}] ${v.id}: ${v.help} — ${v.targets.slice(0, 5).join(', ')}${v.targets.length > 5 ? ` (+${v.targets.length - 5} more)` : ''}`);
}

/** Starts Chromium for this file's tests. */
export async function launchBrowser() {
  assert.ok(BASE, 'OTD_URL is set by run.sh');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Closes Chromium. */
export async function closeBrowser() {
  if (browser) await browser.close();
}

// The ui-*.test.mjs files play one story in parts (run.sh runs them in alphabetical
// order against one server): what a part leaves for a later one (an order's id, a
// customer's) is written to the artifacts folder, which run.sh empties on each run.
const storyFile = (part) => path.join(ARTIFACTS, `story-${part}.json`);

/** Keeps what `part` of the story made, for the parts after it. */
export async function saveStory(part, values) {
  await writeFile(storyFile(part), JSON.stringify(values, null, 2));
}

/** What an earlier `part` of the story made; a clear error when it did not run first. */
export async function loadStory(part) {
  try {
    return JSON.parse(await readFile(storyFile(part), 'utf8'));
  } catch (_) {
    throw new Error(`no ${storyFile(part)}: run ui-${part}.test.mjs first (run.sh runs the files in order)`);
  }
}

/** The story's customer (Clara, signed up by ui-delivery.test.mjs): a token from signing in. */
export async function customerToken() {
  const session = await api('POST', '/api/v1/sessions', null, { email: CUSTOMER.email, password: PASSWORD });
  assert.equal(session.status, 200, `the story's customer signs in: ${JSON.stringify(session.json)}`);
  TOKENS.customer = session.json.token;
  return session.json.token;
}
