package ui

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/streams/simcam"
)

func TestOwnerAddsAndEditsCameras(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	for _, local := range []string{"rtsp://127.0.0.1:8554/x", "rtsp://localhost/x", "rtsp://[::1]/x", "rtsp://169.254.1.1/x"} {
		r := f.do(http.MethodPost, "/api/household/cameras", []any{ana}, `{"name":"Local","main_url":"`+local+`"}`)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "loopback") {
			t.Errorf("owner adding %s: %d %s", local, r.StatusCode, r.body)
		}
	}
	r := f.do(http.MethodPost, "/api/household/cameras", []any{ana}, `{"name":"Shed","main_url":"rtsp://u:SECRET-pw@192.0.2.40/main"}`)
	if r.StatusCode != http.StatusCreated || strings.Contains(r.body, "SECRET-pw") {
		t.Fatalf("add: %d %s", r.StatusCode, r.body)
	}
	shed := decode[adminCameraResponse](t, r.body)
	if shed.HouseholdID != f.homeA.PublicID || !shed.HasCredentials {
		t.Fatalf("added camera: %+v", shed)
	}
	if r := f.do(http.MethodPost, "/api/household/cameras", []any{f.login("mo")}, `{"name":"X","main_url":"rtsp://192.0.2.41/"}`); r.StatusCode != http.StatusNotFound {
		t.Fatalf("member adding a camera: %d", r.StatusCode)
	}

	// Editing with an empty password keeps the stored one.
	path := "/api/cameras/" + string(shed.ID)
	r = f.do(http.MethodPatch, path, []any{ana}, `{"name":"Garden shed","main_url":"rtsp://192.0.2.40/main","password":"","enabled":false}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("edit: %d %s", r.StatusCode, r.body)
	}
	c, err := f.store.Camera(context.Background(), shed.ID)
	if err != nil || c.Name != "Garden shed" || c.Enabled || c.Password.Reveal() != "SECRET-pw" || c.Username != "u" {
		t.Fatalf("after edit: %+v %v", c, err)
	}
	if r := f.do(http.MethodPatch, path, []any{ana}, `{"main_url":"rtsp://127.0.0.1/x"}`); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("owner pointing a camera at loopback: %d", r.StatusCode)
	}
	// Recording settings: events only with its rolls and retention.
	r = f.do(http.MethodPatch, path, []any{ana}, `{"record_mode":"events","pre_roll_s":3,"post_roll_s":12.5,"retain_events_days":45}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("recording settings: %d %s", r.StatusCode, r.body)
	}
	if got := decode[adminCameraResponse](t, r.body); got.RecordMode != nvr.RecordEvents || got.PreRollSeconds != 3 ||
		got.PostRollSeconds != 12.5 || got.RetainEventsDays != 45 || got.RetainContinuousDays != 14 {
		t.Fatalf("recording settings answered %+v", got)
	}
	for _, bad := range []string{`{"record_mode":"sometimes"}`, `{"pre_roll_s":301}`, `{"post_roll_s":-1}`,
		`{"retain_continuous_days":0}`, `{"retain_events_days":3651}`, `{"pre_roll_s":"5s"}`} {
		if r := f.do(http.MethodPatch, path, []any{ana}, bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, r.StatusCode, r.body)
		}
	}
	if c, _ := f.store.Camera(context.Background(), shed.ID); c.RecordMode != nvr.RecordEvents || c.PreRoll != 3*time.Second {
		t.Errorf("a refused change altered the camera: %+v", c)
	}
	for user, want := range map[string]int{"mo": http.StatusNotFound, "bea": http.StatusNotFound, "root": http.StatusOK} {
		if r := f.do(http.MethodPatch, path, []any{f.login(user)}, `{"name":"Shed"}`); r.StatusCode != want {
			t.Errorf("edit as %s: %d, want %d", user, r.StatusCode, want)
		}
	}
}

// TestOwnerRemovesCamera: the household's owners (and the admin) remove a
// camera by DELETE /api/cameras/{id}; a member, another household's owner
// and a second DELETE all get the same 404, and nothing of the camera is
// served after.
func TestOwnerRemovesCamera(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path := "/api/cameras/" + string(f.camA1.ID)
	for _, user := range []string{"mo", "bea"} {
		if r := f.do(http.MethodDelete, path, []any{f.login(user)}, ""); r.StatusCode != http.StatusNotFound {
			t.Fatalf("remove as %s: %d %s, want 404", user, r.StatusCode, r.body)
		}
	}
	if _, err := f.store.Camera(context.Background(), f.camA1.ID); err != nil {
		t.Fatalf("a refused remove removed the camera: %v", err)
	}
	ana := f.login("ana")
	if r := f.do(http.MethodDelete, path, []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("owner removes: %d %s", r.StatusCode, r.body)
	}
	if _, err := f.store.Camera(context.Background(), f.camA1.ID); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("after remove, the store has it: %v", err)
	}
	for _, p := range []string{path, path + "/recordings"} {
		if r := f.get(p, ana); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after remove: %d", p, r.StatusCode)
		}
	}
	if r := f.do(http.MethodDelete, path, []any{ana}, ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("second remove: %d", r.StatusCode)
	}
	// The admin removes through the same route.
	if r := f.do(http.MethodDelete, "/api/cameras/"+string(f.camB1.ID), []any{f.login("root")}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("admin removes: %d %s", r.StatusCode, r.body)
	}
}

