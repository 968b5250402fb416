// Events page: thumbnail cards from /api/events with the filter form's
// camera, day and kind; play a clip in a dialog; owners and members pin;
// owners delete.
// Every value from the server is set with textContent or as an attribute.

const PAGE_SIZE = 24;

// The event routes in one place. An event in the list carries its own
// thumbnail (when there is one) and clip URLs.
const api = {
  list: (q) => `/api/events?${q}`,
  clip: (id) => `/api/events/${encodeURIComponent(id)}/clip.mp4`,
  pin: (id) => `/api/events/${encodeURIComponent(id)}/pin`, // POST pins, DELETE unpins
  remove: (id) => `/api/events/${encodeURIComponent(id)}`,
};

// localURL keeps only same-origin paths from the server's answer.
function localURL(u) {
  return typeof u === 'string' && u.startsWith('/api/') ? u : '';
}

const form = document.querySelector('[data-events-filter]');
const list = document.querySelector('[data-events]');
const statusEl = document.querySelector('[data-events-status]');
const more = document.querySelector('[data-events-more]');
const dialog = document.querySelector('[data-events-player]');
const player = dialog.querySelector('video');
const canManage = list.dataset.canManage === 'true';
const canPin = list.dataset.canPin === 'true';
const cameraNames = new Map(
  [...form.querySelectorAll('select[name="camera"] option')].filter((o) => o.value).map((o) => [o.value, o.textContent]),
);

let cursor = '';

function status(text) { statusEl.textContent = text; }

function query() {
  const fd = new FormData(form);
  const q = new URLSearchParams();
  if (fd.get('camera')) q.set('camera', fd.get('camera'));
  if (fd.get('kind')) q.set('kind', fd.get('kind'));
  const day = fd.get('day');
  if (day) {
    const [y, m, d] = day.split('-').map(Number);
    const start = new Date(y, m - 1, d);
    q.set('start', start.toISOString());
    q.set('end', new Date(start.getTime() + 86400000).toISOString());
  }
  q.set('limit', String(PAGE_SIZE));
  return q;
}

async function send(method, url) {
  const resp = await fetch(url, { method, credentials: 'same-origin' });
  if (!resp.ok) {
    let msg = `failed (${resp.status})`;
    try { msg = (await resp.json()).error || msg; } catch { /* not JSON */ }
    throw new Error(msg);
  }
}

function button(label, onClick, cls = 'secondary') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

function card(ev) {
  const id = String(ev.id);
  const cam = ev.camera || ev.camera_id || '';
  const when = new Date(ev.start);
  const li = document.createElement('li');
  li.className = 'card event';
  li.dataset.eventId = id;
  li.dataset.testid = 'event-card';
  let picture;
  if (localURL(ev.thumbnail)) {
    picture = document.createElement('img');
    picture.src = localURL(ev.thumbnail);
    picture.loading = 'lazy';
    picture.alt = `${ev.kind || 'event'} on ${cameraNames.get(cam) || 'camera'} at ${when.toLocaleString()}`;
  } else {
    picture = document.createElement('div');
    picture.className = 'no-thumb';
    picture.textContent = 'no picture';
  }
  const title = document.createElement('p');
  title.className = 'event-title';
  title.textContent = `${cameraNames.get(cam) || cam} · ${ev.label || ev.kind || 'event'}${ev.open ? ' (ongoing)' : ''}`;
  const time = document.createElement('p');
  time.className = 'muted';
  time.textContent = when.toLocaleString();
  const actions = document.createElement('div');
  actions.className = 'actions';
  const play = button('Play', () => {
    player.src = localURL(ev.clip) || api.clip(id);
    player.dataset.eventId = id;
    dialog.showModal();
    player.play().catch(() => {});
  }, '');
  play.dataset.testid = 'event-play';
  actions.append(play);
  // Owners and members may pin (pinned footage outlives retention, so a
  // viewer, who may only watch, may not); only owners may delete.
  let pinned = Boolean(ev.pinned);
  li.classList.toggle('pinned', pinned);
  if (canPin) {
    const pin = button(pinned ? 'Unpin' : 'Pin', async () => {
      try {
        await send(pinned ? 'DELETE' : 'POST', api.pin(id));
        pinned = !pinned;
        pin.textContent = pinned ? 'Unpin' : 'Pin';
        li.classList.toggle('pinned', pinned);
      } catch (err) { status(err.message); }
    });
    actions.append(pin);
  }
  if (canManage) {
    actions.append(button('Delete', async () => {
      if (!window.confirm('Delete this event and its clip?')) return;
      try { await send('DELETE', api.remove(id)); li.remove(); } catch (err) { status(err.message); }
    }));
  }
  li.append(picture, title, time, actions);
  return li;
}

async function load(append) {
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
  if (!append) list.replaceChildren();
  const evs = data.events || [];
  for (const ev of evs) list.append(card(ev));
  cursor = data.next || '';
  more.hidden = !cursor;
  status(list.children.length ? `${list.children.length} event(s).` : 'No events match.');
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const q = new URLSearchParams(new FormData(form));
  history.replaceState(null, '', `/events?${q}`);
  load(false);
});
more.addEventListener('click', () => load(true));
dialog.addEventListener('close', () => { player.pause(); player.removeAttribute('src'); player.load(); });
load(false);
