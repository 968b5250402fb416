// Events page: the review list. Events from /api/events with the filter
// form's review state, camera, kind and day, grouped per day (local time:
// "Today", "Yesterday", then dates) and per camera (side by side; on a
// phone one time-ordered list a day), one dense row each.
// A row opens the camera page at the event's moment and marks the event
// reviewed for this user (as Frigate does: opening it is looking at it);
// "r" or the ✓ button toggles the mark; playing the clip (▶) marks it too. Owners and members pin, owners
// delete. Every value from the server is set with textContent or as an
// attribute.

// Times read as on the camera page (24-hour, the day when not today): the
// list wrote them in the browser's 12-hour style, the dialog with the
// date in numbers, the camera page in 24 hours.
import { hhmmss, moment } from './timeline.js';

const PAGE_SIZE = 50;

// The event routes in one place. An event in the list carries its own
// thumbnail (when there is one) and clip URLs.
const api = {
  list: (q) => `/api/events?${q}`,
  clip: (id) => `/api/events/${encodeURIComponent(id)}/clip.mp4`,
  pin: (id) => `/api/events/${encodeURIComponent(id)}/pin`, // POST pins, DELETE unpins
  remove: (id) => `/api/events/${encodeURIComponent(id)}`,
  reviewed: (id) => `/api/events/${encodeURIComponent(id)}/reviewed`, // POST marks, DELETE unmarks
  reviewAll: '/api/events/reviewed',
};

// The camera page at a moment (another part of the UI plays it in place).
const momentURL = (cam, start) => `/cameras/${encodeURIComponent(cam)}?t=${encodeURIComponent(start)}`;

// localURL keeps only same-origin paths from the server's answer.
function localURL(u) {
  return typeof u === 'string' && u.startsWith('/api/') ? u : '';
}

// plural gives "1 event", "2 events".
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

// duration says how long an event lasted, in words a household reads at
// a glance: "8 s", "2 min 5 s", "1 h 3 min".
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}

