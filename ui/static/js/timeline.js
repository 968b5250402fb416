// Timeline: the camera page's scrubbing strip, drawn to scale from a day
// down to a minute (UniFi Protect's is the model). It draws what it is
// given (recorded stretches, events, the privacy shutter's closed periods
// greyed to scale, the playhead, a selection) and turns
// pointer, wheel and touch input into calls back to the page (review.js),
// which owns the player and the data. All times are epoch milliseconds.
//
// Input:
//   drag (mouse or one finger)    pans
//   wheel / two-finger pinch      zooms around the pointer / the fingers
//   horizontal wheel              pans
//   click / tap                   onPick(ms), or onEvent(ev) on a marker
//   shift+drag, or drag in select mode (touch)   onSelect(a, b)
//   in select mode, a tap and another tap        onSelectStart(a), then onSelect(a, b)
//   hover (mouse) / long-press (touch)   preview: the time there and the
//                                 nearest event's thumbnail
// The view is kept in data-view-start / data-view-span (ms) on the root,
// for tests and for anyone reading the DOM.

const SVG = 'http://www.w3.org/2000/svg';
export const MIN_SPAN_MS = 60 * 1000;
export const MAX_SPAN_MS = 24 * 3600 * 1000;
const HEIGHT = 76;
const BAR_TOP = 20;
const BAR_H = 28;
const MARK_Y = 62; // centre of the event markers' row
const CLUSTER_PX = 20; // markers closer than this become one with a count
const DRAG_PX = 5; // a press that moves less is a click
const LONG_PRESS_MS = 500;
const PREVIEW_EVENT_PX = 60; // the preview shows an event this close
// Tick steps (ms) that divide a day, so ticks fall on round local times.
const STEPS = [5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3,
  3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3];
