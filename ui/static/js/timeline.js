// The camera page's 24-hour timeline: recorded ranges from
// /api/cameras/{id}/recordings, event markers from /api/events, click to
// play, drag to select a range and download it.
// Recorded playback is WHEP with ?start=RFC3339; the session's "control"
// data channel takes {"op":"pause"}, {"op":"resume"},
// {"op":"seek","at":RFC3339} and {"op":"speed","speed":1|2|4}, and answers
// each with {"ok":bool,"error":string,"position":RFC3339}
// (ui/api_whep_replay.go). Only when WebRTC fails does it play the MP4 clip
// route in the same <video>, with the same controls done locally.

import { whepConnect, WhepError } from './whep.js';

const SVG = 'http://www.w3.org/2000/svg';
const DAY_MIN = 24 * 60;
const CLIP_MAX_MS = 30 * 60 * 1000; // one click plays at most 30 minutes of clip
const WHEP_PLAYBACK_TIMEOUT_MS = 4000;

const root = document.querySelector('[data-timeline]');
const cameraId = root.dataset.cameraId;
const dayInput = document.getElementById('tl-day');
const statusEl = document.querySelector('[data-timeline-status]');
const playback = document.querySelector('[data-playback]');
const startInput = document.getElementById('range-start');
const endInput = document.getElementById('range-end');
const download = document.querySelector('[data-download]');

let dayStart = null; // Date: local midnight of the day shown
let ranges = [];
let cursorMin = 0;
let session = null;
let selection = null; // [startMin, endMin]

const svg = document.createElementNS(SVG, 'svg');
svg.setAttribute('viewBox', `0 0 ${DAY_MIN} 48`);
svg.setAttribute('preserveAspectRatio', 'none');
svg.setAttribute('class', 'timeline-svg');
svg.setAttribute('aria-hidden', 'true');
root.append(svg);

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function status(text) { statusEl.textContent = text; }
function timeAt(min) { return new Date(dayStart.getTime() + min * 60000); }
function minOf(date) { return (date.getTime() - dayStart.getTime()) / 60000; }
function hhmmss(d) { return d.toTimeString().slice(0, 8); }

function parseDay(value) {
  const [y, m, d] = (value || '').split('-').map(Number);
  if (!y || !m || !d) { const n = new Date(); return new Date(n.getFullYear(), n.getMonth(), n.getDate()); }
  return new Date(y, m - 1, d);
}

async function getJSON(url) {
  const resp = await fetch(url, { credentials: 'same-origin' });
  if (resp.status === 401) { window.location.assign('/login'); throw new Error('signed out'); }
  if (!resp.ok) { const e = new Error(`status ${resp.status}`); e.status = resp.status; throw e; }
  return resp.json();
}

function draw(events) {
  svg.replaceChildren();
  svg.append(el('rect', { x: 0, y: 8, width: DAY_MIN, height: 24, class: 'tl-bg' }));
  for (const r of ranges) {
    const a = Math.max(0, minOf(new Date(r.start)));
    const b = Math.min(DAY_MIN, minOf(new Date(r.end)));
    if (b > a) svg.append(el('rect', { x: a, y: 8, width: Math.max(b - a, 2), height: 24, class: 'tl-range' }));
  }
  for (const ev of events) {
    const t = new Date(ev.start || ev.start_time || ev.time);
    const m = minOf(t);
    if (!(m >= 0 && m <= DAY_MIN)) continue;
    const mark = el('rect', { x: m - 1, y: 2, width: 2, height: 36, class: 'tl-event' });
    mark.append(el('title', {}, `${ev.kind || 'event'} ${hhmmss(t)}`));
    svg.append(mark);
  }
  for (let h = 0; h <= 24; h += 3) {
    svg.append(el('line', { x1: h * 60, x2: h * 60, y1: 32, y2: 36, class: 'tl-tick' }));
  }
  if (selection) {
    svg.append(el('rect', { x: selection[0], y: 6, width: Math.max(selection[1] - selection[0], 0.5), height: 28, class: 'tl-selection' }));
  }
  svg.append(el('line', { x1: cursorMin, x2: cursorMin, y1: 0, y2: 40, class: 'tl-cursor' }));
  root.dataset.ranges = String(ranges.length);
}

