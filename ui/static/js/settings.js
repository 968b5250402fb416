// Settings: forms and buttons that call the JSON API (which decides access
// on every request; the cross-origin middleware guards every change).
//   form[data-api][data-method]   fields → JSON (data-confirm asks first, unless
//                                 data-confirm-unless="name=value" holds; checkbox → bool,
//                                 data-type="int"/"float" → number, "csv" → list of strings,
//                                 checkboxes with data-type="list" → list of their values,
//                                 data-omit-empty)
//   [data-delete], [data-patch][data-body], [data-post]   one-click calls
//                                 (data-confirm asks first; data-redirect: where to go after;
//                                 data-done: what to say once done, there or on that page;
//                                 data-removes: a selector of rows the call ended)
//   form[data-reload][data-done]  reloads once saved, and says data-done on the new page
//   form[data-redirect]           goes there once saved (the page that says what changed)
//   [data-show-when="name=value"] shown (its fields sent) only while the form's field
//                                 name has that value
//   input[data-assign]            PUT when ticked, DELETE when not
//   button[data-probe]            "test connection" for a camera form
//   button[data-onvif]            "find via ONVIF": fills a camera form's streams
// Results are shown with textContent only.

import { sentence } from './words.js';
import { dateTime, inReadersZone } from './when.js';

// resultFor is where el's answer is written: its form's line, else its
// section's own line (not one inside a row's form: a closed "New password"
// drawer's line took the answer to Disable, and nobody saw it). A form
// without a line of its own (Add household, a member's role) uses its
// section's: its errors were written nowhere.
function resultFor(el) {
  const form = el.closest('form');
  const own = form && form.querySelector('[data-result]');
  if (own) return own;
  const scope = el.closest('section') || document;
  return [...scope.querySelectorAll('[data-result]')].find((r) => !r.closest('form')) || scope.querySelector('[data-result]');
}

function show(el, text, ok) {
  const out = resultFor(el);
  if (!out) return;
  out.textContent = text;
  out.classList.toggle('error', !ok);
}

async function call(method, url, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const resp = await fetch(url, init);
  if (resp.status === 401) { window.location.assign('/login'); throw new Error('signed out'); }
  let data = null;
  if (resp.status !== 204) {
    try { data = await resp.json(); } catch { data = null; }
  }
  if (!resp.ok) throw new Error(sentence((data && data.error) || `failed (${resp.status})`));
  return data;
}

// confirmNotNeeded: the form's data-confirm-unless ("role=viewer") holds,
// so the change it warns of is not being made.
function confirmNotNeeded(form) {
  const [name, value] = (form.dataset.confirmUnless || '').split('=');
  return name !== '' && form.elements[name] !== undefined && form.elements[name].value === value;
}

function formBody(form) {
  const body = {};
  for (const input of form.elements) {
    if (!input.name || input.disabled) continue;
    if (input.type === 'checkbox' && input.dataset.type === 'list') {
      // Ticked boxes sharing a name make a list of their values.
      body[input.name] = body[input.name] || [];
      if (input.checked) body[input.name].push(input.value);
      continue;
    }
    if (input.type === 'checkbox') { body[input.name] = input.checked; continue; }
    if (input.value === '' && 'omitEmpty' in input.dataset) continue;
    switch (input.dataset.type) {
      case 'int': body[input.name] = Number.parseInt(input.value || '0', 10); break;
      case 'float': body[input.name] = Number.parseFloat(input.value || '0'); break;
      case 'csv': body[input.name] = input.value.split(',').map((v) => v.trim()).filter((v) => v !== ''); break;
      default: body[input.name] = input.value;
    }
  }
  return body;
}

// Each form saves only its own fields, and a Save that reads the page
// again (data-redirect, data-reload) dropped what was typed in another
// form: a household changed retention, saved motion, read "Saved." and
// lost the retention. unsaved holds the forms edited since their last
// save; while another one has edits, a Save leaves the page as it is and
// says which form still needs its own.
const unsaved = new Set();