const LABEL_PX = 70; // room a label needs

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const pad = (n) => String(n).padStart(2, '0');
export function hhmmss(ms) { const d = new Date(ms); return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`; }
function hhmm(ms) { const d = new Date(ms); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; }
// moment says a moment as a household reads it, the same on every page:
// the 24-hour time, with the day unless it is today.
export function moment(ms) {
  const d = new Date(ms);
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return hhmmss(ms);
  // Another year's date says its year (a link to 2020 read as this year).
  const year = d.getFullYear() === today.getFullYear() ? {} : { year: 'numeric' };
  return `${d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short', ...year })} ${hhmmss(ms)}`;
}
function dayLabel(ms) { return new Date(ms).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' }); }

// localMidnight is the start of ms's day in the browser's zone.
function localMidnight(ms) { const d = new Date(ms); return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(); }

export class Timeline {
  // root is the empty timeline element; hooks: onPick(ms), onEvent(ev),
  // onSelect(a, b), onView() after the user moved the view, thumbURL(ev).
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.t0 = Date.now() - 3600e3;
    this.span = 3600e3;
    this.ranges = []; // [{a, b}] sorted
    this.events = []; // [{id, t, end, label, thumb}] sorted by t
    this.closed = []; // [{a, b, cause}] the privacy shutter's closed periods; b null: closed now
    this.playhead = null;
    this.live = true;
    this.selection = null; // [a, b]
    this.selectMode = false; // touch: a drag selects instead of panning
    this.selectFrom = null; // select mode: the first tap's time, until the second
    this.clusters = [];
    this.width = 0;
    this.svg = el('svg', { class: 'timeline-svg', 'aria-hidden': 'true' });
    this.preview = document.createElement('div');
    this.preview.className = 'tl-preview';
    this.preview.dataset.testid = 'timeline-preview';
    this.preview.hidden = true;
    this.previewImg = document.createElement('img');
    this.previewImg.alt = '';
    this.previewImg.hidden = true;
    this.previewText = document.createElement('span');
    this.preview.append(this.previewImg, this.previewText);
    // The legend of the greyed ranges, shown while one is in view.
    this.legend = document.createElement('p');
    this.legend.className = 'tl-legend muted';
    this.legend.dataset.testid = 'timeline-shutter-legend';
    this.legend.hidden = true;
    const swatch = document.createElement('span');
    swatch.className = 'tl-legend-swatch';
    swatch.setAttribute('aria-hidden', 'true');
    this.legend.append(swatch, document.createTextNode('Privacy shutter closed'));
    root.append(this.svg, this.preview, this.legend);
    this.pointers = new Map();
    this.gesture = null;
    this.bindInput();
    new ResizeObserver(() => this.draw()).observe(root);
  }

  // Coordinates.
  msPerPx() { return this.span / Math.max(1, this.width); }
  x(ms) { return (ms - this.t0) / this.msPerPx(); }
  at(x) { return this.t0 + x * this.msPerPx(); }
  end() { return this.t0 + this.span; }
  pointerX(ev) { return ev.clientX - this.svg.getBoundingClientRect().left; }

  setData(ranges, events, closed = []) {
    this.ranges = ranges;
    this.events = events;
    this.closed = closed;
    this.hasData = true;
    this.draw();
  }

  setPlayhead(ms, live) {
    this.playhead = ms;
    this.live = live;
    this.draw();
  }

  setSelection(sel) {
    this.selection = sel;
    this.draw();
  }

  // setView shows [t0, t0+span], the span clamped to a minute..a day; the
  // view ends at most a quarter span after now: nothing is recorded there.
  setView(t0, span) {
    this.span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, span));
    this.t0 = Math.min(t0, Date.now() - this.span * 0.75);
    this.draw();
  }

  // zoom multiplies the span by factor, keeping anchor (ms) where it is.
  zoom(factor, anchor) {
    const a = anchor ?? (this.playhead !== null && this.playhead >= this.t0 && this.playhead <= this.end() ? this.playhead : this.t0 + this.span / 2);
    const frac = (a - this.t0) / this.span;
    const span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, this.span * factor));
    this.setView(a - frac * span, span);
  }

  // reveal pans, if needed, so ms is in view with room around it (the
  // playhead following playback).
  reveal(ms) {
    const margin = this.span * 0.1;
    if (ms < this.t0 + margin / 2 || ms > this.end() - margin / 2) this.setView(ms - this.span * 0.7, this.span);
  }

  draw() {
    const w = Math.round(this.root.clientWidth);
    if (w <= 0) return;
    this.width = w;
    const svg = this.svg;
    svg.setAttribute('viewBox', `0 0 ${w} ${HEIGHT}`);
    svg.setAttribute('width', w);
    svg.setAttribute('height', HEIGHT);
    const parts = [el('rect', { x: 0, y: BAR_TOP, width: w, height: BAR_H, class: 'tl-bg', rx: 4 })];
    parts.push(...this.ticks());
    // The shutter's closed periods, greyed on the bar to scale: no
    // picture is recorded or shown there (drawn under the ranges: with keep-
    // recording, footage of a closed period is still a range over it).
    let closedShown = 0;
    for (const c of this.closed) {
      const cb = c.b ?? Date.now();
      if (cb < this.t0 || c.a > this.end()) continue;
      const a = Math.max(-1, this.x(c.a));
      const b = Math.min(w + 1, this.x(cb));
      const g = el('g', { class: 'tl-shutter', 'data-testid': 'timeline-shutter', 'data-cause': c.cause || '',
        'data-start': new Date(c.a).toISOString(), 'data-end': c.b === null ? '' : new Date(c.b).toISOString() });
      g.append(el('rect', { x: a, y: BAR_TOP, width: Math.max(b - a, 1), height: BAR_H }),
        el('title', {}, `Privacy shutter closed ${hhmm(c.a)}–${c.b === null ? 'now' : hhmm(c.b)}${c.cause === 'schedule' ? ' (schedule)' : ''}`));
      parts.push(g);
      closedShown++;
    }
    this.legend.hidden = closedShown === 0;
    // Recorded stretches at least a pixel wide, so a few seconds of
    // footage at day zoom is still seen (and clicked: see review.js snap).
    let shown = 0;
    for (const r of this.ranges) {
      if (r.b < this.t0 || r.a > this.end()) continue;
      const a = Math.max(-1, this.x(r.a));
      const b = Math.min(w + 1, this.x(r.b));
      parts.push(el('rect', { x: a, y: BAR_TOP, width: Math.max(b - a, 1), height: BAR_H, class: 'tl-range' }));
      shown++;
    }
    if (this.selection) {
      const a = this.x(this.selection[0]);
      const b = this.x(this.selection[1]);
      parts.push(el('rect', { x: a, y: BAR_TOP - 4, width: Math.max(b - a, 2), height: BAR_H + 8, class: 'tl-selection' }));
    }
    parts.push(...this.markers());
    const now = this.x(Date.now());
    if (now >= 0 && now <= w) parts.push(el('line', { x1: now, x2: now, y1: BAR_TOP, y2: BAR_TOP + BAR_H, class: 'tl-now' }));
    if (this.playhead !== null) {
      const p = this.x(this.playhead);
      if (p >= -2 && p <= w + 2) {
        const g = el('g', { class: this.live ? 'tl-playhead tl-live' : 'tl-playhead', 'data-testid': 'timeline-playhead' });
        g.append(el('line', { x1: p, x2: p, y1: BAR_TOP - 6, y2: BAR_TOP + BAR_H + 4 }),
          el('path', { d: `M${p - 5} ${BAR_TOP - 8}h10l-5 6z` }));
        parts.push(g);
      }
    }
    svg.replaceChildren(...parts);
    const ds = this.root.dataset;
    ds.viewStart = String(Math.round(this.t0));
    ds.viewSpan = String(Math.round(this.span));
    // Set once data has come: tests wait for data-ranges.
    if (this.hasData) {
      ds.ranges = String(shown);
      ds.markers = String(this.clusters.length);
      ds.shutter = String(closedShown);
    }
  }

  // ticks: a scale in local time whose step follows the zoom, labels as
  // hh:mm (hh:mm:ss under a minute) and the date at midnight.
  ticks() {
    const per = this.msPerPx();
    const step = STEPS.find((s) => s / per >= LABEL_PX) || STEPS[STEPS.length - 1];
    const minor = step / (step >= 3600e3 && step % 4 === 0 ? 4 : 2);
    const out = [];
    let lastRight = -Infinity; // where the last label drawn ends
    const base = localMidnight(this.t0 - 86400e3);
    const first = base + Math.floor((this.t0 - base) / minor) * minor;
    // Ticks step from a local midnight; whether one is major (labelled) is
    // asked of its own day's midnight, so labels stay on round local times
    // after a daylight-saving change within the view (the unlabelled minor
    // ticks may then sit an hour off the round times until the next day).
    for (let tt = first; tt <= this.end() + minor; tt += minor) {
      const x = this.x(tt);
      if (x < -LABEL_PX || x > this.width + LABEL_PX) continue;
      const mid = localMidnight(tt);
      const major = (tt - mid) % step === 0;
      out.push(el('line', { x1: x, x2: x, y1: BAR_TOP - (major ? 6 : 3), y2: BAR_TOP, class: 'tl-tick' }));
      // A time whose tick is off the bar is not labelled (pulled inside,
      // it sat on the next label, where another time was); the day's
      // name is, so the day in view stays said.
      if (major && (tt === mid || (x >= 0 && x <= this.width))) {
        const text = tt === mid ? dayLabel(tt) : step < 60e3 ? hhmmss(tt) : hhmm(tt);
        // A label near an edge is kept whole inside the bar (the day's
        // name was cut to "n, Dec 7" at a phone's left edge): about 6.6 px
        // a character at 11 px, half of it each side of the tick; the
        // day's name is bold, about 8 px a character ("Mon, Dec 7" stuck
        // 2 px out at the left edge).
        const half = text.length * (tt === mid ? 4 : 3.3);
        const lx = Math.min(Math.max(x, half), this.width - half);
        // One that would overlap the label before it is left out.
        if (lx - half < lastRight + 4) continue;
        lastRight = lx + half;
        out.push(el('text', { x: lx, y: BAR_TOP - 8, class: tt === mid ? 'tl-label tl-day' : 'tl-label' }, text));
      }
    }
    return out;
  }

  // markers clusters the events that would overlap at this zoom into one
  // marker with a count; a lone event is a dot.
  markers() {
    const per = this.msPerPx();
    const clusters = [];
    for (const ev of this.events) {
      if (ev.t < this.t0 - CLUSTER_PX * per || ev.t > this.end() + CLUSTER_PX * per) continue;
      const x = this.x(ev.t);
      const last = clusters[clusters.length - 1];
      if (last && x - last.x0 < CLUSTER_PX) { last.events.push(ev); last.x1 = x; } else clusters.push({ x0: x, x1: x, events: [ev] });
    }
    this.clusters = clusters;
    const out = [];
    for (const c of clusters) {
      const x = (c.x0 + c.x1) / 2;
      c.x = x;
      const n = c.events.length;
      // The event's length under the bar, when it is wider than a dot.
      const ev = c.events[0];
      if (n === 1 && ev.end && this.x(ev.end) - this.x(ev.t) > 6) {
        out.push(el('rect', { x: this.x(ev.t), y: BAR_TOP + BAR_H - 5, width: this.x(ev.end) - this.x(ev.t), height: 5, class: 'tl-event-span' }));
      }
      const g = el('g', { class: n > 1 ? 'tl-event tl-cluster' : 'tl-event', 'data-count': n });
      g.append(el('circle', { cx: x, cy: MARK_Y, r: n > 1 ? 8 : 5 }));
      if (n > 1) g.append(el('text', { x, y: MARK_Y + 4 }, n > 99 ? '99+' : String(n)));
      g.append(el('title', {}, n > 1 ? `${n} events, ${hhmm(c.events[0].t)}–${hhmm(c.events[n - 1].t)}` : `${ev.label || 'event'} ${hhmmss(ev.t)}`));
      out.push(g);
    }
    return out;
  }

  // closedAt is the shutter's closed period holding ms, or null.
  closedAt(ms) {
    return this.closed.find((c) => ms >= c.a && ms < (c.b ?? Date.now())) || null;
  }

  clusterAt(x, y) {
    if (y < BAR_TOP + BAR_H - 6) return null;
    let best = null;
    for (const c of this.clusters) {
      const d = Math.abs(c.x - x);
      if (d <= 14 && (!best || d < best.d)) best = { c, d };
    }
    return best && best.c;
  }

  // showPreview puts the time under x and the nearest event's thumbnail
  // above the timeline.
  showPreview(x) {
    const t = this.at(x);
    let near = null;
    for (const ev of this.events) {
      const d = Math.abs(this.x(ev.t) - x);
      if (d <= PREVIEW_EVENT_PX && (!near || d < near.d)) near = { ev, d };
    }
    const url = near && this.hooks.thumbURL(near.ev);
    const closed = this.closedAt(t) ? ' · Privacy shutter closed' : '';
    this.previewText.textContent = (near ? `${hhmmss(t)} · ${near.ev.label || 'event'} at ${hhmmss(near.ev.t)}` : hhmmss(t)) + closed;
    if (url) {
      if (this.previewImg.dataset.src !== url) { this.previewImg.src = url; this.previewImg.dataset.src = url; }
      this.previewImg.hidden = false;
    } else this.previewImg.hidden = true;
    this.preview.hidden = false;
    // Kept inside the timeline's width (no sideways scroll on a phone).
    const pw = this.preview.offsetWidth;
    this.preview.style.left = `${Math.max(0, Math.min(this.width - pw, x - pw / 2))}px`;
    this.preview.dataset.time = new Date(t).toISOString();
  }

  hidePreview() { this.preview.hidden = true; }

  bindInput() {
    const svg = this.svg;
    svg.addEventListener('pointerdown', (ev) => this.down(ev));
    svg.addEventListener('pointermove', (ev) => this.move(ev));
    svg.addEventListener('pointerup', (ev) => this.up(ev));
    svg.addEventListener('pointercancel', (ev) => { this.pointers.delete(ev.pointerId); this.gesture = null; this.hidePreview(); });
    svg.addEventListener('pointerleave', (ev) => { if (ev.pointerType === 'mouse') this.hidePreview(); });
    svg.addEventListener('contextmenu', (ev) => ev.preventDefault()); // a long press is ours
    svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        this.setView(this.t0 + ev.deltaX * this.msPerPx(), this.span);
      } else {
        this.zoom(Math.exp(ev.deltaY * 0.0015), this.at(this.pointerX(ev)));
      }
      this.hooks.onView();
    }, { passive: false });
  }

  down(ev) {
    try { this.svg.setPointerCapture(ev.pointerId); } catch { /* a synthetic pointer */ }
    this.pointers.set(ev.pointerId, { x: this.pointerX(ev), y: ev.clientY - this.svg.getBoundingClientRect().top });
    if (this.pointers.size === 2) {
      // Two fingers: a pinch, anchored where they started.
      const [p, q] = [...this.pointers.values()];
      clearTimeout(this.gesture && this.gesture.timer);
      this.gesture = { kind: 'pinch', d0: Math.max(10, Math.abs(p.x - q.x)), span0: this.span, anchor: this.at((p.x + q.x) / 2), frac: ((p.x + q.x) / 2) / this.width };
      this.hidePreview();
      return;
    }
    if (this.pointers.size > 2) return;
    const g = { kind: 'press', x0: this.pointerX(ev), y0: this.pointers.get(ev.pointerId).y, t0: this.t0, moved: false,
      select: ev.shiftKey || this.selectMode, touch: ev.pointerType !== 'mouse', long: false, timer: 0 };
    if (g.touch && !g.select) {
      g.timer = setTimeout(() => { g.long = true; this.showPreview(g.x0); }, LONG_PRESS_MS);
    }
    this.gesture = g;
  }

  move(ev) {
    const x = this.pointerX(ev);
    const p = this.pointers.get(ev.pointerId);
    const g = this.gesture;
    if (!p || !g) {
      if (ev.pointerType === 'mouse') this.showPreview(x); // hover
      return;
    }
    p.x = x;
    if (g.kind === 'pinch') {
      if (this.pointers.size < 2) return;
      const [a, b] = [...this.pointers.values()];
      const span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, g.span0 * g.d0 / Math.max(10, Math.abs(a.x - b.x))));
      this.setView(g.anchor - g.frac * span, span);
      this.hooks.onView();
      return;
    }
    if (!g.moved && Math.abs(x - g.x0) < DRAG_PX) return;
    if (!g.moved) { g.moved = true; clearTimeout(g.timer); }
    if (g.long) { this.showPreview(x); return; } // a long press scrubs the preview
    if (g.select) {
      const a = this.at(g.x0);
      const b = this.at(x);
      this.hooks.onSelect(Math.min(a, b), Math.max(a, b), false);
      return;
    }
    this.hidePreview();
    this.setView(g.t0 - (x - g.x0) * this.msPerPx(), this.span);
    this.hooks.onView();
  }

  up(ev) {
    const g = this.gesture;
    const p = this.pointers.get(ev.pointerId);
    this.pointers.delete(ev.pointerId);
    if (!g || !p) return;
    if (g.kind === 'pinch') {
      if (this.pointers.size === 0) this.gesture = null;
      return;
    }
    this.gesture = null;
    clearTimeout(g.timer);
    const x = this.pointerX(ev);
    if (g.long) { this.hidePreview(); return; }
    if (g.select && g.moved) {
      const a = this.at(g.x0);
      const b = this.at(x);
      this.hooks.onSelect(Math.min(a, b), Math.max(a, b), true);
      return;
    }
    if (g.moved) return;
    if (this.selectMode) {
      // A tap in select mode marks the stretch's start, the next its end:
      // on a phone a tap is easier than a drag along a thin bar, and
      // playing footage there surprised whoever had pressed Select.
      const t = this.at(x);
      const from = this.selectFrom;
      if (from === null) {
        this.selectFrom = t;
        this.setSelection([t, t]);
        if (this.hooks.onSelectStart) this.hooks.onSelectStart(t);
      } else if (t !== from) {
        this.selectFrom = null;
        this.hooks.onSelect(Math.min(from, t), Math.max(from, t), true);
      }
      return;
    }
    const c = this.clusterAt(x, p.y);
    if (c) {
      if (c.events.length === 1) { this.hooks.onEvent(c.events[0]); return; }
      // A cluster opens into its events: zoom until they come apart (a
      // minute at most), or play the first when they cannot.
      const a = c.events[0].t;
      const b = c.events[c.events.length - 1].t;
      if (this.span <= MIN_SPAN_MS || b - a < 1000) { this.hooks.onEvent(c.events[0]); return; }
      this.setView(a - (b - a) * 0.25 - 5000, Math.max(MIN_SPAN_MS, (b - a) * 1.5 + 10000));
      this.hooks.onView();
      return;
    }
    this.hooks.onPick(this.at(x));
  }
}
