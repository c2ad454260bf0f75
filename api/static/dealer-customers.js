// `/dealer`, the customers section: find one of the outlet's customers by
// name, e-mail or phone (`GET /api/v1/customers?q=`) and open their 360;
// register a customer in the showroom (`POST /api/v1/customers` as the
// dealer), which answers with the customer who already has that e-mail or
// phone instead of making a second one. dealer.js runs the sign-in gate
// and the board; this script only adds to a page the gate let through.
'use strict';

(function () {
  const { api, h, $, fill, session, busy, newKey, flashError } = window.OTD;
  const me = session();
  if (!me || me.role !== 'dealer') return;
  /** The log position of the last registration: a search reads at least that far. */
  let reached = 0;
  /** The outlet's market: a new customer is in it unless the dealer picks another. */
  let market = null;

  function customerLink(id, text) {
    return h('a', { href: `/customers/${encodeURIComponent(id)}` }, text);
  }

  function showHits(q, hits) {
    fill($('#dc-hits'), hits.map((c) => h('li', { 'data-customer': c.customer_id },
      customerLink(c.customer_id, c.name), ' ',
      h('span', { class: 'muted' }, [c.email, c.phone].filter(Boolean).join(' · ')))));
    const none = $('#dc-none');
    none.hidden = hits.length > 0;
    none.textContent = q ? `No customer found for "${q}".` : 'No customers yet.';
  }

  async function search(q) {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (reached) params.set('min_position', String(reached));
    const query = params.toString();
    showHits(q, await api('GET', '/api/v1/customers' + (query ? `?${query}` : '')));
  }

  $('#dc-search').addEventListener('submit', (event) => {
    event.preventDefault();
    busy(event.currentTarget, async () => {
      try {
        await search($('#dc-q').value.trim());
      } catch (err) {
        flashError(err);
      }
    });
  });

  /** The registration the form describes. */
  function newCustomer() {
    const phone = $('#dc-phone').value.trim();
    return {
      name: $('#dc-name').value.trim(),
      email: $('#dc-email').value.trim(),
      phone: phone || undefined,
      language: $('#dc-language').value,
      market: $('#dc-market').value,
      consents: {
        email: $('#dc-consent-email').checked,
        sms: $('#dc-consent-sms').checked,
        phone: $('#dc-consent-phone').checked,
      },
    };
  }

  $('#dc-register').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const body = newCustomer();
    const result = $('#dc-registered');
    busy(form, async () => {
      try {
        const done = await api('POST', '/api/v1/customers', body, { key: newKey() });
        reached = Math.max(reached, done.position || 0);
        const id = done.customer_id;
        fill(result, h('div', { class: done.created ? 'ok' : 'note', 'data-created': String(done.created) },
          done.created
            ? h('p', {}, h('strong', {}, 'Registered: '), `${body.name} is customer ${id}.`)
            : h('p', {}, h('strong', {}, 'Already a customer: '), `the e-mail or phone belongs to customer ${id}; nothing was changed.`),
          h('p', {}, customerLink(id, 'Open the customer 360'), ' · ',
            h('a', { href: `/configurator?customer=${encodeURIComponent(id)}` }, 'Order a car for them'))));
        if (done.created) {
          form.reset();
          if (market) $('#dc-market').value = market;
        }
      } catch (err) {
        fill(result);
        flashError(err);
      }
    });
  });

  api('GET', '/api/v1/catalog').then((catalog) => {
    const outlet = catalog.dealers && catalog.dealers[me.sub];
    if (!outlet) return;
    market = outlet.market;
    $('#dc-market').value = market;
  }).catch(flashError);
})();
