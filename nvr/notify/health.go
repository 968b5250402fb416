package notify

import (
	"context"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// DefaultOfflineGrace is how long a camera may send no frames before it is
// announced offline.
const DefaultOfflineGrace = 60 * time.Second

// HealthSources is what the health watcher reads, declared here by its
// consumer: the camera list, a monitor grant per camera, the camera's
// measured status through that grant (frames seen, the recorder's state),
// and the storage status. In serve these are the database, the policy,
// ingest+recorder and retention.
type HealthSources struct {
	Cameras interface {
		Cameras(ctx context.Context, h nvr.HouseholdID) ([]nvr.Camera, error)
	}
	Monitor interface {
		MonitorCamera(ctx context.Context, cam nvr.CameraID) (nvr.CameraGrant, error)
	}
	Status interface {
		Status(g nvr.CameraGrant) nvr.CameraStatus
	}
	// Storage is optional: nil, no storage alerts.
	Storage interface{ Status() nvr.RetentionStatus }
}

// HealthConfig configures a HealthWatcher.
type HealthConfig struct {
	Sources HealthSources
	// Report receives each change (Service.Health in serve); it must not
	// block.
	Report func(kind nvr.NotifyKind, cam nvr.CameraID, at time.Time)
	// Grace: no frame for this long is offline (DefaultOfflineGrace).
	Grace time.Duration
	// Tick is how often state is measured (2 s).
	Tick time.Duration
	Now  func() time.Time
}

// HealthWatcher turns measured camera state into health changes: offline
// when no frame arrived for the grace period (or none since the camera
// was first seen), online when frames come again, stalled when the
// recorder reports that frames arrive but nothing is indexed, storage low
// when retention cannot keep the free-space floor. State is measured from
// frames and bytes seen (invariant 10), never from what was requested.
// Run owns its one goroutine.
type HealthWatcher struct {
	cfg HealthConfig
	// The watcher's state, used by Run's goroutine alone.
	cams       map[nvr.CameraID]*camHealth
	storageLow bool
}

type camHealth struct {
	firstSeen time.Time
	known     bool // online or offline has been decided
	offline   bool
	stalled   bool
}

// NewHealthWatcher returns a watcher; call Run.
func NewHealthWatcher(cfg HealthConfig) *HealthWatcher {
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultOfflineGrace
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &HealthWatcher{cfg: cfg, cams: map[nvr.CameraID]*camHealth{}}
}

// Run measures every Tick until ctx ends.
func (w *HealthWatcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Tick)
	defer t.Stop()
	for {
		w.measure(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (w *HealthWatcher) measure(ctx context.Context) {
	cams, err := w.cfg.Sources.Cameras.Cameras(ctx, 0)
	if err != nil {
		return
	}
	now := w.cfg.Now()
	seen := map[nvr.CameraID]bool{}
	for _, c := range cams {
		if !c.Enabled {
			continue // a camera switched off is not offline
		}
		seen[c.ID] = true
		g, err := w.cfg.Sources.Monitor.MonitorCamera(ctx, c.ID)
		if err != nil {
			continue
		}
		w.camera(g.CameraID(), w.cfg.Sources.Status.Status(g), now)
	}
	for id := range w.cams {
		if !seen[id] {
			delete(w.cams, id) // removed or disabled: start afresh if it returns
		}
	}
	if w.cfg.Sources.Storage != nil {
		st := w.cfg.Sources.Storage.Status()
		low := st.DiskTotalBytes > 0 && st.MinFreeBytes > 0 && st.DiskFreeBytes < st.MinFreeBytes
		if low && !w.storageLow {
			w.cfg.Report(nvr.NotifyStorageLow, "", now)
		}
		w.storageLow = low
	}
}

// camera applies one measurement of one camera.
func (w *HealthWatcher) camera(id nvr.CameraID, st nvr.CameraStatus, now time.Time) {
	h := w.cams[id]
	if h == nil {
		h = &camHealth{firstSeen: now}
		w.cams[id] = h
	}
	var last time.Time
	for _, s := range st.Streams {
		if s.LastFrame.After(last) {
			last = s.LastFrame
		}
	}
	// A frame within the grace is online; none within it (or none at all
	// since the watcher first saw the camera, a grace ago) is offline.
	var online, offline bool
	switch {
	case !last.IsZero() && now.Sub(last) < w.cfg.Grace:
		online = true
	case now.Sub(h.firstSeen) >= w.cfg.Grace:
		offline = true
	}
	switch {
	case offline && (!h.known || !h.offline):
		h.known, h.offline = true, true
		w.cfg.Report(nvr.NotifyOffline, id, now)
	case online && h.known && h.offline:
		h.offline = false
		w.cfg.Report(nvr.NotifyOnline, id, now)
	case online:
		h.known = true // coming up at start is not news
	}
	stalled := st.Recording == nvr.RecordingStalled
	if stalled && !h.stalled {
		w.cfg.Report(nvr.NotifyStalled, id, now)
	}
	h.stalled = stalled
}
