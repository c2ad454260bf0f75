// otd web UI: the reports shared by the staff pages and the tracker: the
// order-to-delivery KPI chart with its table (`GET /api/v1/kpis` per market)
// and an invoice's lines and totals. Adds to `window.OTD` (app.js).
'use strict';

(function () {
  const { api, h, s, fill, money, problemNode } = window.OTD;

  /** The KPI chart: order-to-delivery days (median, p90) per market, LTO share. */
  function kpiChart(container, perMarket) {
    const rows = perMarket.filter((k) => k.kpis);
    const max = Math.max(1, ...rows.map((r) => (r.kpis.order_to_delivery_days ? r.kpis.order_to_delivery_days.p90 : 0)));
    const barH = 18;
    const gap = 14;
    const left = 70;
    const width = 420;
    const height = rows.length * (2 * barH + gap) + 30;
    const scale = (d) => Math.max(2, Math.round((d / max) * (width - left - 110)));
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', 'aria-labelledby': 'kpi-chart-title' },
      s('title', { id: 'kpi-chart-title' }, 'Days from order to delivery, median and 90th percentile, per market'));
    rows.forEach((r, i) => {
      const y = 10 + i * (2 * barH + gap);
      const d = r.kpis.order_to_delivery_days;
      svg.append(s('text', { x: 0, y: y + barH + 4, class: 'label' }, r.market));
      if (!d) {
        svg.append(s('text', { x: left, y: y + barH + 4, class: 'muted' }, 'no deliveries yet'));
        return;
      }
      svg.append(
        s('rect', { x: left, y, width: scale(d.median), height: barH - 2, class: 'bar median' }),
        s('text', { x: left + scale(d.median) + 6, y: y + barH - 5, class: 'value' }, `median ${d.median} d`),
        s('rect', { x: left, y: y + barH, width: scale(d.p90), height: barH - 2, class: 'bar p90' }),
        s('text', { x: left + scale(d.p90) + 6, y: y + 2 * barH - 5, class: 'value' }, `p90 ${d.p90} d`));
    });
    const table = h('table', { class: 'data compact' },
      h('caption', {}, 'KPIs by market'),
      h('thead', {}, h('tr', {}, ['Market', 'Placed', 'Delivered', 'Cancelled', 'LTO share', 'Awaiting capacity', 'Orders delivered', 'Median days', 'p90 days', 'On time']
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => {
        const k = r.kpis;
        const d = k.order_to_delivery_days;
        const a = k.eta_accuracy;
        return h('tr', {},
          h('th', { scope: 'row' }, r.market),
          h('td', {}, k.orders_placed), h('td', {}, k.orders_delivered), h('td', {}, k.orders_cancelled),
          h('td', {}, k.lto_share_pct === null ? '—' : `${k.lto_share_pct}%`),
          h('td', {}, k.awaiting_capacity),
          h('td', {}, d ? d.orders : 0), h('td', {}, d ? d.median : '—'), h('td', {}, d ? d.p90 : '—'),
          h('td', {}, a ? `${a.on_time}/${a.orders}` : '—'));
      })));
    fill(container, svg, h('div', { class: 'table-wrap' }, table));
  }

  /** KPIs overall and for each market of the catalog. */
  async function loadKpis(container) {
    try {
      const catalog = await api('GET', '/api/v1/catalog');
      const markets = Object.keys(catalog.markets || {});
      const rows = await Promise.all(markets.map(async (m) => ({ market: m, kpis: await api('GET', `/api/v1/kpis?market=${encodeURIComponent(m)}`) })));
      kpiChart(container, rows);
    } catch (err) {
      fill(container, problemNode(err));
    }
  }

  /** `text` in the page's language where the page has one (`i18n.js`), else as written. */
  function tr(text) {
    return window.OTDText ? window.OTDText.t(text) : text;
  }

  /** An invoice's lines and totals as a table; `outstandingId` names the outstanding cell. */
  function invoiceTable(inv, outstandingId) {
    const row = (label, amount, cls, id) => h('tr', cls ? { class: cls } : {},
      h('th', { scope: 'row' }, label), h('td', id ? { class: 'money', id } : { class: 'money' }, amount));
    return h('table', { class: 'breakdown' }, h('tbody', {},
      inv.lines.map((l) => row(l.description, money(l.amount))),
      row(tr('Net'), money(inv.net), 'total'),
      row(tr('VAT'), money(inv.vat)),
      row(tr('Gross'), money(inv.gross), 'total grand'),
      row(tr('Deposit paid'), '−' + money(inv.deposit_paid)),
      inv.compensation ? row(tr('Delay compensation'), '−' + money(inv.compensation), 'credit', 'inv-compensation') : null,
      row(tr('Amount due'), money(inv.amount_due), 'total grand'),
      row(tr('Paid'), money(inv.paid)),
      row(tr('Outstanding'), money(inv.outstanding), null, outstandingId)));
  }

  Object.assign(window.OTD, { loadKpis, invoiceTable });
})();
