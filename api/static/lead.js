// `/leads/{id}`: one lead (`GET /api/v1/leads/{id}`): the person (their
// name links to the customer 360), model, source, grade, who works it, the
// 2-hour answer (a live countdown until the first contact), the next
// follow-up, the contacts in order and the test drives booked for it.
// Staff record a contact (`POST …/contacts`: channel, note, optional new
// grade) and ask to close it as lost (`POST …/lost`: a reason); a manager
// approves or refuses that request (`POST …/lost/approve`). After a write
// the page reads the lead again at the position the write reached.
'use strict';

(function () {
  const { $, api, h, fill, gate, flash, flashError, busy, newKey, ApiError } = window.OTD;
  const CRM = window.CRM;
  const me = gate();
  if (!me) return;
  const id = $('#content').dataset.lead;
  const path = `/api/v1/leads/${encodeURIComponent(id)}`;
  let lead = null;
  let catalog = null;
  let staff = new Map();

  function staffName(user) {
    if (!user) return 'the outlet';
    return staff.get(user) || user;
  }

  function fact(term, value, key) {
    return [h('dt', {}, term), h('dd', key ? { 'data-fact': key } : {}, value === null || value === undefined || value === '' ? '—' : value)];
  }

  const isOpen = (l) => !['F', 'S'].includes(l.grade);

  function answered(l) {
    if (typeof l.answered === 'boolean') return l.answered;
    if ('first_contact_at' in l) return !!l.first_contact_at;
    return (l.contacts || []).length > 0;
  }

  function tick() {
    const el = $('#le-answer');
    if (!lead || !isOpen(lead) || answered(lead)) {
      el.hidden = true;
      return;
    }
    const c = CRM.countdown(lead.respond_by);
    el.hidden = false;
    el.className = c.late ? 'countdown late' : 'countdown';
    el.textContent = `First answer: ${c.text}`;
  }

  function render(l) {
    lead = l;
    document.title = `${l.name || l.customer_id} · Lead · otd`;
    const link = $('#le-customer');
    link.textContent = l.name || l.customer_id;
    link.href = `/customers/${encodeURIComponent(l.customer_id)}`;
    fill($('#le-grade'), CRM.gradeBadge(l.grade));
    const answeredAt = (l.sla && l.sla.answered_at) || (l.contacts && l.contacts[0] && l.contacts[0].at);
    const response = answered(l) ? `answered ${CRM.when(answeredAt)}` : `due by ${CRM.when(l.respond_by)}`;
    fill($('#le-facts'),
      ...fact('Model', CRM.modelName(catalog, l.model)),
      ...fact('Source', CRM.sourceLabel(l.source)),
      ...fact('Grade', CRM.GRADES[l.grade] || l.grade, 'grade'),
      ...fact('Consultant', l.assigned_to ? staffName(l.assigned_to) : 'unassigned (any consultant may answer)'),
      ...fact('Came in', CRM.when(l.created_at)),
      ...fact('2-hour answer', [response, l.sla_breached ? h('span', { class: 'flag' }, 'missed') : null], 'answer'),
      ...fact('Next follow-up', isOpen(l) ? [CRM.when(l.next_follow_up), l.overdue ? h('span', { class: 'flag' }, 'overdue') : null] : '—', 'follow-up'),
      ...(l.note ? fact('Note', l.note) : []));
    const pending = l.lost_request;
    $('#le-lost-pending').hidden = !pending;
    if (pending) {
      $('#le-lost-pending').textContent = `Asked to close as lost by ${staffName(pending.by)} on ${CRM.when(pending.at)}: "${pending.reason}". A manager decides.`;
    }
    $('#le-closed').hidden = isOpen(l);
    $('#le-closed').textContent = l.grade === 'S' ? 'Sold: this lead became an order.' : `Lost${l.lost_reason ? `: ${l.lost_reason}` : ''}.`;
    const contacts = l.contacts || [];
    fill($('#lc-list'), contacts.map((c) => h('li', {},
      h('time', { datetime: c.at }, CRM.when(c.at)),
      h('strong', {}, CRM.channelLabel(c.channel)), ` by ${staffName(c.by)}`,
      c.note ? h('p', { class: 'note' }, c.note) : null)));
    $('#lc-empty').hidden = contacts.length > 0;
    // The lead's own list (drives booked online before the lead existed included); the
    // customer's 360 only adds each drive's time, model and status.
    const ids = new Set((l.test_drives || []).map((d) => (typeof d === 'string' ? d : d.test_drive_id)));
    const drives = Array.from(ids, (d) => drivesById.get(d) || { test_drive_id: d });
    fill($('#le-drives'), drives.map((d) => h('li', { 'data-drive': d.test_drive_id }, d.start
      ? [`${CRM.whenAt(d.start, zone())} · ${CRM.modelName(catalog, d.model)} · `, CRM.driveBadge(d.status)]
      : d.test_drive_id)));
    $('#le-drives-empty').hidden = drives.length > 0;
    $('#lc-card').hidden = !isOpen(l);
    $('#ll-card').hidden = !isOpen(l);
    $('#ll-form').hidden = !!pending;
    $('#ll-decide').hidden = !(pending && me.manager);
    tick();
  }

  /** The dealer's time zone (a drive's time is read in it). */
  function zone() {
    const d = catalog && catalog.dealers && catalog.dealers[me.sub];
    return d ? d.time_zone : undefined;
  }

  /** The lead names its drives by id; the customer's 360 has their time, model and status. */
  const drivesById = new Map();
  async function readDrives(l) {
    try {
      const c = await api('GET', `/api/v1/customers/${encodeURIComponent(l.customer_id)}`);
      for (const d of c.test_drives || []) drivesById.set(d.test_drive_id, d);
    } catch (_) {
      // Without the 360 the drives are listed by their numbers.
    }
  }

  async function load(at) {
    try {
      const l = await api('GET', path + (at ? `?min_position=${encodeURIComponent(at)}` : ''));
      await readDrives(l);
      render(l);
    } catch (err) {
      flashError(err);
    }
  }

  function showError(el, err) {
    el.hidden = false;
    el.textContent = err instanceof ApiError && err.errors.length ? err.errors.map((e) => e.message).join(' ') : err.message;
  }

  $('#lc-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const error = $('#lc-error');
    const note = $('#lc-note').value.trim();
    error.hidden = !!note;
    if (!note) {
      error.textContent = 'Write down what was said: the next consultant reads it.';
      $('#lc-note').focus();
      return;
    }
    const body = { channel: $('#lc-channel').value, note };
    if ($('#lc-grade').value) body.grade = $('#lc-grade').value;
    busy(form, async () => {
      try {
        const done = await api('POST', `${path}/contacts`, body, { key: newKey() });
        form.reset();
        flash(body.grade ? `Contact recorded; the lead is now grade ${body.grade}.` : 'Contact recorded.');
        await load(done && done.position);
      } catch (err) {
        showError(error, err);
      }
    });
  });

  $('#ll-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const error = $('#ll-error');
    const reason = $('#ll-reason').value.trim();
    error.hidden = !!reason;
    if (!reason) {
      error.textContent = 'Give the reason: the manager decides on it.';
      $('#ll-reason').focus();
      return;
    }
    busy(form, async () => {
      try {
        const done = await api('POST', `${path}/lost`, { reason }, { key: newKey() });
        form.reset();
        flash('Asked to close as lost: a manager decides.');
        await load(done && done.position);
      } catch (err) {
        showError(error, err);
      }
    });
  });

  async function decide(approve) {
    const box = $('#ll-decide');
    try {
      const done = await busy(box, () => api('POST', `${path}/lost/approve`, { approve }, { key: newKey() }));
      flash(approve ? 'Closed as lost.' : 'Refused: the lead stays open.');
      await load(done && done.position);
    } catch (err) {
      flashError(err);
    }
  }

  $('#ll-approve').addEventListener('click', () => decide(true));
  $('#ll-refuse').addEventListener('click', () => decide(false));
  $('#le-refresh').addEventListener('click', () => load());

  (async function start() {
    try {
      catalog = await CRM.catalog();
      const people = await api('GET', `/api/v1/dealers/${encodeURIComponent(me.sub)}/staff`).catch(() => []);
      staff = new Map(people.map((p) => [p.user_id, p.name]));
    } catch (err) {
      flashError(err);
    }
    await CRM.startClock(tick);
    const at = new URL(window.location.href).searchParams.get('at');
    await load(at);
  })();
})();
