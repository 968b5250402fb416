// Live view: a LivePlayer for every <video data-camera-id data-stream>, the
// status badges refreshed from /api/cameras, and players paused while the
// tab is hidden. Data from the server is only ever set as textContent.

import { LivePlayer } from './player.js';

const STATUS_POLL_MS = 10000;

function badgeOf(cam) {
  switch (cam.state) {
    case 'streaming': return ['streaming', ''];
    case 'connecting': case 'backoff': case 'reconnecting': return ['reconnecting', ''];
    case undefined: case '': return ['unknown', ''];
  }
  let reason = cam.state;
  const s = cam.streams && cam.streams[0];
  if (s && s.last_error) reason += ` (${s.last_error})`;
  return ['offline', reason];
}

function setBadge(el, badge, reason) {
  el.className = `badge badge-${badge}`;
  el.dataset.badge = badge;
  el.textContent = badge;
  if (reason) {
    const r = document.createElement('span');
    r.className = 'reason';
    r.textContent = `: ${reason}`;
    el.append(r);
  }
}

async function refreshBadges() {
  let data;
  try {
    const resp = await fetch('/api/cameras', { credentials: 'same-origin' });
    if (resp.status === 401) { window.location.assign('/login'); return; }
    if (!resp.ok) return;
    data = await resp.json();
  } catch { return; }
  for (const cam of data.cameras || []) {
    for (const holder of document.querySelectorAll('[data-camera-id]')) {
      if (holder.dataset.cameraId !== cam.id || holder.tagName === 'VIDEO') continue;
      const el = holder.querySelector('[data-badge]');
      if (el) setBadge(el, ...badgeOf(cam));
    }
  }
}

function start() {
  const players = [];
  for (const video of document.querySelectorAll('video[data-camera-id][data-stream]')) {
    const tile = video.closest('[data-camera-id]:not(video)') || video.parentElement;
    const note = video.parentElement.querySelector('[data-audio-note]');
    const videoNote = video.parentElement.querySelector('[data-video-note]');
    const p = new LivePlayer(video, {
      cameraId: video.dataset.cameraId,
      stream: video.dataset.stream,
      onState: (s) => { tile.dataset.player = s; },
      onAudioNote: (text) => {
        if (!note) return;
        note.textContent = text ? `No sound: ${text}.` : '';
        note.hidden = !text;
      },
      onVideoNote: (text) => {
        if (!videoNote) return;
        videoNote.textContent = text ? `No picture in this browser: ${text}.` : '';
        videoNote.hidden = !text;
      },
    });
    players.push(p);
    p.start();
  }
  document.addEventListener('visibilitychange', () => {
    for (const p of players) {
      if (document.hidden) p.stop(); else p.start();
    }
  });
  window.addEventListener('pagehide', () => players.forEach((p) => p.stop()));
  if (document.querySelector('[data-badge]')) {
    setInterval(refreshBadges, STATUS_POLL_MS);
  }
}

start();
