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
  // when the transport does not say); onVideoNote why this browser gets no
  // picture when neither transport can play the camera's video (an H.265
  // camera in a browser without H.265), '' once a picture plays.
  constructor(video, { cameraId, stream, onState, onAudioNote, onVideoNote }) {
    this.video = video;
    this.cameraId = cameraId;
    this.stream = stream;
    this.onState = onState || (() => {});
    this.onAudioNote = onAudioNote || (() => {});
    this.onVideoNote = onVideoNote || (() => {});
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
    let codecRefusal = ''; // the server's words on a codec this browser did not offer
    while (!signal.aborted) {
      this.onState('connecting');
      const useMSE = whepFailures >= WHEP_FAILURES_BEFORE_MSE;
      try {
        this.session = await this.connect(useMSE, signal);
        if (signal.aborted) break;
        this.video.dataset.transport = this.transport;
        // MSE reports its note from its hello (see connect).
        if (this.transport === 'webrtc') this.onAudioNote(this.session.audioNote || '');
        // WebRTC answered: the browser offered the codec. MSE may still
        // refuse it: its first decoded picture clears the note.
        if (this.transport === 'webrtc') this.onVideoNote('');
        else this.video.addEventListener('loadeddata', () => this.onVideoNote(''), { once: true });
        this.onState('playing');
        attempt = 0;
        if (this.transport === 'webrtc') whepFailures = 0;
        const ended = await this.session.closed;
        // mse.js ends with code 4000 and "this browser cannot play <codec>"
        // when MediaSource refuses the codec: with a WebRTC codec refusal
        // before it, no transport can show this camera here.
        const reason = (ended && ended.reason) || '';
        if (this.transport === 'mse' && codecRefusal && reason.startsWith('this browser cannot play')) {
          this.onVideoNote(`${codecRefusal}, and ${reason} over MSE`);
        }
      } catch (err) {
        if (err instanceof WhepError && err.status === 400 && /H\.265/.test(err.detail)) {
          codecRefusal = err.detail;
          this.onVideoNote(err.detail);
        }
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

// livePlayerFor builds the LivePlayer of a page's live <video>, wired to the
// page around it as the grid and the camera page both want it: the holder's
// data-player says the state (CSS hides the status words over a picture),
// the notes beside the video say why there is no sound or no picture.
// onState, when given, also hears every state.
export function livePlayerFor(video, { stream, onState } = {}) {
  const holder = video.closest('[data-camera-id]:not(video)') || video.parentElement;
  const scope = video.closest('.tile, .camera') || video.parentElement;
  const note = scope.querySelector('[data-audio-note]');
  const videoNote = scope.querySelector('[data-video-note]');
  return new LivePlayer(video, {
    cameraId: video.dataset.cameraId,
    stream: stream || video.dataset.stream,
    onState: (s) => {
      holder.dataset.player = s;
      if (onState) onState(s);
    },
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
}
