package record

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/segment"
)

// Defaults of the recorder.
const (
	// defaultMaxPreRollBytes caps one camera's in-memory pre-roll.
	defaultMaxPreRollBytes = 32 << 20
	defaultRecorderQueue   = 2048 // units; a few seconds of a busy stream with audio
)

// Recording states (RecordingStatus.State), each measured (see
// recorder_state.go and docs/storage.md); an unusable recordings volume
// reads "error: …".
const (
	RecordingOff      = "off"       // disabled camera or mode off
	RecordingWaiting  = "waiting"   // no stream to record, or its first footage not indexed yet
	RecordingArmed    = "armed"     // events mode: buffering pre-roll, waiting for a trigger
	RecordingActive   = "recording" // fragments were indexed within the last GOP + sync interval + stall grace
	RecordingStalled  = "stalled"   // the source streams, nothing was indexed for that long; Reason says why
	RecordingDiskFull = "disk-full" // a write hit ENOSPC; resuming after a pause
	// RecordingOverRate: the camera sends above the ingest rate ceiling
	// (RecorderConfig.MaxBitrate); nothing is written until it is back
	// under. Live view is unaffected.
	RecordingOverRate = "over-rate"
	// RecordingShutter: the camera's privacy shutter is closed and it does
	// not keep recording while closed (nvr.Shutter.PausesRecordingAt).
	RecordingShutter   = "shutter-closed"
	recordingErrPrefix = "error: "
)

// Defaults of the stall measure.
const (
	defaultStallGrace = 5 * time.Second
	defaultAssumedGOP = 10 * time.Second
)

// recordSettings is the part of a camera's configuration the recorder
// follows; a change restarts the camera's recording.
type recordSettings struct {
	mode              nvr.RecordMode
	preRoll, postRoll time.Duration
}

func settingsOf(c nvr.Camera) recordSettings {
	m := c.RecordMode
	if m == "" {
		m = nvr.RecordContinuous
	}
	return recordSettings{mode: m, preRoll: max(c.PreRoll, 0), postRoll: max(c.PostRoll, 0)}
}

// RecorderConfig configures a Recorder. Cameras, Ingest, Store and DataDir
// are required.
type RecorderConfig struct {
	// Cameras is the camera set (the Ingest's lister); polled every Poll.
	Cameras nvr.CameraLister
	// Ingest provides each camera's main stream hub.
	Ingest IngestSource
	// Store is the segment index.
	Store nvr.RecordingStore
	// DataDir holds volume-id and the recordings directory.
	DataDir string
	// Offsite, when set, is told of every fragment once it is durable
	// and indexed (the off-site copy); it never blocks the recording.
	Offsite nvr.FragmentSink
	// OnDiskFull is called (on the camera's recording goroutine, so it
	// should return quickly) when a write fails with ENOSPC.
	OnDiskFull func()
	// Target is the segment length (default 60 s).
	Target time.Duration
	// SyncInterval is the writer's fsync interval (default 1 s).
	SyncInterval time.Duration
	// Poll is how often the camera list and the volume are re-read (2 s).
	Poll time.Duration
	// Pause is the wait after a failure before recording resumes (2 s).
	Pause time.Duration
	// QueueUnits bounds each camera's hub subscription (default 2048).
	QueueUnits int
	// MaxPreRollBytes caps each events-mode camera's pre-roll (32 MiB).
	MaxPreRollBytes int
	// StallGrace is the slack beyond one GOP and one sync interval before
	// a streaming camera with nothing indexed is stalled, and how long a
	// source may send nothing and still count as streaming (default 5 s).
	StallGrace time.Duration
	// AssumedGOP stands for the GOP until one is measured (default 10 s,
	// the longest common camera setting).
	AssumedGOP time.Duration
	// IndexLinger is how long a camera's fragment append waits for other
	// cameras' to share its index transaction (default 500 ms; negative:
	// each append commits alone). See indexBatcher.
	IndexLinger time.Duration
	// MaxBitrate is the ingest rate ceiling of one camera's main stream,
	// in bits per second, averaged over RateWindow: above it the camera's
	// recording pauses (RecordingOverRate), so one camera cannot fill the
	// disk for everyone. 0: DefaultMaxCameraBitrate; negative: no ceiling.
	MaxBitrate float64
	// RateWindow is the averaging window (DefaultRateWindow).
	RateWindow time.Duration
	Log        *slog.Logger
	Now        func() time.Time

	// Test seams.
	hubs       hubSource
	createFile func(path string) (segment.File, error)
}

