// The camera page: one player that shows the camera live or its recorded
// footage, and the scrubbing timeline under it (timeline.js). Choosing a
// moment (a click or tap on the timeline, an event marker, the arrow keys,
// a link with ?t=RFC3339) switches the player to recorded footage in place
// (recorded.js); Live (or "L") switches it back. The page's address
// carries the moment played, so it can be shared and reloaded; the events
// page links here with ?t= too. Data from the server is only ever set as
// textContent.

import { Timeline, hhmmss, moment as when } from './timeline.js';
import { RecordedPlayer } from './recorded.js';
import { livePlayerFor } from './player.js';

const SNAP_PX = 6; // a click this close to a recording plays it
const TICK_MS = 250; // the playhead and the clock move this often
const REFRESH_MS = 15000; // recordings near now grow: fetched again this often
const LIVE_SPAN_MS = 3600e3; // the view live: the last hour
const MOMENT_SPAN_MS = 600e3; // the view of a moment from a link: ten minutes
const SELECT_MAX_MS = 30 * 60e3; // a download is at most 30 minutes
const EVENT_PAGES = 6; // the events API answers 500 at a time, newest first

const section = document.querySelector('[data-testid="camera-page"]');
const cameraId = section.dataset.cameraId;
const video = section.querySelector('video[data-review]');
const box = video.closest('[data-player-box]');
const root = section.querySelector('[data-timeline]');
const statusEl = section.querySelector('[data-timeline-status]');
const clockEl = section.querySelector('[data-player-clock]');
const modeEl = section.querySelector('[data-player-mode]');
const loadingEl = section.querySelector('[data-player-loading]');
const controls = section.querySelector('[data-playback-controls]');
const pauseBtn = section.querySelector('[data-playback-pause]');
const speedSel = section.querySelector('[data-playback-speed]');
const positionEl = section.querySelector('[data-playback-position]');
const liveBtn = section.querySelector('[data-go-live]');
const dayInput = section.querySelector('[data-day]');
const timeInput = section.querySelector('[data-time-of-day]');
const selectBtn = section.querySelector('[data-select-mode]');
const selectionBar = section.querySelector('[data-selection]');
const selectionText = section.querySelector('[data-selection-text]');
const download = section.querySelector('[data-download]');
const shareRange = section.querySelector('[data-share-range]'); // null: this user makes no links

let mode = 'live'; // or 'recorded'
let following = true; // the view keeps the playhead in sight until the user moves it
let ranges = []; // [{a, b}] ms, sorted
let events = []; // [{id, t, end, label, thumb}] sorted by t
let closed = []; // [{a, b, cause}] the privacy shutter's closed periods; b null: closed now
let loaded = null; // {a, b}: the window ranges and events cover
let loadSeq = 0;

function status(text) { statusEl.textContent = text; }
const iso = (ms) => new Date(ms).toISOString();
const api = (path) => `/api/cameras/${encodeURIComponent(cameraId)}/${path}`;


// The server answers for at most 31 days of recordings at a time: the
// next recording after a moment is looked for in the 30 days after it.
const SEARCH_AHEAD_MS = 30 * 86400e3;

// FUTURE_SLACK_MS forgives a link written on a clock a little ahead.
const FUTURE_SLACK_MS = 60e3;

// nothingAt says there is nothing to play at ms: "or after" only when the
// search reached now.
function nothingAt(ms) {
  return Date.now() - ms > SEARCH_AHEAD_MS
    ? `Nothing recorded at ${when(ms)} or in the 30 days after`
    : `Nothing recorded at ${when(ms)} or after`;
}

async function getJSON(url) {
  const resp = await fetch(url, { credentials: 'same-origin' });
  if (resp.status === 401) { window.location.assign('/login'); throw new Error('signed out'); }
  if (!resp.ok) { const e = new Error(`status ${resp.status}`); e.status = resp.status; throw e; }
  return resp.json();
}