// unsavedElsewhere names the forms other than form with edits not saved,
// by their card's heading, and where they are.
function unsavedElsewhere(form) {
  return [...unsaved].filter((f) => f !== form && f.isConnected).map((f) => {
    const h = f.closest('section')?.querySelector('h2');
    const name = h ? `"${h.textContent.trim()}"` : (f.dataset.cameraId ? 'the camera\'s settings' : 'another form');
    const where = form.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING ? 'below' : 'above';
    return `${name} ${where}`;
  });
}

for (const form of document.querySelectorAll('form[data-api]')) {
  form.addEventListener('input', () => unsaved.add(form));
  form.addEventListener('change', () => unsaved.add(form));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (form.dataset.confirm && !confirmNotNeeded(form) && !window.confirm(form.dataset.confirm)) return;
    const submit = form.querySelector('button[type="submit"]');
    if (submit) submit.disabled = true;
    try {
      const body = formBody(form);
      // A new household key replaces the one in the field: sending both
      // was refused as "one of the two", and the field is filled with the
      // key in use.
      if ('showRecovery' in form.dataset && body.new_key) delete body.recipient;
      const data = await call(form.dataset.method || 'POST', form.dataset.api, body);
      unsaved.delete(form);
      const others = unsavedElsewhere(form);
      if (others.length > 0 && (form.dataset.redirect || 'reload' in form.dataset)) {
        // Reading the page again would drop the other form's edits.
        show(form, `Saved. Your changes in ${others.join(' and ')} are not saved yet: press its Save button.`, true);
        return;
      }
      if ('showRecovery' in form.dataset && data) {
        // The tick is spent: left on, the next Save (ticking "continuous",
        // say) made another key, silently replacing the one just shown.
        if (form.elements.new_key) form.elements.new_key.checked = false;
        if (data.recipient && form.elements.recipient) form.elements.recipient.value = data.recipient;
      }
      if ('showRecovery' in form.dataset && data && (data.recovery_key || data.authorized_key)) {
        // The household's private key is in this answer only: shown and
        // offered as a file, never stored by the page.
        const out = form.querySelector('[data-recovery-output]');
        out.textContent = data.recovery_key || '';
        const link = form.querySelector('[data-recovery-download]');
        if (data.recovery_key) {
          link.href = URL.createObjectURL(new Blob([data.recovery_key], { type: 'text/plain' }));
          link.hidden = false;
        }
        form.querySelector('[data-authorized-output]').textContent = data.authorized_key || '';
        show(form, 'Saved. Keep the recovery key now: it is not shown again and this appliance keeps no copy.', true);
        // The page is not read again (the key would go), so the card
        // above says what was saved instead of what was there before.
        const card = document.querySelector('[data-offsite-card]');
        if (card && data.configured) {
          const where = data.kind === 'sftp' ? `sftp://${data.sftp_user}@${data.sftp_addr}${data.path}` : data.path;
          card.textContent = `Saved: copying to ${where}. Reload this page once you have kept the key to follow the copy.`;
          card.dataset.testid = 'offsite-saved';
        }
        return;
      }
      if ('showToken' in form.dataset && data && data.token) {
        form.querySelector('[data-token-output]').textContent = data.token;
        show(form, 'Token created. Copy it now: it is not shown again.', true);
        listToken(data);
        return;
      }
      if (form.dataset.redirect) {
        // The page as the server writes it after the save (the form post
        // without script lands there too): what the save changed shows.
        const to = new URL(form.dataset.redirect, window.location.href);
        if (to.href === window.location.href) window.location.reload(); else window.location.assign(to.href);
        return;
      }
      for (const pw of form.querySelectorAll('input[type="password"]')) pw.value = '';
      // A camera renamed: the page's heading and title follow.
      const heading = document.querySelector('.settings-body > h1');
      if (form.dataset.cameraId && data && typeof data.name === 'string' && heading) {
        heading.textContent = `Camera: ${data.name}`;
        document.title = `Camera: ${data.name} · Hearth`;
      }
      // status is a sentence on most answers; the off-site answer's is the
      // copy's figures (it read "[object Object]").
      const saved = (data && typeof data.status === 'string' && data.status) || 'Saved.';
      show(form, others.length > 0 ? `${saved} Your changes in ${others.join(' and ')} are not saved yet: press its Save button.` : saved, true);
      if ('reload' in form.dataset) {
        if (form.dataset.done) {
          try { window.sessionStorage.setItem(DONE_KEY, form.dataset.done); } catch { /* no note, still saved */ }
        }
        window.location.reload();
      }
    } catch (err) {
      show(form, err.message, false);
    } finally {
      if (submit) submit.disabled = false;
    }
  });
}

