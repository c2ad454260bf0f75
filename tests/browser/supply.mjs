// Orders made through the API for the browser tests that need a car at a dealer,
// invoiced (and paid): a vehicle registered for it, the order placed by its dealer
// (it takes that vehicle from stock), dispatched to the dealer, arrived (the invoice
// is issued then). Each file uses a configuration of its own, so that no order takes
// a car another file registered.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { TOKENS, WAIT, api } from './lib.mjs';

/** A token for any subject, signed by run.sh's server's key (a dealer other than Berlin). */
export function tokenFor(role, sub) {
  return execFileSync(process.env.OTD_BIN_PATH, ['token', '--data', process.env.OTD_DATA_DIR,
    '--role', role, '--sub', sub]).toString().trim();
}

/** An API call that must succeed; resolves with its body. */
export async function ok(method, p, token, body) {
  const r = await api(method, p, token, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** Reads with `read()` until `done(value)` holds (the read models catch up), with a deadline. */
export async function eventually(read, done, what) {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    assert.ok(Date.now() < deadline, `waited ${WAIT} ms for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * An order of `customer` delivered by `dealer` (its token `dealerToken`), its car
 * registered at `from` for it: reserved there, or (`arrive`) brought to the dealer and
 * invoiced. Resolves with { order, vehicle, invoice } (invoice: the list's row, when arrived).
 */
export async function orderAtDealer({ dealer, dealerToken, customer, car, from, arrive = true }) {
  const vehicle = (await ok('POST', '/api/v1/vehicles', TOKENS.planner, { ...car, location: from })).vehicle_id;
  const order = (await ok('POST', '/api/v1/orders', dealerToken, { ...car, dealer_id: dealer, customer_id: customer })).order_id;
  await eventually(() => api('GET', `/api/v1/orders/${order}`, TOKENS.planner),
    (r) => r.json && r.json.fulfilment && r.json.fulfilment.vehicle_id === vehicle, `order ${order} to take its car`);
  if (!arrive) return { order, vehicle };
  await ok('POST', `/api/v1/vehicles/${vehicle}/dispatch`, TOKENS.planner);
  await ok('POST', `/api/v1/vehicles/${vehicle}/arrive`, TOKENS.planner);
  const found = await eventually(() => api('GET', `/api/v1/invoices?q=${order.slice(-8)}`, TOKENS.finance),
    (r) => r.json && r.json.some((i) => i.order_id === order), `the invoice of order ${order}`);
  return { order, vehicle, invoice: found.json.find((i) => i.order_id === order) };
}

/** Pays an invoice in full (what is outstanding after the deposit). */
export async function payInFull(invoice) {
  return ok('POST', `/api/v1/invoices/${invoice.number}/payments`, TOKENS.finance, { amount_minor: invoice.outstanding.amount_minor });
}