// dayKey is the local calendar day of a time, YYYY-MM-DD.
function dayKey(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// dayHeading names a local day the way people do.
export function dayHeading(d, now = new Date()) {
  const today = dayKey(now);
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  const key = dayKey(d);
  if (key === today) return 'Today';
  if (key === dayKey(y)) return 'Yesterday';
  const opts = { weekday: 'long', day: 'numeric', month: 'long' };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return d.toLocaleDateString(undefined, opts);
}

const form = document.querySelector('[data-events-filter]');
const list = document.querySelector('[data-events]');
const statusEl = document.querySelector('[data-events-status]');
const more = document.querySelector('[data-events-more]');
const markAll = document.querySelector('[data-events-mark-all]');
const fresh = document.querySelector('[data-events-new]');
const dialog = document.querySelector('[data-events-player]');
const player = dialog.querySelector('video');
const playerTitle = dialog.querySelector('[data-events-player-title]');
const dialogActions = dialog.querySelector('[data-events-player-actions]');
const canManage = list.dataset.canManage === 'true';
const canPin = list.dataset.canPin === 'true';
const cameraOptions = [...form.querySelectorAll('select[name="camera"] option')].filter((o) => o.value);
const kindSelect = form.querySelector('select[name="kind"]');
let labelGroup = null;

// offerLabel adds a label (a trigger's "doorbell") to the kind filter the
// first time an event with it is listed; labels are free text the server
// keeps, so the filter learns them from what it shows.
function offerLabel(label) {
  if (!label || [...kindSelect.options].some((o) => o.value === `label:${label}`)) return;
  if (!labelGroup) {
    labelGroup = el('optgroup');
    labelGroup.label = 'Labels';
    kindSelect.append(labelGroup);
  }
  const o = el('option', '', label);
  o.value = `label:${label}`;
  labelGroup.append(o);
}
const cameraNames = new Map(cameraOptions.map((o) => [o.value, o.textContent]));
const cameraOrder = new Map(cameraOptions.map((o, i) => [o.value, i]));

const narrow = window.matchMedia('(max-width: 40rem)');
let cursor = '';
let shown = 0;
let newest = ''; // start of the newest event listed, to tell new ones
let loading = 0; // the generation of the listing being loaded

function status(text) { statusEl.textContent = text; }

function show() { return new FormData(form).get('show') || 'unreviewed'; }

function query() {
  const fd = new FormData(form);
  const q = new URLSearchParams();
  if (fd.get('camera')) q.set('camera', fd.get('camera'));
  const kind = String(fd.get('kind') || '');
  if (kind.startsWith('label:')) q.set('label', kind.slice(6));
  else if (kind) q.set('kind', kind);
  if (show() === 'unreviewed') q.set('reviewed', 'false');
  if (show() === 'reviewed') q.set('reviewed', 'true');
  const day = fd.get('day');
  if (day) {
    const [y, m, d] = day.split('-').map(Number);
    const start = new Date(y, m - 1, d);
    const end = new Date(y, m - 1, d + 1); // local midnight, whatever the DST
    q.set('start', start.toISOString());
    q.set('end', end.toISOString());
  }
  q.set('limit', String(PAGE_SIZE));
  return q;
}

async function send(method, url, body, keepalive = false) {
  const init = { method, credentials: 'same-origin', keepalive };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(url, init);
  if (!resp.ok) {
    let msg = `failed (${resp.status})`;
    try { msg = (await resp.json()).error || msg; } catch { /* not JSON */ }
    throw new Error(msg);
  }
  return resp.status === 204 ? null : resp.json();
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label, title, onClick, cls = 'secondary') {
  const b = el('button', cls, label);
  b.type = 'button';
  b.title = title;
  b.setAttribute('aria-label', title);
  b.addEventListener('click', onClick);
  return b;
}

// lane returns the list of (day, camera) for an event, making the day's
// section and the camera's lane when they are new. Days come newest first
// (the listing's order); lanes keep the cameras' order (by name).
function lane(when, cam) {
  const key = dayKey(when);
  let day = list.querySelector(`section.ev-day[data-day="${key}"]`);
  if (!day) {
    day = el('section', 'ev-day');
    day.dataset.day = key;
    day.dataset.testid = 'events-day';
    const h = el('h2', '', dayHeading(when));
    day.append(h, el('div', 'ev-lanes'));
    list.append(day);
  }
  const lanes = day.querySelector('.ev-lanes');
  // On a phone the lanes would stack: one camera's whole day before the
  // next camera's newest event. There the day is one list in time order
  // (each row names its camera; the camera filter picks one).
  if (narrow.matches) cam = '';
  let ln = [...lanes.children].find((l) => l.dataset.camera === cam);
  if (!ln) {
    ln = el('section', 'ev-lane');
    ln.dataset.camera = cam;
    ln.dataset.testid = 'events-lane';
    if (cam) ln.append(el('h3', '', cameraNames.get(cam) || 'Camera'));
    ln.append(el('ul', 'ev-rows'));
    const order = cameraOrder.get(cam) ?? 1e9;
    const after = [...lanes.children].find((l) => (cameraOrder.get(l.dataset.camera) ?? 1e9) > order);
    lanes.insertBefore(ln, after || null);
  }
  return ln.querySelector('.ev-rows');
}

// setReviewed marks or unmarks an event for this user and shows it.
async function setReviewed(li, reviewed, keepalive = false) {
  const id = li.dataset.eventId;
  try {
    await send(reviewed ? 'POST' : 'DELETE', api.reviewed(id), undefined, keepalive);
    showReviewed(li, reviewed);
    status(summary()); // the count of what is left to review follows
  } catch (err) { status(err.message); }
}

function showReviewed(li, reviewed) {
  li.classList.toggle('reviewed', reviewed);
  li.dataset.reviewed = String(reviewed);
  const b = li.querySelector('.ev-mark');
  b.setAttribute('aria-pressed', String(reviewed));
  const t = reviewed ? 'Reviewed: mark unreviewed' : 'Mark reviewed';
  b.title = `${t} (r)`;
  // Which event: a screen reader going through the buttons heard the same
  // words on every row.
  b.setAttribute('aria-label', `${t}: ${li.dataset.desc}`);
}

function row(ev) {
  const id = String(ev.id);
  const cam = String(ev.camera || '');
  const when = new Date(ev.start);
  const camName = cameraNames.get(cam) || 'Camera';
  // A camera's outage or a stalled recorder has no footage to play (that
  // is what it records): no ▶, whose clip answered a bare "not found";
  // the row opens the camera at that moment, where the timeline shows the
  // gap.
  const health = ev.kind === 'offline' || ev.kind === 'stalled';
  const what = ev.label || { offline: 'camera offline', stalled: 'recording stalled' }[ev.kind] || ev.kind || 'event';
  const li = el('li', 'ev-row event');
  li.dataset.eventId = id;
  li.dataset.testid = 'event-card';

  const open = el('a', 'ev-open');
  open.href = momentURL(cam, ev.start);
  open.dataset.testid = 'event-open';
  let picture;
  if (localURL(ev.thumbnail)) {
    picture = el('img', 'ev-thumb');
    picture.src = localURL(ev.thumbnail);
    picture.loading = 'lazy';
    picture.alt = '';
  } else {
    picture = el('span', 'ev-thumb no-thumb', 'no picture');
  }
  const time = el('time', 'ev-time', hhmmss(when.getTime()));
  time.dateTime = ev.start;
  const title = el('span', 'event-title');
  title.append(el('span', 'ev-cam', camName), el('span', `ev-kind ev-kind-${ev.kind === 'trigger' ? 'trigger' : health ? 'health' : 'motion'}`, what));
  const dur = el('span', 'ev-dur', ev.open ? 'ongoing' : duration(new Date(ev.end) - when));
  dur.title = 'Duration';
  // The detector's peak, said as what it is: a bare "50%" meant nothing,
  // and its tooltip never shows on a phone.
  const strength = ev.score > 0 ? `${Math.round(Math.min(ev.score, 1) * 100)}%` : '';
  const score = el('span', 'ev-score', strength ? `strength ${strength}` : '');
  score.title = 'How strong the motion was at its peak';
  open.append(picture, time, title, dur, score);
  open.setAttribute('aria-label', `${what} on ${camName} at ${moment(when.getTime())}, ${ev.open ? 'ongoing' : duration(new Date(ev.end) - when)}${strength ? `, strength ${strength}` : ''}: open the camera at this moment`);
  // Opening an event is looking at it: mark it reviewed on the way out
  // (keepalive outlives the navigation). A modified click (click) or a
  // middle one (auxclick) opens a tab and marks too; ✓ undoes it.
  const opened = () => { if (li.dataset.reviewed !== 'true') setReviewed(li, true, true); };
  open.addEventListener('click', opened);
  open.addEventListener('auxclick', (e) => { if (e.button === 1) opened(); });

  li.dataset.desc = `${what} on ${camName} at ${time.textContent}`;
  const actions = el('div', 'ev-actions');
  const play = button('▶', 'Play the clip here', () => openClip(li, ev, `${camName} · ${what} · ${moment(when.getTime())}`));
  play.setAttribute('aria-label', `Play the clip here: ${li.dataset.desc}`);
  play.dataset.testid = 'event-play';
  const mark = button('✓', 'Mark reviewed (r)', () => setReviewed(li, li.dataset.reviewed !== 'true'), 'secondary ev-mark');
  mark.dataset.testid = 'event-mark';
  if (health) actions.append(mark); else actions.append(play, mark);
  li.classList.toggle('pinned', Boolean(ev.pinned));
  li.append(open, actions);
  showReviewed(li, Boolean(ev.reviewed));
  return li;
}

// openClip plays an event's clip in the dialog, with what may be done to
// the event: owners and members pin (pinned footage outlives retention,
// so a viewer, who may only watch, may not); only owners delete. They sit
// here rather than on every row to keep the rows short on a phone.
function openClip(li, ev, title) {
  const id = String(ev.id);
  player.src = localURL(ev.clip) || api.clip(id);
  player.dataset.eventId = id;
  playerTitle.textContent = title;
  const link = el('a', 'button', 'Open camera at this moment');
  link.href = momentURL(String(ev.camera || ''), ev.start);
  // A phone's player has no download of its own (iPhone Safari).
  const save = el('a', 'button secondary', 'Download');
  save.href = player.src;
  save.setAttribute('download', `${title.replace(/[\\/:*?"<>|]/g, '-')}.mp4`);
  save.dataset.testid = 'event-download';
  const acts = [link, save];
  if (canPin) {
    const pinned = () => li.classList.contains('pinned');
    const pin = button(pinned() ? 'Unpin' : 'Pin', 'Keep this event and its footage', async () => {
      try {
        await send(pinned() ? 'DELETE' : 'POST', api.pin(id));
        li.classList.toggle('pinned', !pinned());
        pin.textContent = pinned() ? 'Unpin' : 'Pin';
      } catch (err) { status(err.message); }
    });
    pin.dataset.testid = 'event-pin';
    acts.push(pin);
  }
  if (canManage) {
    const del = button('Delete', 'Delete this event', async () => {
      if (!window.confirm('Delete this event and its clip?')) return;
      try { await send('DELETE', api.remove(id)); li.remove(); dialog.close(); } catch (err) { status(err.message); }
    });
    del.dataset.testid = 'event-delete';
    acts.push(del);
  }
  dialogActions.replaceChildren(...acts);
  // Playing the clip is watching the event, as opening it is.
  if (li.dataset.reviewed !== 'true') setReviewed(li, true);
  dialog.showModal();
  player.play().catch(() => {});
}

function summary() {
  if (shown === 0) {
    // Say why the list is empty: no cameras at all, a filter that
    // matches nothing, or everything reviewed.
    if (cameraOptions.length === 0) return 'No cameras here yet, so no events.';
    const fd = new FormData(form);
    if (fd.get('day') || fd.get('kind') || fd.get('camera')) return 'No events match these filters.';
    return show() === 'unreviewed' ? 'Nothing left to review.' : 'No events yet.';
  }
  // Rows marked reviewed stay in the unreviewed list (greyed) until it
  // is loaded again, but no longer count as left to review.
  const left = shown - list.querySelectorAll('.ev-row.reviewed').length;
  if (show() === 'unreviewed' && left === 0 && !cursor) return 'Nothing left to review.';
  const what = show() === 'unreviewed' ? plural(left, 'unreviewed event') : plural(shown, 'event');
  return cursor ? `${what} shown, more below.` : `${what}.`;
}

async function load(append) {
  const gen = append ? loading : ++loading;
  const q = query();
  if (append && cursor) q.set('cursor', cursor);
  status('Loading events…');
  let data;
  try {
    const resp = await fetch(api.list(q), { credentials: 'same-origin' });
    if (resp.status === 401) { window.location.assign('/login'); return; }
    if (resp.status === 404) { status('Events are not available on this Hearth yet.'); return; }
    if (!resp.ok) { status(`Could not load events (${resp.status}).`); return; }
    data = await resp.json();
  } catch {
    status('Could not load events.');
    return;
  }
  if (gen !== loading) return; // a newer filter's listing replaced this one
  if (!append) {
    list.replaceChildren();
    shown = 0;
    newest = (data.events || [])[0]?.start || '';
    fresh.hidden = true;
  }
  for (const ev of data.events || []) {
    lane(new Date(ev.start), String(ev.camera || '')).append(row(ev));
    offerLabel(String(ev.label || ''));
    shown++;
  }
  cursor = data.next || '';
  more.hidden = !cursor;
  markAll.hidden = shown === 0 || show() === 'reviewed';
  status(summary());
}

function reload() {
  const q = new URLSearchParams(new FormData(form));
  for (const [k, v] of [...q]) if (!v) q.delete(k);
  if (q.get('show') === 'unreviewed') q.delete('show'); // the default
  history.replaceState(null, '', q.toString() ? `/events?${q}` : '/events');
  load(false);
}

// New events: the listing is asked again every 20 s while the page is
// visible; events newer than the newest shown are offered with a button
// rather than pushed in, so the row under the pointer or the focus never
// moves. An empty list just fills.
const POLL_MS = 20000;
async function poll() {
  if (document.hidden || dialog.open) return;
  const q = query();
  q.set('limit', '20');
  let data;
  try {
    const resp = await fetch(api.list(q), { credentials: 'same-origin' });
    if (!resp.ok) return;
    data = await resp.json();
  } catch { return; }
  const evs = data.events || [];
  if (shown === 0) {
    if (evs.length > 0) load(false);
    return;
  }
  const n = evs.filter((e) => new Date(e.start) > new Date(newest || 0)).length;
  if (n > 0) {
    fresh.textContent = `Show ${plural(n, 'new event')}`;
    fresh.hidden = false;
  }
}
setInterval(poll, POLL_MS);
fresh.addEventListener('click', () => load(false));
narrow.addEventListener('change', () => load(false)); // regroup for the new width

form.addEventListener('submit', (ev) => { ev.preventDefault(); reload(); });
form.addEventListener('change', reload);
more.addEventListener('click', () => load(true));
// markAllQuestion asks before marking: one tap on a phone would clear
// every unreviewed marker, and the marking reaches past the day and kind
// filters (to every event up to now, of the chosen camera or all).
export function markAllQuestion(cameraName, filtered) {
  let q = `Mark every unreviewed event ${cameraName ? `of ${cameraName}` : 'on all cameras'} up to now as reviewed?`;
  if (filtered) q += ' This includes events the day and kind filters hide.';
  return q;
}

markAll.addEventListener('click', async () => {
  const body = { before: new Date().toISOString() };
  const fd = new FormData(form);
  const cam = fd.get('camera');
  if (cam) body.camera = cam;
  const camSelect = form.querySelector('[name="camera"]');
  const camName = cam && camSelect ? camSelect.selectedOptions[0]?.textContent || '' : '';
  if (!window.confirm(markAllQuestion(camName, Boolean(fd.get('day') || fd.get('kind'))))) return;
  markAll.disabled = true;
  try {
    const r = await send('POST', api.reviewAll, body);
    await load(false);
    status(`Marked ${plural(r.marked, 'event')} reviewed. ${statusEl.textContent}`);
  } catch (err) {
    status(err.message);
  } finally {
    markAll.disabled = false;
  }
});
dialog.addEventListener('close', () => { player.pause(); player.removeAttribute('src'); player.load(); });

// The view: a dense list (the default) or cards with bigger pictures,
// remembered in this browser.
const views = document.querySelectorAll('[data-events-view]');
function setView(v) {
  list.dataset.view = v;
  for (const b of views) b.setAttribute('aria-pressed', String(b.dataset.eventsView === v));
  try { localStorage.setItem('hearth.events.view', v); } catch { /* private mode */ }
}
for (const b of views) b.addEventListener('click', () => setView(b.dataset.eventsView));
try { if (localStorage.getItem('hearth.events.view') === 'cards') setView('cards'); } catch { /* private mode */ }

// Keyboard: j/k or ↓/↑ move between events, Enter opens (the link's own),
// r toggles reviewed. Keys typed into the filters stay theirs.
document.addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || dialog.open) return;
  const t = e.target;
  if (t instanceof HTMLElement && t.closest('input, select, textarea, [contenteditable="true"]')) return;
  const links = [...list.querySelectorAll('.ev-open')];
  if (links.length === 0) return;
  const cur = t instanceof HTMLElement ? t.closest('.ev-row') : null;
  // The arrows scroll the page until an event has the focus.
  if (!cur && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) return;
  const i = cur ? links.indexOf(cur.querySelector('.ev-open')) : -1;
  let next = -1;
  if (e.key === 'j' || e.key === 'ArrowDown') next = Math.min(i + 1, links.length - 1);
  else if (e.key === 'k' || e.key === 'ArrowUp') next = i < 0 ? 0 : Math.max(i - 1, 0);
  else if (e.key === 'r' && cur) {
    e.preventDefault();
    setReviewed(cur, cur.dataset.reviewed !== 'true');
    return;
  } else return;
  e.preventDefault();
  links[next].focus();
  links[next].scrollIntoView({ block: 'nearest' });
});

// A label filter in the address (kind=label:…) is offered before the
// first listing, so that it stays selected.
{
  const kind = new URLSearchParams(location.search).get('kind') || '';
  if (kind.startsWith('label:')) {
    offerLabel(kind.slice(6));
    kindSelect.value = kind;
  }
}

load(false);
