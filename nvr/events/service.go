package events

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
)

// Events defaults.
const (
	DefaultEventMergeGap    = 3 * time.Second
	DefaultMaxEventDuration = 30 * time.Minute
	// eventPersistEvery bounds how often an open event's progress is
	// written: a crash loses at most this much of an event's end.
	eventPersistEvery = time.Second
	thumbQueue        = 64
	detectQueueUnits  = 256
)

// EventsConfig configures Events. Store, Policy and Cameras are required.
type EventsConfig struct {
	Store   nvr.EventStore
	Policy  *nvr.Policy
	Cameras nvr.CameraLister
	// Ingest provides each camera's detection hub (sub stream when
	// configured, else main); nil: no detection and no thumbnails.
	Ingest *ingest.Ingest
	// Recorder records events-mode cameras around events; nil: none.
	Recorder EventRecorder
	// DataDir holds the thumbnails directory.
	DataDir string
	// Detectors makes each camera's motion detector; nil: external
	// triggers only.
	Detectors DetectorFactory
	// Thumbnailer makes thumbnails from keyframes; nil: no thumbnails.
	Thumbnailer Thumbnailer
	// MergeGap: activity this close to an open event extends it even when
	// the camera's post roll is shorter (default 3 s). It must exceed the
	// detectors' report interval (1 s) or ongoing motion splits.
	MergeGap time.Duration
	// MaxDuration splits endless activity into events of at most this
	// length (default 30 min).
	MaxDuration time.Duration
	// Tick is how often open events are checked for their end (1 s).
	Tick time.Duration
	// Poll is how often the camera list is re-read (2 s).
	Poll time.Duration
	// Sweep is how often expired and deleted events are removed (1 min).
	Sweep time.Duration
	// Pause is the wait before a failed detector restarts (2 s).
	Pause time.Duration
	Log   *slog.Logger
	Now   func() time.Time
	// OnOpen and OnClose are told of each event as it opens and as it
	// closes (End set), under the events lock: they must not block; hand
	// off to a bounded queue (nvr/mqtt does). nil: nobody is told.
	OnOpen, OnClose func(nvr.Event)
	// Elapsed is a monotonic clock (time since an arbitrary origin) for
	// the expiry's reference clock; default: since NewEvents.
	Elapsed func() time.Duration
	// ONVIFTerm is the lifetime asked for a camera's event subscription
	// (pull point or push); it is renewed at half of it. Default 2 min.
	ONVIFTerm time.Duration
	// CallbackURL is Hearth's HTTP address as cameras reach it (e.g.
	// http://192.168.1.10:8080), for cameras without a pull point, which
	// push their events to it (onvif_push.go). "": derived per camera,
	// the local address the kernel routes toward the camera with
	// CallbackScheme ("http" by default) and CallbackPort (0: no
	// derivation; such cameras get no events).
	CallbackURL    string
	CallbackScheme string
	CallbackPort   int

	hubs eventHubSource // test seam
}

// Events turns detector activity and external triggers into events,
// stores them with thumbnails, and serves them through grants. Run owns
// every goroutine it starts (one detector per camera, one thumbnail
// worker). Safe for concurrent use.
type Events struct {
	cfg    EventsConfig
	wake   chan struct{}
	thumbs chan thumbJob
	// snapshots holds a slot per snapshot being made (events_snapshot.go).
	snapshots chan struct{}

	expiryClock nvr.RefClock // used by sweep only (the Run goroutine)

	mu        sync.Mutex
	cams      map[nvr.CameraID]nvr.Camera                   // last camera list
	open      map[nvr.CameraID]map[nvr.EventKind]*openEvent // in-progress events
	detectors *cameraRuns[detectorKey]
	// onvifRuns reads cameras' own events (onvif_source.go).
	onvifRuns *cameraRuns[onvifKey]
	// push maps the capabilities of push subscriptions to their camera's
	// supervisor (onvif_push.go).
	push    *pushTargets
	stopped bool // Run has ended: activity is ignored
}

// openEvent is an event in progress, as Events tracks it in memory.
type openEvent struct {
	ev        nvr.Event
	last      time.Time // end of the activity so far
	saved     time.Time // last written to the store
	zones     map[string]bool
	thumbAt   float64 // score of the last thumbnail taken; -1: none
	thumbTime time.Time
}

