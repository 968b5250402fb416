package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/record"
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
		Status(g nvr.CameraGrant) ingest.CameraStatus
	}
	// Storage is optional: nil, no storage alerts.
	Storage interface{ Status() record.RetentionStatus }
	// Events, when set, records outages as events of kinds offline and
	// stalled (the database; nvr.EventStore's methods), so the events
	// list and the timeline show them.
	Events HealthEvents
}

// HealthEvents is the part of the event store the watcher writes.
type HealthEvents interface {
	// OpenOutages lists the offline events a previous run left open.
	OpenOutages(ctx context.Context) ([]nvr.Event, error)
	CreateEvent(ctx context.Context, e nvr.Event) (nvr.Event, error)
	ExtendEvent(ctx context.Context, id nvr.EventID, last time.Time, score float64, zones []string) error
	CloseEvent(ctx context.Context, id nvr.EventID, end time.Time) error
}

// healthPersistEvery bounds how stale an ongoing outage's end is in the
// store: after a stop, the next run goes on from it (see adopt).
const healthPersistEvery = 10 * time.Second

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
	Log  *slog.Logger
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
	adopted    bool // the outages left open by a previous run are taken over
}

type camHealth struct {
	firstSeen time.Time
	lastFrame time.Time
	known     bool // online or offline has been decided
	offline   bool
	stalled   bool
	// The outages being recorded as events; zero ID: none.
	offlineEv, stalledEv outage
}

// outage is an ongoing health event.
type outage struct {
	id    nvr.EventID
	saved time.Time // its Last as last written
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
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
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
	if !w.adopted {
		w.adopted = w.adopt(ctx, cams, now)
	}
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
		w.camera(ctx, g.CameraID(), w.cfg.Sources.Status.Status(g), now)
	}
	for id, h := range w.cams {
		if !seen[id] {
			// Removed or disabled: its outages end here; it starts afresh
			// if it returns.
			w.end(ctx, &h.offlineEv, now)
			w.end(ctx, &h.stalledEv, now)
			delete(w.cams, id)
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

// adopt takes over the outages a previous run left open (a restart, clean
// or not, while a camera was dark): the household was told the camera is
// offline and has not been told otherwise, so the outage goes on, with no
// second "offline" message, until frames come ("back online", the outage
// closed at the first frame). Before, every restart closed it and, a
// grace later, opened a new one and announced it again: a camera unplugged
// for the winter sent a mail per restart and its outage was cut in pieces.
// An outage of a camera since disabled or removed is closed at its last
// write. It reports whether the open outages could be read.
func (w *HealthWatcher) adopt(ctx context.Context, cams []nvr.Camera, now time.Time) bool {
	if w.cfg.Sources.Events == nil {
		return true
	}
	open, err := w.cfg.Sources.Events.OpenOutages(ctx)
	if err != nil {
		w.cfg.Log.Warn("read outages left open", "err", err)
		return false
	}
	enabled := map[nvr.CameraID]bool{}
	for _, c := range cams {
		enabled[c.ID] = c.Enabled
	}
	for _, ev := range open {
		h := w.cams[ev.CameraID]
		if !enabled[ev.CameraID] || (h != nil && h.offlineEv.id != "") {
			o := outage{id: ev.ID, saved: ev.Last}
			w.end(ctx, &o, ev.Last)
			continue
		}
		if h == nil {
			h = &camHealth{firstSeen: now}
			w.cams[ev.CameraID] = h
		}
		h.known, h.offline = true, true
		h.offlineEv = outage{id: ev.ID, saved: ev.Last}
	}
	return true
}

// camera applies one measurement of one camera.
func (w *HealthWatcher) camera(ctx context.Context, id nvr.CameraID, st ingest.CameraStatus, now time.Time) {
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
	// A stream that restarts forgets its last frame: keep the newest seen.
	if last.After(h.lastFrame) {
		h.lastFrame = last
	}
	last = h.lastFrame
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
		// The outage began with the last frame seen (or when the watcher
		// first looked, if it never saw one).
		from := last
		if from.IsZero() {
			from = h.firstSeen
		}
		w.begin(ctx, &h.offlineEv, id, nvr.EventOffline, from, now)
		w.cfg.Report(nvr.NotifyOffline, id, now)
	case online && h.known && h.offline:
		h.offline = false
		w.end(ctx, &h.offlineEv, last)
		w.cfg.Report(nvr.NotifyOnline, id, now)
	case online:
		h.known = true // coming up at start is not news
	}
	if h.offline {
		w.extend(ctx, &h.offlineEv, now)
	}
	stalled := st.Recording == record.RecordingStalled
	switch {
	case stalled && !h.stalled:
		from := st.RecordingSince
		if from.IsZero() || from.After(now) {
			from = now
		}
		w.begin(ctx, &h.stalledEv, id, nvr.EventStalled, from, now)
		w.cfg.Report(nvr.NotifyStalled, id, now)
	case stalled:
		w.extend(ctx, &h.stalledEv, now)
	case h.stalled:
		w.end(ctx, &h.stalledEv, now)
	}
	h.stalled = stalled
}

// begin records an outage of kind on camera id from from to now.
func (w *HealthWatcher) begin(ctx context.Context, o *outage, id nvr.CameraID, kind nvr.EventKind, from, now time.Time) {
	if w.cfg.Sources.Events == nil || o.id != "" {
		return
	}
	if now.Before(from) {
		now = from
	}
	ev, err := w.cfg.Sources.Events.CreateEvent(ctx, nvr.Event{CameraID: id, Kind: kind, Start: from, Last: now,
		Zones: []string{}, CreatedAt: now})
	if err != nil {
		w.cfg.Log.Warn("record camera health event", "camera", string(id), "kind", string(kind), "err", err)
		return
	}
	*o = outage{id: ev.ID, saved: now}
}

// extend keeps an ongoing outage's end fresh in the store.
func (w *HealthWatcher) extend(ctx context.Context, o *outage, now time.Time) {
	if o.id == "" || now.Sub(o.saved) < healthPersistEvery {
		return
	}
	if err := w.cfg.Sources.Events.ExtendEvent(ctx, o.id, now, 0, []string{}); err != nil {
		if nvr.ErrorKind(err) == nvr.KindNotFound { // deleted by its owner meanwhile
			*o = outage{}
		}
		return
	}
	o.saved = now
}

// end closes an ongoing outage at end.
func (w *HealthWatcher) end(ctx context.Context, o *outage, end time.Time) {
	if o.id == "" {
		return
	}
	if end.Before(o.saved) {
		end = o.saved
	}
	if end.After(o.saved) {
		_ = w.cfg.Sources.Events.ExtendEvent(ctx, o.id, end, 0, []string{})
	}
	if err := w.cfg.Sources.Events.CloseEvent(ctx, o.id, end); err != nil && nvr.ErrorKind(err) != nvr.KindNotFound {
		w.cfg.Log.Warn("close camera health event", "event", string(o.id), "err", err)
	}
	*o = outage{}
}
