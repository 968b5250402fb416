package record

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

// cameraRecorder records one camera: it subscribes to the camera's main
// hub (KeepCompleteGOPs), feeds a Segmenter and reports its state. Its
// goroutine is started by start and ended by stop.
type cameraRecorder struct {
	r     *Recorder
	cam   nvr.Camera
	set   recordSettings
	index int
	vol   recordstore.Volume
	log   *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	// turns counts the rounds of the recording loops (units written,
	// sync waits, resubscriptions): each round must wait on something,
	// and a test bounds the count over a quiet window to prove it.
	turns atomic.Uint64

	mu sync.Mutex
	// phase is what the goroutine does: waiting (for a stream), armed
	// (events mode), disk-full or over-rate. The state reported is derived from it
	// and from m (recorder_state.go).
	phase      string
	phaseSince time.Time
	m          recMeasure
	reported   string    // the last state logged
	until      time.Time // events mode: triggered until (zero: never)

	// Used by the recording goroutine only.
	pre        preRoll
	active     bool        // events mode: a triggered recording is in progress
	prevKey    keyMark     // the previous keyframe, for the GOP
	observedAt time.Time   // when observe last measured
	rate       rateMeter   // the main stream's bit rate, for the ceiling
	paused     bool        // over the rate ceiling: nothing is written
	gate       footageGate // the store, when it may withhold room from footage; nil otherwise
}

func newCameraRecorder(r *Recorder, c nvr.Camera, set recordSettings, index int, vol recordstore.Volume) *cameraRecorder {
	return &cameraRecorder{
		r: r, cam: c, set: set, index: index, vol: vol,
		log:        r.cfg.Log.With("camera", string(c.ID)),
		done:       make(chan struct{}),
		phase:      RecordingWaiting,
		phaseSince: r.cfg.Now(),
		pre:        preRoll{keep: set.preRoll, maxBytes: r.cfg.MaxPreRollBytes},
		rate:       rateMeter{window: r.cfg.RateWindow},
	}
}

func (c *cameraRecorder) events() bool { return c.set.mode == nvr.RecordEvents }

func (c *cameraRecorder) start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	c.cancel = cancel
	go func() {
		defer close(c.done)
		c.run(ctx)
	}()
}

// stop ends the recording (the open segment is closed cleanly) and waits.
func (c *cameraRecorder) stop() {
	c.cancel()
	<-c.done
}

func (c *cameraRecorder) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// setPhase sets what the goroutine does and logs the state if it changed.
func (c *cameraRecorder) setPhase(s string) {
	c.mu.Lock()
	if c.phase != s {
		c.phase, c.phaseSince = s, c.r.cfg.Now()
	}
	c.mu.Unlock()
	c.observe(true)
}

func (c *cameraRecorder) inPhase(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.phase == s
}

func (c *cameraRecorder) trigger(until time.Time) {
	c.mu.Lock()
	if until.After(c.until) {
		c.until = until
	}
	c.mu.Unlock()
}

// recordUntil returns the wall time an events recording runs to (zero:
// never triggered).
func (c *cameraRecorder) recordUntil() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.until.IsZero() {
		return time.Time{}
	}
	return c.until.Add(c.set.postRoll)
}

func (c *cameraRecorder) idleState() string {
	if c.events() {
		return RecordingArmed
	}
	return RecordingWaiting
}

func (c *cameraRecorder) run(ctx context.Context) {
	c.gate, _ = c.r.cfg.Store.(footageGate)
	cfg := c.r.cfg
	idx := &segmentIndex{
		store: cfg.Store, add: c.r.index.add, vol: c.vol, cam: c.cam.ID, stream: "main", event: c.events(),
		create: cfg.createFile, log: c.log, open: map[uint64]*openSegment{},
		offsite: cfg.Offsite, household: c.cam.HouseholdID, preRoll: c.set.preRoll, postRoll: c.set.postRoll,
	}
	idx.onOpen = func() {}
	idx.onFragment = c.indexed
	idx.onIndexErr = func(err error) {
		c.log.Error("recording index", "err", err)
		c.failed(err)
	}
	seg := segment.NewSegmenter(segment.Config{
		Files: idx, Observer: idx, Target: cfg.Target, FirstTarget: stagger(cfg.Target, c.index),
		Writer: segment.WriterOptions{SyncInterval: cfg.SyncInterval, Now: cfg.Now,
			Buffers: &c.r.buffers, OnSync: func() { c.r.syncs.Add(1) }},
	})
	defer func() {
		_ = seg.Close()
		idx.flush()
	}()
	for ctx.Err() == nil {
		c.turns.Add(1)
		h := cfg.hubs.RecordHub(c.cam.ID)
		if h == nil {
			c.setPhase(RecordingWaiting)
			sleepCtx(ctx, cfg.Pause/4)
			continue
		}
		sub := h.Subscribe(hub.SubscribeOptions{QueueUnits: cfg.QueueUnits, Overflow: hub.KeepCompleteGOPs, WakeBatch: recorderWakeBatch})
		c.prevKey = keyMark{}
		var err error
		if sub.CameraID() != string(c.cam.ID) {
			err = fmt.Errorf("hub carries camera %q, recorder is for %q", sub.CameraID(), c.cam.ID)
		} else {
			// While the disk is full the phase stays disk-full (and keeps
			// its since) until footage is indexed again; over the rate
			// ceiling it stays over-rate until the rate falls.
			if !c.active && !c.paused && !c.inPhase(RecordingDiskFull) {
				c.setPhase(c.idleState())
			}
			err = c.record(ctx, sub, seg, idx)
		}
		sub.Close()
		// Whatever ended the subscription, the open segment ends cleanly.
		cerr := seg.Close()
		idx.flush()
		c.setActive(false)
		c.pre.reset()
		if err == nil {
			err = cerr
		}
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil, errors.Is(err, hub.ErrClosed):
			// The camera's pipeline restarted (an edit, a removal): the
			// next round subscribes to its new hub.
			c.setPhase(RecordingWaiting)
			sleepCtx(ctx, cfg.Pause/4)
		case errors.Is(err, syscall.ENOSPC):
			if !c.inPhase(RecordingDiskFull) {
				c.log.Warn("disk full: segment closed, recording pauses", "err", err)
			}
			c.failed(err)
			c.setPhase(RecordingDiskFull)
			cfg.OnDiskFull()
			sleepCtx(ctx, cfg.Pause)
		default:
			c.log.Error("recording failed; retrying", "err", err)
			c.failed(err)
			c.observe(true)
			sleepCtx(ctx, cfg.Pause)
		}
	}
}

