package ui

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// TestONVIFNotifyEndpoint: the push endpoint takes no session (it is on
// the public allow-list; the capability is the credential), answers 405
// to another method, 404 to an unknown capability, 413 to a body over
// 1 MiB, and the access log never shows the capability. (A live
// capability's path, 200 and 400 answers are nvr/events'
// TestCameraEventsPushed, against simcam.)
func TestONVIFNotifyEndpoint(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs bytes.Buffer
	h := withAccessLog(slog.New(slog.NewTextHandler(&logs, nil)), f.srv)
	const capability = "0123456789abcdef0123456789abcdef"
	path := "/onvif/notify/" + capability
	cases := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"GET", httptest.NewRequest(http.MethodGet, path, nil), http.StatusMethodNotAllowed},
		{"unknown capability", httptest.NewRequest(http.MethodPost, path, strings.NewReader("<x/>")), http.StatusNotFound},
		{"declared over 1 MiB", httptest.NewRequest(http.MethodPost, path, bytes.NewReader(make([]byte, 1<<20+1))), http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		c.req.Host = "192.168.1.10:8080" // as a camera sends it
		h.ServeHTTP(w, c.req)
		if w.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.status)
		}
		if c.status == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: Allow %q", c.name, w.Header().Get("Allow"))
		}
		if strings.Contains(w.Body.String(), capability) {
			t.Errorf("%s: the answer shows the capability", c.name)
		}
	}
	if strings.Contains(logs.String(), capability) || !strings.Contains(logs.String(), "path=/onvif/notify/[capability]") {
		t.Errorf("access log: %s", logs.String())
	}
	for in, want := range map[string]string{
		"/onvif/notify/" + capability:       "/onvif/notify/[capability]",
		"/onvif/notify/" + capability + "/": "/onvif/notify/[capability]",
		"/s/hsl_secret/":                    "/s/[link]/",
		"/api/cameras":                      "/api/cameras",
	} {
		if got := redactPath(in); got != want {
			t.Errorf("redactPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestONVIFPushThroughServer: the whole push path through the real HTTP
// server. A camera on a simcam without a pull point, its event source
// "camera", is subscribed by Events with the address derived from the
// route toward it and the server's port; simcam's pushed person
// detection passes the host check, the CSRF check and this route, and
// becomes the camera's labelled trigger event.
func TestONVIFPushThroughServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const user, pass = "admin", "push-through-pw"
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Username: user, Password: pass,
		Cameras: []simcam.CameraConfig{{ID: string(nvr.NewCameraID())}},
		ONVIF:   &simcam.ONVIFConfig{Addr: "127.0.0.1:0", PersonEvery: 300 * time.Millisecond, NoPullPoint: true}})
	if err != nil {
		t.Fatal(err)
	}
	simCtx, stopSim := context.WithCancel(ctx)
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Run(simCtx) }()
	defer func() { stopSim(); <-simDone }()

	cam := f.addCamera(f.homeA.ID, "Porch", sim.URL(1))
	onvifURL, src, local, u, pw := "http://"+sim.ONVIFAddr(), nvr.EventSourceCamera, true, user, nvr.NewSecret(pass)
	if _, err := nvrtest.Operator(f.dir).EditCamera(ctx, cam.ID, nvr.CameraChanges{ONVIFURL: &onvifURL, EventSource: &src,
		LocalOK: &local, Username: &u, Password: &pw}); err != nil {
		t.Fatal(err)
	}

	ts := httptest.NewUnstartedServer(nil)
	evs := events.NewEvents(events.EventsConfig{Store: f.store, Cameras: f.store, DataDir: t.TempDir(),
		Tick: 20 * time.Millisecond, Poll: 50 * time.Millisecond, CallbackPort: ts.Listener.Addr().(*net.TCPAddr).Port})
	ts.Config.Handler = NewServer(Config{}, Deps{Policy: nvr.NewPolicy(f.store, time.Now, nil), Auth: nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon}),
		Directory: f.dir, Events: evs})
	ts.Start()
	defer ts.Close()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- evs.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	for deadline := time.Now().Add(30 * time.Second); ; {
		evList, err := f.store.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: cam.ID}}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(evList, func(ev nvr.Event) bool { return ev.Kind == nvr.EventTrigger && ev.Label == "person (PeopleRule)" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pushed person event within 30 s; events %+v", evList)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