// Recorder writes each recording camera's main stream into segment files
// under <data>/recordings/<camera-id>/ and keeps the index in step
// (docs/storage.md). Run owns every goroutine it starts: one per recording
// camera. Safe for concurrent use.
type Recorder struct {
	cfg  RecorderConfig
	wake chan struct{}
	// buffers lends every camera's segment writer the buffer it builds a
	// fragment in (docs/performance.md: footprint).
	buffers segment.FragmentBuffers
	syncs   atomic.Uint64 // fsyncs of segment files, for Syncs
	// index commits the cameras' fragment appends together; recording
	// is len(cams), which tells it when every camera has joined a batch.
	index     *indexBatcher
	recording atomic.Int64

	mu        sync.Mutex
	cams      map[nvr.CameraID]*cameraRecorder
	vol       recordstore.Volume
	volErr    error
	volSince  time.Time
	recovered bool
	report    recordstore.StorageReport
	ready     chan struct{} // closed once recovery has run
}

// NewRecorder returns a Recorder; call Run to start it.
func NewRecorder(cfg RecorderConfig) *Recorder {
	if cfg.Target <= 0 {
		cfg.Target = segment.DefaultTargetDuration
	}
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = segment.DefaultSyncInterval
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Pause <= 0 {
		cfg.Pause = 2 * time.Second
	}
	if cfg.QueueUnits <= 0 {
		cfg.QueueUnits = defaultRecorderQueue
	}
	if cfg.MaxPreRollBytes <= 0 {
		cfg.MaxPreRollBytes = defaultMaxPreRollBytes
	}
	if cfg.StallGrace <= 0 {
		cfg.StallGrace = defaultStallGrace
	}
	if cfg.AssumedGOP <= 0 {
		cfg.AssumedGOP = defaultAssumedGOP

	}
	if cfg.IndexLinger == 0 {
		cfg.IndexLinger = defaultIndexLinger
	}
	if cfg.MaxBitrate == 0 {
		cfg.MaxBitrate = DefaultMaxCameraBitrate
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OnDiskFull == nil {
		cfg.OnDiskFull = func() {}
	}
	if cfg.hubs == nil && cfg.Ingest != nil {
		cfg.hubs = cfg.Ingest
	}
	if cfg.Cameras == nil && cfg.Ingest != nil {
		cfg.Cameras = cfg.Ingest.CameraLister()
	}
	if cfg.createFile == nil {
		cfg.createFile = func(p string) (segment.File, error) { return segment.CreateFile(p) }
	}
	r := &Recorder{cfg: cfg, wake: make(chan struct{}, 1), cams: map[nvr.CameraID]*cameraRecorder{}, ready: make(chan struct{})}
	r.index = newIndexBatcher(cfg.Store, cfg.IndexLinger, func() int { return int(r.recording.Load()) })
	return r
}

// Syncs returns how many fsyncs of segment files the recorder has done
// (each segment's init, its fragments' and its close), for the write
// amplification figures of hearth bench.
func (r *Recorder) Syncs() uint64 { return r.syncs.Load() }

// IndexCommits returns how many index transactions the recorder's
// fragment appends have taken (batched: several cameras' per
// transaction), for the write amplification figures of hearth bench.
func (r *Recorder) IndexCommits() uint64 { return r.index.commits.Load() }

// Reconcile asks Run to re-read the camera list now. It never blocks.
func (r *Recorder) Reconcile() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run records until ctx ends, then closes every open segment cleanly and
// waits for the camera goroutines. It first takes the data directory's
// recorder lock (one recorder per data directory; `hearth check --repair`
// refuses while it is held), then, every Poll: verifies the volume
// (OpenVolume), runs Recover once before the first recording, and keeps
// one recording goroutine per enabled camera whose mode is not off. A bad
// volume stops all recording and shows as every camera's state until it is
// fixed. Run returns an error only when the lock cannot be taken.
func (r *Recorder) Run(ctx context.Context) error {
	unlock, err := recordstore.LockRecordings(r.cfg.DataDir)
	if err != nil {
		return err
	}
	defer unlock()
	// The batcher outlives the cameras (deferred calls run last first):
	// the segments they close on the way out are indexed through it.
	batchCtx, stopBatching := context.WithCancel(context.WithoutCancel(ctx))
	var batching sync.WaitGroup
	batching.Go(func() { r.index.run(batchCtx) })
	defer batching.Wait()
	defer stopBatching()
	defer r.stopAll()
	t := time.NewTicker(r.cfg.Poll)
	defer t.Stop()
	for {
		r.step(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-r.wake:
		}
	}
}

func (r *Recorder) step(ctx context.Context) {
	vol, err := recordstore.OpenVolume(r.cfg.DataDir)
	if err == nil && !r.isRecovered() {
		var rep recordstore.StorageReport
		rep, err = recordstore.Recover(ctx, r.cfg.Store, vol.Dir, r.cfg.Log)
		if err == nil {
			r.mu.Lock()
			r.recovered, r.report = true, rep
			r.mu.Unlock()
			close(r.ready)
		} else {
			err = nvr.Wrap("recover recordings", err)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		r.mu.Lock()
		changed := r.volErr == nil || r.volErr.Error() != err.Error()
		if changed {
			r.volErr, r.volSince = err, r.cfg.Now()
		}
		r.mu.Unlock()
		if changed {
			r.cfg.Log.Error("recording stopped", "err", err)
		}
		r.stopAll()
		return
	}
	r.mu.Lock()
	if r.volErr != nil {
		r.cfg.Log.Info("recordings directory usable again", "dir", vol.Dir)
	}
	r.vol, r.volErr = vol, nil
	r.mu.Unlock()

	cams, err := r.cfg.Cameras.Cameras(ctx, 0)
	if err != nil {
		if ctx.Err() == nil {
			r.cfg.Log.Warn("read camera list", "err", err)
		}
		return
	}
	r.reconcile(ctx, cams, vol)
}

func (r *Recorder) isRecovered() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.recovered
}

// Recovered is closed once start-up recovery has run (it waits for a
// usable volume). Start retention after it, so the two never delete the
// same segment concurrently.
func (r *Recorder) Recovered() <-chan struct{} { return r.ready }

// RecoveryReport returns what the start-up recovery found and repaired
// (zero before it ran).
func (r *Recorder) RecoveryReport() recordstore.StorageReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.report
}

