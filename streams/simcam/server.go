package simcam

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
)

// ServerConfig configures a Server.
type ServerConfig struct {
	// Addr is the TCP listen address, e.g. "127.0.0.1:0". Only RTP over TCP
	// (interleaved) is offered, which keeps tests on one port.
	Addr string
	// Cameras are served at rtsp://ADDR/cam/N, N = 1..len(Cameras).
	Cameras []CameraConfig
	// Now is the wall clock for cameras whose own Now is nil (default time.Now).
	Now func() time.Time
	// Username and Password, when Username is set, are required of readers
	// (Basic or Digest, via gortsplib).
	Username, Password string
	// FlapEvery, when positive, drops every client connection at this interval.
	FlapEvery time.Duration
	// Stall starts the server stalled: connections stay up but no media flows.
	Stall bool
	// Audio adds a G.711 µ-law 8 kHz tone track to every camera.
	Audio bool
	// ONVIF, when set, adds an ONVIF device (onvif.go) whose profiles
	// point at these cameras; it requires the same Username and Password.
	ONVIF *ONVIFConfig
}

// Server serves simulated cameras over RTSP. Create it with Listen, then call
// Run; Close releases a server that is not running. All methods are safe for
// concurrent use.
type Server struct {
	cfg     ServerConfig
	rtsp    *gortsplib.Server
	feeds   []*feed
	stalled atomic.Bool
	// ready is set once every feed's stream exists. The listener accepts
	// before that (gortsplib streams need a started server), so requests
	// arriving early get 503 instead of reading half-built feeds.
	ready atomic.Bool
	onvif *onvifDevice // nil without ONVIF

	mu    sync.Mutex
	conns map[*gortsplib.ServerConn]struct{}

	ctx       context.Context // ends when Close is called
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Listen binds the RTSP listener and prepares the cameras. Media flows once
// Run is called.
func Listen(cfg ServerConfig) (*Server, error) {
	if len(cfg.Cameras) == 0 {
		return nil, errors.New("listen: no cameras")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, conns: map[*gortsplib.ServerConn]struct{}{}}
	s.stalled.Store(cfg.Stall)
	s.rtsp = &gortsplib.Server{
		Handler:     &handler{s: s},
		RTSPAddress: cfg.Addr,
		// An I_PCM keyframe at 640×368 is about 260 RTP packets sent at once;
		// the default queue (256) drops part of it whenever a reader lags.
		WriteQueueSize: 4096,
	}
	files := fileSources{} // file mode: cameras looping one file share it
	for i, cc := range cfg.Cameras {
		if cc.Now == nil {
			cc.Now = cfg.Now
		}
		cam, err := files.newCamera(cc)
		if err != nil {
			return nil, fmt.Errorf("listen: camera %d: %w", i+1, err)
		}
		s.feeds = append(s.feeds, &feed{cam: cam, audio: cfg.Audio})
	}
	if err := s.rtsp.Start(); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, f := range s.feeds {
		if err := f.open(s.rtsp); err != nil {
			s.Close()
			return nil, fmt.Errorf("listen: %w", err)
		}
	}
	if cfg.ONVIF != nil {
		if err := s.openONVIF(*cfg.ONVIF); err != nil {
			s.Close()
			return nil, fmt.Errorf("listen: %w", err)
		}
	}
	s.ready.Store(true)
	return s, nil
}

// Addr returns the bound listen address (host:port).
func (s *Server) Addr() string { return s.rtsp.NetListener().Addr().String() }

// Plays returns how many PLAY requests camera n (from 1) answered: the
// number of sessions readers started on it, so a test can tell one
// upstream session from several.
func (s *Server) Plays(n int) int64 {
	if n < 1 || n > len(s.feeds) {
		return 0
	}
	return s.feeds[n-1].plays.Load()
}

// URL returns the RTSP URL of camera n (1-based), without credentials.
func (s *Server) URL(n int) string { return "rtsp://" + s.Addr() + "/cam/" + strconv.Itoa(n) }

// Camera returns camera n (1-based), or nil.
func (s *Server) Camera(n int) *Camera {
	if n < 1 || n > len(s.feeds) {
		return nil
	}
	return s.feeds[n-1].cam
}

// SetStall stops (true) or resumes (false) sending media while keeping
// connections open. Resuming starts with an IDR so readers recover at once.
func (s *Server) SetStall(stall bool) {
	if s.stalled.Swap(stall) && !stall {
		for _, f := range s.feeds {
			f.cam.RequestIDR()
		}
	}
}

// DropClients closes every client connection now.
func (s *Server) DropClients() {
	s.mu.Lock()
	conns := make([]*gortsplib.ServerConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	// Closed outside the lock: gortsplib calls OnConnClose, which takes it.
	for _, c := range conns {
		c.Close()
	}
}

// Run sends frames, paced by a ticker per camera, until ctx ends or Close is
// called, then shuts the server down. It returns nil on a requested stop and
// an error if the RTSP server or a camera fails.
func (s *Server) Run(ctx context.Context) error {
	if s.ctx.Err() != nil {
		return errors.New("run: server closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) // Close ends Run too
	defer stop()
	errc := make(chan error, len(s.feeds)+1)
	for _, f := range s.feeds {
		s.wg.Go(func() {
			if err := f.run(ctx, s.stalled.Load); err != nil {
				errc <- err
			}
		})
	}
	if s.cfg.FlapEvery > 0 {
		s.wg.Go(func() { s.flap(ctx) })
	}
	if s.onvif != nil {
		s.wg.Go(func() { s.onvif.run(ctx) })
	}
	srvDone := make(chan error, 1)
	go func() { srvDone <- s.rtsp.Wait() }() // ends when s.rtsp is closed below
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	case err = <-srvDone:
		err = fmt.Errorf("rtsp server: %w", err)
	}
	cancel()
	s.Close()
	<-srvDone
	return err
}

func (s *Server) flap(ctx context.Context) {
	t := time.NewTicker(s.cfg.FlapEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.DropClients()
		}
	}
}

// Close stops a running Run (without waiting for it) and releases
// the listener and streams. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		if s.onvif != nil {
			s.onvif.close() // also when Run never started
		}
		s.wg.Wait() // the feeds stop writing before their streams close
		for _, f := range s.feeds {
			f.close()
		}
		s.rtsp.Close()
	})
}

// feedFor maps a request path such as "/cam/2" to its feed.
func (s *Server) feedFor(path string) *feed {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSuffix(path, "/"), "/cam/"))
	if err != nil || n < 1 || n > len(s.feeds) || !strings.HasPrefix(path, "/cam/") {
		return nil
	}
	return s.feeds[n-1]
}

// description returns the SDP session for a feed's camera.
func (f *feed) description() *description.Session {
	medias := []*description.Media{{
		Type: description.MediaTypeVideo,
		Formats: []format.Format{&format.H264{
			PayloadTyp:        96,
			SPS:               f.cam.SPS(),
			PPS:               f.cam.PPS(),
			PacketizationMode: 1,
		}},
	}}
	if f.cam.file != nil { // file mode: the file's codec and parameter sets
		medias[0].Formats = []format.Format{f.cam.file.format()}
	}
	if f.audio {
		medias = append(medias, &description.Media{
			Type: description.MediaTypeAudio,
			Formats: []format.Format{&format.G711{
				PayloadTyp:   0,
				MULaw:        true,
				SampleRate:   audioRate,
				ChannelCount: 1,
			}},
		})
	}
	return &description.Session{Medias: medias}
}