// listToken adds a token just created to the list above its form, as the
// page would list it after a reload (it used to appear only then).
function listToken(tok) {
  const body = document.querySelector('[data-testid="tokens"] tbody');
  if (!body) return;
  const when = (iso) => dateTime(iso) || 'never';
  const tr = document.createElement('tr');
  tr.dataset.testid = 'token-row';
  for (const [label, text] of [['Name', tok.name], ['Scope', tok.scope], ['Last used', 'never'], ['Expires', when(tok.expires_at)]]) {
    const td = document.createElement('td');
    td.dataset.label = label;
    td.textContent = text;
    tr.append(td);
  }
  const td = document.createElement('td');
  const revoke = document.createElement('button');
  revoke.type = 'button';
  revoke.className = 'secondary';
  revoke.dataset.delete = `/api/me/tokens/${encodeURIComponent(tok.id)}`;
  revoke.dataset.confirm = `Revoke the token ${tok.name}? Whatever uses it stops working, and it cannot be restored.`;
  revoke.dataset.done = `${tok.name} revoked.`;
  revoke.dataset.testid = 'token-revoke';
  revoke.textContent = 'Revoke';
  td.append(revoke);
  tr.append(td);
  body.append(tr);
  const none = document.querySelector('[data-testid="tokens-none"]');
  if (none) none.remove();
}

// Parts of a form that matter for one choice only (the SFTP server's
// address for an SFTP target) are hidden, and their fields not sent,
// for the others.
for (const part of document.querySelectorAll('[data-show-when]')) {
  const form = part.closest('form');
  const [name, value] = part.dataset.showWhen.split('=');
  const field = form && form.elements[name];
  if (!field) continue;
  const apply = () => {
    const on = field.value === value;
    part.hidden = !on;
    for (const input of part.querySelectorAll('input, select, textarea')) input.disabled = !on;
  };
  field.addEventListener('change', apply);
  apply();
}

// A camera's settings page says what the camera is doing now, and keeps
// saying it after a Save (a password put right reconnects it in
// seconds): the camera's status is read every few seconds for ten
// minutes. The words are the server's (page_settings.go, settingsStatusOf).
const now = document.querySelector('[data-camera-now]');
if (now) {
  const id = encodeURIComponent(now.dataset.cameraNow);
  let reads = 0;
  const read = async () => {
    if (++reads > 200) return;
    try {
      const resp = await fetch(`/api/cameras/${id}`, { credentials: 'same-origin' });
      if (resp.ok) {
        const cam = await resp.json();
        const w = cam.words || {};
        const badge = now.querySelector('[data-now-badge]');
        badge.className = `badge badge-${w.badge || 'unknown'}`;
        badge.textContent = w.badge || 'unknown';
        now.querySelector('[data-now-words]').textContent = w.badge === 'streaming' ? 'Streaming'
          : inReadersZone([w.headline, (w.advice || '').replaceAll(' in its settings', ' below')].filter((x) => x).join('. '), w.seen_at, w.seen_clock);
      }
    } catch { /* the next read tries again */ }
    setTimeout(read, 3000);
  };
  setTimeout(read, 3000);
}

// DONE_KEY carries a one-click call's data-done words across its
// data-redirect, to the next page's first result line.
const DONE_KEY = 'hearth.settings.done';