async function fetchRanges(a, b) {
  const data = await getJSON(api(`recordings?start=${encodeURIComponent(iso(a))}&end=${encodeURIComponent(iso(b))}`));
  return (data.ranges || []).map((r) => ({ a: Date.parse(r.start), b: Date.parse(r.end) })).sort((x, y) => x.a - y.a);
}

// fetchClosed asks for the privacy shutter's closed periods in [a, b)
// (GET /api/cameras/{id}/shutter), for the timeline to grey them.
async function fetchClosed(a, b) {
  const data = await getJSON(api(`shutter?start=${encodeURIComponent(iso(a))}&end=${encodeURIComponent(iso(b))}`));
  return (data.periods || []).map((p) => ({ a: Date.parse(p.start), b: p.end ? Date.parse(p.end) : null, cause: p.cause }))
    .sort((x, y) => x.a - y.a);
}

function eventOf(e) {
  return { id: e.id, t: Date.parse(e.start), end: e.end ? Date.parse(e.end) : null, label: e.label || e.kind || 'event', thumb: e.thumbnail || '' };
}

// fetchEvents pages back from b (the API answers newest first) until a
// page is short or the page budget is spent.
async function fetchEvents(a, b, limit = 500) {
  const out = [];
  let end = b;
  for (let i = 0; i < EVENT_PAGES; i++) {
    const data = await getJSON(`/api/events?camera=${encodeURIComponent(cameraId)}&start=${encodeURIComponent(iso(a))}&end=${encodeURIComponent(iso(end))}&limit=${limit}`);
    const page = (data.events || []).map(eventOf);
    out.push(...page);
    if (page.length < limit) break;
    end = Math.min(...page.map((e) => e.t));
  }
  const seen = new Set();
  return out.filter((e) => !seen.has(e.id) && seen.add(e.id)).sort((x, y) => x.t - y.t);
}

// load fetches the recordings and events around the view (a span on each
// side, so a pan shows them at once) unless they are loaded already.
async function load(force = false) {
  const a = tl.t0 - tl.span;
  const b = tl.end() + tl.span;
  if (!force && loaded && a >= loaded.a && b <= loaded.b) return;
  const seq = ++loadSeq;
  const wa = a - tl.span;
  const wb = b + tl.span;
  // The closed periods are asked for even when the recordings are not:
  // while the shutter is closed the recordings are refused, and the
  // timeline still shows why.
  let cs = [];
  try { cs = await fetchClosed(wa, wb); } catch { /* the timeline without them */ }
  let rs;
  try {
    rs = await fetchRanges(wa, wb);
  } catch (err) {
    if (seq !== loadSeq) return;
    if (cs.some((c) => c.b === null)) {
      closed = cs;
      tl.setData([], [], closed);
      status('Privacy shutter closed: no footage is shown while it is closed. Closing it deletes nothing: earlier footage shows again once it opens.');
      return;
    }
    status(err.status === 503 ? 'Recording is not enabled.' : 'Could not load recordings.');
    return;
  }
  let evs = [];
  try { evs = await fetchEvents(wa, wb); } catch { /* the timeline without markers */ }
  if (seq !== loadSeq) return; // a later view asked for another window
  ranges = rs;
  events = evs;
  closed = cs;
  loaded = { a: wa, b: wb };
  tl.setData(ranges, events, closed);
  root.dataset.loaded = 'true';
}

let loadTimer = 0;
function loadSoon() { clearTimeout(loadTimer); loadTimer = setTimeout(() => load(), 150); }