// NewEvents returns Events; call Run to start it.
func NewEvents(cfg EventsConfig) *Events {
	if cfg.MergeGap <= 0 {
		cfg.MergeGap = DefaultEventMergeGap
	}
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = DefaultMaxEventDuration
	}
	if cfg.Tick <= 0 {
		cfg.Tick = time.Second
	}
	if cfg.ONVIFTerm <= 0 {
		cfg.ONVIFTerm = onvifTerm
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Sweep <= 0 {
		cfg.Sweep = time.Minute
	}
	if cfg.Pause <= 0 {
		cfg.Pause = 2 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.hubs == nil && cfg.Ingest != nil {
		cfg.hubs = cfg.Ingest
	}
	if cfg.Elapsed == nil {
		origin := time.Now()
		cfg.Elapsed = func() time.Duration { return time.Since(origin) }
	}
	return &Events{
		cfg:       cfg,
		wake:      make(chan struct{}, 1),
		thumbs:    make(chan thumbJob, thumbQueue),
		snapshots: make(chan struct{}, maxSnapshots),
		cams:      map[nvr.CameraID]nvr.Camera{},
		open:      map[nvr.CameraID]map[nvr.EventKind]*openEvent{},
		detectors: newCameraRuns[detectorKey](),
		onvifRuns: newCameraRuns[onvifKey](),
		push:      newPushTargets(),
	}
}

// Reconcile asks Run to re-read the camera list now. It never blocks.
func (e *Events) Reconcile() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run repairs events a crash left open, then, until ctx ends: keeps one
// detector per camera that has one, closes events after their post roll,
// writes thumbnails, and removes expired and deleted events with their
// thumbnails. On return every open event is closed and every goroutine
// has ended.
func (e *Events) Run(ctx context.Context) error {
	e.repair(ctx)
	e.removeTempThumbnails()
	var wg sync.WaitGroup
	workCtx, cancelWork := context.WithCancel(ctx)
	wg.Go(func() { e.thumbWorker(workCtx) })
	defer func() {
		e.detectors.Stop()
		e.onvifRuns.Stop()
		e.closeAll()
		cancelWork()
		wg.Wait()
	}()

	tick := time.NewTicker(e.cfg.Tick)
	defer tick.Stop()
	var lastPoll, lastSweep time.Time
	for {
		now := e.cfg.Now()
		if lastPoll.IsZero() || now.Sub(lastPoll) >= e.cfg.Poll || now.Before(lastPoll) {
			lastPoll = now
			e.reconcile(ctx)
		}
		e.closeExpired(ctx, now)
		if lastSweep.IsZero() || now.Sub(lastSweep) >= e.cfg.Sweep || now.Before(lastSweep) {
			lastSweep = now
			e.sweep(ctx)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-e.wake:
			lastPoll = time.Time{}
		}
	}
}

// repair closes in the store the events an unclean stop left open. A
// trigger may reach the lifecycle before Run does (serve starts the HTTP
// server alongside it), so the events this process opened itself and
// holds open are kept: closing one in the store while memory holds it
// open would end its row early and make its later activity extend a
// closed event. The lock keeps activity out while the repair runs, so no
// event opens between the list of kept ones and the repair.
func (e *Events) repair(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var keep []nvr.EventID
	for _, byKind := range e.open {
		for _, oe := range byKind {
			keep = append(keep, oe.ev.ID)
		}
	}
	if n, err := e.cfg.Store.RepairOpenEvents(ctx, keep...); err != nil {
		e.cfg.Log.Error("repair open events", "err", err)
	} else if n > 0 {
		e.cfg.Log.Warn("closed events left open by an unclean stop", "events", n)
	}
}

// reconcile re-reads the cameras and keeps the detectors in step.
func (e *Events) reconcile(ctx context.Context) {
	cams, err := e.cfg.Cameras.Cameras(ctx, 0)
	if err != nil {
		if ctx.Err() == nil {
			e.cfg.Log.Warn("read camera list", "err", err)
		}
		return
	}
	byID := make(map[nvr.CameraID]nvr.Camera, len(cams))
	for _, c := range cams {
		byID[c.ID] = c
	}
	e.mu.Lock()
	e.cams = byID
	// Events of cameras gone or with events turned off end now.
	var gone []nvr.CameraID
	for id := range e.open {
		if c, ok := byID[id]; !ok || c.Detection.NoEvents {
			gone = append(gone, id)
		}
	}
	e.mu.Unlock()
	for _, id := range gone {
		e.closeCamera(ctx, id)
	}
	e.reconcileDetectors(ctx, byID)
	e.reconcileONVIF(ctx, byID)
}
