package ingest

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// testGrant is a live-view grant on c, minted by a real policy.
func testGrant(t testing.TB, c nvr.Camera) nvr.CameraGrant {
	return nvrtest.CameraGrant(t, c, nvr.ActionViewLive)
}

// waitAll polls until every camera's state satisfies ok, or fails after d.
func waitAll(t *testing.T, in *Ingest, cams []nvr.Camera, d time.Duration, what string, ok func(string) bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		bad := 0
		var example string
		states := map[string]int{}
		for _, c := range cams {
			st := in.Status(testGrant(t, c))
			states[st.State]++
			if !ok(st.State) {
				bad++
				example = st.State
				if len(st.Streams) > 0 && st.Streams[0].LastError != "" {
					example += " (" + st.Streams[0].LastError + ")"
				}
			}
		}
		if bad == 0 {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("%s: %d of %d cameras not there after %v (states %v), e.g. %s", what, bad, len(cams), d, states, example)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// idChecker reads every unit of every camera's hub and counts units whose
// SEI stamp names another camera.
type idChecker struct {
	checked    atomic.Int64
	violations atomic.Int64
	wg         sync.WaitGroup
}

func (ch *idChecker) watch(ctx context.Context, t *testing.T, in *Ingest, c nvr.Camera) {
	t.Helper()
	h, err := in.Hub(testGrant(t, c), "main")
	if err != nil {
		t.Fatalf("hub of %s: %v", c.ID, err)
	}
	sub := h.Subscribe(hub.SubscribeOptions{})
	ch.wg.Go(func() {
		defer sub.Close()
		for {
			u, err := sub.Next(ctx)
			if err != nil {
				return
			}
			st, ok := sei.Find(u.NALUs)
			ch.checked.Add(1)
			if !ok || st.CameraID != string(c.ID) || u.CameraID() != string(c.ID) || sub.CameraID() != string(c.ID) {
				ch.violations.Add(1)
			}
		}
	})
}

func TestIngestStreamsAndFollowsConfig(t *testing.T) {
	t.Parallel()
	// The cameras and every change to them go through the real directory
	// into a database (db/dbtest), as the API and the CLI make them.
	w := dbtest.NewWorld(t, nil)
	_, cams := w.SimCameras(t, 3, 10)
	in := NewIngest(IngestConfig{Cameras: w.DB, Poll: 100 * time.Millisecond, StaggerWindow: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ingest run: %v", err)
		}
	}()
	waitAll(t, in, cams, 20*time.Second, "streaming", func(s string) bool { return s == "streaming" })

	st := in.Status(testGrant(t, cams[0]))
	if s := st.Streams[0]; s.Codec != "h264" || s.Width != simcam.MinWidth || s.Height != simcam.MinHeight {
		t.Fatalf("status %+v", s)
	}
	// Removing a camera stops its pipeline and closes its hub.
	h, err := in.Hub(testGrant(t, cams[2]), "main")
	if err != nil {
		t.Fatal(err)
	}
	sub := h.Subscribe(hub.SubscribeOptions{})
	if err := w.Ops.RemoveCamera(ctx, cams[2].ID); err != nil {
		t.Fatal(err)
	}
	in.Reconcile()
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	for {
		if _, err := sub.Next(rctx); err != nil {
			if !errors.Is(err, hub.ErrClosed) {
				t.Fatalf("subscription of removed camera ended with %v, want hub.ErrClosed", err)
			}
			break
		}
	}
	if _, err := in.Hub(testGrant(t, cams[2]), "main"); err == nil {
		t.Fatalf("removed camera still has a hub: %v", err)
	}
	// A disabled camera reports so and has no pipeline.
	disabled := false
	off, err := w.Ops.EditCamera(ctx, cams[1].ID, nvr.CameraChanges{Enabled: &disabled})
	if err != nil {
		t.Fatal(err)
	}
	in.Reconcile()
	waitAll(t, in, []nvr.Camera{off}, 10*time.Second, "disabled", func(s string) bool { return s == "disabled" })
	// A camera whose URL points nowhere is reported unreachable, with no password in the error.
	broken, err := w.Ops.AddCamera(ctx, nvr.NewCamera{HouseholdID: w.Home.ID, Name: "nowhere", MainURL: "rtsp://127.0.0.1:1/x",
		Username: "u", Password: nvr.NewSecret("CANARY-ingest"), Transport: nvr.TransportTCP, LocalOK: true})
	if err != nil {
		t.Fatal(err)
	}
	in.Reconcile()
	waitAll(t, in, []nvr.Camera{broken}, 15*time.Second, "unreachable", func(s string) bool { return s == "unreachable" })
	if e := in.Status(testGrant(t, broken)).Streams[0].LastError; e == "" || strings.Contains(e, "CANARY") {
		t.Fatalf("last error %q", e)
	}
}

// TestStorm kills and restarts every simulated camera together: every
// camera must return to streaming, connection attempts never exceed the
// admission limit, and every hub delivers only its own camera's frames.
func TestStorm(t *testing.T) {
	cameras := 200
	if testing.Short() || raceEnabled {
		cameras = 40
	}
	const maxConnecting = 8
	fleet := nvrtest.NewSimFleet(t, 4, cameras/4, 2)
	cams := fleet.Cameras()
	// A fixed list rather than a database: the storm measures admission and
	// reconnection across four servers with a camera set that never
	// changes, and issue 15 keeps its figures comparable; what Ingest makes
	// of a directory's changes is TestIngestStreamsAndFollowsConfig's.
	list := &nvrtest.CameraList{}
	list.Set(cams)
	in := NewIngest(IngestConfig{Cameras: list, MaxConnecting: maxConnecting, ReadTimeout: 3 * time.Second,
		StaggerWindow: 2 * time.Second, Poll: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()

	boot := waitAll(t, in, cams, 90*time.Second, "boot", func(s string) bool { return s == "streaming" })
	var check idChecker
	watchCtx, stopWatch := context.WithCancel(ctx)
	for _, c := range cams {
		check.watch(watchCtx, t, in, c)
	}
	time.Sleep(time.Second)

	in.Admission().ResetPeak()
	fleet.Kill()
	waitAll(t, in, cams, 30*time.Second, "down", func(s string) bool { return s != "streaming" })
	fleet.Start()
	back := waitAll(t, in, cams, 90*time.Second, "back", func(s string) bool { return s == "streaming" })
	peak := in.Admission().Peak()
	time.Sleep(time.Second)
	stopWatch()
	check.wg.Wait()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ingest run: %v", err)
	}
	t.Logf("storm: %d cameras; boot %v; all streaming again %v after restart; peak concurrent handshakes %d (limit %d); %d units checked, %d violations",
		len(cams), boot.Round(time.Millisecond), back.Round(time.Millisecond), peak, maxConnecting, check.checked.Load(), check.violations.Load())
	if peak > maxConnecting {
		t.Errorf("peak concurrent connection attempts %d > limit %d", peak, maxConnecting)
	}
	if check.violations.Load() != 0 || check.checked.Load() < int64(len(cams)) {
		t.Errorf("%d violations in %d units", check.violations.Load(), check.checked.Load())
	}
}

// TestFlappingCameraLeaksNothing lets a camera drop its connection every
// second for a while: goroutines and open files return to where they were.
func TestFlappingCameraLeaksNothing(t *testing.T) {
	flapFor := 20 * time.Second
	if testing.Short() {
		flapFor = 5 * time.Second
	}
	if v := os.Getenv("HEARTH_FLAP_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("HEARTH_FLAP_DURATION: %v", err)
		}
		flapFor = d
	}
	w := dbtest.NewWorld(t, nil)
	id := string(w.Camera(t, nvr.CameraChanges{}).ID)
	srv, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", FlapEvery: time.Second,
		Cameras: []simcam.CameraConfig{{ID: id, Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 10, GOP: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithCancel(context.Background())
	sdone := make(chan struct{})
	go func() { _ = srv.Run(sctx); close(sdone) }()
	defer func() { scancel(); <-sdone }()

	url, tcp, admin := srv.URL(1), nvr.TransportTCP, true
	cam, err := w.Ops.EditCamera(context.Background(), nvr.CameraID(id), nvr.CameraChanges{MainURL: &url, Transport: &tcp, LocalOK: &admin})
	if err != nil {
		t.Fatal(err)
	}
	in := NewIngest(IngestConfig{Cameras: w.DB, ReadTimeout: 2 * time.Second, StaggerWindow: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	waitAll(t, in, []nvr.Camera{cam}, 15*time.Second, "streaming", func(s string) bool { return s == "streaming" })

	type sample struct {
		goroutines, fds int
		heap            uint64
	}
	measure := func() sample {
		runtime.GC()
		ents, _ := os.ReadDir("/proc/self/fd")
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return sample{runtime.NumGoroutine(), len(ents), ms.HeapInuse}
	}
	first := measure()
	deadline := time.Now().Add(flapFor)
	maxSeen := first
	attemptsBefore := in.statusOf(cam).Attempts
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		s := measure()
		maxSeen.goroutines = max(maxSeen.goroutines, s.goroutines)
		maxSeen.fds = max(maxSeen.fds, s.fds)
		maxSeen.heap = max(maxSeen.heap, s.heap)
	}
	attempts := in.statusOf(cam).Attempts - attemptsBefore
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ingest run: %v", err)
	}
	t.Logf("flapping %v: %d reconnects; goroutines %d → max %d; fds %d → max %d; heap %d KiB → max %d KiB", flapFor, attempts,
		first.goroutines, maxSeen.goroutines, first.fds, maxSeen.fds, first.heap>>10, maxSeen.heap>>10)
	// The backoff grows with every drop (it resets only after a minute of
	// stable streaming), so a flapping camera reconnects ever more slowly.
	if attempts < 2 {
		t.Errorf("only %d reconnects while flapping for %v", attempts, flapFor)
	}
	// A leak grows with every cycle; allow slack for one cycle in flight.
	if maxSeen.goroutines > first.goroutines+30 || maxSeen.fds > first.fds+10 || maxSeen.heap > first.heap+16<<20 {
		t.Errorf("resources grow while flapping: goroutines %d → %d, fds %d → %d, heap %d → %d KiB",
			first.goroutines, maxSeen.goroutines, first.fds, maxSeen.fds, first.heap>>10, maxSeen.heap>>10)
	}
}
