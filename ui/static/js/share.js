// A share link's live player: WHEP to the link's own path (relative to the
// page, which never names the link's secret). When the link is revoked or
// expires the server ends the session and the page says so.
import { whepConnect } from './whep.js';

const video = document.querySelector('video[data-share-live]');
const status = document.querySelector('[data-share-status]');

function say(text) { if (status) status.textContent = text; }

async function play() {
  if (!video) return;
  say('Connecting…');
  try {
    const url = new URL(video.dataset.shareLive, window.location.href).toString();
    const session = await whepConnect(video, url);
    say('');
    document.body.dataset.shareState = 'playing';
    window.addEventListener('pagehide', () => session.close());
    await session.closed;
    document.body.dataset.shareState = 'ended';
    say('The live view has ended. The link may have expired or been withdrawn.');
  } catch (err) {
    document.body.dataset.shareState = 'refused';
    say(err.status === 404 ? 'This link is not available.' : `Live view failed: ${err.detail || err.message}`);
  }
}

play();
