package nvr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

// cameraRecorder records one camera: it subscribes to the camera's main
// hub (KeepCompleteGOPs), feeds a Segmenter and reports its state. Its
// goroutine is started by start and ended by stop.
type cameraRecorder struct {
	r     *Recorder
	cam   Camera
	set   recordSettings
	index int
	vol   Volume
	log   *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	state string
	since time.Time
	until time.Time // events mode: triggered until (zero: never)

	// Used by the recording goroutine only.
	pre    preRoll
	active bool // events mode: a triggered recording is in progress
	rate   rateMeter
	paused bool // over the rate ceiling: nothing is written
}

func newCameraRecorder(r *Recorder, c Camera, set recordSettings, index int, vol Volume) *cameraRecorder {
	return &cameraRecorder{
		r: r, cam: c, set: set, index: index, vol: vol,
		log:   r.cfg.Log.With("camera", string(c.ID)),
		done:  make(chan struct{}),
		state: RecordingWaiting,
		since: r.cfg.Now(),
		pre:   preRoll{keep: set.preRoll, maxBytes: r.cfg.MaxPreRollBytes},
		rate:  rateMeter{window: r.cfg.RateWindow},
	}
}

func (c *cameraRecorder) events() bool { return c.set.mode == RecordEvents }

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

func (c *cameraRecorder) setState(s string) {
	c.mu.Lock()
	changed := c.state != s
	if changed {
		c.state, c.since = s, c.r.cfg.Now()
	}
	c.mu.Unlock()
	if changed {
		c.log.Info("recording state", "state", s)
	}
}

func (c *cameraRecorder) status() RecordingStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return RecordingStatus{State: c.state, Since: c.since}
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
	cfg := c.r.cfg
	idx := &segmentIndex{
		store: cfg.Store, vol: c.vol, cam: c.cam.ID, stream: "main", event: c.events(),
		create: cfg.createFile, log: c.log, open: map[uint64]*openSegment{},
	}
	// The callbacks run on this goroutine. The last fragments indexed after
	// a pause for the rate ceiling do not make the camera look recording.
	idx.onOpen = func() { c.setState(RecordingActive) }
	idx.onFragment = func() {
		if !c.paused {
			c.setState(RecordingActive)
		}
	}
	idx.onIndexErr = func(err error) {
		c.log.Error("recording index", "err", err)
		c.setState(recordingErrPrefix + stateMessage(err))
	}
	seg := segment.NewSegmenter(segment.Config{
		Files: idx, Observer: idx, Target: cfg.Target, FirstTarget: stagger(cfg.Target, c.index),
		Writer: segment.WriterOptions{SyncInterval: cfg.SyncInterval, Now: cfg.Now},
	})
	defer func() {
		_ = seg.Close()
		idx.flush()
	}()
	for ctx.Err() == nil {
		h := cfg.hubs.recordHub(c.cam.ID)
		if h == nil {
			c.setState(RecordingWaiting)
			sleepCtx(ctx, cfg.Pause/4)
			continue
		}
		sub := h.Subscribe(hub.SubscribeOptions{QueueUnits: cfg.QueueUnits, Overflow: hub.KeepCompleteGOPs})
		var err error
		if sub.CameraID() != string(c.cam.ID) {
			err = fmt.Errorf("hub carries camera %q, recorder is for %q", sub.CameraID(), c.cam.ID)
		} else {
			// While the disk is full the state stays disk-full (and keeps
			// its since) until a segment actually starts again.
			if !c.active && !c.paused && c.status().State != RecordingDiskFull {
				c.setState(c.idleState())
			}
			err = c.record(ctx, sub, seg, idx)
		}
		sub.Close()
		// Whatever ended the subscription, the open segment ends cleanly.
		cerr := seg.Close()
		idx.flush()
		c.active = false
		c.pre.reset()
		if err == nil {
			err = cerr
		}
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil, errors.Is(err, hub.ErrClosed):
			c.setState(RecordingWaiting) // the camera's pipeline restarted
			sleepCtx(ctx, cfg.Pause/4)
		case errors.Is(err, syscall.ENOSPC):
			if c.status().State != RecordingDiskFull {
				c.log.Warn("disk full: segment closed, recording pauses", "err", err)
			}
			c.setState(RecordingDiskFull)
			cfg.OnDiskFull()
			sleepCtx(ctx, cfg.Pause)
		default:
			c.log.Error("recording failed; retrying", "err", err)
			c.setState(recordingErrPrefix + stateMessage(err))
			sleepCtx(ctx, cfg.Pause)
		}
	}
}

// record feeds sub into seg until ctx ends (nil) or the subscription or a
// write fails. An idle stream is fsynced on time: Next waits at most one
// sync interval.
func (c *cameraRecorder) record(ctx context.Context, sub *hub.Subscription, seg *segment.Segmenter, idx *segmentIndex) error {
	for {
		u, ok := sub.TryNext()
		if !ok {
			nctx, cancel := context.WithTimeout(ctx, c.r.cfg.SyncInterval)
			var err error
			u, err = sub.Next(nctx)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if nctx.Err() != nil {
					// An idle stream is measured too: a camera that
					// stopped flooding resumes without sending.
					if _, err := c.overRate(0, seg); err != nil {
						return err
					}
					err = seg.Sync()
					idx.flush()
					if err != nil {
						return err
					}
					continue
				}
				return err
			}
		}
		paused, err := c.overRate(u.Size(), seg)
		if err == nil && !paused {
			err = c.write(u, seg)
		}
		idx.flush()
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
		c.active = true
		for _, x := range c.pre.take() {
			if err := seg.WriteUnit(x); err != nil {
				return err
			}
		}
		return nil
	}
	if startsGOP(u) && !u.Wall.Before(end) {
		c.active = false
		err := seg.Close()
		c.pre.add(u)
		c.setState(RecordingArmed)
		return err
	}
	return seg.WriteUnit(u)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
