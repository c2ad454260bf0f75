// Unit tests of api/static/format.js (the shared formatting of the web UI),
// in node: no server, no browser. Run alone with `node --test format.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const F = createRequire(import.meta.url)('../../api/static/format.js');

const CATALOG = {
  markets: { DE: { code: 'DE', name: 'Germany' } },
  plants: { 'P-LEI': { id: 'P-LEI', name: 'Leipzig' } },
  dealers: { 'D-HAM-01': { id: 'D-HAM-01', name: 'otd Hamburg' } },
  models: { TERRA: { code: 'TERRA', name: 'Terra' }, AURA: { code: 'AURA', name: 'Aura' } },
  families: [{ code: 'PAINT', name: 'Paint' }, { code: 'WHEELS', name: 'Wheels' }, { code: 'PKG', name: 'Packages' }],
  options: {
    'PNT-WHT': { code: 'PNT-WHT', family: 'PAINT', name: 'Polar White' },
    'WHL-20': { code: 'WHL-20', family: 'WHEELS', name: '20-inch wheels' },
    'PKG-SPORT': { code: 'PKG-SPORT', family: 'PKG', name: 'Sport package' },
  },
};

test('money typed the German way and the English way is the same amount', () => {
  assert.equal(F.parseMoney('56.953,00', 'de-DE'), 5695300);
  assert.equal(F.parseMoney('56,953.00', 'en-GB'), 5695300);
  assert.equal(F.parseMoney('56953', 'de-DE'), 5695300);
  assert.equal(F.parseMoney('56953,5', 'de-DE'), 5695350);
  assert.equal(F.parseMoney('56953.5', 'en-GB'), 5695350);
  assert.equal(F.parseMoney('1.234.567,89 €', 'de-DE'), 123456789);
  assert.equal(F.parseMoney('EUR 56 953,00', 'de-DE'), 5695300);
  assert.equal(F.parseMoney('56.953', 'de-DE'), 5695300);
  assert.equal(F.parseMoney('0,05', 'de-DE'), 5);
});

test('money that is not an amount is refused, never rounded', () => {
  for (const bad of ['', 'abc', '56.953,001', '12,34.56', '-5', '1,2,3', '56.953', '5.', '1..2']) {
    const locale = bad === '56.953' ? 'en-GB' : 'de-DE';
    assert.equal(F.parseMoney(bad, locale), null, `${bad} in ${locale}`);
  }
});

test('money is formatted per locale from minor units, and reads back', () => {
  const m = { amount_minor: 5695300, currency: 'EUR' };
  assert.match(F.money(m, 'de-DE'), /^56\.953,00\s€$/);
  assert.equal(F.money(m, 'en-GB'), '€56,953.00');
  assert.equal(F.money({ amount_minor: 1, currency: 'EUR' }, 'en-GB'), '€0.01');
  assert.equal(F.money(null, 'en-GB'), '—');
  for (const locale of ['de-DE', 'en-GB', 'zh-CN']) {
    for (const minor of [0, 5, 99, 100, 123456789, 5695300]) {
      assert.equal(F.parseMoney(F.moneyInput(minor, locale), locale), minor, `${minor} in ${locale}`);
    }
  }
});

test('dates per locale, a business day the same everywhere', () => {
  assert.equal(F.date('2026-12-22', 'en-GB'), '22 Dec 2026');
  assert.equal(F.date('2026-12-22', 'de-DE'), '22. Dez. 2026');
  assert.equal(F.date('2026-12-22T23:30:00Z', 'en-GB'), '22 Dec 2026');
  assert.equal(F.dayMonth('2026-12-22', 'en-GB'), '22 Dec');
});

test('names for ids, codes only when the catalog does not know them', () => {
  assert.equal(F.optionName(CATALOG, 'PKG-SPORT'), 'Sport package');
  assert.equal(F.dealerName(CATALOG, 'D-HAM-01'), 'otd Hamburg');
  assert.equal(F.dealerName(CATALOG, 'D-XXX-01'), 'D-XXX-01');
  assert.equal(F.locationName(CATALOG, 'P-LEI'), 'Leipzig');
  assert.equal(F.configuration(CATALOG, { model: 'TERRA', options: ['PKG-SPORT', 'PNT-WHT'] }),
    'Terra · Polar White, Sport package');
  assert.equal(F.shortId('1f2e3d4c-0000-4000-8000-0000abcd1234'), 'abcd1234');
});

test('rules in words with the catalog names', () => {
  const requires = { rule: 'requires', message: 'option PKG-SPORT requires WHL-20', option: 'PKG-SPORT' };
  assert.equal(F.ruleText(CATALOG, requires, 'en'), 'Sport package needs 20-inch wheels');
  assert.equal(F.ruleText(CATALOG, requires, 'de'), 'Sport package braucht 20-inch wheels');
  const only = { rule: 'model_only', message: 'option PKG-SPORT is only available for TERRA' };
  assert.equal(F.ruleText(CATALOG, only, 'en'), 'Sport package is only available for Terra');
  assert.equal(F.ruleText(CATALOG, { rule: 'x', message: 'something about PKG-SPORT' }, 'en'), 'something about Sport package');
});

test('history lines: names, money and dates per locale, no vehicle UUIDs', () => {
  const line = 'Vehicle 0b9f0d4e-3c1a-4c55-9d2a-4f3b2a1c0d9e at D-HAM-01 reserved; expected at the dealer on 2026-12-22';
  assert.equal(F.humanize(CATALOG, line, 'en-GB'), 'Vehicle at otd Hamburg reserved; expected at the dealer on 22 Dec 2026');
  assert.equal(F.humanize(CATALOG, 'Order placed: TERRA for delivery at D-HAM-01, 56525.00 EUR gross', 'de-DE'),
    'Order placed: Terra for delivery at otd Hamburg, 56.525,00\u00a0€ gross');
  assert.equal(F.humanize(CATALOG, 'Scheduled for production at P-LEI in 2026-W51', 'en-GB'), 'Scheduled for production at Leipzig in week 51');
  assert.equal(F.humanize(CATALOG, 'Handover appointment booked for 2026-12-22 09:00 UTC', 'en-GB'),
    'Handover appointment booked for 22 Dec 2026, 09:00 UTC');
});

test('a wall-clock time in a zone is the instant it names, daylight saving included', () => {
  assert.equal(F.zonedToUtc('2026-12-22', '10:00', 'Europe/Berlin').toISOString(), '2026-12-22T09:00:00.000Z');
  assert.equal(F.zonedToUtc('2026-07-01', '10:00', 'Europe/Berlin').toISOString(), '2026-07-01T08:00:00.000Z');
  assert.equal(F.zonedToUtc('2026-12-22', '10:00', 'Asia/Shanghai').toISOString(), '2026-12-22T02:00:00.000Z');
});
