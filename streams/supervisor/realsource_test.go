package supervisor

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/rtsp"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// The real path: rtsp.Client sources reading simulated cameras on loopback.
// A camera with the right credentials streams units whose SEI stamp names
// that camera; one with a wrong password lands in auth-failed without the
// password in its status; a dropped connection and a stall (no media)
// are both recovered from.
func TestRealSource(t *testing.T) {
	t.Parallel()
	const (
		user  = "hearth"
		pass  = "CANARY-real-pw-3e9a"
		wrong = "CANARY-wrong-pw-51c0"
	)
	srv, err := simcam.Listen(simcam.ServerConfig{
		Addr:     "127.0.0.1:0",
		Cameras:  []simcam.CameraConfig{{ID: camA, FPS: 25}, {ID: camB, FPS: 25}},
		Username: user, Password: pass,
	})
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, srvCancel := context.WithCancel(context.Background())
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Run(srvCtx) }()
	defer func() {
		srvCancel()
		if err := <-srvDone; err != nil {
			t.Errorf("simcam Run: %v", err)
		}
	}()

	adm := NewAdmission(2)
	var logs logBuffer
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()

	var units, badStamp atomic.Int64
	start := func(id string, n int, password string) *Supervisor {
		c, err := rtsp.New(rtsp.Config{CameraID: id, URL: srv.URL(n), Username: user, Password: password,
			ReadTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s := New(Config{
			CameraID: id, Name: id[:4], Source: c, Admission: adm, Logger: logs.logger(),
			ReadTimeout: time.Second, // shorter than the client's: the supervisor's watchdog acts
			Backoff:     Backoff{Base: 50 * time.Millisecond, Cap: 200 * time.Millisecond},
			Publish: func(u *media.Unit) {
				if !u.Info.Tracks[u.Track].Codec.IsVideo() {
					return
				}
				units.Add(1)
				if st, ok := sei.Find(u.NALUs); !ok || st.CameraID != id || u.CameraID() != id {
					badStamp.Add(1)
				}
			},
		})
		wg.Go(func() { s.Run(ctx) })
		return s
	}
	good := start(camA, 1, pass)
	bad := start(camB, 2, wrong)

	waitFor(t, func() bool { return good.Status().State == StateStreaming && units.Load() >= 10 }, good, bad)
	waitFor(t, func() bool { return bad.Status().State == StateAuthFailed }, good, bad)
	if st := bad.Status(); st.NextAttempt.Sub(st.Since) < DefaultAuthFailedMin || strings.Contains(st.LastError, "CANARY") {
		t.Errorf("bad credentials: %+v, want auth-failed for ≥ %v and no password", st, DefaultAuthFailedMin)
	}

	// The camera drops the connection: reconnect and stream again.
	srv.DropClients()
	waitFor(t, func() bool { st := good.Status(); return st.Attempts >= 2 && st.State == StateStreaming }, good, bad)

	// The camera keeps the connection but sends nothing: the watchdog
	// cancels the session with no media, and streaming resumes after.
	srv.SetStall(true)
	waitFor(t, func() bool { return strings.HasPrefix(good.Status().LastError, "no media") }, good, bad)
	srv.SetStall(false)
	before := units.Load()
	waitFor(t, func() bool { return good.Status().State == StateStreaming && units.Load() > before+5 }, good, bad)

	if got := badStamp.Load(); got != 0 {
		t.Errorf("%d units did not carry their own camera's stamp", got)
	}
	if out := logs.String(); strings.Contains(out, "CANARY") {
		t.Errorf("a password reached the log:\n%s", out)
	}
	t.Logf("good camera: %+v", good.Status())
}
