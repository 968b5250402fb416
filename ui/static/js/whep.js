// WHEP client (draft-ietf-wish-whep): POST an SDP offer, get 201 + answer +
// Location; DELETE the Location to end the session. Non-trickle: the offer
// carries every ICE candidate, which on a LAN are gathered in milliseconds.

const GATHER_TIMEOUT_MS = 2000;
const DISCONNECT_GRACE_MS = 5000;

// WhepError carries the HTTP status of a refused offer (0 for failures that
// are not HTTP answers, such as ICE).
export class WhepError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => { if (pc.iceGatheringState === 'complete') done(); };
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

// whepConnect plays url's stream in video. options.dataChannel names a data
// channel to open before the offer (recorded playback uses it for control);
// options.audio also asks for the camera's audio. It resolves once the
// answer is applied, to a session with:
//   closed    a promise that settles when the connection fails or ends
//   channel   the data channel, when asked for
//   audioNote why the camera's audio is not sent (Hearth-Audio-Note), or ''
//   close()   ends the session (DELETE on its Location)
export async function whepConnect(video, url, options = {}) {
  if (typeof RTCPeerConnection === 'undefined') throw new WhepError('WebRTC is not available');
  const pc = new RTCPeerConnection();
  let location = null;
  let ended = false;
  let endSession;
  const closed = new Promise((resolve) => { endSession = resolve; });
  const close = () => {
    if (ended) return;
    ended = true;
    pc.close();
    endSession();
    if (location) fetch(location, { method: 'DELETE', credentials: 'same-origin' }).catch(() => {});
  };
  try {
    pc.addTransceiver('video', { direction: 'recvonly' });
    if (options.audio) pc.addTransceiver('audio', { direction: 'recvonly' });
    const channel = options.dataChannel ? pc.createDataChannel(options.dataChannel) : null;
    // Video and audio may arrive as tracks of different streams: gather
    // them into one, or the last track event would replace the picture.
    const stream = new MediaStream();
    pc.addEventListener('track', (ev) => {
      stream.addTrack(ev.track);
      if (video.srcObject !== stream) video.srcObject = stream;
      video.play().catch(() => {});
    });
    let graceTimer = null;
    pc.addEventListener('connectionstatechange', () => {
      const s = pc.connectionState;
      clearTimeout(graceTimer);
      if (s === 'failed' || s === 'closed') close();
      if (s === 'disconnected') graceTimer = setTimeout(close, DISCONNECT_GRACE_MS);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const resp = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/sdp' },
      body: pc.localDescription.sdp,
      signal: options.signal,
    });
    if (resp.status !== 201) throw new WhepError(`WHEP offer refused (${resp.status})`, resp.status);
    const loc = resp.headers.get('Location');
    if (loc) location = new URL(loc, window.location.href).toString();
    const audioNote = resp.headers.get('Hearth-Audio-Note') || '';
    await pc.setRemoteDescription({ type: 'answer', sdp: await resp.text() });
    return { pc, channel, closed, close, audioNote };
  } catch (err) {
    close();
    throw err;
  }
}