async function oneClick(el, method, url, body) {
  if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) return;
  el.disabled = true;
  const out = resultFor(el); // before the row goes
  try {
    const data = await call(method, url, body);
    if (el.dataset.redirect) {
      if (el.dataset.done) {
        try { window.sessionStorage.setItem(DONE_KEY, el.dataset.done); } catch { /* no note, still done */ }
      }
      window.location.assign(el.dataset.redirect);
    } else if (method === 'DELETE' && el.closest('tr')) {
      el.closest('tr').remove();
      if (out && el.dataset.done) { out.textContent = el.dataset.done; out.classList.remove('error'); }
    } else if (method === 'PATCH') window.location.reload();
    else if (el.dataset.removes) {
      // The rows the call ended (the other sessions) go with it.
      for (const row of document.querySelectorAll(el.dataset.removes)) row.remove();
      show(el, (data && typeof data.status === 'string' && data.status) || 'Done.', true);
      el.hidden = true;
    }
    else show(el, (data && typeof data.status === 'string' && data.status) || 'Done.', true);
  } catch (err) {
    show(el, err.message, false);
    el.disabled = false;
  }
}

// The words of a call made on the page before (data-done, across its
// redirect), once.
try {
  const done = window.sessionStorage.getItem(DONE_KEY);
  if (done) {
    window.sessionStorage.removeItem(DONE_KEY);
    const out = document.querySelector('[data-result]');
    if (out) out.textContent = done;
  }
} catch { /* storage off: nothing to say */ }

// One listener for the page, so rows a page adds later (a share link just
// made) work like those it was served with.
document.addEventListener('click', (ev) => {
  const el = ev.target instanceof Element ? ev.target.closest('[data-delete], [data-patch], [data-post]') : null;
  if (!el || el.disabled) return;
  if (el.dataset.delete !== undefined) oneClick(el, 'DELETE', el.dataset.delete);
  else if (el.dataset.patch !== undefined) oneClick(el, 'PATCH', el.dataset.patch, el.dataset.body);
  else oneClick(el, 'POST', el.dataset.post);
});

for (const box of document.querySelectorAll('input[data-assign]')) {
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      await call(box.checked ? 'PUT' : 'DELETE', box.dataset.assign);
      show(box, 'Saved.', true);
    } catch (err) {
      box.checked = !box.checked;
      show(box, err.message, false);
    } finally {
      box.disabled = false;
    }
  });
}

for (const btn of document.querySelectorAll('button[data-probe]')) {
  btn.addEventListener('click', async () => {
    const form = btn.closest('form');
    const out = form.querySelector('[data-probe-result]');
    const f = formBody(form);
    const req = { url: f.main_url || '', username: f.username || '', password: f.password || '', transport: f.transport || '' };
    if (form.dataset.cameraId) req.camera_id = form.dataset.cameraId;
    btn.disabled = true;
    out.classList.remove('error');
    out.textContent = 'Testing…';
    try {
      const r = await call('POST', '/api/cameras/test', req);
      if (r.ok) {
        out.textContent = `Connected: ${r.codec.toUpperCase()} ${r.width}×${r.height}${r.fps ? ` at ${r.fps} fps` : ''}.`;
      } else {
        out.textContent = `Failed: ${r.error}.`; // the words; error_class is for scripts
        out.classList.add('error');
      }
      // Stored credentials withheld from another host: say so.
      if (r.notice) out.textContent += ` Note: ${r.notice}.`;
    } catch (err) {
      out.textContent = err.message;
      out.classList.add('error');
    } finally {
      btn.disabled = false;
    }
  });
}

