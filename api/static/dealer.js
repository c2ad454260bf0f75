// `/dealer`: the dealer's board — every order it delivers as columns by
// status (or a sortable table), delayed ones flagged, kept live by the
// board's Server-Sent Events without a reload; the stock at its location;
// handovers; the month's commission statement.
'use strict';

(function () {
  const { api, h, $, $$, fill, money, date, dateTime, badge, statusLabel, shortId, gate, flash, flashError, problemNode, newKey } = window.OTD;
  const { carName, plural } = window.STAFF;
  const me = gate();
  if (!me) return;
  const dealer = me.sub;
  const rows = new Map();
  let view = 'columns';
  let sortKey = 'eta';
  let sortDir = 1;
  const fresh = new Set();
  // The "Delivered" column grows for ever, so the board is read without it
  // (`?except_status=delivered`) and the handed over orders are paged by the
  // orders list (`status=delivered`, `limit`, `offset`, the total in
  // `X-Total-Count`): the latest DELIVERED_PAGE, then "Show more".
  const DELIVERED_PAGE = 10;
  let delivered = [];
  let deliveredTotal = 0;

  const COLUMNS = [
    ['Placed', ['placed']],
    ['Secured', ['allocated', 'scheduled']],
    ['In production', ['in_production', 'built']],
    ['In transit', ['in_transit']],
    ['At the dealer', ['at_dealer', 'handover_scheduled']],
    ['Delivered', ['delivered']],
    ['Cancelled', ['cancelled']],
  ];

  fill($('#dl-dealer'), dealer);
  fill($('#dl-location'), dealer);

  function canHandOver(r) {
    return r.status === 'at_dealer' || r.status === 'handover_scheduled';
  }

  /** "Hand over" once the car is here and its invoice paid; before payment, why not. */
  function handOverButton(r) {
    if (!canHandOver(r)) return null;
    if (r.invoice_status !== 'paid') {
      return h('p', { class: 'hint', 'data-handover-waits': r.order_id },
        r.invoice_status ? 'Hand over once the invoice is paid.' : 'Hand over once the invoice is issued and paid.');
    }
    return h('button', {
      type: 'button',
      class: 'small',
      'data-handover': r.order_id,
      onclick: (event) => handOver(r.order_id, event.currentTarget),
    }, 'Hand over');
  }

  /** The column a row belongs to (named by its first status): a car reserved while already
   *  on its way here is "In transit", where it is, with its "Vehicle reserved" badge. */
  function columnOf(r) {
    if (r.status === 'allocated' && r.vehicle_in_transit) return 'in_transit';
    const found = COLUMNS.find(([, statuses]) => statuses.includes(r.status));
    return found ? found[1][0] : r.status;
  }

  /** A card; its status badge only where it says more than its column's name (`title`):
   *  "At the dealer" under "At the dealer" is said to screen readers only. */
  function card(r, title) {
    const single = statusLabel(r.status) === title;
    return h('li', {
      class: 'order-card' + (r.delayed ? ' delayed' : '') + (fresh.has(r.order_id) ? ' fresh' : ''),
      'data-order': r.order_id,
      'data-status': r.status,
    },
    h('p', { class: 'card-head' }, h('a', { href: `/orders/${r.order_id}` }, h('span', { class: 'sr-only' }, 'Order '), shortId(r.order_id)),
      ' ', single ? h('span', { class: 'sr-only' }, statusLabel(r.status)) : badge(r.status)),
    h('p', {}, h('a', { href: `/customers/${r.customer_id}` }, r.customer_name || r.customer_id), ` · ${catalogModel(r.model)}`),
    r.status === 'delivered' || r.status === 'cancelled' ? null : h('p', { class: 'muted' }, r.eta ? `ETA ${date(r.eta)}` : 'no ETA yet'),
    r.delayed ? h('p', { class: 'flag' }, 'Delayed', r.status_reason ? `: ${r.status_reason.replace(/^delayed( in transit)?: /, '')}` : '') : null,
    !r.delayed && r.status_reason ? h('p', { class: 'muted' }, r.status_reason) : null,
    r.handover_at ? h('p', {}, `${r.status === 'delivered' ? 'Handed over' : 'Handover'} ${dateTime(r.handover_at)}`) : null,
    r.invoice_status ? h('p', {}, 'Invoice ', badge(r.invoice_status)) : null,
    handOverButton(r));
  }

  /** What is shown: the board's rows and the delivered ones read so far. */
  function visible() {
    const delayedOnly = $('#dl-delayed-only').checked;
    return Array.from(rows.values()).concat(delivered).filter((r) => !delayedOnly || r.delayed);
  }

  /** How many delivered orders the column stands for: all of them, or the delayed ones read. */
  function deliveredCount() {
    return $('#dl-delayed-only').checked ? delivered.filter((r) => r.delayed).length : deliveredTotal;
  }

  /** The counts of what is shown: "Delayed only" counts the delayed ones. */
  function renderCounts() {
    const list = visible();
    const count = list.filter((r) => r.status !== 'delivered').length + deliveredCount();
    const delayed = list.filter((r) => r.delayed).length;
    fill($('#dl-counts'),
      h('span', { id: 'dl-count' }, h('strong', {}, count), ` ${plural(count, 'order', 'orders')}`),
      delayed ? h('span', { class: 'flag' }, `${delayed} delayed`) : null);
  }

  /** A delivered order of the orders list as a board row. */
  function boardRow(o) {
    return {
      order_id: o.order_id,
      customer_id: o.customer_id,
      customer_name: o.customer_name,
      model: o.model,
      status: o.status,
      status_reason: o.status_reason,
      eta: o.eta,
      delayed: o.delayed,
      vehicle_in_transit: o.vehicle_in_transit,
      handover_at: o.handover_at,
      invoice_status: o.invoice ? o.invoice.status : null,
    };
  }

  /** Reads the latest delivered orders again (`more`: the next page after those read). */
  async function loadDelivered(more) {
    const offset = more ? delivered.length : 0;
    const q = new URLSearchParams({ dealer_id: dealer, status: 'delivered', limit: String(DELIVERED_PAGE), offset: String(offset) });
    try {
      const page = await api('GET', `/api/v1/orders?${q}`, undefined, { withTotal: true });
      const next = page.body.map(boardRow);
      if (more) {
        const known = new Set(delivered.map((r) => r.order_id));
        delivered = delivered.concat(next.filter((r) => !known.has(r.order_id)));
      } else {
        delivered = next;
      }
      deliveredTotal = Math.max(page.total, delivered.length);
      render();
    } catch (err) {
      flashError(err);
    }
  }

  /** A row of the board's stream: a newly delivered order joins the top of "Delivered". */
  function applyRow(row) {
    if (row.status !== 'delivered') {
      rows.set(row.order_id, row);
      return;
    }
    rows.delete(row.order_id);
    const at = delivered.findIndex((r) => r.order_id === row.order_id);
    if (at >= 0) {
      delivered[at] = row;
    } else {
      delivered.unshift(row);
      deliveredTotal += 1;
    }
  }

  function renderColumns() {
    const list = visible();
    fill($('#dl-board'), COLUMNS.map(([title, statuses]) => {
      const isDelivered = statuses[0] === 'delivered';
      let mine = list.filter((r) => columnOf(r) === statuses[0]);
      // Delivered: the latest handovers first (those read so far); the others by ETA.
      mine = isDelivered
        ? mine.sort((a, b) => String(b.handover_at || '').localeCompare(String(a.handover_at || '')))
        : mine.sort((a, b) => String(a.eta || '9999').localeCompare(String(b.eta || '9999')));
      const count = isDelivered ? deliveredCount() : mine.length;
      const id = `col-${statuses[0]}`;
      return h('section', { class: 'column', 'aria-labelledby': id, 'data-column': statuses[0] },
        h('h3', { id }, title, ' ', h('span', { class: 'count' }, count)),
        h('ul', { class: 'cards' }, mine.map((r) => card(r, title))),
        isDelivered && mine.length < count ? h('button', {
          type: 'button',
          class: 'small secondary',
          id: 'dl-delivered-more',
          onclick: (event) => {
            event.currentTarget.disabled = true;
            loadDelivered(true);
          },
        }, `Show ${Math.min(DELIVERED_PAGE, count - mine.length)} more of ${count}`) : null);
    }));
  }

  function renderTable() {
    const list = visible().sort((a, b) => sortDir * String(a[sortKey] || '').localeCompare(String(b[sortKey] || '')));
    for (const th of $$('#dl-table th[aria-sort]')) {
      const key = $('button', th).dataset.sort;
      th.setAttribute('aria-sort', key === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
    }
    fill($('#dl-table tbody'), list.map((r) => h('tr', { class: r.delayed ? 'delayed' : '', 'data-order': r.order_id },
      h('td', {}, h('a', { href: `/orders/${r.order_id}` }, shortId(r.order_id))),
      h('td', {}, h('a', { href: `/customers/${r.customer_id}` }, r.customer_name || r.customer_id)),
      h('td', {}, catalogModel(r.model)),
      h('td', {}, badge(r.status), r.delayed ? h('span', { class: 'flag' }, 'delayed') : null),
      h('td', {}, date(r.eta)),
      h('td', {}, r.invoice_status ? badge(r.invoice_status) : '—'),
      h('td', {}, handOverButton(r)))));
  }

  function render() {
    renderCounts();
    $('#dl-board').hidden = view !== 'columns';
    $('#dl-table-wrap').hidden = view !== 'table';
    if (view === 'columns') renderColumns();
    else renderTable();
  }

  async function loadBoard() {
    try {
      const board = await api('GET', `/api/v1/dealers/${encodeURIComponent(dealer)}/board?except_status=delivered`);
      rows.clear();
      for (const r of board.orders) rows.set(r.order_id, r);
      render();
      await loadDelivered(false);
    } catch (err) {
      flashError(err);
    }
  }

  function live() {
    const indicator = $('#dl-live');
    const state = (s, text) => {
      indicator.dataset.state = s;
      indicator.textContent = text;
    };
    // A pasted token goes in the query (EventSource sends no headers); the session cookie goes by itself.
    const url = `/api/v1/dealers/${encodeURIComponent(dealer)}/board/stream`
      + (me.token ? `?token=${encodeURIComponent(me.token)}` : '');
    const source = new EventSource(url);
    source.addEventListener('open', () => {
      state('live', 'live');
      loadBoard();
    });
    source.addEventListener('row', (event) => {
      let row;
      try {
        row = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      applyRow(row);
      fresh.add(row.order_id);
      stockSoon();
      window.setTimeout(() => {
        fresh.delete(row.order_id);
        const el = document.querySelector(`.order-card[data-order="${row.order_id}"]`);
        if (el) el.classList.remove('fresh');
      }, 4000);
      render();
    });
    // The server ends the stream when the token expires: reconnecting with it
    // would be refused, so stop and tell the user to sign in again.
    source.addEventListener('token_expired', (event) => {
      source.close();
      let detail = 'the token expired';
      try {
        detail = JSON.parse(event.data).detail || detail;
      } catch (_) {
        // keep the general wording
      }
      state('off', 'offline: sign in again');
      flash(`Live updates stopped: ${detail}. Sign in again with a fresh token.`, 'error');
    });
    source.addEventListener('error', () => {
      state(source.readyState === EventSource.CLOSED ? 'off' : 'connecting', source.readyState === EventSource.CLOSED ? 'offline: reload the page' : 'reconnecting…');
    });
    window.addEventListener('pagehide', () => source.close());
  }

  // The stock table follows the board: a change of a row (a transfer, a delay, an
  // arrival, a handover) reads the stock again, at most once a second.
  let stockTimer = null;
  function stockSoon() {
    if (stockTimer) return;
    stockTimer = window.setTimeout(() => {
      stockTimer = null;
      loadStock();
    }, 1000);
  }

  let catalog = null;
  function catalogModel(code) {
    return window.CRM.modelName(catalog, code);
  }

  async function handOver(orderId, button) {
    button.disabled = true;
    try {
      await api('POST', `/api/v1/orders/${orderId}/handover`, undefined, { key: newKey() });
      flash(`Order ${shortId(orderId)} handed over.`);
    } catch (err) {
      flashError(err);
      button.disabled = false;
    }
  }

  /** Loads the stock; `at`: a log position the list must reflect (read your own writes). */
  async function loadStock(at) {
    try {
      const q = at ? `?min_position=${encodeURIComponent(at)}` : '';
      // Handed over cars are no longer stock.
      const vehicles = (await api('GET', '/api/v1/vehicles' + q)).filter((v) => v.status !== 'delivered');
      $('#dl-stock-empty').hidden = vehicles.length > 0;
      fill($('#dl-stock tbody'), vehicles.map((v) => h('tr', { 'data-vehicle': v.vehicle_id },
        h('td', {}, h('code', { title: v.vehicle_id }, shortId(v.vehicle_id))),
        h('td', { class: 'car' }, carName(catalog, v)),
        h('td', {}, badge(v.status), v.delay_reason ? h('span', { class: 'flag' }, v.delay_reason) : null),
        h('td', {}, v.order_id ? h('a', { href: `/orders/${v.order_id}` }, shortId(v.order_id)) : '—'),
        h('td', {}, date(v.eta)),
        h('td', { class: 'actions-cell' }, v.status === 'in_transit' ? h('button', {
          type: 'button',
          class: 'small',
          onclick: async (event) => {
            event.currentTarget.disabled = true;
            try {
              const done = await api('POST', `/api/v1/vehicles/${v.vehicle_id}/arrive`, undefined, { key: newKey() });
              flash(`Vehicle ${shortId(v.vehicle_id)} arrived.`);
              loadStock(done && done.position);
            } catch (err) {
              flashError(err);
            }
          },
        }, 'Arrived') : null))));
    } catch (err) {
      fill($('#dl-stock tbody'), h('tr', {}, h('td', { colspan: 7 }, problemNode(err))));
    }
  }

  async function loadCommission(month) {
    const box = $('#dl-commission');
    try {
      const st = await api('GET', `/api/v1/dealers/${encodeURIComponent(dealer)}/commissions?month=${encodeURIComponent(month)}`);
      fill(box, st.lines.length === 0 ? h('p', {}, `No handovers in ${month} yet.`) : h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('caption', {}, `Statement ${st.month}`),
        h('thead', {}, h('tr', {}, ['Order', 'Delivered', 'Net price', 'Rate', 'Fee', 'Commission'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, st.lines.map((l) => h('tr', {},
          h('td', {}, h('a', { href: `/orders/${l.order_id}` }, shortId(l.order_id))),
          h('td', {}, date(l.delivered_on)),
          h('td', { class: 'money' }, money(l.net_price)),
          h('td', {}, `${Number(l.rate) / 100}%`),
          h('td', { class: 'money' }, money(l.fee)),
          h('td', { class: 'money' }, money(l.commission))))),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 5 }, 'Total'), h('td', { class: 'money', id: 'dl-commission-total' }, money(st.total)))))));
    } catch (err) {
      fill(box, problemNode(err));
    }
  }

  $('#dl-view-columns').addEventListener('click', () => {
    view = 'columns';
    $('#dl-view-columns').setAttribute('aria-pressed', 'true');
    $('#dl-view-table').setAttribute('aria-pressed', 'false');
    render();
  });
  $('#dl-view-table').addEventListener('click', () => {
    view = 'table';
    $('#dl-view-columns').setAttribute('aria-pressed', 'false');
    $('#dl-view-table').setAttribute('aria-pressed', 'true');
    render();
  });
  $('#dl-delayed-only').addEventListener('change', render);
  for (const button of $$('#dl-table th button[data-sort]')) {
    button.addEventListener('click', () => {
      const key = button.dataset.sort;
      sortDir = key === sortKey ? -sortDir : 1;
      sortKey = key;
      renderTable();
    });
  }
  $('#dl-commission-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadCommission($('#dl-month').value);
  });

  api('GET', '/api/v1/clock').then((clock) => {
    const month = clock.today.slice(0, 7);
    $('#dl-month').value = month;
    loadCommission(month);
  }).catch(flashError);
  window.CRM.catalog().then((c) => {
    catalog = c;
    fill($('#dl-dealer'), window.CRM.dealerName(c, dealer));
    fill($('#dl-location'), window.CRM.dealerName(c, dealer));
    render();
    loadStock();
  }).catch(flashError);
  loadBoard();
  live();
})();
