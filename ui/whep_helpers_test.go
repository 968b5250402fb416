package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/record"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// liveFixture is the fixture with real live view: the household cameras are
// simulated cameras served over RTSP on loopback, pulled by a real
// ingest.Ingest, and served by a WebRTC engine limited to loopback (WHEP) and
// over WebSockets (MSE), both admitted by one session registry.
type liveFixture struct {
	*fixture
	engine   *webrtc.Engine
	sessions *view.LiveSessions
	policy   *nvr.Policy
}

func newLiveFixture(t *testing.T, limits view.LiveConfig, withRecorder ...bool) *liveFixture {
	t.Helper()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })

	cams := []nvr.Camera{f.camA1, f.camA2, f.camB1}
	var cfgs []simcam.CameraConfig
	for _, c := range cams {
		cfgs = append(cfgs, simcam.CameraConfig{ID: string(c.ID), Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 15, GOP: 15})
	}
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: cfgs})
	if err != nil {
		t.Fatal(err)
	}
	localOK := true // the admin points them at the simulator on loopback
	for i, c := range cams {
		u := sim.URL(i + 1)
		if _, err := nvrtest.Operator(f.dir).EditCamera(ctx, c.ID, nvr.CameraChanges{MainURL: &u, LocalOK: &localOK}); err != nil {
			t.Fatal(err)
		}
	}
	engine, err := webrtc.Listen(webrtc.Config{IPFilter: webrtc.LoopbackOnly})
	if err != nil {
		t.Fatal(err)
	}
	ing := ingest.NewIngest(ingest.IngestConfig{Cameras: f.store, StaggerWindow: 10 * time.Millisecond, Poll: 100 * time.Millisecond})
	policy := nvr.NewPolicy(f.store, f.clock, nil)
	limits.Now = f.clock
	sessions := view.NewLiveSessions(policy, limits)
	auth := nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock})
	f.ts.Close()
	var playback *view.Playback
	if len(withRecorder) > 0 && withRecorder[0] {
		data := t.TempDir()
		rec := record.NewRecorder(record.RecorderConfig{Cameras: f.store, Ingest: ing, Store: f.store, DataDir: data,
			Poll: 100 * time.Millisecond})
		wg.Go(func() { _ = rec.Run(ctx) })
		playback = view.NewPlayback(f.store, filepath.Join(data, recordstore.RecordingsDirName))
	}
	f.srv = NewServer(Config{}, Deps{Policy: policy, Auth: auth, Directory: f.dir, Now: f.clock, Playback: playback, Status: ing,
		Live: ing, WebRTC: WebRTCLive{Engine: engine, Hubs: ing, Sessions: sessions},
		Events: f.events, Shutters: nvr.NewShutters(f.store, f.clock), Shares: nvr.NewShares(f.store, f.clock, cheapArgon)})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)

	wg.Go(func() { _ = sim.Run(ctx) })
	wg.Go(func() { _ = ing.Run(ctx) })
	wg.Go(func() { _ = sessions.Run(ctx) })
	wg.Go(func() { _ = engine.Run(ctx) })

	lf := &liveFixture{fixture: f, engine: engine, sessions: sessions, policy: policy}
	// Wait until every camera streams (its hub holds a keyframe), asking
	// as the household's owner.
	deadline := time.Now().Add(15 * time.Second)
	for _, c := range cams {
		owner := f.ownerA
		if c.HouseholdID == f.homeB.ID {
			owner = f.ownerB
		}
		tok, _, err := nvrtest.Operator(f.dir).CreateToken(ctx, owner.ID, "wait", nvr.ScopeView, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		p, err := auth.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		g, err := policy.Camera(ctx, p, nvr.ActionViewLive, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if h, err := ing.Hub(g, "main"); err == nil && h.Keyframe() != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("camera %s not streaming", c.ID)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return lf
}

// whep negotiates a session for camera id with the given credential
// (a *http.Cookie or an http.Header).
func (f *liveFixture) whep(id nvr.CameraID, cred any, opts webrtctest.Options) (c *webrtctest.Client, status int, location, body string) {
	f.t.Helper()
	return f.whepQuery(id, "", cred, opts)
}

// whepQuery is whep with a query string ("?start=...").
func (f *liveFixture) whepQuery(id nvr.CameraID, query string, cred any, opts webrtctest.Options) (c *webrtctest.Client, status int, location, body string) {
	f.t.Helper()
	c, err := webrtctest.New(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(c.Close)
	hdr := http.Header{}
	switch v := cred.(type) {
	case *http.Cookie:
		hdr.Set("Cookie", v.String())
	case http.Header:
		hdr = v
	}
	status, location, body, err = c.WHEP(context.Background(), f.ts.Client(), f.ts.URL+"/api/cameras/"+string(id)+"/whep"+query, hdr)
	if err != nil {
		f.t.Fatal(err)
	}
	return c, status, location, body
}

func isSDP(body string) bool {
	return strings.Contains(body, "v=0") || strings.Contains(body, "m=video")
}
