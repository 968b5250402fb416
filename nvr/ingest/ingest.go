package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/rtsp"
	"github.com/hearthnvr/hearth/streams/supervisor"
)

// SourceFactory makes the connection for one stream of a camera. The
// camera's ID must be stamped into every unit from this configuration.
type SourceFactory func(c nvr.Camera, stream, url string) (supervisor.Source, error)

// IngestConfig configures Ingest. Only Cameras is required.
type IngestConfig struct {
	Cameras nvr.CameraLister
	// NewSource defaults to the RTSP client.
	NewSource SourceFactory
	// MaxConnecting limits simultaneous connection attempts across all
	// cameras (default 8), so a site-wide reconnect is a ramp, not a spike.
	MaxConnecting int
	// ReadTimeout: no media for this long means reconnect (default 10 s).
	ReadTimeout time.Duration
	// StaggerWindow spreads the first connection of each camera at start:
	// 50 ms per camera, at most this (default 5 s).
	StaggerWindow time.Duration
	// Poll is how often the camera list is re-read (default 2 s).
	Poll time.Duration
	// Resolver resolves camera host names for the default source (nil:
	// net.DefaultResolver); tests give one that talks to a fake DNS server.
	Resolver *net.Resolver
	Log      *slog.Logger
	Now      func() time.Time
}

// Ingest runs one supervised RTSP session per configured camera stream,
// feeding a hub per stream, however many consumers read it. It is the only
// owner of hubs; consumers reach one through a grant. Safe for concurrent
// use; Run owns every goroutine it starts.
type Ingest struct {
	cfg       IngestConfig
	admission *supervisor.Admission
	wake      chan struct{}

	mu      sync.Mutex
	cameras map[nvr.CameraID]*cameraRun
}

// cameraRun is one camera's pipelines, built from one configuration.
type cameraRun struct {
	config  nvr.Camera
	cancel  context.CancelFunc
	done    chan struct{}
	streams map[string]*streamRun // "main", "sub"
}

type streamRun struct {
	hub *hub.Hub
	sup *supervisor.Supervisor
}

