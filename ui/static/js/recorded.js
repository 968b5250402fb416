// RecordedPlayer plays recorded footage in the camera page's one <video>.
// Recorded playback is WHEP with ?start=RFC3339; the session's "control"
// data channel takes {"op":"pause"}, {"op":"resume"},
// {"op":"seek","at":RFC3339} and {"op":"speed","speed":1|2|4}, and answers
// each, in order, with {"ok":bool,"error":string,"position":RFC3339}
// (ui/api_whep_replay.go). A choice of another moment while a session
// plays is a seek on it, not a new session. Only when WebRTC fails does it
// play the MP4 clip route in the same <video>, with the same controls done
// locally.
//
// It measures what a person waits for: from play() to the first frame of
// the chosen moment painted (requestVideoFrameCallback), kept in the
// video's data-first-frame-ms; the page shows "Loading…" until then.

import { whepConnect, WhepError } from './whep.js';

const WHEP_TIMEOUT_MS = 4000;
const CLIP_MAX_MS = 30 * 60 * 1000; // one clip plays at most 30 minutes
// The position is asked for this often: a speed message with the speed
// already set changes nothing and is answered with the position, the
// server's measure of what it has sent, so the clock shown does not drift
// across gaps or a slow start.
const POLL_MS = 1000;

const utf8 = new TextDecoder();

export class RecordedPlayer {
  // hooks: onStatus(text), onEnded(), onFrame(ms) at the first frame of
  // each chosen moment, ms after it was chosen. The page reads position()
  // as often as it draws.
  constructor(video, cameraId, hooks) {
    this.video = video;
    this.cameraId = cameraId;
    this.hooks = hooks;
    this.transport = ''; // 'webrtc', 'clip' or '' when nothing plays
    this.session = null;
    this.sent = []; // ops sent and not answered yet, oldest first
    this.speed = 1;
    this.paused = false;
    this.anchor = { pos: 0, at: 0 }; // position pos (ms) was true at performance time at
    this.target = 0; // the moment last chosen
    this.waiting = false; // no frame of the chosen moment yet
    this.pickAt = 0;
    this.answeredAt = 0; // when a seek was answered: frames received before are older footage
    this.clip = null; // {from, to} ms of the clip playing
    this.clipRefusal = '';
    // The server's refusal of the recording itself (missing file, fault),
    // when WHEP was refused so: the clip is tried too, but if it fails the
    // words are these, not the browser's.
    this.openFailure = '';
    this.poll = 0;
    this.gen = 0; // bumped by each play/stop so late answers of an old attempt are ignored
    this.watchFrames();
    video.addEventListener('ended', () => { if (this.transport === 'clip') this.end(); });
    // A clip this browser cannot decode (H.265 in most browsers) ends with
    // a media error: say why rather than show a blank player.
    video.addEventListener('error', () => {
      const e = video.error;
      if (this.transport !== 'clip' || !e || (e.code !== MediaError.MEDIA_ERR_DECODE && e.code !== MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED)) return;
      if (this.openFailure) {
        this.hooks.onStatus(`Hearth could not open this recording (${this.openFailure}).`);
        return;
      }
      const why = this.clipRefusal ? ` (${this.clipRefusal})` : '';
      this.hooks.onStatus(`This browser cannot play this recording${why}.`);
    });
  }

  get active() { return this.transport !== ''; }

  // watchFrames notes the first frame painted of each chosen moment.
  watchFrames() {
    const v = this.video;
    if (!v.requestVideoFrameCallback) {
      v.addEventListener('timeupdate', () => this.framePainted(performance.now()));
      return;
    }
    const each = (now, meta) => {
      // A frame received before the seek was answered is still the old
      // footage on its way.
      const received = meta && meta.receiveTime ? meta.receiveTime : now;
      if (this.transport !== 'webrtc' || !this.answeredAt || received >= this.answeredAt) this.framePainted(now);
      v.requestVideoFrameCallback(each);
    };
    v.requestVideoFrameCallback(each);
  }

  framePainted(now) {
    if (!this.waiting || !this.transport) return;
    if (this.transport === 'webrtc' && this.answeredAt < 0) return; // seek not answered yet
    this.waiting = false;
    const ms = Math.max(0, now - this.pickAt);
    this.video.dataset.firstFrameMs = String(Math.round(ms));
    this.video.dataset.firstFrameAt = String(now); // performance time, for a benchmark's own start
    this.video.dataset.firstFrames = String(Number(this.video.dataset.firstFrames || 0) + 1);
    this.anchor = { pos: this.target, at: now };
    this.hooks.onFrame(ms);
  }

  // position is the moment on screen (ms): the server's last word moved
  // on by the time since at the speed played.
  position() {
    if (this.transport === 'clip' && this.clip) return this.clip.from + this.video.currentTime * 1000;
    if (this.waiting) return this.target;
    if (this.paused) return this.anchor.pos;
    return this.anchor.pos + (performance.now() - this.anchor.at) * this.speed;
  }