// startSimcam serves one simulated camera on loopback, with credentials.
func startSimcam(t *testing.T, user, pass string) *simcam.Server {
	t.Helper()
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Username: user, Password: pass,
		Cameras: []simcam.CameraConfig{{ID: string(nvr.NewCameraID()), FPS: 10, GOP: 5, Width: simcam.MinWidth, Height: simcam.MinHeight}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sim.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return sim
}

func TestProbeCamera(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const pw = "PROBE-secret-77"
	sim := startSimcam(t, "cam", pw)
	root := f.login("root")
	probe := func(c *http.Cookie, body string) (int, probeResponse, string) {
		t.Helper()
		r := f.do(http.MethodPost, "/api/cameras/test", []any{c}, body)
		if strings.Contains(r.body, pw) {
			t.Fatalf("the probe answer echoes the password: %s", r.body)
		}
		if r.StatusCode != http.StatusOK {
			return r.StatusCode, probeResponse{}, r.body
		}
		return r.StatusCode, decode[probeResponse](t, r.body), r.body
	}

	_, ok, body := probe(root, `{"url":"`+sim.URL(1)+`","username":"cam","password":"`+pw+`"}`)
	if !ok.OK || ok.Codec != "h264" || ok.Width != simcam.MinWidth || ok.Height != simcam.MinHeight {
		t.Fatalf("probe: %s", body)
	}
	_, bad, body := probe(root, `{"url":"rtsp://cam:wrong-one@`+sim.Addr()+`/cam/1"}`)
	if bad.OK || bad.ErrorClass != ingest.ProbeAuth || strings.Contains(body, "wrong-one") {
		t.Fatalf("wrong password: %s", body)
	}
	// A path the camera does not serve is said to be one, not "does not
	// speak RTSP" (a mistyped path in the URL).
	_, path, body := probe(root, `{"url":"rtsp://`+sim.Addr()+`/cam/9","username":"cam","password":"`+pw+`"}`)
	if path.OK || path.ErrorClass != ingest.ProbeProtocol || !strings.Contains(path.Error, "no stream at this path") {
		t.Fatalf("wrong path: %s", body)
	}
	// A port nobody listens on: the simcam's, once it is closed, is not
	// guaranteed free; a listener we close ourselves is.
	_, down, body := probe(root, `{"url":"rtsp://127.0.0.1:`+closedPort(t)+`/x"}`)
	if down.OK || down.ErrorClass != ingest.ProbeUnreachable {
		t.Fatalf("closed port: %s", body)
	}

	// A stored camera is probed with its stored credentials.
	cam := f.addCamera(f.homeA.ID, "Sim", "rtsp://cam:"+pw+"@"+sim.Addr()+"/cam/1")
	if _, res, body := probe(root, `{"camera_id":"`+string(cam.ID)+`"}`); !res.OK {
		t.Fatalf("stored camera as admin: %s", body)
	}
	// The owner may probe, but not the appliance's own loopback; members,
	// viewers and other households may not use the stored camera at all.
	if st, _, body := probe(f.login("ana"), `{"camera_id":"`+string(cam.ID)+`"}`); st != http.StatusBadRequest || !strings.Contains(body, "loopback") {
		t.Fatalf("owner probing loopback: %d %s", st, body)
	}
	for _, user := range []string{"mo", "vic"} {
		if st, _, _ := probe(f.login(user), `{"url":"rtsp://192.0.2.99/x"}`); st != http.StatusNotFound {
			t.Errorf("%s probing: %d, want 404", user, st)
		}
	}
	if st, _, _ := probe(f.login("bea"), `{"camera_id":"`+string(cam.ID)+`"}`); st != http.StatusNotFound {
		t.Errorf("other household probing a stored camera: %d", st)
	}
}

// closedPort returns a loopback port that was just free.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	_ = l.Close()
	return port
}

// TestProbeConcurrencyBound: a fifth simultaneous test connection is
// refused while four are running.
func TestProbeConcurrencyBound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	started := make(chan struct{}, maxProbes+1)
	release := make(chan struct{})
	f.srv.probe = func(ctx context.Context, req ingest.ProbeRequest) (ingest.ProbeResult, error) {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return ingest.ProbeResult{Codec: "h264", Width: 640, Height: 368}, nil
	}
	root := f.login("root")
	done := make(chan int, maxProbes)
	for range maxProbes {
		go func() {
			done <- f.do(http.MethodPost, "/api/cameras/test", []any{root}, `{"url":"rtsp://192.0.2.50/x"}`).StatusCode
		}()
	}
	for range maxProbes {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("probes did not start")
		}
	}
	if r := f.do(http.MethodPost, "/api/cameras/test", []any{root}, `{"url":"rtsp://192.0.2.50/x"}`); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("fifth probe: %d %s", r.StatusCode, r.body)
	}
	close(release)
	for range maxProbes {
		if code := <-done; code != http.StatusOK {
			t.Fatalf("probe: %d", code)
		}
	}
}