// recorderWakeBatch is the recorder subscription's WakeBatch: it is woken
// at each keyframe (the writer cuts a fragment there), after this many
// units, or after a sync interval, whichever comes first; not at every
// picture. 16 units is 0.64 s at 25 fps; at lower frame rates the sync
// interval bounds the wait.
const recorderWakeBatch = 16

// record feeds sub into seg until ctx ends (nil) or the subscription or a
// write fails. An idle stream is fsynced on time: Next waits at most one
// sync interval.
func (c *cameraRecorder) record(ctx context.Context, sub *hub.Subscription, seg *segment.Segmenter, idx *segmentIndex) error {
	// One timer for the recorder's life, reset before each wait (since Go
	// 1.23 a Reset timer never delivers a stale time).
	idle := time.NewTimer(c.r.cfg.SyncInterval)
	defer idle.Stop()
	for {
		c.turns.Add(1)
		u, ok := sub.TryNext()
		if !ok {
			idle.Reset(c.r.cfg.SyncInterval)
			var err error
			u, err = sub.NextWithin(ctx, idle.C)
			// Only ErrIdle means "idle"; anything else (hub.ErrClosed when
			// the camera's pipeline restarts) ends this subscription, so
			// run subscribes to the camera's new hub.
			switch {
			case err == nil:
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, hub.ErrIdle):
				// An idle stream is measured too: a camera that stopped
				// flooding resumes without sending.
				if _, err := c.overRate(0, seg); err != nil {
					return err
				}
				err = seg.Sync()
				idx.flush()
				c.observe(false)
				if err != nil {
					return err
				}
				continue
			default:
				return err
			}
		}
		c.sawUnit(u, sub.Dropped())
		paused, err := c.overRate(u.Size(), seg)
		if err == nil && !paused {
			err = c.write(u, seg)
		}
		if err == nil && u.Key && len(idx.open) > 0 {
			// A keyframe is where the buffered GOP went to disk: footage
			// grows here, so here it asks whether it may go on.
			err = c.footageAllowed()
		}
		idx.flush()
		c.observe(false)
		if err != nil {
			return err
		}
	}
}

// write records one unit: directly in continuous mode; in events mode
// through the pre-roll until a trigger, then until the first GOP start at
// or after the trigger's until plus the post-roll.
func (c *cameraRecorder) write(u *media.Unit, seg *segment.Segmenter) error {
	if !c.events() {
		return seg.WriteUnit(u)
	}
	end := c.recordUntil()
	if !c.active {
		c.pre.add(u)
		if end.IsZero() || !u.Wall.Before(end) {
			return nil
		}
		c.setActive(true)
		for _, x := range c.pre.take() {
			if err := seg.WriteUnit(x); err != nil {
				return err
			}
		}
		return nil
	}
	if startsGOP(u) && !u.Wall.Before(end) {
		c.setActive(false)
		err := seg.Close()
		c.pre.add(u)
		c.setPhase(RecordingArmed)
		return err
	}
	return seg.WriteUnit(u)
}

// setActive starts or ends an events camera's triggered recording; while
// it runs, footage is owed (a stall is measured from its start).
func (c *cameraRecorder) setActive(on bool) {
	if on == c.active {
		return
	}
	c.active = on
	if !c.events() {
		return
	}
	var at time.Time
	if on {
		at = c.r.cfg.Now()
	}
	c.setDue(at)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// footageGate is implemented by a recording store that may withhold room
// from footage (Reserve.GuardStore): while FootageAllowed errs (matching
// syscall.ENOSPC), an open segment ends and the camera is disk-full until
// a new segment is allowed.
type footageGate interface {
	FootageAllowed() error
}

// footageAllowed asks the store, when it is a footageGate, whether the open
// segment may go on growing.
func (c *cameraRecorder) footageAllowed() error {
	if c.gate == nil {
		return nil
	}
	return c.gate.FootageAllowed()
}
