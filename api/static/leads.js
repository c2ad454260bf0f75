// `/leads`: the outlet's leads inbox for its staff (`GET /api/v1/leads`):
// leads waiting for their first answer come first, each with a live
// countdown to its `respond_by` (2 hours after it came in, on the business
// clock), then overdue follow-ups, then the other open leads, then the
// closed ones. Filters by grade and "overdue only" go to the API. A walk-in,
// a call or an event contact becomes a lead with `POST /api/v1/leads`.
//
// A manager also sees the manager's view: the requests to close a lead as
// lost (approve or refuse), the leads that missed the 2-hour answer, an
// assignment table (the outlet's consultants by name), and the CRM KPIs of
// a period (`GET /api/v1/dealers/{id}/crm-kpis`).
'use strict';

(function () {
  const { $, api, h, fill, gate, flash, flashError, busy, newKey, problemNode, ApiError } = window.OTD;
  const CRM = window.CRM;
  const me = gate();
  if (!me) return;
  const dealer = me.sub;
  /** The log position of the last write: reads wait for it. */
  let reached = 0;
  let leads = [];
  /** The outlet's staff: `user_id` → name (empty when the API cannot list them). */
  let staff = new Map();
  let catalog = null;

  const isOpen = (l) => !['F', 'S'].includes(l.grade);

  /** Not answered yet: the API says so, or (older answers) the follow-up is still the 2-hour deadline. */
  function unanswered(l) {
    if (!isOpen(l)) return false;
    if (typeof l.answered === 'boolean') return !l.answered;
    if ('first_contact_at' in l) return !l.first_contact_at;
    return !!l.next_follow_up && Date.parse(l.next_follow_up) === Date.parse(l.respond_by);
  }

  function group(l) {
    if (unanswered(l)) return 'answer';
    if (isOpen(l) && l.overdue) return 'overdue';
    if (isOpen(l)) return 'open';
    return 'closed';
  }

  const GROUPS = [
    { key: 'answer', title: 'Waiting for a first answer', due: 'Answer within' },
    { key: 'overdue', title: 'Follow-up overdue', due: 'Follow-up was due' },
    { key: 'open', title: 'Other open leads', due: 'Next follow-up' },
    { key: 'closed', title: 'Closed', due: 'Outcome' },
  ];

  function staffName(id) {
    if (!id) return null;
    return staff.get(id) || id;
  }

  function customerCell(l) {
    return h('a', { href: `/leads/${encodeURIComponent(l.lead_id)}`, 'data-lead': l.lead_id }, l.name || l.customer_id);
  }

  function dueCell(l, key) {
    if (key === 'answer') {
      const c = CRM.countdown(l.respond_by);
      return h('span', { class: c.late ? 'countdown late' : 'countdown', 'data-countdown': l.respond_by }, c.text);
    }
    if (key === 'closed') return l.grade === 'S' ? 'Sold' : 'Lost';
    return h('span', { class: key === 'overdue' ? 'flag' : '' }, CRM.when(l.next_follow_up));
  }

  function table(g, rows) {
    const id = `ld-group-${g.key}`;
    return h('section', { class: 'lead-group', 'data-group': g.key, 'aria-labelledby': id },
      h('h3', { id }, g.title, ' ', h('span', { class: 'count' }, String(rows.length))),
      h('div', { class: 'table-wrap' }, h('table', { class: 'data leads', 'aria-labelledby': id },
        // What is due comes second: on a phone it stays in view while the rest scrolls.
        h('thead', {}, h('tr', {}, ['Customer', g.due, 'Grade', 'Model', 'Source', 'Consultant']
          .map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.map((l) => h('tr', { 'data-lead': l.lead_id, class: l.sla_breached ? 'breached' : '' },
          h('td', {}, customerCell(l), l.sla_breached ? h('span', { class: 'flag' }, 'missed 2 h') : null),
          h('td', {}, dueCell(l, g.key)),
          h('td', {}, CRM.gradeBadge(l.grade)),
          h('td', {}, CRM.modelName(catalog, l.model)),
          h('td', {}, CRM.sourceLabel(l.source)),
          h('td', {}, staffName(l.assigned_to) || h('span', { class: 'muted' }, 'unassigned'))))))));
  }

  function byTime(field) {
    return (a, b) => (Date.parse(a[field]) || Infinity) - (Date.parse(b[field]) || Infinity);
  }

  function renderInbox() {
    const groups = GROUPS.map((g) => ({ g, rows: leads.filter((l) => group(l) === g.key) }));
    groups[0].rows.sort(byTime('respond_by'));
    groups[1].rows.sort(byTime('next_follow_up'));
    groups[2].rows.sort(byTime('next_follow_up'));
    fill($('#ld-groups'), groups.filter((x) => x.rows.length).map((x) => table(x.g, x.rows)));
    $('#ld-empty').hidden = leads.length > 0;
    const filtered = $('#ld-grade').value || $('#ld-overdue').checked;
    $('#ld-empty-why').textContent = filtered ? 'None matches the filter.' : 'Your outlet has no lead yet.';
  }

  /** Every second: the countdowns move with the business clock. */
  function tick() {
    for (const el of document.querySelectorAll('[data-countdown]')) {
      const c = CRM.countdown(el.dataset.countdown);
      el.textContent = c.text;
      el.classList.toggle('late', c.late);
    }
    $('#ld-clock').textContent = `Business time ${CRM.when(new Date(CRM.now()).toISOString())}`;
  }

  async function load() {
    const params = new URLSearchParams({ dealer_id: dealer });
    if ($('#ld-grade').value) params.set('grade', $('#ld-grade').value);
    if ($('#ld-overdue').checked) params.set('overdue', 'true');
    if (reached) params.set('min_position', String(reached));
    try {
      leads = await api('GET', `/api/v1/leads?${params}`);
      renderInbox();
      if (me.manager) await renderManager();
      tick();
    } catch (err) {
      flashError(err);
    }
  }

  // ---- The manager's view.

  async function loadStaff() {
    try {
      const people = await api('GET', `/api/v1/dealers/${encodeURIComponent(dealer)}/staff`);
      staff = new Map(people.map((p) => [p.user_id, p.name]));
    } catch (_) {
      staff = new Map();
    }
  }

  /** The details of the leads `ids` (a lost request's reason is only there). */
  async function details(ids) {
    return Promise.all(ids.map((id) => api('GET', `/api/v1/leads/${encodeURIComponent(id)}${reached ? `?min_position=${reached}` : ''}`)
      .catch(() => null)));
  }

  function leadLink(l) {
    return h('a', { href: `/leads/${encodeURIComponent(l.lead_id)}` }, l.name || l.customer_id);
  }

  async function decide(l, approve, button) {
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/leads/${encodeURIComponent(l.lead_id)}/lost/approve`, { approve }, { key: newKey() });
      reached = Math.max(reached, (done && done.position) || 0);
      flash(approve ? `${l.name}: closed as lost.` : `${l.name}: stays open in grade ${l.grade}.`);
      await load();
    } catch (err) {
      button.disabled = false;
      flashError(err);
    }
  }

  async function renderManager() {
    $('#mg-card').hidden = false;
    const everyLead = $('#ld-grade').value || $('#ld-overdue').checked
      ? await api('GET', `/api/v1/leads?dealer_id=${encodeURIComponent(dealer)}${reached ? `&min_position=${reached}` : ''}`)
      : leads;
    const open = everyLead.filter(isOpen);
    // The list flags a pending request; its reason is in the lead's detail.
    const withRequest = (await details(open.filter((l) => l.lost_requested).map((l) => l.lead_id)))
      .filter((d) => d && d.lost_request);
    fill($('#mg-lost'), withRequest.map((l) => h('li', { 'data-lead': l.lead_id },
      h('p', {}, leadLink(l), ` · ${CRM.modelName(catalog, l.model)} · grade ${l.grade}: `,
        h('q', {}, l.lost_request.reason),
        ` — asked by ${l.lost_request.by ? staffName(l.lost_request.by) : 'the outlet'}, ${CRM.when(l.lost_request.at)}`),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'small danger', 'data-approve': 'yes', onclick: (e) => decide(l, true, e.currentTarget) }, 'Approve lost'),
        h('button', { type: 'button', class: 'small secondary', 'data-approve': 'no', onclick: (e) => decide(l, false, e.currentTarget) }, 'Refuse, keep working it')))));
    $('#mg-lost-empty').hidden = withRequest.length > 0;
    const breaches = everyLead.filter((l) => l.sla_breached);
    fill($('#mg-breaches'), breaches.map((l) => h('li', { 'data-lead': l.lead_id },
      leadLink(l), ` · ${CRM.sourceLabel(l.source)} · due ${CRM.when(l.respond_by)} · `,
      staffName(l.assigned_to) || 'unassigned')));
    $('#mg-breaches-empty').hidden = breaches.length > 0;
    renderAssign(open);
  }

  function renderAssign(open) {
    const people = Array.from(staff.entries()).sort((a, b) => a[1].localeCompare(b[1]));
    fill($('#mg-assign tbody'), open.map((l) => {
      const selectId = `mg-assign-${l.lead_id}`;
      const select = h('select', { id: selectId, 'aria-label': `Consultant for ${l.name || l.customer_id}` },
        h('option', { value: '' }, 'Choose…'),
        people.map(([id, name]) => h('option', { value: id, selected: id === l.assigned_to }, name)));
      const button = h('button', { type: 'button', class: 'small', onclick: () => assign(l, select, button) }, 'Assign');
      return h('tr', { 'data-lead': l.lead_id },
        h('td', {}, leadLink(l)), h('td', {}, CRM.modelName(catalog, l.model)), h('td', {}, CRM.gradeBadge(l.grade)),
        h('td', {}, staffName(l.assigned_to) || h('span', { class: 'muted' }, 'unassigned')),
        h('td', {}, h('div', { class: 'actions-cell' }, select, button)));
    }));
    $('#mg-assign-empty').hidden = open.length > 0;
  }

  async function assign(l, select, button) {
    if (!select.value) {
      select.focus();
      flash('Choose a consultant first.', 'error');
      return;
    }
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/leads/${encodeURIComponent(l.lead_id)}/assign`, { user_id: select.value }, { key: newKey() });
      reached = Math.max(reached, (done && done.position) || 0);
      flash(`${l.name}: assigned to ${staffName(select.value)}.`);
      await load();
    } catch (err) {
      button.disabled = false;
      flashError(err);
    }
  }

  function kpiTable(caption, head, rows) {
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data compact' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)));
  }

  function conversionRows(list, label) {
    return list.map((c) => h('tr', {}, h('th', { scope: 'row' }, label(c)),
      h('td', {}, c.sold), h('td', {}, c.lost), h('td', {}, CRM.percent(c.rate))));
  }

  async function loadKpis() {
    const out = $('#kp-out');
    const params = new URLSearchParams({ from: $('#kp-from').value, to: $('#kp-to').value });
    try {
      const k = await api('GET', `/api/v1/dealers/${encodeURIComponent(dealer)}/crm-kpis?${params}`);
      const fr = k.first_response || {};
      const td = k.test_drives || {};
      fill(out,
        h('dl', { class: 'kpi-tiles', id: 'kp-tiles' },
          h('div', {}, h('dt', {}, 'Leads'), h('dd', { 'data-kpi': 'leads' }, k.leads)),
          h('div', {}, h('dt', {}, 'First answer, median'), h('dd', { 'data-kpi': 'median' }, CRM.minutes(fr.median_minutes))),
          h('div', {}, h('dt', {}, 'First answer, p90'), h('dd', { 'data-kpi': 'p90' }, CRM.minutes(fr.p90_minutes))),
          h('div', {}, h('dt', {}, 'Answered within 2 h'), h('dd', { 'data-kpi': 'within-2h' }, CRM.percent(fr.within_2h_share))),
          h('div', {}, h('dt', {}, 'Missed 2 h'), h('dd', { 'data-kpi': 'breaches' }, k.sla_breaches)),
          h('div', {}, h('dt', {}, 'Overdue follow-ups now'), h('dd', { 'data-kpi': 'overdue' }, k.overdue_follow_ups)),
          h('div', {}, h('dt', {}, 'Test drives booked'), h('dd', { 'data-kpi': 'drives-booked' }, td.booked)),
          h('div', {}, h('dt', {}, 'Completed'), h('dd', { 'data-kpi': 'drives-completed' }, td.completed)),
          h('div', {}, h('dt', {}, 'No-shows'), h('dd', { 'data-kpi': 'drives-no-show' }, td.no_show))),
        h('div', { class: 'columns' },
          kpiTable('Conversion by source (sold of closed)', ['Source', 'Sold', 'Lost', 'Rate'],
            conversionRows(k.conversion_by_source || [], (c) => CRM.sourceLabel(c.source))),
          kpiTable('Conversion by grade at closing', ['Grade', 'Sold', 'Lost', 'Rate'],
            conversionRows(k.conversion_by_grade || [], (c) => CRM.GRADES[c.grade] || c.grade))));
    } catch (err) {
      fill(out, problemNode(err));
    }
  }

  // ---- A new lead.

  $('#ln-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const error = $('#ln-error');
    const name = $('#ln-name').value.trim();
    const email = $('#ln-email').value.trim();
    const phone = $('#ln-phone').value.trim();
    const missing = !name ? 'Enter the person\'s name.' : (!email && !phone ? 'Enter an e-mail address or a phone number.' : '');
    error.hidden = !missing;
    error.textContent = missing;
    if (missing) {
      (name ? $('#ln-email') : $('#ln-name')).focus();
      return;
    }
    const body = { dealer_id: dealer, name, model: $('#ln-model').value, source: $('#ln-source').value };
    if (email) body.email = email;
    if (phone) body.phone = phone;
    if ($('#ln-grade').value) body.grade = $('#ln-grade').value;
    if ($('#ln-note').value.trim()) body.note = $('#ln-note').value.trim();
    busy(form, async () => {
      try {
        const done = await api('POST', '/api/v1/leads', body, { key: newKey() });
        reached = Math.max(reached, done.position || 0);
        fill($('#ln-result'), h('div', { class: 'ok' }, h('p', {}, h('strong', {}, 'Lead created: '), `${name}, grade ${done.grade}, answer by ${CRM.when(done.respond_by)}. `,
          h('a', { href: `/leads/${encodeURIComponent(done.lead_id)}` }, 'Open the lead'))));
        form.reset();
        await load();
      } catch (err) {
        fill($('#ln-result'));
        if (err instanceof ApiError && err.errors.length) {
          error.hidden = false;
          error.textContent = err.errors.map((e) => e.message).join(' ');
        } else {
          flashError(err);
        }
      }
    });
  });

  $('#ld-filter').addEventListener('change', () => load());
  $('#ld-filter').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  $('#ld-refresh').addEventListener('click', () => load());
  $('#kp-form').addEventListener('submit', (e) => { e.preventDefault(); loadKpis(); });

  (async function start() {
    try {
      catalog = await CRM.catalog();
      $('#ld-dealer').textContent = CRM.dealerName(catalog, dealer);
    } catch (err) {
      flashError(err);
    }
    await CRM.startClock(tick);
    await loadStaff();
    if (me.manager) {
      const today = CRM.today();
      $('#kp-from').value = CRM.addDays(today, -29);
      $('#kp-to').value = today;
    }
    await load();
    if (me.manager) loadKpis();
    // New leads arrive from the web form at any time: look again every 20 s while visible.
    // Not while a form is being used: a reload would reset what the user chose.
    window.setInterval(() => {
      const busyHere = document.activeElement && document.activeElement.closest('form, #mg-card');
      if (document.visibilityState === 'visible' && !busyHere) load();
    }, 20_000);
  })();
})();