// recordedFrom finds where playback of ms starts: inside a recording, at
// one within slack of it (seconds of footage are narrower than a pixel of
// a day), or at the next recording after a gap (asking the server when it
// lies beyond what is loaded). null when nothing is recorded from ms on.
async function recordedFrom(ms, slack) {
  let best = null;
  for (const r of ranges) {
    const d = ms < r.a ? r.a - ms : ms >= r.b ? ms - r.b : 0;
    if (d <= slack && (!best || d < best.d)) best = { d, r };
  }
  if (best) {
    const r = best.r;
    return { at: Math.min(Math.max(ms, r.a), Math.max(r.a, r.b - 1000)), end: r.b, gap: false };
  }
  let next = ranges.find((r) => r.a > ms);
  if (!next) {
    try {
      next = (await fetchRanges(ms, Math.min(Math.max(ms, Date.now()) + 60e3, ms + SEARCH_AHEAD_MS))).find((r) => r.b > ms);
    } catch { next = null; }
  }
  return next ? { at: Math.max(ms, next.a), end: next.b, gap: true } : null;
}

function setURL(ms) {
  const url = ms === null ? window.location.pathname : `${window.location.pathname}?t=${encodeURIComponent(iso(ms))}`;
  window.history.replaceState(null, '', url);
}

function setMode(m) {
  mode = m;
  box.dataset.mode = m;
  section.dataset.mode = m;
  controls.hidden = m !== 'recorded';
  liveBtn.setAttribute('aria-pressed', String(m === 'live'));
  modeEl.textContent = m === 'live' ? 'Live' : 'Recorded';
}

// setPaused names the button by what it does next, as media players do:
// no pressed state, which a screen reader read as "Play, pressed".
function setPaused(p) {
  pauseBtn.textContent = p ? 'Play' : 'Pause';
  pauseBtn.dataset.paused = String(p);
  if (mode === 'recorded') modeEl.textContent = p ? 'Paused' : 'Recorded';
}

// playAt switches the player to the footage at ms (or the next recorded
// after it) and says where it plays from.
async function playAt(ms, { slackPx = 0, why = '' } = {}) {
  currentEvent = null;
  const target = await recordedFrom(ms, slackPx * tl.msPerPx());
  const shut = tl.closedAt(ms);
  if (shut && (!target || target.at - ms > 1000)) {
    // No footage here because the shutter was closed: say so, and stay.
    const until = shut.b === null ? 'it is opened' : when(shut.b);
    status(`Privacy shutter closed from ${when(shut.a)} until ${until}${shut.cause === 'schedule' ? ' (its schedule)' : ''}: nothing was recorded or shown then.`);
    return false;
  }
  if (!target) {
    status(`${nothingAt(ms)}.${mode === 'live' ? '' : ' Choose another moment, or Live.'}`);
    return false;
  }
  status(target.gap && target.at - ms > 1000
    ? `Nothing recorded at ${when(ms)}; playing from the next recording, at ${when(target.at)}.`
    : `${why}Playing from ${when(target.at)}.`);
  if (mode === 'live') live.stop();
  setMode('recorded');
  setPaused(false);
  loadingEl.hidden = false;
  following = true;
  tl.setPlayhead(target.at, false);
  tl.reveal(target.at);
  setURL(target.at);
  loadSoon();
  await rec.play(target.at, target.end);
  return true;
}

let liveStarted = false;

// hint is what the status line says while nothing else is to be said: how
// to use the timeline, in the words of the pointer at hand.
const hint = window.matchMedia('(pointer: coarse)').matches
  ? 'Tap the timeline to play that moment, or a dot for an event; drag to move, pinch to zoom.'
  : 'Click the timeline to play that moment, or a dot for an event; drag to move, scroll to zoom.';

function goLive(text = '') {
  currentEvent = null;
  // Already live: the picture plays on (stopping the recorded player would
  // take the live stream off the video).
  if (mode !== 'live' || !liveStarted) rec.stop();
  liveStarted = true;
  setMode('live');
  loadingEl.hidden = true;
  following = true;
  setURL(null);
  live.start();
  tl.setPlayhead(Date.now(), true);
  tl.reveal(Date.now());
  loadSoon();
  status(text || hint);
}

