// A share link's page: its times in the reader's own zone, and the live
// player: WHEP to the link's own path (relative to the page, which never
// names the link's secret). When the link is revoked or expires the server
// ends the session and the page says so.
import { whepConnect } from './whep.js';

// The server writes each moment in UTC, said so; whoever opened the link
// reads their own clock, with its zone named (the sender's may differ). A
// moment on the same day as the one before it in its sentence (a clip's
// end) is written as a time only.
function localTimes() {
  const now = new Date();
  for (const p of document.querySelectorAll('[data-testid="share-when"]')) {
    let prevDay = '';
    for (const t of p.querySelectorAll('time[data-local-time]')) {
      const d = new Date(t.dateTime);
      if (Number.isNaN(d.getTime())) continue;
      const day = d.toDateString();
      // 24-hour, as every other page of Hearth writes times.
      const opts = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' };
      if (day !== prevDay) {
        Object.assign(opts, { weekday: 'short', day: 'numeric', month: 'short' });
        if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
      }
      t.textContent = d.toLocaleString(undefined, opts);
      prevDay = day;
    }
  }
}
localTimes();

const video = document.querySelector('video[data-share-live]');
const status = document.querySelector('[data-share-status]');

function say(text) { if (status) status.textContent = text; }

// A clip that cannot be played (nothing was kept of that stretch, it was
// deleted since, or the link's views are used up) says so in words,
// instead of a dead player and a download that fails.
const clip = document.querySelector('video[data-share-clip]');
function clipFailed() {
  document.body.dataset.shareState = 'refused';
  say('This recording cannot be played: nothing of it is kept any more, or the link has been used up. Ask whoever sent it for a new one.');
  const dl = document.querySelector('[data-share-download]');
  if (dl) dl.hidden = true;
}
if (clip) {
  clip.addEventListener('error', clipFailed);
  if (clip.error) clipFailed(); // it failed before this module ran
}

// A camera that is not streaming yet (just started, or reconnecting) is
// waited for: the page tries again, backing off to RETRY_MAX_MS, for
// about ten minutes (RETRIES); a live view that ends while the link is
// still open (the camera restarted) reconnects the same way. Only a link
// that is gone ends the view.
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10000;
const RETRIES = 60;

function pause(ms) { return new Promise((resolve) => { setTimeout(resolve, ms); }); }

// linkOpen asks the link's page (a HEAD: no view is counted) whether the
// link still stands.
async function linkOpen() {
  try {
    const r = await fetch(window.location.href, { method: 'HEAD', credentials: 'same-origin', cache: 'no-store' });
    return r.status !== 404;
  } catch {
    return true; // offline: try again
  }
}

async function play() {
  if (!video) return;
  const url = new URL(video.dataset.shareLive, window.location.href).toString();
  say('Connecting…');
  for (let attempt = 0; attempt < RETRIES; attempt++) {
    let session;
    try {
      session = await whepConnect(video, url);
    } catch (err) {
      if (err.status !== 503) {
        document.body.dataset.shareState = 'refused';
        say(err.status === 404 ? 'This link is not available.' : `Live view failed: ${err.detail || err.message}`);
        return;
      }
      document.body.dataset.shareState = 'waiting';
      say('The camera is not streaming at the moment; trying again…');
      await pause(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt, 4)));
      continue;
    }
    say('');
    document.body.dataset.shareState = 'playing';
    const leave = () => session.close();
    window.addEventListener('pagehide', leave);
    const watch = watchRevoked(session);
    await session.closed;
    clearInterval(watch);
    window.removeEventListener('pagehide', leave);
    if (!(await linkOpen())) break;
    attempt = 0; // it played: a new run of waits
    document.body.dataset.shareState = 'waiting';
    say('The camera stopped; reconnecting…');
    await pause(RETRY_MIN_MS);
  }
  document.body.dataset.shareState = 'ended';
  say('The live view has ended. The link may have expired or been withdrawn.');
}

// The server ends a revoked or expired link's session at once, but the
// browser notices the silence only when its connection times out (10 to
// 30 s), showing a frozen picture meanwhile. When no frame came for 3 s,
// ask the link's page (at most every 10 s; a page view is not counted):
// gone ends the view now.
function watchRevoked(session) {
  if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype)) return 0;
  let lastFrame = Date.now();
  let lastAsk = 0;
  const tick = () => { lastFrame = Date.now(); video.requestVideoFrameCallback(tick); };
  video.requestVideoFrameCallback(tick);
  return setInterval(async () => {
    const now = Date.now();
    if (now - lastFrame < 3000 || now - lastAsk < 10000) return;
    lastAsk = now;
    try {
      if (!(await linkOpen())) session.close();
    } catch { /* offline: the connection's own timeout ends it */ }
  }, 1000);
}

play();
