package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/coder/websocket"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// fakeLive is a LiveSource over real hubs fed with simcam frames, one per
// camera, each stamped with its own camera's ID.
type fakeLive struct {
	hubs map[nvr.CameraID]*hub.Hub
}

var _ LiveSource = (*fakeLive)(nil)

func (f *fakeLive) Hub(g nvr.CameraGrant, stream string) (*hub.Hub, error) {
	if h := f.hubs[g.CameraID()]; h != nil && stream == "main" {
		return h, nil
	}
	return nil, nvr.Errorf("live stream", nvr.KindUnavailable, "camera is not streaming")
}

// startLive publishes simcam frames of each camera every period, in real
// time, until the test ends.
func startLive(t *testing.T, period time.Duration, cams ...nvr.Camera) *fakeLive {
	t.Helper()
	f := &fakeLive{hubs: map[nvr.CameraID]*hub.Hub{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, c := range cams {
		h := hub.New(string(c.ID), hub.Options{})
		f.hubs[c.ID] = h
		cam, err := simcam.NewCamera(simcam.CameraConfig{ID: string(c.ID), Width: simcam.MinWidth, Height: simcam.MinHeight, GOP: 10})
		if err != nil {
			t.Fatal(err)
		}
		info := &media.StreamInfo{CameraID: string(c.ID), Stream: "main", Tracks: []media.Track{{
			Codec: media.H264, ClockRate: media.VideoClockRate, Width: simcam.MinWidth, Height: simcam.MinHeight, SPS: cam.SPS(), PPS: cam.PPS(),
		}}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer h.Close()
			tick := time.NewTicker(period)
			step := int64(period) * media.VideoClockRate / int64(time.Second)
			defer tick.Stop()
			for n := int64(0); ; n++ {
				au, err := cam.Next()
				if err != nil {
					t.Error(err)
					return
				}
				h.Publish(&media.Unit{Info: info, PTS: n * step, DTS: n * step, Wall: au.Time, Key: au.IDR, NALUs: au.NALUs})
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	return f
}

// mseFixture is the fixture's database behind a server with live hubs.
type mseFixture struct {
	*fixture
	live     *fakeLive
	sessions *view.LiveSessions
	url      string // ws://host
	http     string // http://host
}

func newMSEFixture(t *testing.T, period time.Duration, limits ...view.LiveConfig) *mseFixture {
	f := newFixture(t)
	live := startLive(t, period, f.camA1, f.camA2, f.camB1)
	policy := nvr.NewPolicy(f.store, f.clock, nil)
	auth := nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock})
	cfg := view.LiveConfig{}
	if len(limits) > 0 {
		cfg = limits[0]
	}
	cfg.Now = f.clock
	sessions := view.NewLiveSessions(policy, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = sessions.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	srv := NewServer(Config{}, Deps{Policy: policy, Auth: auth, Directory: f.dir, Now: f.clock, Live: live,
		WebRTC: WebRTCLive{Sessions: sessions}})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &mseFixture{fixture: f, live: live, sessions: sessions, url: "ws" + strings.TrimPrefix(ts.URL, "http"), http: ts.URL}
}

func (m *mseFixture) dial(ctx context.Context, cam nvr.CameraID, h http.Header) (*websocket.Conn, *http.Response, error) {
	c, resp, err := websocket.Dial(ctx, m.url+"/api/cameras/"+string(cam)+"/mse?stream=main", &websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		c.SetReadLimit(8 << 20)
	}
	return c, resp, err
}

func cookieHeader(c *http.Cookie) http.Header { return http.Header{"Cookie": {c.String()}} }

func TestMSEDenied(t *testing.T) {
	t.Parallel()
	m := newMSEFixture(t, 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name   string
		cam    nvr.CameraID
		header http.Header
		want   int
	}{
		{"no session", m.camA1.ID, nil, http.StatusUnauthorized},
		{"another household", m.camB1.ID, cookieHeader(m.login("ana")), http.StatusNotFound},
		{"viewer without the camera", m.camA2.ID, cookieHeader(m.login("vic")), http.StatusNotFound},
		{"no such camera", nvr.NewCameraID(), cookieHeader(m.login("ana")), http.StatusNotFound},
		{"cross-origin page", m.camA1.ID, func() http.Header {
			h := cookieHeader(m.login("vic"))
			h.Set("Origin", "http://evil.example")
			return h
		}(), http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, resp, err := m.dial(ctx, tc.cam, tc.header)
			if err == nil {
				c.CloseNow()
				t.Fatal("the WebSocket was opened")
			}
			if resp == nil || resp.StatusCode != tc.want {
				t.Fatalf("answer %v, want %d", resp, tc.want)
			}
		})
	}
}

// readHello reads the first message: the codec and the camera.
func readHello(t *testing.T, ctx context.Context, c *websocket.Conn) mseHello {
	t.Helper()
	typ, p, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var h mseHello
	if typ != websocket.MessageText || json.Unmarshal(p, &h) != nil {
		t.Fatalf("first message %v %q, want the JSON hello", typ, p)
	}
	return h
}

func TestMSEStreamsTheGrantedCamera(t *testing.T) {
	t.Parallel()
	m := newMSEFixture(t, 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, tc := range []struct {
		user string
		cam  nvr.Camera
	}{{"vic", m.camA1}, {"ana", m.camA2}, {"bea", m.camB1}} {
		t.Run(tc.user+"/"+tc.cam.Name, func(t *testing.T) {
			c, _, err := m.dial(ctx, tc.cam.ID, cookieHeader(m.login(tc.user)))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			hello := readHello(t, ctx, c)
			if hello.Camera != string(tc.cam.ID) || !strings.HasPrefix(hello.Codec, "avc1.") || len(hello.Codec) != len("avc1.42c01e") {
				t.Fatalf("hello %+v", hello)
			}
			typ, p, err := c.Read(ctx)
			if err != nil || typ != websocket.MessageBinary {
				t.Fatalf("init: %v %v", typ, err)
			}
			var in fmp4.Init
			if err := in.Unmarshal(bytes.NewReader(p)); err != nil || len(in.Tracks) != 1 {
				t.Fatalf("init does not parse: %v", err)
			}
			var last uint64
			for i := range 12 {
				typ, p, err := c.Read(ctx)
				if err != nil || typ != websocket.MessageBinary {
					t.Fatalf("fragment %d: %v %v", i, typ, err)
				}
				var parts fmp4.Parts
				if err := parts.Unmarshal(p); err != nil {
					t.Fatalf("fragment %d does not parse: %v", i, err)
				}
				tr := parts[0].Tracks[0]
				var au h264.AVCC
				if err := au.Unmarshal(tr.Samples[0].Payload); err != nil {
					t.Fatal(err)
				}
				st, ok := sei.Find(au)
				if !ok || st.CameraID != string(tc.cam.ID) {
					t.Fatalf("fragment %d carries camera %q, asked for %s", i, st.CameraID, tc.cam.ID)
				}
				if i == 0 && tr.Samples[0].IsNonSyncSample {
					t.Fatal("the first fragment is not a keyframe")
				}
				if i > 0 && tr.BaseTime <= last {
					t.Fatalf("fragment %d at %d after %d", i, tr.BaseTime, last)
				}
				last = tr.BaseTime
			}
		})
	}
}

func TestMSERevocation(t *testing.T) {
	t.Parallel()
	m := newMSEFixture(t, 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := m.dial(ctx, m.camA1.ID, cookieHeader(m.login("vic")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	readHello(t, ctx, c)
	for range 5 { // init and a few fragments: the session is live
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := nvrtest.Operator(m.dir).UnassignCamera(ctx, m.viewerA.ID, m.camA1.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue // frames in flight
		}
		clocktest.Promptly(t, "the session ended", time.Since(revoked), time.Second)
		if s := websocket.CloseStatus(err); s != websocket.StatusPolicyViolation {
			t.Fatalf("closed with %v (%v), want policy violation", s, err)
		}
		t.Logf("session closed %v after the revocation", time.Since(revoked))
		break
	}
	// The audit row: who, which camera, start, end, bytes.
	var entry nvr.AuditEntry
	waitUntil(t, 5*time.Second, "the session's audit row", func() bool {
		rows, err := m.store.Audit(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rows {
			if e.Result == "ended" && strings.Contains(e.Detail, "session=mse") {
				entry = e
				return true
			}
		}
		return false
	})
	if entry.UserID != m.viewerA.ID || entry.CameraID != m.camA1.ID || !strings.Contains(entry.Detail, "reason=revoked") ||
		strings.Contains(entry.Detail, "bytes=0 ") || !strings.Contains(entry.Detail, "start=") || !strings.Contains(entry.Detail, "end=") {
		t.Fatalf("audit row %+v", entry)
	}
	// And a new session is refused.
	if _, resp, err := m.dial(ctx, m.camA1.ID, cookieHeader(m.login("vic"))); err == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("after revocation: %v", err)
	}
}

// TestMSEStalledViewer: a viewer that stops reading neither slows the hub
// nor the other viewers.
func TestMSEStalledViewer(t *testing.T) {
	t.Parallel()
	m := newMSEFixture(t, 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stalled, _, err := m.dial(ctx, m.camA1.ID, cookieHeader(m.login("ana")))
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow() // never read
	c, _, err := m.dial(ctx, m.camA1.ID, cookieHeader(m.login("vic")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	readHello(t, ctx, c)
	h := m.live.hubs[m.camA1.ID]
	before := h.Stats().Units
	start := time.Now()
	n := 0
	for time.Since(start) < 1500*time.Millisecond {
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
		n++
	}
	published := h.Stats().Units - before
	// The publisher (ingest) went on, and the reading viewer kept up.
	if published < 10 || uint64(n) < published*8/10 {
		t.Fatalf("in 1.5 s: %d units published, the reading viewer got %d messages", published, n)
	}
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