function togglePause() {
  if (mode === 'live') {
    // Live cannot be paused at the camera: the picture holds still here.
    if (video.paused) video.play().catch(() => {}); else video.pause();
    return;
  }
  if (rec.paused) rec.resume(); else rec.pause();
  setPaused(rec.paused);
  // Said under the picture too: only the button's word changed, and the
  // line below still read "Playing from …" while the picture held.
  status(rec.paused ? `Paused at ${when(rec.position())}.` : `Playing from ${when(rec.position())}.`);
  if (rec.paused) setURL(rec.position());
}

let currentEvent = null; // the event last opened, while it is what plays

function openEvent(ev) {
  playAt(ev.t, { why: `${ev.label} at ${when(ev.t)}. ` }).then((ok) => { if (ok) currentEvent = ev; });
}

// stepEvent plays the next (dir 1) or previous (dir -1) event from the
// moment shown (from the start of the event playing, so "previous" while
// an event plays is the one before it), asking the server when it lies
// beyond what is loaded.
async function stepEvent(dir) {
  let from = mode === 'live' ? Date.now() : rec.position();
  if (currentEvent && mode === 'recorded') from = dir > 0 ? Math.max(from, currentEvent.t) : Math.min(from, currentEvent.t);
  let ev = dir > 0 ? events.find((e) => e.t > from + 500) : events.filter((e) => e.t < from - 500).pop();
  if (!ev) {
    try {
      const found = dir > 0 ? await fetchEvents(from + 500, from + 86400e3) : await fetchEvents(from - 7 * 86400e3, from - 500, 1);
      ev = dir > 0 ? found[0] : found[found.length - 1];
    } catch { ev = null; }
  }
  if (!ev) { status(dir > 0 ? 'No later event.' : 'No earlier event.'); return; }
  openEvent(ev);
}

// duration is a length as the selection bar words it: seconds below two
// minutes, whole minutes above.
function duration(ms) {
  const secs = Math.round(ms / 1000);
  return secs < 120 ? `${secs} s` : `${Math.round(secs / 60)} min`;
}

function onSelect(a, b, done) {
  b = Math.min(b, a + SELECT_MAX_MS);
  tl.setSelection([a, b]);
  const len = duration(b - a);
  // A stretch with no footage has nothing to download: say so here
  // instead of letting the button lead to the clip route's 404.
  const recorded = loaded ? ranges.reduce((n, r) => n + Math.max(0, Math.min(b, r.b) - Math.max(a, r.a)), 0) : b - a;
  if (recorded <= 0) {
    selectionText.textContent = `Nothing was recorded between ${hhmmss(a)} and ${hhmmss(b)}.`;
    download.hidden = true;
    if (shareRange) shareRange.hidden = true;
    selectionBar.hidden = false;
    if (done && tl.selectMode) setSelectMode(false);
    return;
  }
  download.hidden = false;
  if (shareRange) {
    const q = new URLSearchParams({ camera: section.dataset.cameraId, kind: 'clip', start: iso(a), end: iso(b) });
    shareRange.href = `/settings/links?${q}`;
    shareRange.hidden = false;
  }
  // The clip joins the footage and skips what was not recorded, so a
  // stretch across a gap downloads shorter than it looks: say by how much.
  const missing = b - a - recorded;
  selectionText.textContent = `Selected ${hhmmss(a)}–${hhmmss(b)} (${len})` + (missing >= 2000
    ? `. Only ${duration(recorded)} of it was recorded: the clip skips the ${duration(missing)} without footage.` : '');
  download.href = api(`clip.mp4?start=${encodeURIComponent(iso(a))}&end=${encodeURIComponent(iso(b))}`);
  download.setAttribute('download', `${section.dataset.cameraName || 'camera'} ${new Date(a).toISOString().slice(0, 19).replace(/:/g, '-')}.mp4`);
  selectionBar.hidden = false;
  if (done && tl.selectMode) setSelectMode(false); // one selection per press of Select
}

