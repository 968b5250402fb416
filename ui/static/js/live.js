// Live view: a LivePlayer for every <video data-camera-id data-stream>, the
// camera status (badge and the server's words over the picture) refreshed
// from /api/cameras, players paused while the tab is hidden; on the grid, the layout
// control, tiles that open their camera page on a click and go full screen
// on a double click or their button. Data from the server is only ever set
// as textContent.

import { livePlayerFor } from './player.js';
import { inReadersZone } from './when.js';

const STATUS_POLL_MS = 10000;
const LAYOUT_KEY = 'hearth.grid.layout';
const LAYOUTS = ['auto', '1', '2', '3'];
// A single click waits this long for a second one (full screen) before it
// opens the camera page. 250 ms was quicker than many people double-click
// (systems default to about 500 ms), so a slow double click opened the
// page instead; 400 ms keeps a single click's wait short.
const DOUBLE_CLICK_MS = 400;

function para(className, testid, text) {
  const p = document.createElement('p');
  if (className) p.className = className;
  p.dataset.testid = testid;
  p.textContent = text;
  return p;
}

// The panels the page was served with, before the first refresh.
for (const panel of document.querySelectorAll('[data-status-part="panel"][data-seen-at]')) {
  if (!panel.dataset.seenAt) continue;
  for (const p of panel.querySelectorAll('.status-headline, .status-seen')) {
    p.textContent = inReadersZone(p.textContent, panel.dataset.seenAt, panel.dataset.seenClock);
  }
}

// renderStatus redraws a camera's badge and the words over its picture
// from /api/cameras: the words are the server's (liveStatus in
// page_live.go), so the page's first rendering and this refresh agree;
// last_error reaches only those who may diagnose the camera.
function renderStatus(cam) {
  const w = cam.words || { badge: 'unknown', headline: 'Connecting…' };
  const id = CSS.escape(cam.id);
  const badge = document.querySelector(`[data-status-for="${id}"][data-status-part="badge"]`);
  if (badge) {
    badge.className = `badge badge-${w.badge}`;
    badge.dataset.badge = w.badge;
    badge.textContent = w.badge;
  }
  const rec = document.querySelector(`[data-status-for="${id}"][data-status-part="rec"]`);
  if (rec) {
    rec.className = `rec rec-${w.rec || ''}`;
    rec.dataset.rec = w.rec || '';
    rec.textContent = w.rec_text || '';
    rec.hidden = !w.rec;
  }
  const panel = document.querySelector(`[data-status-for="${id}"][data-status-part="panel"]`);
  if (!panel) return;
  const wasOpen = !!panel.querySelector('details[open]'); // someone is reading it
  const parts = [para('status-headline', 'status-headline', inReadersZone(w.headline, w.seen_at, w.seen_clock))];
  if (w.advice) parts.push(para('', 'status-advice', w.advice));
  if (w.seen) parts.push(para('status-seen', 'status-seen', inReadersZone(w.seen, w.seen_at, w.seen_clock)));
  const s = cam.streams && cam.streams[0];
  if (s && s.last_error && w.badge !== 'streaming') {
    const d = document.createElement('details');
    d.className = 'status-detail';
    d.dataset.testid = 'status-detail';
    d.open = wasOpen;
    const sum = document.createElement('summary');
    sum.textContent = 'Details';
    const code = document.createElement('code');
    code.textContent = s.last_error;
    d.append(sum, code);
    parts.push(d);
  }
  panel.dataset.badge = w.badge;
  panel.replaceChildren(...parts);
}

// Hearth itself out of reach (restarting, or this device off the
// network): the badges say "unknown" rather than the last state heard
// (green "streaming" over black pictures), and a line at the top of the
// page says so until a poll is answered again.
const UNREACHABLE_POLL_MS = 3000;
let reachable = true;
function setReachable(ok) {
  if (ok === reachable) return;
  reachable = ok;
  const line = document.querySelector('[data-testid="server-unreachable"]');
  if (ok) {
    if (line) line.remove();
    return;
  }
  if (!line) {
    const p = para('server-unreachable', 'server-unreachable',
      'Hearth is not answering: it may be restarting, or this device may have lost its network. Trying again…');
    p.setAttribute('role', 'alert');
    (document.querySelector('main') || document.body).prepend(p);
  }
  for (const badge of document.querySelectorAll('[data-status-part="badge"]')) {
    badge.className = 'badge badge-unknown';
    badge.dataset.badge = 'unknown';
    badge.textContent = 'unknown';
  }
  // Whether a camera records is not known either while Hearth is away.
  for (const rec of document.querySelectorAll('[data-status-part="rec"]')) rec.hidden = true;
}

async function refreshStatus() {
  let data;
  try {
    const resp = await fetch('/api/cameras', { credentials: 'same-origin' });
    if (resp.status === 401) { window.location.assign('/login'); return; }
    // A proxy in front answers 502-504 while Hearth is down.
    if (resp.status >= 502 && resp.status <= 504) { setReachable(false); return; }
    if (!resp.ok) return;
    data = await resp.json();
  } catch {
    setReachable(false);
    return;
  }
  setReachable(true);
  for (const cam of data.cameras || []) renderStatus(cam);
}

// pollStatus refreshes the words every STATUS_POLL_MS, and more often
// while Hearth is out of reach so that its return shows at once.
async function pollStatus() {
  await refreshStatus();
  setTimeout(pollStatus, reachable ? STATUS_POLL_MS : UNREACHABLE_POLL_MS);
}