  // play shows the footage from (ms); to is the end of the recorded
  // stretch, for a clip fallback.
  async play(from, to) {
    this.target = from;
    this.waiting = true;
    this.pickAt = performance.now();
    this.video.dataset.playingFrom = new Date(from).toISOString();
    // A seek goes on the session playing, while its data channel can carry
    // it: a session the server has ended (it ran out of footage, say) has a
    // closed channel, and a seek queued there waited for an "open" that
    // never came, leaving "Loading…" up for good. Then a new session opens.
    const ch = this.session && this.session.channel;
    if (this.transport === 'webrtc' && this.session && ch && (ch.readyState === 'open' || ch.readyState === 'connecting')) {
      this.answeredAt = -1;
      this.send({ op: 'seek', at: new Date(from).toISOString() });
      if (this.paused) this.resume();
      return;
    }
    if (this.transport === 'clip' && this.clip && from >= this.clip.from && from < this.clip.to) {
      this.video.currentTime = (from - this.clip.from) / 1000;
      return;
    }
    this.stop();
    this.target = from;
    this.waiting = true;
    const gen = this.gen;
    try {
      await this.openWHEP(from, gen);
    } catch (err) {
      if (gen !== this.gen) return; // stopped or replaced meanwhile
      // The server's words on a codec this browser did not offer (H.265):
      // the clip is tried next, and if it cannot play either, the error
      // handler says so with these words.
      this.clipRefusal = err instanceof WhepError && err.status === 400 ? err.detail || '' : '';
      // 404 and up (401 aside) are about the recording, not the browser: a
      // file gone from the disk, or a fault on the appliance.
      this.openFailure = '';
      if (err instanceof WhepError && err.status >= 404) {
        this.openFailure = err.status === 500 ? 'a fault on the appliance; its log says more' : (err.detail || `the appliance answered ${err.status}`);
      }
      if (err instanceof WhepError && err.status === 401) { window.location.assign('/login'); return; }
      this.openClip(from, Math.min(to, from + CLIP_MAX_MS));
    }
  }

  async openWHEP(from, gen) {
    const url = `/api/cameras/${encodeURIComponent(this.cameraId)}/whep?start=${encodeURIComponent(new Date(from).toISOString())}`;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), WHEP_TIMEOUT_MS);
    let s;
    try {
      // Audio too: the server sends recorded G.711 and Opus at 1×.
      s = await whepConnect(this.video, url, { dataChannel: 'control', signal: ctl.signal, audio: true });
    } finally {
      clearTimeout(timer);
    }
    if (gen !== this.gen) { s.close(); return; }
    this.session = s;
    this.transport = 'webrtc';
    this.answeredAt = 0;
    this.video.dataset.transport = 'webrtc';
    const ch = s.channel;
    ch.binaryType = 'arraybuffer';
    const mark = () => { this.video.dataset.channel = ch.readyState; };
    mark();
    ch.addEventListener('open', mark);
    ch.addEventListener('close', mark);
    ch.addEventListener('message', (ev) => this.answer(ev));
    s.closed.then(() => { if (this.session === s) this.end(); });
    if (this.speed !== 1) this.send({ op: 'speed', speed: this.speed });
    this.poll = setInterval(() => {
      if (!this.paused && this.sent.length === 0) this.send({ op: 'speed', speed: this.speed }, true);
    }, POLL_MS);
  }

  openClip(from, to) {
    this.clip = { from, to };
    this.transport = 'clip';
    this.video.dataset.transport = 'clip';
    this.video.srcObject = null;
    this.video.src = `/api/cameras/${encodeURIComponent(this.cameraId)}/clip.mp4?start=${encodeURIComponent(new Date(from).toISOString())}&end=${encodeURIComponent(new Date(to).toISOString())}`;
    this.video.playbackRate = this.speed;
    this.paused = false;
    this.video.play().catch(() => {});
  }

  // send puts one control message on the session's data channel (once it
  // is open); poll marks the position queries, whose answers tests and
  // people do not count.
  send(msg, poll = false) {
    const ch = this.session && this.session.channel;
    if (!ch) return;
    this.sent.push({ op: msg.op, poll });
    const text = JSON.stringify(msg);
    if (ch.readyState === 'open') ch.send(text);
    else ch.addEventListener('open', () => ch.send(text), { once: true });
  }

  answer(ev) {
    const sent = this.sent.shift() || { op: '', poll: false };
    let st;
    // The server sends its answers as binary messages.
    const text = typeof ev.data === 'string' ? ev.data : utf8.decode(ev.data);
    try { st = JSON.parse(text); } catch { return; }
    // Only the answer to the last seek sent opens the gate: frames after an
    // earlier seek's answer are the footage of a moment no longer chosen.
    if (sent.op === 'seek' && !this.sent.some((m) => m.op === 'seek')) this.answeredAt = performance.now();
    if (st.position && !this.waiting) {
      this.anchor = { pos: new Date(st.position).getTime(), at: performance.now() };
    }
    if (!st.ok) this.hooks.onStatus(`Playback: ${st.error || 'refused'}.`);
    if (!sent.poll) this.video.dataset.answers = String(Number(this.video.dataset.answers || 0) + 1);
  }

  pause() {
    if (this.paused) return;
    this.anchor = { pos: this.position(), at: performance.now() };
    this.paused = true;
    if (this.transport === 'webrtc') this.send({ op: 'pause' });
    else if (this.transport === 'clip') this.video.pause();
  }

  resume() {
    if (!this.paused) return;
    this.anchor = { pos: this.position(), at: performance.now() };
    this.paused = false;
    if (this.transport === 'webrtc') this.send({ op: 'resume' });
    else if (this.transport === 'clip') this.video.play().catch(() => {});
  }

  setSpeed(speed) {
    this.anchor = { pos: this.position(), at: performance.now() };
    this.speed = speed;
    if (this.transport === 'webrtc') this.send({ op: 'speed', speed });
    else if (this.transport === 'clip') this.video.playbackRate = speed;
  }

  // end: the footage ran out (the session closed at the end of what is
  // written) or the clip ended.
  end() {
    this.stop();
    this.hooks.onEnded();
  }

  stop() {
    this.gen++;
    clearInterval(this.poll);
    if (this.session) this.session.close();
    this.session = null;
    this.sent = [];
    this.transport = '';
    this.clip = null;
    this.paused = false;
    this.waiting = false;
    this.video.srcObject = null;
    this.video.removeAttribute('src');
    delete this.video.dataset.transport;
  }
}