let events = [];

async function load() {
  dayStart = parseDay(dayInput.value);
  const start = dayStart.toISOString();
  const end = timeAt(DAY_MIN).toISOString();
  const q = `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;
  status('Loading recordings…');
  try {
    const data = await getJSON(`/api/cameras/${encodeURIComponent(cameraId)}/recordings?${q}`);
    ranges = data.ranges || [];
    status(ranges.length === 0 ? 'Nothing recorded on this day.'
      : ranges.length === 1 ? 'One recorded stretch on this day.'
      : `${ranges.length} recorded stretches on this day.`);
  } catch (err) {
    ranges = [];
    status(err.status === 503 ? 'Recording is not enabled.' : 'Could not load recordings.');
  }
  try {
    const data = await getJSON(`/api/events?camera=${encodeURIComponent(cameraId)}&${q}&limit=500`);
    events = data.events || [];
  } catch {
    events = []; // the events API may not exist yet
  }
  draw(events);
}

function rangeAt(min) {
  const t = timeAt(min).getTime();
  return ranges.find((r) => new Date(r.start).getTime() <= t && t < new Date(r.end).getTime());
}

const controls = document.querySelector('[data-playback-controls]');
const pauseBtn = document.querySelector('[data-playback-pause]');
const speedSel = document.querySelector('[data-playback-speed]');
const positionEl = document.querySelector('[data-playback-position]');
const SNAP_PX = 3; // a click this close to a short recording plays it

let transport = ''; // 'webrtc', 'clip' or '' when nothing plays
let clipFrom = null; // Date the clip's time 0 stands for
let clipTo = null;
let paused = false;

function showPosition(d) {
  positionEl.textContent = hhmmss(d);
  playback.dataset.position = d.toISOString();
}

function setPaused(p) {
  paused = p;
  pauseBtn.textContent = p ? 'Resume' : 'Pause';
  pauseBtn.setAttribute('aria-pressed', String(p));
}

function stopPlayback() {
  if (session) session.close();
  session = null;
  transport = '';
  playback.srcObject = null;
  playback.removeAttribute('src');
  controls.hidden = true;
  delete playback.dataset.transport;
}

// control sends one message on the playback session's data channel (once
// it is open).
function control(msg) {
  const ch = session && session.channel;
  if (!ch) return;
  const text = JSON.stringify(msg);
  if (ch.readyState === 'open') ch.send(text);
  else ch.addEventListener('open', () => ch.send(text), { once: true });
}

const utf8 = new TextDecoder();

function onControlAnswer(ev) {
  let st;
  // The server sends its answers as binary messages.
  const text = typeof ev.data === 'string' ? ev.data : utf8.decode(ev.data);
  try { st = JSON.parse(text); } catch { return; }
  if (st.position) showPosition(new Date(st.position));
  if (!st.ok) status(`Playback: ${st.error || 'refused'}.`);
  playback.dataset.answers = String(Number(playback.dataset.answers || 0) + 1);
}

function playClip(from, to) {
  stopPlayback();
  playback.hidden = false;
  clipFrom = from;
  clipTo = to;
  playback.src = `/api/cameras/${encodeURIComponent(cameraId)}/clip.mp4?start=${encodeURIComponent(from.toISOString())}&end=${encodeURIComponent(to.toISOString())}`;
  transport = 'clip';
  playback.dataset.transport = 'clip';
  playback.playbackRate = Number(speedSel.value) || 1;
  controls.hidden = false;
  setPaused(false);
  playback.play().catch(() => {});
}

async function playWHEP(from) {
  stopPlayback();
  playback.hidden = false;
  const url = `/api/cameras/${encodeURIComponent(cameraId)}/whep?start=${encodeURIComponent(from.toISOString())}`;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), WHEP_PLAYBACK_TIMEOUT_MS);
  let s;
  try {
    // Audio too: the server sends recorded G.711 and Opus at 1×.
    s = await whepConnect(playback, url, { dataChannel: 'control', signal: ctl.signal, audio: true });
  } finally {
    clearTimeout(timer);
  }
  session = s;
  transport = 'webrtc';
  playback.dataset.transport = 'webrtc';
  const ch = s.channel;
  ch.binaryType = 'arraybuffer';
  const mark = () => { playback.dataset.channel = ch.readyState; };
  mark();
  ch.addEventListener('open', mark);
  ch.addEventListener('close', mark);
  ch.addEventListener('message', onControlAnswer);
  s.closed.then(() => {
    if (session !== s) return;
    session = null;
    transport = '';
    controls.hidden = true;
    status('Playback ended.');
  });
  controls.hidden = false;
  setPaused(false);
  const speed = Number(speedSel.value) || 1;
  if (speed !== 1) control({ op: 'speed', speed });
}

// rangeNear finds the recording at min, or one within SNAP_PX pixels of it
// (a few seconds of footage are far narrower than a pixel of a day), and
// the time to play from inside it.
function rangeNear(min) {
  const t = timeAt(min).getTime();
  const slack = (SNAP_PX / Math.max(1, svg.getBoundingClientRect().width)) * DAY_MIN * 60000;
  let best = null;
  for (const r of ranges) {
    const a = new Date(r.start).getTime();
    const b = new Date(r.end).getTime();
    const d = t < a ? a - t : (t >= b ? t - b : 0);
    if (d <= slack && (!best || d < best.d)) best = { r, d, at: Math.min(Math.max(t, a), Math.max(a, b - 1000)) };
  }
  return best;
}

async function playAt(min) {
  const near = rangeNear(min);
  if (!near) { status(`Nothing recorded at ${hhmmss(timeAt(min))}.`); return; }
  const from = new Date(near.at);
  const to = new Date(Math.min(new Date(near.r.end).getTime(), from.getTime() + CLIP_MAX_MS));
  cursorMin = minOf(from);
  draw(events);
  playback.dataset.playingFrom = from.toISOString();
  showPosition(from);
  status(`Playing from ${hhmmss(from)}.`);
  if (transport === 'webrtc' && session) {
    control({ op: 'seek', at: from.toISOString() });
    if (paused) { control({ op: 'resume' }); setPaused(false); }
    return;
  }
  if (transport === 'clip' && clipFrom && from >= clipFrom && from < clipTo) {
    playback.currentTime = (from - clipFrom) / 1000;
    return;
  }
  try {
    await playWHEP(from);
  } catch (err) {
    // The server's words on a codec this browser did not offer (H.265):
    // the clip is tried next, and if it cannot play either, the error
    // handler below says so with these words.
    clipRefusal = err instanceof WhepError && err.status === 400 ? err.detail || '' : '';
    playClip(from, to);
  }
}

let clipRefusal = ''; // why WebRTC playback was refused, for a clip that fails too

// A clip this browser cannot decode (H.265 in most browsers) ends with a
// media error: say why rather than show a blank player.
playback.addEventListener('error', () => {
  const e = playback.error;
  if (transport !== 'clip' || !e || (e.code !== MediaError.MEDIA_ERR_DECODE && e.code !== MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED)) return;
  const why = clipRefusal ? ` (${clipRefusal})` : '';
  status(`This browser cannot play this recording${why}.`);
});

pauseBtn.addEventListener('click', () => {
  const p = !paused;
  if (transport === 'webrtc') control({ op: p ? 'pause' : 'resume' });
  else if (transport === 'clip') { if (p) playback.pause(); else playback.play().catch(() => {}); }
  setPaused(p);
});

speedSel.addEventListener('change', () => {
  const speed = Number(speedSel.value) || 1;
  if (transport === 'webrtc') control({ op: 'speed', speed });
  else if (transport === 'clip') playback.playbackRate = speed;
});

playback.addEventListener('timeupdate', () => {
  if (transport === 'clip' && clipFrom) showPosition(new Date(clipFrom.getTime() + playback.currentTime * 1000));
});

function setSelection(a, b) {
  selection = [Math.max(0, Math.min(a, b)), Math.min(DAY_MIN, Math.max(a, b))];
  startInput.value = hhmmss(timeAt(selection[0]));
  endInput.value = hhmmss(timeAt(selection[1]));
  updateDownload();
  draw(events);
}

function inputTime(input) {
  const [h, m, s] = input.value.split(':').map(Number);
  if ([h, m].some(Number.isNaN)) return null;
  return new Date(dayStart.getFullYear(), dayStart.getMonth(), dayStart.getDate(), h, m, s || 0);
}

function updateDownload() {
  const a = inputTime(startInput);
  const b = inputTime(endInput);
  if (!a || !b || b <= a) { download.hidden = true; return; }
  download.href = `/api/cameras/${encodeURIComponent(cameraId)}/clip.mp4?start=${encodeURIComponent(a.toISOString())}&end=${encodeURIComponent(b.toISOString())}`;
  download.hidden = false;
}

function minAtPointer(ev) {
  const box = svg.getBoundingClientRect();
  return Math.max(0, Math.min(DAY_MIN, ((ev.clientX - box.left) / box.width) * DAY_MIN));
}

let dragFrom = null;
let dragX = 0;
svg.addEventListener('pointerdown', (ev) => {
  dragFrom = minAtPointer(ev);
  dragX = ev.clientX;
  try { svg.setPointerCapture(ev.pointerId); } catch { /* a synthetic pointer */ }
});
svg.addEventListener('pointermove', (ev) => {
  if (dragFrom !== null && Math.abs(ev.clientX - dragX) > 4) setSelection(dragFrom, minAtPointer(ev));
});
svg.addEventListener('pointerup', (ev) => {
  if (dragFrom === null) return;
  const to = minAtPointer(ev);
  if (Math.abs(ev.clientX - dragX) <= 4) {
    cursorMin = to;
    draw(events);
    playAt(to);
  } else {
    setSelection(dragFrom, to);
  }
  dragFrom = null;
});

root.addEventListener('keydown', (ev) => {
  const step = ev.shiftKey ? 10 : 1;
  if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') {
    cursorMin = Math.max(0, Math.min(DAY_MIN, cursorMin + (ev.key === 'ArrowLeft' ? -step : step)));
    status(`Cursor at ${hhmmss(timeAt(cursorMin))}${rangeAt(cursorMin) ? ' (recorded)' : ''}.`);
    draw(events);
    ev.preventDefault();
  } else if ((ev.key === 'End' || ev.key === 'Home') && ranges.length) {
    // End: shortly before the end of the latest recording; Home: the start
    // of the first one.
    const r = ev.key === 'End' ? ranges[ranges.length - 1] : ranges[0];
    const start = minOf(new Date(r.start));
    const end = minOf(new Date(r.end));
    cursorMin = Math.max(0, ev.key === 'End' ? Math.max(start, end - 0.5) : start);
    status(`Cursor at ${hhmmss(timeAt(cursorMin))} (recorded).`);
    draw(events);
    ev.preventDefault();
  } else if (ev.key === 'Enter' || ev.key === ' ') {
    playAt(cursorMin);
    ev.preventDefault();
  }
});

startInput.addEventListener('change', updateDownload);
endInput.addEventListener('change', updateDownload);
dayInput.addEventListener('change', () => { stopPlayback(); selection = null; load(); });
document.querySelector('[data-range-form]').addEventListener('submit', (ev) => ev.preventDefault());

const now = new Date();
cursorMin = now.getHours() * 60 + now.getMinutes();
load();