// NewIngest returns an Ingest; call Run to start it.
func NewIngest(cfg IngestConfig) *Ingest {
	if cfg.MaxConnecting <= 0 {
		cfg.MaxConnecting = 8
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 10 * time.Second
	}
	if cfg.StaggerWindow <= 0 {
		cfg.StaggerWindow = 5 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewSource == nil {
		cfg.NewSource = rtspSource(cfg) // after the defaults it reads
	}
	return &Ingest{
		cfg:       cfg,
		admission: supervisor.NewAdmission(cfg.MaxConnecting),
		wake:      make(chan struct{}, 1),
		cameras:   make(map[nvr.CameraID]*cameraRun),
	}
}

// The RTSP client frees its admission slot when PLAY is answered.
var _ supervisor.ReadySource = (*rtsp.Client)(nil)

// rtspSource makes RTSP clients. A camera whose URLs the admin did not set
// (Camera.LocalOK false) gets RefuseLocalAddr as the dial-time check: its
// sessions, main and sub, TCP and UDP, never reach this appliance.
func rtspSource(cfg IngestConfig) SourceFactory {
	// One pool of picture-assembly scratch buffers for every camera: each
	// needs one only while a picture's packets arrive (rtsp.Buffers).
	bufs := &rtsp.Buffers{}
	return func(c nvr.Camera, stream, url string) (supervisor.Source, error) {
		// A sub stream on another host than the main one gets no
		// credentials: they belong to the main stream's host.
		user, password := c.StreamCredentials(url)
		return rtsp.New(rtsp.Config{
			CameraID:    string(c.ID),
			Stream:      stream,
			URL:         url,
			Username:    user,
			Password:    password.Reveal(),
			Transport:   string(c.Transport),
			ReadTimeout: cfg.ReadTimeout,
			Now:         cfg.Now,
			Logger:      cfg.Log.With("camera", string(c.ID), "stream", stream),
			CheckAddr:   nvr.CheckAddrFor(c.LocalOK),
			Resolver:    cfg.Resolver,
			Buffers:     bufs,
		})
	}
}

// CameraLister returns the lister the ingest reads the cameras from, so
// a component wired beside it (the recorder) reads the same list.
func (in *Ingest) CameraLister() nvr.CameraLister { return in.cfg.Cameras }

// Admission exposes the shared connection-attempt limit (for benchmarks
// and health pages).
func (in *Ingest) Admission() *supervisor.Admission { return in.admission }

// Reconcile asks Run to re-read the camera list now, e.g. after the API
// changed a camera. It never blocks.
func (in *Ingest) Reconcile() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// Run keeps the running pipelines equal to the configured, enabled
// cameras until ctx ends, then stops them all and waits for them.
func (in *Ingest) Run(ctx context.Context) error {
	defer in.stopAll()
	first := true
	t := time.NewTicker(in.cfg.Poll)
	defer t.Stop()
	for {
		if err := in.reconcile(ctx, first); err != nil && ctx.Err() == nil {
			in.cfg.Log.Warn("read camera list", "err", err)
		} else {
			first = false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-in.wake:
		}
	}
}

func (in *Ingest) reconcile(ctx context.Context, boot bool) error {
	cams, err := in.cfg.Cameras.Cameras(ctx, 0)
	if err != nil {
		return err
	}
	want := make(map[nvr.CameraID]nvr.Camera, len(cams))
	for _, c := range cams {
		if c.Enabled {
			want[c.ID] = c
		}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for id, run := range in.cameras {
		c, ok := want[id]
		if !ok || !sameSource(c, run.config) {
			in.stopLocked(id, run)
		}
	}
	i := 0
	for _, c := range cams {
		if _, ok := want[c.ID]; !ok {
			continue
		}
		if _, running := in.cameras[c.ID]; running {
			i++
			continue
		}
		var delay time.Duration
		if boot {
			window := min(in.cfg.StaggerWindow, time.Duration(len(want))*50*time.Millisecond)
			delay = supervisor.StartDelay(i, len(want), window)
		}
		in.startLocked(ctx, c, delay)
		i++
	}
	return nil
}

// sameSource reports whether a running pipeline still matches the
// configuration. Name and household are not part of it: renaming or moving
// a camera keeps its stream (its identity is its ID). LocalOK is: its
// sessions must reconnect under the new connect-time check.
func sameSource(a, b nvr.Camera) bool {
	return a.MainURL == b.MainURL && a.SubURL == b.SubURL && a.Username == b.Username &&
		a.Password.Reveal() == b.Password.Reveal() && a.Transport == b.Transport && a.LocalOK == b.LocalOK
}

func (in *Ingest) startLocked(parent context.Context, c nvr.Camera, delay time.Duration) {
	ctx, cancel := context.WithCancel(parent)
	run := &cameraRun{config: c, cancel: cancel, done: make(chan struct{}), streams: map[string]*streamRun{}}
	urls := map[string]string{"main": c.MainURL, "sub": c.SubURL}
	for _, stream := range []string{"main", "sub"} {
		url := urls[stream]
		if url == "" {
			continue
		}
		h := hub.New(string(c.ID), hub.Options{Stream: stream, Now: in.cfg.Now})
		log := in.cfg.Log.With("camera", string(c.ID), "stream", stream)
		src, err := in.cfg.NewSource(c, stream, url)
		if err != nil {
			// A configuration the source refuses: report it as the state.
			src = failingSource{err: fmt.Errorf("%w: %v", media.ErrUnsupported, err)}
		}
		sup := supervisor.New(supervisor.Config{
			CameraID:    string(c.ID),
			Name:        c.Name + "/" + stream,
			Source:      src,
			Publish:     h.Publish,
			Admission:   in.admission,
			ReadTimeout: in.cfg.ReadTimeout,
			StartDelay:  delay,
			Now:         in.cfg.Now,
			Logger:      log,
		})
		run.streams[stream] = &streamRun{hub: h, sup: sup}
	}
	// The last stream to end closes the hubs and run.done (no goroutine
	// waits for them: one stack fewer per camera).
	var left atomic.Int32
	left.Store(int32(len(run.streams)))
	over := func() {
		for _, s := range run.streams {
			s.hub.Close() // ends subscribers and drops the cached GOP with the camera
		}
		close(run.done)
	}
	if len(run.streams) == 0 {
		over()
	}
	for _, sr := range run.streams {
		go func() {
			_ = sr.sup.Run(ctx)
			if left.Add(-1) == 0 {
				over()
			}
		}()
	}
	in.cameras[c.ID] = run
	in.cfg.Log.Info("camera ingest started", "camera", string(c.ID), "streams", len(run.streams))
}

func (in *Ingest) stopLocked(id nvr.CameraID, run *cameraRun) {
	run.cancel()
	<-run.done
	delete(in.cameras, id)
	in.cfg.Log.Info("camera ingest stopped", "camera", string(id))
}

func (in *Ingest) stopAll() {
	in.mu.Lock()
	defer in.mu.Unlock()
	for id, run := range in.cameras {
		in.stopLocked(id, run)
	}
}

// failingSource reports a fixed error, for configurations that cannot run.
type failingSource struct{ err error }

func (f failingSource) Run(ctx context.Context, _ func(*media.Unit)) error { return f.err }