func (r *Recorder) reconcile(ctx context.Context, cams []nvr.Camera, vol recordstore.Volume) {
	type want struct {
		c     nvr.Camera
		set   recordSettings
		index int
	}
	wanted := map[nvr.CameraID]want{}
	i := 0
	for _, c := range cams {
		if !c.Enabled {
			continue
		}
		set := settingsOf(c)
		if set.mode == nvr.RecordOff {
			continue
		}
		// A closed shutter stops the camera's recording like mode off
		// (the open segment is closed cleanly) until it opens; the
		// schedule is read against the clock at each poll.
		if c.Shutter.PausesRecordingAt(r.cfg.Now()) {
			continue
		}
		wanted[c.ID] = want{c, set, i}
		i++
	}
	r.mu.Lock()
	var stop []*cameraRecorder
	for id, cr := range r.cams {
		w, ok := wanted[id]
		if !ok || w.set != cr.set || cr.exited() {
			stop = append(stop, cr)
			delete(r.cams, id)
		}
	}
	r.recording.Store(int64(len(r.cams)))
	r.mu.Unlock()
	for _, cr := range stop {
		cr.stop()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, w := range wanted {
		if _, ok := r.cams[id]; ok {
			continue
		}
		cr := newCameraRecorder(r, w.c, w.set, w.index, vol)
		r.cams[id] = cr
		cr.start(ctx)
	}
	r.recording.Store(int64(len(r.cams)))
}

func (r *Recorder) stopAll() {
	r.mu.Lock()
	cams := r.cams
	r.cams = map[nvr.CameraID]*cameraRecorder{}
	r.recording.Store(0)
	r.mu.Unlock()
	for _, cr := range cams {
		cr.stop()
	}
}

// stagger returns the first segment's target for the camera at index, so
// cameras started together rotate (and fsync new files) at different
// times: between Target/2 and Target, spread by the golden ratio.
func stagger(target time.Duration, index int) time.Duration {
	_, frac := math.Modf(float64(index) * 0.6180339887498949)
	return target/2 + time.Duration(frac*float64(target/2))
}

// Trigger asks an events-mode camera to record from its pre-roll until
// until plus its post-roll; later triggers extend the recording. Units are
// compared by their capture wall time. It is a no-op for cameras that are
// not recording in events mode (continuous cameras record anyway). Safe
// for concurrent use; it never blocks on the recording.
func (r *Recorder) Trigger(id nvr.CameraID, until time.Time) {
	r.mu.Lock()
	cr := r.cams[id]
	r.mu.Unlock()
	if cr != nil {
		cr.trigger(until)
	}
}

// RecordingStatus is a camera's recording state, for the API.
type RecordingStatus struct {
	// State is "off", "waiting", "armed", "recording", "stalled",
	// "disk-full" or "error: …" (the message is safe to show).
	State string
	// Since is when the state began, as measured: for "recording", when
	// the first fragment of the current unbroken run was indexed.
	Since time.Time
	// Reason says why a stalled camera indexes nothing (safe to show).
	Reason string
	Mode   nvr.RecordMode
}

// Status reports the granted camera's recording state.
func (r *Recorder) Status(g nvr.CameraGrant) RecordingStatus {
	if g.Require(nvr.ActionViewCamera, nvr.ActionViewLive, nvr.ActionViewRecordings, nvr.ActionManageCamera) != nil {
		return RecordingStatus{}
	}
	return r.statusOf(g.Camera())
}

func (r *Recorder) statusOf(c nvr.Camera) RecordingStatus {
	set := settingsOf(c)
	if !c.Enabled || set.mode == nvr.RecordOff {
		return RecordingStatus{State: RecordingOff, Mode: set.mode}
	}
	if c.Shutter.PausesRecordingAt(r.cfg.Now()) {
		return RecordingStatus{State: RecordingShutter, Mode: set.mode}
	}
	r.mu.Lock()
	volErr, since := r.volErr, r.volSince
	cr := r.cams[c.ID]
	r.mu.Unlock()
	if volErr != nil {
		return RecordingStatus{State: recordingErrPrefix + stateMessage(volErr), Since: since, Mode: set.mode}
	}
	if cr == nil {
		return RecordingStatus{State: RecordingWaiting, Mode: set.mode}
	}
	st := cr.status()
	st.Mode = set.mode
	return st
}

// stateMessage is the client-safe text of err for a state or a stall
// reason, which every member of the camera's household reads: an *Error's
// message when it has one (written for people: volume errors read
// "recordings directory …"), else only the kind of failure. A raw error's
// text carries the server's paths and the database's words; the log has
// it whole.
func stateMessage(err error) string {
	var e *nvr.Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return "recordings cannot be written: " + errno.Error()
	}
	return "recordings cannot be written (the server log says why)"
}
