package record

import (
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// A camera's recording state is measured, never assumed (ARCHITECTURE.md,
// invariant 10): "recording" means fragments reached the index lately, by
// the recorder's clock, and "stalled" that the camera streams while
// nothing does. docs/storage.md, "Recording state", says the same for
// operators.

// observeEvery bounds how often the recording goroutine re-measures its
// state while units flow (it also does on every idle sync wake-up).
const observeEvery = 250 * time.Millisecond

// maxMeasuredGOP bounds a believable keyframe interval; a longer gap is a
// pause in the stream, not its GOP.
const maxMeasuredGOP = time.Minute

// recMeasure is what a camera's recording state is derived from. Guarded
// by cameraRecorder.mu.
type recMeasure struct {
	// lastIndexed is when a fragment last reached the index; runSince is
	// when the current unbroken run of indexed fragments began.
	lastIndexed, runSince time.Time
	// dueSince is since when footage is owed: a continuous camera's source
	// streams, an events camera was triggered. Zero: nothing is owed.
	dueSince time.Time
	// gop is the last measured keyframe interval (0: not yet).
	gop time.Duration
	// lastKey is when the recorder last received a keyframe.
	lastKey time.Time
	// lastErr is the latest write or index failure since footage was
	// last indexed: the reason of a stall.
	lastErr string
}

// dueLocked is how long footage may take to be indexed: one GOP (a
// fragment is written when its GOP is complete), one sync interval (it is
// indexed once fsynced) and the stall grace.
func (c *cameraRecorder) dueLocked() time.Duration {
	gop := c.m.gop
	if gop <= 0 {
		gop = c.r.cfg.AssumedGOP
	}
	return gop + c.r.cfg.SyncInterval + c.r.cfg.StallGrace
}

// streaming reports whether the camera's main hub received a unit within
// the stall grace: its source streams, whatever the recorder makes of it.
func (c *cameraRecorder) streaming(now time.Time) bool {
	h := c.r.cfg.hubs.RecordHub(c.cam.ID)
	if h == nil {
		return false
	}
	last := h.Stats().LastUnit
	return !last.IsZero() && now.Sub(last) <= c.r.cfg.StallGrace
}

// status derives the camera's recording state now.
func (c *cameraRecorder) status() RecordingStatus {
	now := c.r.cfg.Now()
	streaming := c.streaming(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deriveLocked(now, streaming)
}

// deriveLocked is the state from the measurements: disk-full while a
// write hit ENOSPC; armed while an events camera is not triggered;
// recording while fragments were indexed within due; stalled once the
// source has streamed for longer than due with nothing indexed; else
// waiting (continuous) or armed (events, triggered, first footage on its
// way).
func (c *cameraRecorder) deriveLocked(now time.Time, streaming bool) RecordingStatus {
	m := &c.m
	due := c.dueLocked()
	if c.phase == RecordingDiskFull || c.phase == RecordingOverRate {
		// Chosen pauses: the last fragments indexed before one do not
		// make the camera look recording, and it is not stalled.
		return RecordingStatus{State: c.phase, Since: c.phaseSince}
	}
	if c.events() && m.dueSince.IsZero() {
		return RecordingStatus{State: RecordingArmed, Since: c.phaseSince}
	}
	if !m.lastIndexed.IsZero() && now.Sub(m.lastIndexed) <= due {
		return RecordingStatus{State: RecordingActive, Since: m.runSince}
	}
	if streaming && !m.dueSince.IsZero() {
		from := later(m.dueSince, m.lastIndexed)
		if now.Sub(from) > due {
			return RecordingStatus{State: RecordingStalled, Since: from.Add(due), Reason: c.reasonLocked(now, due)}
		}
	}
	since := c.phaseSince
	if !m.lastIndexed.IsZero() {
		since = later(since, m.lastIndexed.Add(due))
	}
	if c.events() {
		return RecordingStatus{State: RecordingArmed, Since: since}
	}
	return RecordingStatus{State: RecordingWaiting, Since: since}
}

// reasonLocked says why nothing is indexed, in words safe to show.
func (c *cameraRecorder) reasonLocked(now time.Time, due time.Duration) string {
	switch {
	case c.m.lastErr != "":
		return c.m.lastErr
	case c.m.lastKey.IsZero() || now.Sub(c.m.lastKey) > due:
		return "the camera streams but no keyframe reached the recorder"
	default:
		return "no fragment was indexed"
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// indexed records that fragments reached the index (segmentIndex.flush).
func (c *cameraRecorder) indexed() {
	now := c.r.cfg.Now()
	c.mu.Lock()
	m := &c.m
	if m.lastIndexed.IsZero() || now.Sub(m.lastIndexed) > c.dueLocked() || c.phase == RecordingDiskFull {
		m.runSince = now // a new run begins: the previous one ended
	}
	m.lastIndexed, m.lastErr = now, ""
	if c.phase == RecordingDiskFull {
		c.phase, c.phaseSince = c.idleState(), now // footage is written again
	}
	c.mu.Unlock()
	c.observe(true)
}

// failed records a write or index failure as the reason of a stall.
func (c *cameraRecorder) failed(err error) {
	c.mu.Lock()
	c.m.lastErr = stateMessage(err)
	c.mu.Unlock()
}

// setDue marks footage as owed from now (an events camera was triggered),
// or no longer owed (at).
func (c *cameraRecorder) setDue(at time.Time) {
	c.mu.Lock()
	c.m.dueSince = at
	c.mu.Unlock()
}

// sawUnit measures the GOP and the last keyframe from the units the
// recorder receives: the interval between two keyframes of one session
// with nothing dropped between them (a resync or an overflow skips to a
// later keyframe, and that gap is not the GOP). dropped is the
// subscription's Dropped count. Recording goroutine only.
func (c *cameraRecorder) sawUnit(u *media.Unit, dropped uint64) {
	if !startsGOP(u) {
		return
	}
	prev := c.prevKey
	c.prevKey = keyMark{wall: u.Wall, info: u.Info, dropped: dropped}
	now := c.r.cfg.Now()
	c.mu.Lock()
	d := u.Wall.Sub(prev.wall)
	if prev.info == u.Info && prev.dropped == dropped && d > 0 && d <= maxMeasuredGOP {
		c.m.gop = d
	}
	c.m.lastKey = now
	c.mu.Unlock()
}

// keyMark is the previous keyframe the recorder received.
type keyMark struct {
	wall    time.Time
	info    *media.StreamInfo
	dropped uint64
}

// observe re-measures the state on the recording goroutine, keeps a
// continuous camera's dueSince in step with its source, and logs each
// change of state (a stall at Warn, with its reason). Unless force, it
// does so at most every observeEvery.
func (c *cameraRecorder) observe(force bool) {
	now := c.r.cfg.Now()
	if !force && now.Sub(c.observedAt) < observeEvery {
		return
	}
	c.observedAt = now
	streaming := c.streaming(now)
	c.mu.Lock()
	if !c.events() {
		switch {
		case !streaming:
			c.m.dueSince = time.Time{}
		case c.m.dueSince.IsZero():
			c.m.dueSince = now
		}
	}
	st := c.deriveLocked(now, streaming)
	changed := st.State != c.reported
	c.reported = st.State
	c.mu.Unlock()
	if !changed {
		return
	}
	if st.State == RecordingStalled {
		c.log.Warn("recording stalled: the camera streams but no footage is indexed", "reason", st.Reason,
			"since", st.Since)
		return
	}
	c.log.Info("recording state", "state", st.State)
}
