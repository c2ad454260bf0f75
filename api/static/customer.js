// otd web UI: the customer 360. One page per customer: profile, consents,
// orders with status and ETA, invoices and payments, handovers, messages. The
// customer sees their own; their dealers, planners and finance theirs.
//
// The actions are shown to whom the API lets use them (it still decides,
// and its problems land in #flash): the customer and its dealers edit the
// profile and consents; a dealer's manager and an admin merge a duplicate
// in; the customer and an admin export the data and ask for erasure. After
// a change the page reads the 360 again at the log position the write
// reached, so it shows what was just done.
'use strict';

(function () {
  const { $, api, h, fill, badge, gate, flash, flashError, busy, newKey, signOutEverywhere } = window.OTD;
  // Money, dates and names in the page's language (format.js, i18n.js).
  const F = window.OTDFormat;
  const t = window.OTDText.t;
  const money = (m) => F.money(m);
  const date = (d) => F.date(d);
  const dateTime = (d) => F.dateTime(d);
  const me = gate();
  if (!me) return;
  let catalog = null;
  const catalogLoaded = api('GET', '/api/v1/catalog').then((c) => { catalog = c; }).catch(() => null);
  function statusBadge(status) {
    const b = badge(status);
    b.textContent = t(b.textContent);
    return b;
  }
  const LANGUAGES = { de: 'Deutsch', en: 'English', zh: '中文' };
  const id = $('#content').dataset.customer;
  /** The 360 last shown: the edit form starts from it and sends only what differs. */
  let shown = null;

  const may = {
    edit: me.role === 'customer' || me.role === 'dealer',
    merge: (me.role === 'dealer' && me.manager) || me.role === 'admin',
    privacy: me.role === 'customer' || me.role === 'admin',
  };

  function fact(term, value) {
    return [h('dt', {}, term), h('dd', {}, value === null || value === undefined || value === '' ? '—' : value)];
  }

  function consent(c) {
    if (!c) return t('not given');
    return `${c.granted ? t('yes') : t('no')} (${t(c.source)}, ${dateTime(c.at)})`;
  }

  function granted(c) {
    return !!(c && c.granted);
  }

  function render(c) {
    const erased = c.erased;
    $('#cu-name').textContent = erased ? t('Erased customer') : c.name;
    $('#cu-id').textContent = c.customer_id;
    $('#cu-erased').hidden = !erased;
    const address = c.billing_address
      ? `${c.billing_address.street}, ${c.billing_address.postcode} ${c.billing_address.city}, ${c.billing_address.country}`
      : null;
    fill($('#cu-profile'),
      ...fact(t('E-mail'), c.email), ...fact(t('Phone'), c.phone), ...fact(t('Billing address'), address),
      ...fact(t('Language'), LANGUAGES[c.language] || c.language), ...fact(t('Market'), F.marketName(catalog, c.market)),
      ...fact(t('Account'), t(c.account ? (c.verified ? 'signs in online, e-mail verified' : 'signs in online, e-mail not verified yet') : 'none (registered in a showroom)')),
      ...fact(t('Customer since'), date(c.registered_at)),
      ...(c.merged_ids.length ? fact(t('Also known as'), c.merged_ids.join(', ')) : []));
    fill($('#cu-consents'),
      ...fact(t('Marketing e-mail'), consent(c.consents.email)),
      ...fact(t('Marketing SMS'), consent(c.consents.sms)),
      ...fact(t('Marketing calls'), consent(c.consents.phone)));
    const rows = c.orders.map((o) => h('tr', {},
      h('td', {}, h('a', { href: `/orders/${o.order_id}` }, h('code', {}, F.shortId(o.order_id)))),
      h('td', {}, F.modelName(catalog, o.model)), h('td', {}, statusBadge(o.status)), h('td', {}, o.eta ? date(o.eta) : '—'),
      h('td', {}, o.dealer_name || F.dealerName(catalog, o.dealer_id)), h('td', { class: 'num' }, money(o.price.gross))));
    fill($('#cu-orders tbody'), ...rows);
    $('#cu-orders-empty').hidden = rows.length > 0;
    const invoices = c.invoices.map((i) => h('tr', {},
      h('td', {}, i.number), h('td', {}, date(i.issued_on)), h('td', { class: 'num' }, money(i.gross)),
      h('td', { class: 'num' }, money(i.paid)), h('td', { class: 'num' }, money(i.outstanding)), h('td', {}, statusBadge(i.status))));
    fill($('#cu-invoices tbody'), ...invoices);
    $('#cu-invoices-empty').hidden = invoices.length > 0;
    const handovers = c.handovers.map((o) => h('li', {},
      h('a', { href: `/orders/${o.order_id}` }, h('code', {}, F.shortId(o.order_id))), ' ',
      o.delivered ? t('handed over') : t('booked for {when}', { when: o.at ? dateTime(o.at) : '—' })));
    fill($('#cu-handovers'), ...handovers);
    $('#cu-handovers-empty').hidden = handovers.length > 0;
    // Sent, or queued while they wait (no mail server, or a retry ahead).
    const messages = (c.messages || []).map((m) => h('tr', {},
      h('td', {}, dateTime(m.at)), h('td', {}, m.subject), h('td', {}, m.kind),
      h('td', {}, m.channel === 'email' ? 'e-mail' : m.channel), h('td', {}, m.status.replace('_', ' '))));
    fill($('#cu-messages tbody'), ...messages);
    $('#cu-messages-empty').hidden = messages.length > 0;
    renderCrm(c);
    renderActions(c);
  }

  /** The customer's leads and test drives (a dealer opens a lead's page from its model). */
  function renderCrm(c) {
    const CRM = window.CRM;
    const cat = crmCatalog;
    const leads = (c.leads || []).map((l) => h('tr', { 'data-lead': l.lead_id },
      h('td', {}, l.dealer_name || CRM.dealerName(cat, l.dealer_id)),
      h('td', {}, me.role === 'dealer' && l.dealer_id === me.sub
        ? h('a', { href: `/leads/${encodeURIComponent(l.lead_id)}` }, CRM.modelName(cat, l.model))
        : CRM.modelName(cat, l.model)),
      h('td', {}, CRM.sourceLabel(l.source)), h('td', {}, CRM.gradeBadge(l.grade)),
      h('td', {}, ['F', 'S'].includes(l.grade) ? '—' : CRM.when(l.next_follow_up))));
    fill($('#cu-leads tbody'), ...leads);
    $('#cu-leads-empty').hidden = leads.length > 0;
    const mayCancel = !c.erased && (me.role === 'customer' || me.role === 'dealer');
    const drives = (c.test_drives || []).map((d) => h('tr', { 'data-drive': d.test_drive_id },
      h('td', {}, CRM.whenAt(d.start, cat && cat.dealers[d.dealer_id] && cat.dealers[d.dealer_id].time_zone)),
      h('td', {}, d.dealer_name || CRM.dealerName(cat, d.dealer_id)),
      h('td', {}, CRM.modelName(cat, d.model)),
      h('td', {}, CRM.driveBadge(d.status)),
      h('td', {}, mayCancel && d.status === 'booked' && Date.parse(d.start) > CRM.now()
        ? h('button', { type: 'button', class: 'small secondary', onclick: (e) => cancelDrive(d, e.currentTarget) }, 'Cancel')
        : '')));
    fill($('#cu-drives tbody'), ...drives);
    $('#cu-drives-empty').hidden = drives.length > 0;
  }

  async function cancelDrive(d, button) {
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/test-drives/${encodeURIComponent(d.test_drive_id)}/cancel`, undefined, { key: newKey() });
      flash(t('Test drive cancelled.'));
      await load(done && done.position);
    } catch (err) {
      button.disabled = false;
      flashError(err);
    }
  }

  /** Shows the actions the signed-in role may use; an erased customer takes none. */
  function renderActions(c) {
    const live = !c.erased;
    $('#cu-edit-card').hidden = !(live && may.edit);
    $('#cu-merge-card').hidden = !(live && may.merge);
    $('#cu-privacy-card').hidden = !(live && may.privacy);
    $('#cu-manage').hidden = !live || !(may.edit || may.merge || may.privacy);
    if (live && may.edit) {
      $('#cu-edit-name').value = c.name || '';
      $('#cu-edit-email').value = c.email || '';
      $('#cu-edit-phone').value = c.phone || '';
      $('#cu-edit-language').value = c.language;
      $('#cu-edit-consent-email').checked = granted(c.consents.email);
      $('#cu-edit-consent-sms').checked = granted(c.consents.sms);
      $('#cu-edit-consent-phone').checked = granted(c.consents.phone);
    }
    if (me.role === 'customer') {
      $('#cu-export').textContent = t('Download my data (JSON)');
      $('#cu-erase-dialog-title').textContent = t('Erase your personal data?');
    }
  }

  /** Reads the 360, at least as of log position `at` (read your own writes). */
  async function load(at) {
    try {
      const q = at ? `?min_position=${encodeURIComponent(at)}` : '';
      [shown] = await Promise.all([api('GET', `/api/v1/customers/${encodeURIComponent(id)}${q}`), catalogLoaded]);
      render(shown);
    } catch (err) {
      flashError(err);
    }
  }

  /** Opens a confirmation dialog; resolves with whether its "yes" button closed it. */
  function confirmed(dialog) {
    return new Promise((resolve) => {
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
      dialog.showModal();
    });
  }

  /** What the edit form changes: only the fields that differ from the 360 shown. */
  function profilePatch(c) {
    const patch = {};
    const name = $('#cu-edit-name').value.trim();
    const email = $('#cu-edit-email').value.trim();
    const phone = $('#cu-edit-phone').value.trim();
    const language = $('#cu-edit-language').value;
    if (name !== (c.name || '')) patch.name = name;
    if (email !== (c.email || '')) patch.email = email;
    if (phone !== (c.phone || '')) patch.phone = phone === '' ? null : phone;
    if (language !== c.language) patch.language = language;
    const consents = {};
    for (const channel of ['email', 'sms', 'phone']) {
      const wanted = $(`#cu-edit-consent-${channel}`).checked;
      if (wanted !== granted(c.consents[channel])) consents[channel] = wanted;
    }
    if (Object.keys(consents).length) patch.consents = consents;
    return patch;
  }

  $('#cu-edit').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!shown) return;
    const patch = profilePatch(shown);
    if (Object.keys(patch).length === 0) {
      flash(t('Nothing to save: the profile and consents are as shown.'));
      return;
    }
    busy(event.currentTarget, async () => {
      try {
        const done = await api('PATCH', `/api/v1/customers/${encodeURIComponent(id)}`, patch);
        flash(t('Saved: the profile and consents are up to date.'));
        await load(done.position);
        // A customer who changed their language sees their pages in it (unless they chose one here).
        if (patch.language && me.role === 'customer' && me.sub === id && window.OTDText) {
          await window.OTDText.learnProfile();
          if (window.OTDText.from !== 'choice' && window.OTDText.lang !== patch.language) window.location.reload();
        }
      } catch (err) {
        flashError(err);
      }
    });
  });

  $('#cu-merge').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const input = $('#cu-merge-id');
    const duplicate = input.value.trim().toUpperCase();
    const error = $('#cu-merge-error');
    error.hidden = duplicate !== '';
    error.textContent = duplicate ? '' : 'Enter the customer number of the duplicate (C-…).';
    if (duplicate) input.removeAttribute('aria-invalid');
    else {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    $('#cu-merge-duplicate').textContent = duplicate;
    if (!(await confirmed($('#cu-merge-dialog')))) return;
    busy(form, async () => {
      try {
        const done = await api('POST', `/api/v1/customers/${encodeURIComponent(id)}/merge`,
          { duplicate_id: duplicate }, { key: newKey() });
        input.value = '';
        flash(`${done.merged} merged into this customer.`);
        await load(done.position);
      } catch (err) {
        flashError(err);
      }
    });
  });

  $('#cu-export').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const data = await api('GET', `/api/v1/customers/${encodeURIComponent(id)}/export`);
      const file = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(file);
      const link = h('a', { href: url, download: `otd-customer-${id}.json`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
      flash(`Downloaded otd-customer-${id}.json.`);
    } catch (err) {
      flashError(err);
    } finally {
      button.disabled = false;
    }
  });

  $('#cu-erase').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    if (!(await confirmed($('#cu-erase-dialog')))) return;
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/customers/${encodeURIComponent(id)}/erase`, undefined, { key: newKey() });
      await load(done.position);
      if (me.role === 'customer') {
        // The account went with the data: the session ends here, the page stays as shown.
        await signOutEverywhere();
        flash(t('Erased: your personal data is unreadable everywhere, and you are signed out.'));
      } else {
        flash(t('Erased: the personal data is unreadable everywhere.'));
      }
    } catch (err) {
      flashError(err);
    } finally {
      button.disabled = false;
    }
  });

  $('#cu-refresh').addEventListener('click', () => load());
  /** Model and dealer names for the leads and test drives. */
  let crmCatalog = null;
  Promise.all([window.CRM.catalog(), window.CRM.readClock()])
    .then(([cat]) => { crmCatalog = cat; })
    .catch(() => { crmCatalog = null; })
    .finally(() => load());
})();