let refreshTimer = 0;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshStatus, 300); // one fetch for tiles starting together
}

function autoColumns(count, width) {
  if (width < 600) return 1;
  return Math.max(1, Math.min(Math.floor(width / 300), Math.ceil(Math.sqrt(count))));
}

// applyLayout sets the grid's columns and rows (CSS sizes the tiles from
// them so that the rows fit the screen).
function applyLayout(grid, layout) {
  const count = Number(grid.dataset.count) || grid.children.length;
  // The room is the container's: the grid's own width follows from the
  // columns chosen (its max-width), so measuring it would keep a narrow
  // layout narrow.
  const room = (grid.parentElement && grid.parentElement.clientWidth) || window.innerWidth;
  const cols = layout === 'auto' ? autoColumns(count, room) : Number(layout);
  grid.dataset.layout = layout;
  grid.dataset.cols = String(cols);
  // The rows that must fit the screen: all of them in auto; at most one
  // screenful (1, 2×2, 3×3) in a fixed layout, the rest a scroll away.
  const rows = Math.max(1, Math.ceil(count / cols));
  grid.dataset.rows = String(layout === 'auto' ? rows : Math.min(rows, cols));
}

function storedLayout() {
  try {
    const v = window.localStorage.getItem(LAYOUT_KEY);
    return LAYOUTS.includes(v) ? v : 'auto';
  } catch { return 'auto'; } // storage refused (private mode, policy)
}

function setupLayout(grid) {
  const control = document.querySelector('[data-grid-layout]');
  let layout = storedLayout();
  applyLayout(grid, layout);
  window.addEventListener('resize', () => applyLayout(grid, layout));
  if (!control) return;
  for (const input of control.querySelectorAll('input[name="grid-layout"]')) {
    input.checked = input.value === layout;
  }
  control.hidden = false;
  control.addEventListener('change', (e) => {
    if (!LAYOUTS.includes(e.target.value)) return;
    layout = e.target.value;
    try { window.localStorage.setItem(LAYOUT_KEY, layout); } catch { /* kept for this page only */ }
    applyLayout(grid, layout);
  });
}

function toggleFullscreen(tile) {
  if (document.fullscreenElement) { document.exitFullscreen().catch(() => {}); return; }
  if (tile.requestFullscreen) tile.requestFullscreen().catch(() => {});
}

function setupTiles(grid, playerOf) {
  const canFullscreen = document.fullscreenEnabled;
  for (const tile of grid.querySelectorAll('[data-testid="tile"]')) {
    const link = tile.querySelector('[data-tile-open]');
    const button = tile.querySelector('[data-fullscreen]');
    if (button && canFullscreen) {
      button.hidden = false;
      button.addEventListener('click', () => toggleFullscreen(tile));
    }
    let pending = 0;
    link.addEventListener('click', (e) => {
      // Enter (detail 0) and modified clicks (new tab) open at once.
      if (e.detail === 0 || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      if (document.fullscreenElement) return; // a click in full screen stays there
      if (!canFullscreen) { window.location.assign(link.href); return; }
      clearTimeout(pending);
      if (e.detail >= 2) return; // the dblclick handler takes it
      pending = setTimeout(() => window.location.assign(link.href), DOUBLE_CLICK_MS);
    });
    link.addEventListener('dblclick', (e) => {
      e.preventDefault();
      clearTimeout(pending);
      if (canFullscreen) toggleFullscreen(tile);
    });
  }
  // Full screen shows the camera's main stream, the grid its sub stream.
  document.addEventListener('fullscreenchange', () => {
    for (const tile of grid.querySelectorAll('[data-testid="tile"]')) {
      const video = tile.querySelector('video[data-stream]');
      const p = playerOf.get(video);
      if (!p) continue;
      const full = document.fullscreenElement === tile;
      tile.dataset.fullscreen = full ? 'true' : 'false';
      p.switchStream(full ? 'main' : video.dataset.stream);
    }
  });
}

function start() {
  const players = [];
  const playerOf = new Map();
  // The camera page's player (data-review) is review.js's: it switches
  // between live and recorded footage.
  for (const video of document.querySelectorAll('video[data-camera-id][data-stream]:not([data-review])')) {
    const withControls = video.hasAttribute('controls');
    video.controls = false;
    const p = livePlayerFor(video, {
      onState: (s) => {
        // A picture after none: fetch the words now rather than at the next
        // poll, so "unreachable" does not linger over a live picture.
        if (s === 'playing') refreshSoon();
        // Player controls only over a picture: before one, the status
        // words say what is happening instead of a spinner.
        if (withControls) video.controls = s === 'playing';
      },
    });
    players.push(p);
    playerOf.set(video, p);
    p.start();
  }
  const grid = document.querySelector('[data-testid="grid"]');
  if (grid && grid.children.length > 0) {
    setupLayout(grid);
    setupTiles(grid, playerOf);
  }
  document.addEventListener('visibilitychange', () => {
    for (const p of players) {
      if (document.hidden) p.stop(); else p.start();
    }
  });
  window.addEventListener('pagehide', () => players.forEach((p) => p.stop()));
  // The camera page's player (review.js) says when its live picture plays.
  document.addEventListener('hearth:live-playing', refreshSoon);
  if (document.querySelector('[data-status-for]')) {
    setTimeout(pollStatus, STATUS_POLL_MS);
  }
}

start();
