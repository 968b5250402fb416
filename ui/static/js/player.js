// LivePlayer keeps one <video> playing a camera's live stream: WHEP first,
// the MSE fallback after repeated WebRTC failures, reconnecting with
// exponential backoff and full jitter (cap 30 s), like the server's own
// camera sessions.

import { whepConnect, WhepError } from './whep.js';
import { mseConnect } from './mse-adapter.js';

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30000;
const WHEP_FAILURES_BEFORE_MSE = 2;

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

export function whepURL(cameraId, stream) {
  const base = `/api/cameras/${encodeURIComponent(cameraId)}/whep`;
  return stream === 'sub' ? `${base}?stream=sub` : base;
}

export class LivePlayer {
  // onState receives 'connecting', 'playing', 'retrying' or 'denied';
  // onAudioNote why the camera's audio is not heard ('' when it is or
  // when the transport does not say).
  constructor(video, { cameraId, stream, onState, onAudioNote }) {
    this.video = video;
    this.cameraId = cameraId;
    this.stream = stream;
    this.onState = onState || (() => {});
    this.onAudioNote = onAudioNote || (() => {});
    this.abort = null;
    this.session = null;
    this.transport = '';
  }

  start() {
    if (this.abort) return;
    this.abort = new AbortController();
    this.run(this.abort.signal);
  }

  stop() {
    if (!this.abort) return;
    this.abort.abort();
    this.abort = null;
    if (this.session) this.session.close();
    this.session = null;
    this.video.srcObject = null;
  }

  // switchStream plays another stream of the same camera (sub in the grid,
  // main when focused).
  switchStream(stream) {
    if (stream === this.stream) return;
    this.stream = stream;
    this.stop();
    this.start();
  }

  async connect(useMSE, signal) {
    if (useMSE) {
      // The hello with the audio note arrives after the session opens.
      const s = await mseConnect(this.video, this.cameraId, this.stream, signal, (note) => this.onAudioNote(note));
      if (s) {
        this.transport = 'mse';
        return s;
      }
    }
    this.transport = 'webrtc';
    return whepConnect(this.video, whepURL(this.cameraId, this.stream), { signal, audio: true });
  }

  async run(signal) {
    let attempt = 0;
    let whepFailures = 0;
    while (!signal.aborted) {
      this.onState('connecting');
      const useMSE = whepFailures >= WHEP_FAILURES_BEFORE_MSE;
      try {
        this.session = await this.connect(useMSE, signal);
        if (signal.aborted) break;
        this.video.dataset.transport = this.transport;
        // MSE reports its note from its hello (see connect).
        if (this.transport === 'webrtc') this.onAudioNote(this.session.audioNote || '');
        this.onState('playing');
        attempt = 0;
        if (this.transport === 'webrtc') whepFailures = 0;
        await this.session.closed;
      } catch (err) {
        if (err instanceof WhepError && err.status === 401) {
          window.location.assign('/login');
          return;
        }
        if (err instanceof WhepError && err.status === 404 && this.transport === 'webrtc' && useMSE) {
          // Neither transport will serve this camera to us.
          this.onState('denied');
        }
        if (this.transport === 'webrtc') whepFailures++;
        else whepFailures = 0; // MSE failed too: give WebRTC another go
      }
      if (this.session) this.session.close();
      this.session = null;
      if (signal.aborted) break;
      this.onState('retrying');
      const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
      attempt++;
      await sleep(Math.random() * cap, signal);
    }
  }
}