// kbSel is the stretch chosen with the arrow keys in select mode
// ([anchor, end]): a keyboard cannot drag, so ←/→ widen a selection from
// the playhead instead of stepping, and Enter on the timeline (or Select
// again) ends it.
let kbSel = null;

function setSelectMode(on) {
  const was = tl.selectMode;
  tl.selectMode = on;
  tl.selectFrom = null;
  kbSel = null;
  selectBtn.setAttribute('aria-pressed', String(on));
  // The hint names what this screen has: a phone has no arrow keys. It
  // gives way to the usual one when select mode ends (the selection bar
  // says what was chosen).
  if (on && window.matchMedia('(pointer: coarse)').matches) {
    status('Drag across the timeline, or tap where a stretch starts and then where it ends, to select it for download.');
  } else if (on) {
    status('Drag across the timeline, or click where a stretch starts and then where it ends, to select it for download; or press ← and → to widen it from the playhead.');
  } else if (was) {
    status(hint);
  }
}

// selectByKey widens the keyboard selection by one step (dir -1 or 1).
function selectByKey(dir, step, from) {
  const anchor = kbSel ? kbSel[0] : (tl.playhead ?? from);
  const end = Math.min(Date.now(), (kbSel ? kbSel[1] : anchor) + dir * step);
  kbSel = [anchor, end];
  if (end !== anchor) onSelect(Math.min(anchor, end), Math.max(anchor, end), false);
}

