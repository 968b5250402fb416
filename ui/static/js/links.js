// Share links settings: the form posts to the chosen camera's link route
// (the camera is part of the path, so the policy decides on it) and shows
// the new link once. Revoking goes through settings.js's [data-delete].

import { sentence } from './words.js';

const form = document.querySelector('form[data-share-form]');

function iso(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

// addRow puts the link just made at the top of the list above, in the
// words the server writes its rows in (page_share.go), without reloading
// the page, which would lose the link shown once. textContent only.
const pad = (n) => String(n).padStart(2, '0');
const day = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const clock = (d, secs) => `${pad(d.getHours())}:${pad(d.getMinutes())}${secs ? `:${pad(d.getSeconds())}` : ''}`;
function addRow(l) {
  const table = document.querySelector('[data-testid="links"]');
  if (!table) return;
  const cell = (label, text) => {
    const td = document.createElement('td');
    if (label) td.dataset.label = label;
    td.textContent = text;
    return td;
  };
  let shows = 'live view';
  if (l.kind === 'clip') {
    const a = new Date(l.start);
    const b = new Date(l.end);
    shows = `recording ${day(a)} ${clock(a, true)} to ${clock(b, true)}`;
  }
  if (l.passcode) shows += ' (passcode)';
  const expires = new Date(l.expires);
  const revoke = document.createElement('button');
  revoke.type = 'button';
  revoke.className = 'secondary';
  revoke.dataset.delete = `/api/links/${encodeURIComponent(l.id)}`;
  revoke.dataset.testid = 'link-revoke';
  // The question the server's rows ask (share.templ's revokeQuestion).
  revoke.dataset.confirm = 'Revoke this link? Whoever has it can no longer open it, and it cannot be restored.';
  revoke.textContent = 'Revoke';
  const tr = document.createElement('tr');
  tr.dataset.testid = 'link-row';
  const camera = cell('Camera', l.camera_name);
  if (l.note) {
    const note = document.createElement('span');
    note.className = 'link-note';
    note.dataset.testid = 'link-note';
    note.textContent = l.note;
    camera.append(note);
  }
  tr.append(camera, cell('Shows', shows), cell('Expires', `${day(expires)} ${clock(expires, false)}`),
    cell('Views', l.max_views > 0 ? `${l.views} of ${l.max_views}${l.views >= l.max_views ? ', used up' : ''}` : String(l.views)), cell('Made by', l.created_by));
  const last = document.createElement('td');
  last.append(revoke);
  tr.append(last);
  table.tBodies[0].prepend(tr);
  document.querySelector('[data-testid="links-none"]')?.remove();
}

// prefill takes the link to make from the address: the camera page's
// Share (?camera=&kind=live) and its selection's Share (&kind=clip&start=
// &end=, RFC 3339) lead here with it filled in, times in this browser's
// zone as datetime-local wants them.
function prefill() {
  const q = new URLSearchParams(window.location.search);
  const cam = q.get('camera');
  if (cam && [...form.elements.camera.options].some((o) => o.value === cam)) form.elements.camera.value = cam;
  const k = q.get('kind');
  if (k === 'live' || k === 'clip') form.elements.kind.value = k;
  const local = (s) => {
    const d = new Date(s || '');
    return Number.isNaN(d.getTime()) ? '' : `${day(d)}T${clock(d, true)}`;
  };
  for (const name of ['start', 'end']) {
    const v = local(q.get(name));
    if (v) form.elements[name].value = v;
  }
  if (cam || k) form.scrollIntoView({ block: 'start' });
}

if (form) {
  const out = form.querySelector('[data-link-output]');
  const result = form.querySelector('[data-result]');
  const kind = form.elements.kind;
  // "Copy link": the clipboard where the page may write it (https or this
  // machine), else the link is selected for the phone's own copy menu.
  const copy = form.querySelector('[data-link-copy]');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(out.textContent);
      result.textContent = 'Link copied. It is not shown again.';
      result.classList.remove('error');
    } catch {
      const range = document.createRange();
      range.selectNodeContents(out);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      result.textContent = 'The link is selected: copy it now, it is not shown again.';
      result.classList.remove('error');
    }
  });
  const syncKind = () => {
    const clip = kind.value === 'clip';
    form.elements.start.disabled = !clip;
    form.elements.end.disabled = !clip;
    // The recording's times are asked for only when a recording is shared.
    form.querySelector('[data-link-range]').hidden = !clip;
  };
  kind.addEventListener('change', syncKind);
  prefill();
  syncKind();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      kind: kind.value,
      expires_in_hours: Number.parseInt(form.elements.expires_in_hours.value || '0', 10),
      passcode: form.elements.passcode.value,
      max_views: Number.parseInt(form.elements.max_views.value || '0', 10),
      note: form.elements.note.value,
    };
    if (kind.value === 'clip') {
      body.start = iso(form.elements.start.value);
      body.end = iso(form.elements.end.value);
      if (!body.start || !body.end) {
        result.textContent = 'Choose when the recording starts and when it ends.';
        result.classList.add('error');
        return;
      }
    }
    const cam = encodeURIComponent(form.elements.camera.value);
    try {
      const resp = await fetch(`/api/cameras/${cam}/links`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const data = await resp.json().catch(() => null);
      if (!resp.ok) throw new Error((data && data.error) || `failed (${resp.status})`);
      out.textContent = new URL(data.url, window.location.href).toString();
      copy.hidden = false;
      result.textContent = 'Link made. Copy it now: it is not shown again.';
      result.classList.remove('error');
      addRow(data);
      // The link is shown once: on a phone it landed below the fold, so
      // the copy button comes into view with the focus.
      copy.focus();
      copy.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      result.textContent = sentence(err.message);
      result.classList.add('error');
    }
  });
}
