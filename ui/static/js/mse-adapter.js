// The MSE fallback lives in mse.js (WebSocket /api/cameras/{id}/mse?stream=,
// a JSON {"codec":...} message, then fMP4 init and fragments). This adapter
// loads it on demand, so a missing or broken module only means "no
// fallback", never a broken page.

let loading = null;

async function load() {
  if (!loading) {
    loading = import('/static/js/mse.js').catch(() => null);
  }
  return loading;
}

// mse.js exports playMSE(video, {camera, stream}) → {close(), done}, done
// settling when the session ends. Other names are accepted so that a
// renamed export degrades to "no fallback" only if none of them is there.
const ENTRY_POINTS = ['playMSE', 'connectMSE', 'startMSE', 'start', 'connect', 'default'];

function entryOf(mod) {
  if (!mod) return null;
  for (const name of ENTRY_POINTS) {
    if (typeof mod[name] === 'function') return mod[name];
  }
  return null;
}

export async function mseAvailable() {
  return entryOf(await load()) !== null && typeof MediaSource !== 'undefined';
}

// mseConnect resolves to a session {closed, close()} or null when there is
// no usable fallback. onAudioNote, when given, gets the server's words on
// why the camera's audio is not played ('' when it is), from each hello.
export async function mseConnect(video, cameraId, stream, signal, onAudioNote) {
  const fn = entryOf(await load());
  if (!fn || typeof MediaSource === 'undefined') return null;
  const q = stream === 'sub' ? '?stream=sub' : '?stream=main';
  const url = `/api/cameras/${encodeURIComponent(cameraId)}/mse${q}`;
  const onHello = (hello) => { if (onAudioNote) onAudioNote((hello && hello.audioNote) || ''); };
  const s = await fn(video, { camera: cameraId, cameraId, stream, url, signal, onHello });
  if (!s) return null;
  let endSession;
  const ended = s.done || s.closed;
  const closed = ended instanceof Promise ? ended : new Promise((resolve) => { endSession = resolve; });
  const onError = () => endSession && endSession();
  video.addEventListener('error', onError, { once: true });
  return {
    closed,
    close() {
      video.removeEventListener('error', onError);
      try { if (typeof s.close === 'function') s.close(); } catch { /* already closed */ }
      video.removeAttribute('src'); // the MediaSource's object URL
      if (endSession) endSession();
    },
  };
}
