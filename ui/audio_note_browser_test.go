package ui

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// aacHubs serves one hub, of a camera that sends H.264 and AAC, for every
// granted camera.
type aacHubs struct{ h *hub.Hub }

func (a aacHubs) Hub(g nvr.CameraGrant, stream string) (*hub.Hub, error) {
	if stream != "main" || string(g.CameraID()) != a.h.CameraID() {
		return nil, nvr.Errorf("hub", nvr.KindNotFound, "no such stream")
	}
	return a.h, nil
}

// feedAAC publishes the simulated camera's pictures and silent AAC frames
// into h until ctx ends.
func feedAAC(ctx context.Context, t *testing.T, h *hub.Hub, id string) {
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: id, Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 10, GOP: 10})
	if err != nil {
		t.Error(err)
		return
	}
	info := &media.StreamInfo{CameraID: id, Stream: "main", Tracks: []media.Track{
		{Codec: media.H264, ClockRate: media.VideoClockRate, Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 10, SPS: cam.SPS(), PPS: cam.PPS()},
		{Codec: media.AAC, ClockRate: 16000, Channels: 1, SampleRate: 16000, AACConfig: []byte{0x14, 0x08}},
	}}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		au, err := cam.Next()
		if err != nil {
			t.Error(err)
			return
		}
		pts := int64(au.PTS) * media.VideoClockRate / int64(time.Second)
		h.Publish(&media.Unit{Info: info, Track: 0, PTS: pts, DTS: pts, Wall: au.Time, Key: au.IDR, NALUs: au.NALUs})
		apts := int64(au.PTS) * 16000 / int64(time.Second)
		h.Publish(&media.Unit{Info: info, Track: 1, PTS: apts, DTS: apts, Wall: au.Time, Payload: [][]byte{{0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c}}})
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// TestBrowserAudioNoteAAC: a camera whose audio is AAC plays its picture
// live in Chromium, and the tile and the camera page say, as text, that its
// AAC audio is not sent over WebRTC (the WHEP answer's Hearth-Audio-Note).
func TestBrowserAudioNoteAAC(t *testing.T) {
	t.Parallel()
	b := browsertest.Start(t)
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	id := string(f.camB1.ID)
	h := hub.New(id, hub.Options{})
	t.Cleanup(h.Close)
	wg.Go(func() { feedAAC(ctx, t, h, id) })

	engine, err := webrtc.Listen(webrtc.Config{IPFilter: webrtc.LoopbackOnly})
	if err != nil {
		t.Fatal(err)
	}
	policy := nvr.NewPolicy(f.store, f.clock, nil)
	sessions := view.NewLiveSessions(policy, view.LiveConfig{Now: f.clock})
	auth := nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock})
	wg.Go(func() { _ = sessions.Run(ctx) })
	wg.Go(func() { _ = engine.Run(ctx) })
	f.ts.Close()
	f.srv = NewServer(Config{}, Deps{Policy: policy, Auth: auth, Directory: f.dir, Now: f.clock,
		WebRTC: WebRTCLive{Engine: engine, Hubs: aacHubs{h}, Sessions: sessions}})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)

	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), "bea"),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
	)
	for _, page := range []struct{ path, video string }{
		{"/", `[data-testid="tile"] video`},
		{"/cameras/" + id, `[data-testid="camera-live"]`},
	} {
		browse(t, b, chromedp.Navigate(f.ts.URL+page.path))
		if got := decodedCameraID(t, b, page.video, 20*time.Second); got != id {
			t.Fatalf("%s shows camera %q, want %q", page.path, got, id)
		}
		var note string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			note, err = browsertest.Eval[string](b, `(() => { const n = document.querySelector('[data-testid="audio-note"]'); return n && !n.hidden ? n.textContent : ''; })()`)
			if err != nil {
				t.Fatal(err)
			}
			if note != "" || time.Now().After(deadline) {
				break
			}
		}
		if !strings.Contains(note, "AAC audio is not sent: browsers do not play AAC over WebRTC") {
			t.Fatalf("%s: audio note %q", page.path, note)
		}
	}
}