// "Search the network" (the appliance admin's form only: a scan sees every
// household's cameras): a WS-Discovery probe; each camera found becomes a
// button that puts its address in the ONVIF field, for "Find via ONVIF".
for (const btn of document.querySelectorAll('button[data-onvif-scan]')) {
  btn.addEventListener('click', async () => {
    const form = btn.closest('form');
    const out = form.querySelector('[data-onvif-result]');
    const list = form.querySelector('[data-onvif-found]');
    btn.disabled = true;
    out.classList.remove('error');
    out.textContent = 'Searching the network for ONVIF cameras (3 s)…';
    list.replaceChildren();
    list.hidden = true;
    try {
      const r = await call('POST', '/api/admin/onvif/discover', { multicast: true, wait_ms: 3000 });
      const devices = r.devices || [];
      if (devices.length === 0) {
        out.textContent = 'No ONVIF camera answered. Check that it is on this network and ONVIF is on in its own settings, or type its address.';
        return;
      }
      for (const d of devices) {
        if (!d.address) continue;
        const li = document.createElement('li');
        const pick = document.createElement('button');
        pick.type = 'button';
        pick.className = 'secondary';
        pick.dataset.testid = 'onvif-found-item';
        const host = (() => { try { return new URL(d.address).host; } catch { return d.address; } })();
        pick.textContent = `${[d.name, d.hardware].filter((v) => v).join(' ') || 'ONVIF camera'} at ${host}`;
        pick.addEventListener('click', () => {
          form.querySelector('[data-onvif-address]').value = d.address;
          out.classList.remove('error');
          out.textContent = `${pick.textContent}: now type its user name and password below, then Find via ONVIF.`;
          form.querySelector('[name="username"]').focus();
        });
        li.append(pick);
        list.append(li);
      }
      list.hidden = false;
      out.textContent = `Found ${devices.length === 1 ? 'one camera' : `${devices.length} cameras`}: pick one.`;
    } catch (err) {
      out.textContent = err.message;
      out.classList.add('error');
    } finally {
      btn.disabled = false;
    }
  });
}

// "Find via ONVIF": the address field has no name, so it is never sent
// with the camera itself; the user name and password are the form's.
for (const btn of document.querySelectorAll('button[data-onvif]')) {
  btn.addEventListener('click', async () => {
    const form = btn.closest('form');
    const out = form.querySelector('[data-onvif-result]');
    const f = formBody(form);
    const addrIn = form.querySelector('[data-onvif-address]');
    let address = addrIn.value.trim();
    // People type a camera's address as 192.168.1.20; ONVIF speaks http.
    if (address && !address.includes('://')) { address = `http://${address}`; addrIn.value = address; }
    const req = { address, username: f.username || '', password: f.password || '' };
    btn.disabled = true;
    out.classList.remove('error');
    out.textContent = 'Asking the camera…';
    try {
      const r = await call('POST', '/api/onvif/probe', req);
      const who = [r.manufacturer, r.model].filter((v) => v).join(' ') || 'The camera';
      if (!r.credentials_ok) {
        out.textContent = `${who} refused the user name and password (or wants some): enter the camera's own.`;
        out.classList.add('error');
        return;
      }
      const desc = (s) => `${s.codec} ${s.width}×${s.height}${s.fps ? ` at ${s.fps} fps` : ''}`;
      form.querySelector('[name="main_url"]').value = r.main.url;
      form.querySelector('[name="sub_url"]').value = r.sub ? r.sub.url : '';
      // Kept for the camera's own events and PTZ when its streams are on its host.
      const onvif = form.querySelector('[name="onvif_url"]');
      if (onvif) onvif.value = r.main.other_host ? '' : req.address;
      const name = form.querySelector('[name="name"]');
      if (name && !name.value && r.model) name.value = r.model;
      let text = `${who}: credentials work. Main stream ${desc(r.main)}`;
      text += r.sub ? `, sub stream ${desc(r.sub)}.` : '; no smaller sub stream.';
      // A camera with its own detections (a person, a line crossed) is
      // heard as well as watched: left on Hearth's motion alone, they
      // were ignored unless one knew to switch this.
      const source = form.querySelector('[name="event_source"]');
      if (source && r.events && !r.main.other_host && source.value === 'hearth') {
        source.value = 'both';
        text += ' Its own detections are taken as events too (Events from: both).';
      }
      if (r.main.other_host || (r.sub && r.sub.other_host)) {
        text += ' Note: the camera reports a stream on another host; the credentials are sent only to the main stream\'s host.';
      }
      out.textContent = text + ' Check the fields, then add the camera.';
    } catch (err) {
      out.textContent = err.message;
      out.classList.add('error');
    } finally {
      btn.disabled = false;
    }
  });
}
