package webrtc_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// newEngine is an engine on a free loopback port, closed with the test.
func newEngine(t testing.TB) *webrtc.Engine {
	t.Helper()
	e, err := webrtc.Listen(webrtc.Config{IPFilter: webrtc.LoopbackOnly})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

// feed is a real hub fed by a simulated camera (no RTSP in between).
type feed struct {
	hub       *hub.Hub
	cam       *simcam.Camera
	published atomic.Int64
	// lastPublish is the wall time of each published unit, for latency.
	mu   sync.Mutex
	pubs map[uint64]time.Time // SEI frame counter → publish time
}

// startFeed publishes id's frames at fps until the test ends.
func startFeed(t testing.TB, id string, fps, gop int) *feed {
	t.Helper()
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: id, Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: fps, GOP: gop})
	if err != nil {
		t.Fatal(err)
	}
	f := &feed{hub: hub.New(id, hub.Options{}), cam: cam, pubs: map[uint64]time.Time{}}
	info := &media.StreamInfo{CameraID: id, Stream: "main", Tracks: []media.Track{{
		Codec: media.H264, ClockRate: media.VideoClockRate, Width: simcam.MinWidth, Height: simcam.MinHeight,
		FPS: float64(fps), SPS: cam.SPS(), PPS: cam.PPS()}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done; f.hub.Close() })
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second / time.Duration(fps))
		defer tick.Stop()
		for {
			au, err := cam.Next()
			if err != nil {
				return
			}
			pts := int64(au.PTS * media.VideoClockRate / time.Second)
			now := time.Now()
			f.mu.Lock()
			f.pubs[au.Frame] = now
			f.mu.Unlock()
			f.hub.Publish(&media.Unit{Info: info, PTS: pts, DTS: pts, Wall: au.Time, Key: au.IDR, NALUs: au.NALUs})
			f.published.Add(1)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return f
}

// waitInfo waits until the hub has its first unit.
func (f *feed) waitInfo(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.hub.Info() == nil || f.hub.Keyframe() == nil {
		if time.Now().After(deadline) {
			t.Fatal("feed produced no keyframe")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// connect negotiates a session for src with a fresh client.
func connect(t testing.TB, e *webrtc.Engine, src webrtc.Source, opts webrtctest.Options, cfg webrtc.SessionConfig) (*webrtctest.Client, *webrtc.Session) {
	t.Helper()
	c, err := webrtctest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	offer, err := c.Offer()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Offer, cfg.Source = offer, src
	s, answer, err := e.NewSession(context.Background(), cfg)
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	t.Cleanup(s.Close)
	if err := c.Answer(answer); err != nil {
		t.Fatal(err)
	}
	return c, s
}
