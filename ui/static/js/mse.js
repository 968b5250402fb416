// Hearth MSE player: plays a camera's live stream, sent as fMP4 over a
// WebSocket by GET /api/cameras/{id}/mse, in a <video> through
// MediaSource. The fallback for networks where WebRTC cannot connect.
//
// The server sends a JSON text message {"codec": "avc1...", "camera": id},
// then binary init and media fragments (one per frame); another JSON
// message precedes an init with a new codec. The session uses the page's
// own cookie; the server re-checks access every few hundred milliseconds
// and closes the socket when it is revoked.
//
//   import { playMSE } from "/static/js/mse.js";
//   const player = playMSE(videoElement, { camera: id, stream: "main" });
//   ...
//   player.close();
//   const { code, reason } = await player.done; // how the session ended

const maxLatencySec = 1.5; // behind the live edge by more: jump forward
const keepSec = 20; // buffered media kept behind the playhead

/**
 * Plays the camera's live stream into video.
 * @param {HTMLVideoElement} video
 * @param {{camera: string, stream?: "main"|"sub", onHello?: (hello: {codec: string, camera: string}) => void}} opts
 * @returns {{close: () => void, done: Promise<{code: number, reason: string}>}}
 */
export function playMSE(video, opts) {
  const camera = opts.camera;
  const stream = opts.stream || "main";
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${location.host}/api/cameras/${encodeURIComponent(camera)}/mse?stream=${encodeURIComponent(stream)}`;

  const ms = new MediaSource();
  const objectURL = URL.createObjectURL(ms);
  video.src = objectURL;

  const queue = []; // {codec} or ArrayBuffer, in arrival order
  let sb = null;
  let codec = "";
  let ended = false;
  let finish;
  const done = new Promise((resolve) => { finish = resolve; });

  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";

  function stop(code, reason) {
    if (ended) return;
    ended = true;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close();
    finish({ code, reason });
  }

  function typeOf(c) { return `video/mp4; codecs="${c}"`; }

  // pump feeds the queue to the SourceBuffer, one append at a time.
  function pump() {
    if (ended || ms.readyState !== "open" || (sb && sb.updating)) return;
    while (queue.length > 0) {
      const item = queue[0];
      if (item instanceof ArrayBuffer) {
        if (!sb) return;
        try {
          sb.appendBuffer(item);
        } catch (e) {
          if (e.name === "QuotaExceededError") { trim(true); return; }
          stop(4000, "append: " + e.message);
          return;
        }
        queue.shift();
        return; // updateend continues
      }
      queue.shift();
      if (!MediaSource.isTypeSupported(typeOf(item.codec))) {
        stop(4000, "this browser cannot play " + item.codec);
        return;
      }
      if (!sb) {
        sb = ms.addSourceBuffer(typeOf(item.codec));
        sb.mode = "segments";
        sb.addEventListener("updateend", () => { follow(); pump(); });
      } else if (item.codec !== codec && sb.changeType) {
        sb.changeType(typeOf(item.codec));
      }
      codec = item.codec;
    }
  }

  // follow keeps the playhead near the live edge and starts playback.
  function follow() {
    const b = video.buffered;
    if (b.length === 0) return;
    const start = b.start(0), end = b.end(b.length - 1);
    if (video.currentTime < start || end - video.currentTime > maxLatencySec) {
      video.currentTime = Math.max(start, end - 0.2);
    }
    if (video.paused) video.play().catch(() => {}); // autoplay may need muted
    trim(false);
  }

  let lastTrim = 0;
  function trim(force) {
    const now = performance.now();
    if (!sb || sb.updating || (!force && now - lastTrim < 10000)) return;
    lastTrim = now;
    const upTo = video.currentTime - keepSec;
    if (video.buffered.length > 0 && upTo > video.buffered.start(0)) sb.remove(0, upTo);
  }

  ms.addEventListener("sourceopen", pump, { once: true });
  ws.onmessage = (ev) => {
    if (typeof ev.data === "string") {
      let hello;
      try { hello = JSON.parse(ev.data); } catch { stop(4000, "bad hello"); return; }
      if (hello.camera !== camera) { stop(4000, "the server sent another camera"); return; }
      if (opts.onHello) opts.onHello(hello);
      queue.push({ codec: hello.codec });
    } else {
      queue.push(ev.data);
    }
    pump();
  };
  ws.onclose = (ev) => stop(ev.code, ev.reason);
  ws.onerror = () => {}; // onclose follows with the code

  return {
    close() {
      stop(1000, "closed by the page");
      URL.revokeObjectURL(objectURL);
    },
    done,
  };
}
