// Unit tests of api/static/history-text.js: an order's history line written
// again in German, Chinese and English from the event's type and the fields
// of the engine's sentence. In node: `node --test history-text.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const F = require('../../api/static/format.js');
const H = require('../../api/static/history-text.js');

// The language files add their texts to window.OTDText (i18n.js); here, to a map.
const texts = {};
globalThis.window = { OTDText: { add: (lang, entries) => { texts[lang] = entries; } } };
require('../../api/static/i18n-de.js');
require('../../api/static/i18n-zh.js');

function tIn(lang) {
  return (text, vars) => {
    const own = lang === 'en' ? text : texts[lang][text];
    assert.ok(own, `no ${lang} text for "${text}"`);
    return own.replace(/\{(\w+)\}/g, (m, k) => (vars && vars[k] !== undefined ? vars[k] : m));
  };
}

const CATALOG = {
  dealers: { 'D-BER-01': { id: 'D-BER-01', name: 'Berlin' }, 'D-HAM-01': { id: 'D-HAM-01', name: 'Hamburg' } },
  plants: { 'P-LEIPZIG': { id: 'P-LEIPZIG', name: 'Leipzig' } },
  models: { AURA: { code: 'AURA', name: 'Aura' } },
  families: [{ code: 'PAINT', name: 'Paint' }],
  options: { 'PNT-RED': { code: 'PNT-RED', family: 'PAINT', name: 'Volcano red' } },
};
const VEHICLE = '0b9f0d4e-3c1a-4c55-9d2a-4f3b2a1c0d9e';

test('every template has its German and Chinese text', () => {
  for (const template of H.templates()) {
    assert.ok(texts.de[template], `de: ${template}`);
    assert.ok(texts.zh[template], `zh: ${template}`);
    const names = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
    assert.equal(names(texts.de[template]), names(template), `de placeholders of ${template}`);
    assert.equal(names(texts.zh[template]), names(template), `zh placeholders of ${template}`);
  }
});

test('the engine\'s sentences in German: names, German money and dates, no UUID, no English', () => {
  const de = (type, summary) => H.sentence(F, tIn('de'), CATALOG, { type, summary }, 'de-DE');
  assert.equal(de('OrderPlaced', 'Order placed: AURA for delivery at D-BER-01, 56525.00 EUR gross'),
    'Aura zur Auslieferung bei Berlin, 56.525,00\u00a0€ brutto');
  assert.equal(de('OrderAllocated', `Vehicle ${VEHICLE} at D-HAM-01 reserved; expected at the dealer on 2026-11-04`),
    'Ein Auto in Hamburg reserviert; beim Händler erwartet am 04.11.2026'.replace('04.11.2026', F.date('2026-11-04', 'de-DE')));
  assert.equal(de('OrderScheduled', 'Scheduled for production at P-LEIPZIG in 2026-W51; changeable until 2026-12-01; expected at the dealer on 2026-12-22'),
    `Produktion in Leipzig in KW 51; änderbar bis ${F.date('2026-12-01', 'de-DE')}; beim Händler erwartet am ${F.date('2026-12-22', 'de-DE')}`);
  assert.equal(de('OrderAmended', 'Configuration amended to AURA (PNT-RED); price difference 1200.00 EUR'),
    'Jetzt Aura (Volcano red); Preisunterschied 1.200,00\u00a0€');
  assert.equal(de('PaymentRecorded', 'Payment of 100.00 EUR received; 55525.00 EUR outstanding'),
    '100,00\u00a0€ eingegangen; offen 55.525,00\u00a0€');
  assert.equal(de('OrderReallocated', `Reallocated vehicle ${VEHICLE} at D-BER-01; expected at the dealer on 2026-11-03; vehicle ${VEHICLE} was released`),
    `Ein anderes Auto in Berlin; beim Händler erwartet am ${F.date('2026-11-03', 'de-DE')}; das zuvor reservierte Auto wurde freigegeben`);
  assert.equal(de('OrderCancelled', 'Cancelled: customer request; deposit refunded 1000.00 EUR, forfeited 0.00 EUR'),
    'customer request; Anzahlung erstattet 1.000,00\u00a0€, einbehalten 0,00\u00a0€');
});

test('in Chinese and English; an unknown sentence is only made readable', () => {
  const zh = H.sentence(F, tIn('zh'), CATALOG, { type: 'InvoiceIssued', summary: 'Invoice CN-2026-000001 issued: 300000.00 CNY gross, 290000.00 CNY due after the deposit' }, 'zh-CN');
  assert.match(zh, /^发票CN-2026-000001：含税¥300,000\.00，扣除定金后应付¥290,000\.00$/);
  const en = H.sentence(F, tIn('en'), CATALOG, { type: 'HandoverAppointmentBooked', summary: 'Handover appointment booked for 2026-12-22 09:30 UTC' }, 'en-GB');
  assert.equal(en, 'Handover appointment booked for 22 Dec 2026, 09:30 UTC');
  assert.equal(H.sentence(F, tIn('en'), CATALOG, { type: 'OrderSomethingNew', summary: 'Vehicle at D-BER-01 did 12.00 EUR' }, 'en-GB'),
    'Vehicle at Berlin did €12.00');
});

test('the fields the route gives are used as they are, whatever the English sentence says', () => {
  const de = (type, fields) => H.sentence(F, tIn('de'), CATALOG, { type, summary: 'an English sentence', fields }, 'de-DE');
  const eur = (amount_minor) => ({ amount_minor, currency: 'EUR' });
  assert.equal(de('OrderPlaced', { model: 'AURA', dealer: 'D-BER-01', price: eur(5652500) }),
    'Aura zur Auslieferung bei Berlin, 56.525,00\u00a0€ brutto');
  assert.equal(de('OrderPlaced', { model: 'AURA', dealer: 'D-BER-01', seller: 'D-HAM-01', price: eur(5652500) }),
    'Aura zur Auslieferung bei Berlin (verkauft von Hamburg), 56.525,00\u00a0€ brutto');
  assert.equal(de('OrderScheduled', { plant: 'P-LEIPZIG', week: '2026-W51', until: '2026-12-01', eta: '2026-12-22' }),
    `Produktion in Leipzig in KW 51; änderbar bis ${F.date('2026-12-01', 'de-DE')}; beim Händler erwartet am ${F.date('2026-12-22', 'de-DE')}`);
  assert.equal(de('OrderAmended', { model: 'AURA', options: [], difference: eur(-120000), released: true }),
    'Jetzt Aura (ohne Extras); Preisunterschied -1.200,00\u00a0€; das reservierte Auto passt nicht mehr und wurde freigegeben');
  assert.equal(de('OrderReallocated', { location: 'D-HAM-01', eta: '2026-11-03', plant: 'P-LEIPZIG', week: '2026-W48' }),
    `Ein anderes Auto in Hamburg; beim Händler erwartet am ${F.date('2026-11-03', 'de-DE')}; der Produktionsplatz in Leipzig in KW 48 wurde freigegeben`);
  assert.equal(de('OrderBuilt', {}), 'Bau abgeschlossen');
  assert.equal(de('HandoverAppointmentBooked', { at: '2026-12-22T09:30:00Z' }), `Übergabetermin gebucht für ${F.dateTime('2026-12-22T09:30:00Z', 'de-DE')}`);
  assert.equal(de('OrderDelayCompensated', { days: 9, promised: '2026-11-20', amount: eur(45000) }),
    `9 Tage nach dem zugesagten ${F.date('2026-11-20', 'de-DE')}: 450,00\u00a0€ Entschädigung für die Verspätung, auf der Rechnung gutgeschrieben`);
});
