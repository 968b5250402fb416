// The camera page's 24-hour timeline: recorded ranges from
// /api/cameras/{id}/recordings, event markers from /api/events (absent until
// that API exists), click to play, drag to select a range and download it.
// Recorded playback tries WHEP with ?start= (a "control" data channel takes
// {"type":"pause"|"play"} and {"type":"seek","time":RFC3339}) and falls back
// to the MP4 clip route in a plain <video>.

import { whepConnect } from './whep.js';

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
    status(ranges.length ? `${ranges.length} recorded stretch(es) on this day.` : 'Nothing recorded on this day.');
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

function stopPlayback() {
  if (session) session.close();
  session = null;
  playback.srcObject = null;
  playback.removeAttribute('src');
}

function playClip(from, to) {
  stopPlayback();
  playback.hidden = false;
  playback.src = `/api/cameras/${encodeURIComponent(cameraId)}/clip.mp4?start=${encodeURIComponent(from.toISOString())}&end=${encodeURIComponent(to.toISOString())}`;
  playback.dataset.transport = 'clip';
  playback.play().catch(() => {});
}

async function playWHEP(from) {
  stopPlayback();
  playback.hidden = false;
  const url = `/api/cameras/${encodeURIComponent(cameraId)}/whep?start=${encodeURIComponent(from.toISOString())}`;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), WHEP_PLAYBACK_TIMEOUT_MS);
  try {
    session = await whepConnect(playback, url, { dataChannel: 'control', signal: ctl.signal });
  } finally {
    clearTimeout(timer);
  }
  playback.dataset.transport = 'webrtc';
  const send = (msg) => { if (session && session.channel && session.channel.readyState === 'open') session.channel.send(JSON.stringify(msg)); };
  playback.onpause = () => send({ type: 'pause' });
  playback.onplay = () => send({ type: 'play' });
  playback.onratechange = () => send({ type: 'speed', speed: playback.playbackRate });
}

async function playAt(min) {
  const r = rangeAt(min);
  if (!r) { status(`Nothing recorded at ${hhmmss(timeAt(min))}.`); return; }
  const from = timeAt(min);
  const to = new Date(Math.min(new Date(r.end).getTime(), from.getTime() + CLIP_MAX_MS));
  status(`Playing from ${hhmmss(from)}.`);
  try {
    await playWHEP(from);
  } catch {
    playClip(from, to);
  }
}

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
