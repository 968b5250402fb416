package restream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/auth"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/headers"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/hub"
)

// Hubs gives the hub of a granted camera stream ("main" or "sub");
// *ingest.Ingest implements it. KindUnavailable when not streaming.
type Hubs interface {
	Hub(g nvr.CameraGrant, stream string) (*hub.Hub, error)
}

// Config configures a Server. Addr, Policy, Digest, Hubs and Sessions are
// required.
type Config struct {
	// Addr is the RTSP listen address (host:port; port 0 picks one).
	Addr     string
	Policy   *nvr.Policy
	Digest   nvr.DigestStore
	Hubs     Hubs
	Sessions *view.LiveSessions
	// QueueUnits bounds each client's hub subscription (hub default when 0).
	QueueUnits int
	// WriteQueue bounds each client's outgoing RTP packets (gortsplib's
	// WriteQueueSize; 512 when 0, rounded up to a power of two). Past it
	// the client drops to the next keyframe.
	WriteQueue int
	Log        *slog.Logger
}

// Server is the RTSP restream. Run owns its listener and every client
// goroutine. Safe for concurrent use.
type Server struct {
	cfg  Config
	rtsp *gortsplib.Server
	ln   net.Listener

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	dropped atomic.Uint64 // units dropped for slow clients, all clients
}

// Stats are the restream's counters.
type Stats struct {
	// DroppedUnits counts the video units skipped for slow clients while
	// they waited for the next keyframe.
	DroppedUnits uint64
}

// Stats returns the counters.
func (s *Server) Stats() Stats { return Stats{DroppedUnits: s.dropped.Load()} }

// Listen binds cfg.Addr and returns the server; call Run to serve.
func Listen(cfg Config) (*Server, error) {
	if cfg.Policy == nil || cfg.Digest == nil || cfg.Hubs == nil || cfg.Sessions == nil {
		return nil, errors.New("restream: Policy, Digest, Hubs and Sessions are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.WriteQueue <= 0 {
		cfg.WriteQueue = 512
	}
	// gortsplib's ring buffer takes a power of two.
	for q := 1; ; q <<= 1 {
		if q >= cfg.WriteQueue {
			cfg.WriteQueue = q
			break
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("restream: listen on %s: %w", cfg.Addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, ln: ln, ctx: ctx, cancel: cancel}
	s.rtsp = &gortsplib.Server{
		Handler:        &handler{s: s},
		RTSPAddress:    ln.Addr().String(),
		WriteQueueSize: cfg.WriteQueue,
		// The bound listener, so port 0 works and the port is known
		// before Run.
		Listen: func(string, string) (net.Listener, error) { return ln, nil },
	}
	if err := s.rtsp.Start(); err != nil {
		cancel()
		_ = ln.Close()
		return nil, fmt.Errorf("restream: start: %w", err)
	}
	return s, nil
}

// Addr returns the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx ends, then closes every session and waits for the
// client goroutines.
func (s *Server) Run(ctx context.Context) error {
	<-ctx.Done()
	s.cancel()
	s.rtsp.Close()
	s.wg.Wait()
	return nil
}

// target is what a request path names: /cam/{id} or /cam/{id}/sub, with
// any media control suffix (trackID=0) of a SETUP.
type target struct {
	camera nvr.CameraID
	stream string
}

func parsePath(p string) (target, bool) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) > 0 && strings.Contains(parts[len(parts)-1], "=") {
		parts = parts[:len(parts)-1] // a media control (trackID=0)
	}
	if len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "cam" {
		return target{}, false
	}
	id, err := nvr.ParseCameraID(parts[1])
	if err != nil {
		return target{}, false
	}
	t := target{camera: id, stream: "main"}
	if len(parts) == 3 {
		if parts[2] != "sub" {
			return target{}, false
		}
		t.stream = "sub"
	}
	return t, true
}

// connState is one RTSP connection's digest nonce and the streams it
// described and has not set up yet.
type connState struct {
	mu      sync.Mutex
	nonce   string
	pending map[target]*gortsplib.ServerStream
}

// errRefused is the one answer to every refusal (see refuse).
var errRefused = errors.New("refused")

// admit authenticates req on conn and asks the policy for live view of the
// path's camera. Every failure is errRefused, so the caller answers them
// alike.
func (s *Server) admit(ctx context.Context, cs *connState, req *base.Request, path string) (nvr.CameraGrant, target, error) {
	t, ok := parsePath(path)
	if !ok {
		return nvr.CameraGrant{}, t, errRefused
	}
	var a headers.Authorization
	if err := a.Unmarshal(req.Header["Authorization"]); err != nil || a.Method != headers.AuthMethodDigest {
		return nvr.CameraGrant{}, t, errRefused
	}
	cs.mu.Lock()
	nonce := cs.nonce
	cs.mu.Unlock()
	if a.Nonce != nonce || a.Realm != nvr.DigestRealm || a.Username == "" ||
		(a.Algorithm != nil && *a.Algorithm != headers.AuthAlgorithmMD5) {
		return nvr.CameraGrant{}, t, errRefused
	}
	// The response covers the URI the client names; it must name the
	// camera of the request, so a response for one camera never opens
	// another.
	if ut, ok := parsePath(uriPath(a.URI)); !ok || ut != t {
		return nvr.CameraGrant{}, t, errRefused
	}
	p, err := nvr.AuthenticateDigest(ctx, s.cfg.Digest, a.Username, func(ha1 string) bool {
		return nvr.EqualDigest(nvr.DigestResponse(ha1, nonce, string(req.Method), a.URI), a.Response)
	})
	if err != nil {
		return nvr.CameraGrant{}, t, errRefused
	}
	g, err := s.cfg.Policy.Camera(ctx, p, nvr.ActionViewLive, t.camera)
	if err != nil {
		return nvr.CameraGrant{}, t, errRefused
	}
	return g, t, nil
}

// uriPath returns the path of a digest URI (absolute rtsp:// or a path).
func uriPath(uri string) string {
	if i := strings.Index(uri, "://"); i >= 0 {
		rest := uri[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return "/"
	}
	return uri
}

// refuse is the answer to every refusal: 401 with a digest challenge,
// whether the credentials were missing or wrong, the token revoked, or the
// camera another household's or missing.
func refuse(cs *connState) *base.Response {
	cs.mu.Lock()
	nonce := cs.nonce
	cs.mu.Unlock()
	return &base.Response{
		StatusCode: base.StatusUnauthorized,
		Header: base.Header{
			"WWW-Authenticate": auth.GenerateWWWAuthenticate([]auth.VerifyMethod{auth.VerifyMethodDigestMD5},
				nvr.DigestRealm, nonce),
		},
	}
}

// requestTimeout bounds the database reads of one RTSP request.
const requestTimeout = 5 * time.Second