function dayOf(ms) { const d = new Date(ms); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`; }

const tl = new Timeline(root, {
  onPick: (ms) => playAt(ms, { slackPx: SNAP_PX }),
  onEvent: openEvent,
  onSelect,
  onSelectStart: (ms) => status(`From ${hhmmss(ms)}: now ${window.matchMedia('(pointer: coarse)').matches ? 'tap' : 'click'} where the stretch ends.`),
  onView: () => {
    following = false; // the user looks elsewhere: the view stays where they put it
    dayInput.value = dayOf(tl.t0 + tl.span / 2);
    loadSoon();
  },
  thumbURL: (ev) => ev.thumb || '',
});

const live = livePlayerFor(video, {
  stream: 'main',
  onState: (s) => { if (s === 'playing') document.dispatchEvent(new Event('hearth:live-playing')); },
});

const rec = new RecordedPlayer(video, cameraId, {
  onStatus: status,
  onFrame: () => { loadingEl.hidden = true; },
  onEnded: () => goLive('Caught up with the recording: back to live.'),
});

// tick moves the playhead and the clock on the picture.
function tick() {
  const pos = mode === 'live' ? Date.now() : rec.position();
  tl.setPlayhead(pos, mode === 'live');
  if (following) {
    tl.reveal(pos);
    // The day shown follows the picture (live past midnight, or Live
    // after another day was chosen), unless the user is choosing one.
    const day = dayOf(pos);
    if (dayInput.value !== day && document.activeElement !== dayInput) dayInput.value = day;
  }
  clockEl.textContent = when(pos);
  clockEl.dateTime = iso(pos);
  if (mode === 'recorded') {
    positionEl.textContent = hhmmss(pos);
    video.dataset.position = iso(pos);
  }
  if (following && loaded && (tl.t0 - tl.span < loaded.a || tl.end() + tl.span > loaded.b)) loadSoon();
}

// Buttons.
liveBtn.addEventListener('click', () => goLive());
pauseBtn.addEventListener('click', togglePause);
speedSel.addEventListener('change', () => rec.setSpeed(Number(speedSel.value) || 1));
section.querySelector('[data-step-prev]').addEventListener('click', () => stepEvent(-1));
section.querySelector('[data-step-next]').addEventListener('click', () => stepEvent(1));
section.querySelector('[data-zoom-in]').addEventListener('click', () => { tl.zoom(0.5); loadSoon(); });
section.querySelector('[data-zoom-out]').addEventListener('click', () => { tl.zoom(2); loadSoon(); });
selectBtn.addEventListener('click', () => setSelectMode(!tl.selectMode));

// skip moves the recording shown by s seconds: on a phone there are no
// arrow keys, and a tap on a day-long timeline lands minutes away. (No
// key: J and K would mean back and pause to a YouTube hand, and the
// arrows already step.)
function skip(s) {
  if (mode !== 'recorded') return;
  const to = rec.position() + s * 1000;
  if (to > Date.now() - 2000) goLive(); else playAt(to);
}
for (const b of section.querySelectorAll('[data-skip]')) b.addEventListener('click', () => skip(Number(b.dataset.skip)));

// Full screen: the picture with its name and clock; where a page may not
// take the screen (iPhone Safari), the video's own full screen.
const fullBtn = section.querySelector('[data-fullscreen]');
function toggleFullscreen() {
  if (document.fullscreenElement) { document.exitFullscreen().catch(() => {}); return; }
  if (box.requestFullscreen) box.requestFullscreen().catch(() => {});
  else if (video.webkitEnterFullscreen) video.webkitEnterFullscreen();
}
if (fullBtn && (box.requestFullscreen || video.webkitEnterFullscreen)) {
  fullBtn.hidden = false;
  fullBtn.addEventListener('click', toggleFullscreen);
}

// Another camera at the moment shown: its page, at the same time when a
// recording plays, live when this one is live.
const otherSel = section.querySelector('[data-other-camera]');
if (otherSel) {
  otherSel.addEventListener('change', () => {
    if (!otherSel.value) return;
    const at = mode === 'recorded' ? `?t=${encodeURIComponent(iso(rec.position()))}` : '';
    window.location.assign(`/cameras/${encodeURIComponent(otherSel.value)}${at}`);
  });
}
section.querySelector('[data-clear-selection]').addEventListener('click', () => { tl.setSelection(null); selectionBar.hidden = true; });
dayInput.addEventListener('change', () => {
  const [y, m, d] = dayInput.value.split('-').map(Number);
  if (!y || !m || !d) return;
  following = false;
  tl.setView(new Date(y, m - 1, d).getTime(), 86400e3);
  load();
  // Choosing a day is choosing what to watch: its first recording plays,
  // or the page says the day has none (the picture must not go on
  // showing another day under that day's timeline).
  jumpRecording(false);
});

// A time of the day shown plays that moment ("what happened at 14:32?"
// is a household's usual question, and a day-long timeline is too coarse
// to hit a minute by tapping). The browser fires change as each part of
// the time is typed, so the last one, after a pause, counts.
let timeTimer = 0;
timeInput.addEventListener('change', () => {
  clearTimeout(timeTimer);
  timeTimer = setTimeout(() => {
    const [y, m, d] = dayInput.value.split('-').map(Number);
    const [hh, mm, ss = 0] = timeInput.value.split(':').map(Number);
    if (!y || !m || !d || !Number.isFinite(hh) || !Number.isFinite(mm)) return;
    playAt(new Date(y, m - 1, d, hh, mm, ss).getTime());
  }, 600);
});

// jumpRecording plays the first (Home) or the latest (End, half a minute
// before its end) recording of the days in view: a view across midnight
// shows both days' footage, so both are searched (the middle of such a
// view may fall on a day with nothing while the footage beside it plays).
async function jumpRecording(last) {
  const midnight = (ms) => { const d = new Date(ms); return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(); };
  const from = midnight(tl.t0);
  const last0 = midnight(tl.end() - 1);
  const to = new Date(new Date(last0).setDate(new Date(last0).getDate() + 1)).getTime();
  let rs;
  try { rs = await fetchRanges(from, to); } catch { rs = []; }
  if (rs.length === 0) {
    const day = new Date(tl.t0 + tl.span / 2).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
    // Recorded footage of another day must not play on under this day's
    // timeline: back to live, which is always now.
    if (mode === 'recorded') goLive(`Nothing was recorded on ${day}; showing live.`);
    else status(`Nothing was recorded on ${day}.`);
    return;
  }
  const r = last ? rs[rs.length - 1] : rs[0];
  playAt(last ? Math.max(r.a, r.b - 30e3) : r.a);
}

// Keyboard, anywhere on the page but in a field: ←/→ step, space pauses,
// +/- zoom, Home/End the first/latest recording, L live, N/P events.
document.addEventListener('keydown', (ev) => {
  const target = ev.target instanceof Element ? ev.target : document.body;
  if (ev.ctrlKey || ev.metaKey || ev.altKey || target.closest('input, select, textarea')) return;
  const onControl = target.closest('button, a, summary');
  const step = tl.span / (ev.shiftKey ? 4 : 20);
  const from = mode === 'live' ? Date.now() : rec.position();
  if (tl.selectMode && (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight')) {
    selectByKey(ev.key === 'ArrowLeft' ? -1 : 1, step, from);
    ev.preventDefault();
    return;
  }
  if (tl.selectMode && kbSel && ev.key === 'Enter' && target === root) {
    setSelectMode(false);
    if (!download.hidden) download.focus();
    ev.preventDefault();
    return;
  }
  switch (ev.key) {
    case 'ArrowLeft': playAt(from - step); break;
    case 'ArrowRight':
      if (mode === 'live') return;
      if (from + step > Date.now() - 2000) goLive(); else playAt(from + step);
      break;
    case ' ': if (onControl) return; togglePause(); break;
    case '+': case '=': tl.zoom(0.5); loadSoon(); break;
    case '-': case '_': tl.zoom(2); loadSoon(); break;
    case 'Home': jumpRecording(false); break;
    case 'End': jumpRecording(true); break;
    case 'l': case 'L': goLive(); break;
    case 'f': case 'F': if (fullBtn && !fullBtn.hidden) toggleFullscreen(); break;
    case 'n': case 'N': stepEvent(1); break;
    case 'p': case 'P': stepEvent(-1); break;
    case 'Enter':
      if (target !== root) return;
      playAt(tl.playhead ?? from, { slackPx: SNAP_PX });
      break;
    default: return;
  }
  ev.preventDefault();
});

document.addEventListener('visibilitychange', () => {
  if (mode !== 'live') return;
  if (document.hidden) live.stop(); else live.start();
});
window.addEventListener('pagehide', () => { live.stop(); rec.stop(); });

// Start: at the moment in the address, or live.
function start() {
  setInterval(tick, TICK_MS);
  setInterval(() => { if (loaded && loaded.b > Date.now() - REFRESH_MS) load(true); }, REFRESH_MS);
  const t = new URLSearchParams(window.location.search).get('t');
  if (t !== null) {
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) {
      goLive(`The link's time "${t}" is not a time; showing live.`);
      return;
    }
    // A moment to come (a link written ahead, a clock set wrong): said as
    // such, not as "nothing recorded at … or after".
    if (ms > Date.now() + FUTURE_SLACK_MS) {
      goLive(`The link's time, ${when(ms)}, has not come yet; showing live.`);
      return;
    }
    setMode('recorded');
    tl.setView(ms - MOMENT_SPAN_MS / 2, MOMENT_SPAN_MS);
    tl.setPlayhead(ms, false);
    dayInput.value = dayOf(ms);
    // A link into a closed shutter period keeps playAt's explanation (and
    // the moment, greyed on the timeline); only a link to nothing at all
    // falls back to live.
    load().then(() => playAt(ms)).then((ok) => { if (!ok && !tl.closedAt(ms)) goLive(`${nothingAt(ms)}; showing live.`); });
    return;
  }
  tl.setView(Date.now() - LIVE_SPAN_MS * 0.8, LIVE_SPAN_MS);
  dayInput.value = dayOf(Date.now()); // the browser's day (the server wrote its own zone's)
  goLive();
  load();
}

start();
