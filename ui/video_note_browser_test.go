package ui

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/testpeer"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// h265Picture is one H.265 IDR picture made by ffmpeg's libx265: its
// parameter sets and the picture's NAL units (parameter sets first).
func h265Picture(t *testing.T) (vps, sps, pps []byte, nalus [][]byte) {
	t.Helper()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), "one.hevc")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10",
		"-frames:v", "1", "-c:v", "libx265", "-x265-params", "log-level=error", "-f", "hevc", path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg libx265: %v: %s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range bytes.Split(data, []byte{0, 0, 1}) {
		n = bytes.TrimRight(n, "\x00") // a 4-byte start code's leading zero
		if len(n) < 2 {
			continue
		}
		switch n[0] >> 1 & 0x3f {
		case 32:
			vps = n
		case 33:
			sps = n
		case 34:
			pps = n
		}
		nalus = append(nalus, n)
	}
	if vps == nil || sps == nil || pps == nil {
		t.Fatalf("no parameter sets in %d NAL units", len(nalus))
	}
	return vps, sps, pps, nalus
}

// TestBrowserVideoNoteH265: a camera that sends H.265 in a Chromium that
// offers no H.265 over WebRTC: the camera page says, as text, why there is
// no picture (the server's refusal), instead of retrying in silence.
func TestBrowserVideoNoteH265(t *testing.T) {
	t.Parallel()
	vps, sps, pps, nalus := h265Picture(t)
	b := browsertest.Start(t)
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	id := string(f.camB1.ID)
	h := hub.New(id, hub.Options{})
	t.Cleanup(h.Close)
	info := &media.StreamInfo{CameraID: id, Stream: "main", Tracks: []media.Track{
		{Codec: media.H265, ClockRate: media.VideoClockRate, Width: 320, Height: 240, FPS: 10, VPS: vps, SPS: sps, PPS: pps},
	}}
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for n := int64(0); ; n++ {
			// The same IDR picture again and again: a valid stream.
			h.Publish(&media.Unit{Info: info, PTS: n * 9000, DTS: n * 9000, Wall: time.Now(), Key: true, NALUs: nalus})
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})

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
	f.srv = NewServer(Config{}, Deps{Policy: policy, Auth: auth, Directory: f.dir, Now: f.clock, Live: aacHubs{h},
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
		chromedp.Navigate(f.ts.URL+"/cameras/"+id),
	)
	var note string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		note, err = browsertest.Eval[string](b, `(() => { const n = document.querySelector('[data-testid="video-note"]'); return n && !n.hidden ? n.textContent : ''; })()`)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(note, "over MSE") || time.Now().After(deadline) {
			break // the MSE fallback was tried too (or the time is up)
		}
	}
	if !strings.Contains(note, "No picture in this browser") || !strings.Contains(note, "H.265") {
		t.Fatalf("video note %q; want it to say this browser gets no H.265 picture", note)
	}
	t.Logf("video note: %q", note)
}
