// WHEP client (RFC 9725): POST an SDP offer, get 201 + answer + Location;
// DELETE the Location to end the session. Trickle ICE: the offer goes out
// at once, before the browser has gathered its candidates (gathering took
// 160-200 ms of a 250 ms first frame on loopback), and they follow in
// PATCHes of application/trickle-ice-sdpfrag to the Location. The browser's
// own checks reach the server's candidates in the answer either way; the
// PATCHes let the server check towards the browser too.

const DISCONNECT_GRACE_MS = 5000;
const TRICKLE_TYPE = 'application/trickle-ice-sdpfrag';

// WhepError carries the HTTP status of a refused offer (0 for failures that
// are not HTTP answers, such as ICE).
export class WhepError extends Error {
  // detail is the server's own words on a refusal (its JSON error), or ''.
  constructor(message, status = 0, detail = '') {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

// trickler queues the browser's candidates until the session's Location
// is known, then sends them in order, one PATCH at a time.
function trickler(pc) {
  const lines = [];
  let target = null;
  let head = '';
  let sending = Promise.resolve();
  const flush = () => {
    if (!target || lines.length === 0) return;
    const body = head + lines.splice(0).join('\r\n') + '\r\n';
    const { url, etag } = target;
    sending = sending.then(() => fetch(url, {
      method: 'PATCH',
      credentials: 'same-origin',
      headers: etag ? { 'Content-Type': TRICKLE_TYPE, 'If-Match': etag } : { 'Content-Type': TRICKLE_TYPE },
      body,
    })).catch(() => {}); // the browser's own checks may still connect
  };
  pc.addEventListener('icecandidate', (ev) => {
    if (ev.candidate && ev.candidate.candidate) lines.push('a=' + ev.candidate.candidate);
    else if (!ev.candidate) lines.push('a=end-of-candidates');
    flush();
  });
  return {
    // start sends what is queued, and from then on each candidate, to url.
    start(url, etag, offerSDP) {
      const ufrag = /^a=ice-ufrag:(.+)$/m.exec(offerSDP);
      const pwd = /^a=ice-pwd:(.+)$/m.exec(offerSDP);
      if (ufrag && pwd) head = `a=ice-ufrag:${ufrag[1].trim()}\r\na=ice-pwd:${pwd[1].trim()}\r\n`;
      target = { url, etag };
      flush();
    },
  };
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
    const trickle = trickler(pc);
    await pc.setLocalDescription(await pc.createOffer());
    const resp = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/sdp' },
      body: pc.localDescription.sdp,
      signal: options.signal,
    });
    if (resp.status !== 201) {
      let detail = '';
      try { detail = (await resp.json()).error || ''; } catch { /* not JSON */ }
      throw new WhepError(`WHEP offer refused (${resp.status})`, resp.status, detail);
    }
    const loc = resp.headers.get('Location');
    if (loc) location = new URL(loc, window.location.href).toString();
    const audioNote = resp.headers.get('Hearth-Audio-Note') || '';
    await pc.setRemoteDescription({ type: 'answer', sdp: await resp.text() });
    if (location && (resp.headers.get('Accept-Patch') || '').includes(TRICKLE_TYPE)) {
      trickle.start(location, resp.headers.get('ETag'), pc.localDescription.sdp);
    }
    return { pc, channel, closed, close, audioNote };
  } catch (err) {
    close();
    throw err;
  }
}
