package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// browse runs chromedp actions with a bound.
func browse(t *testing.T, b *browsertest.Browser, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), browsertest.Timeout)
	defer cancel()
	for i, a := range actions {
		if err := chromedp.Do(ctx, a); err != nil {
			page, _ := browsertest.Eval[string](b, `location.href + "\n" + document.body.innerText.slice(0, 400)`)
			t.Fatalf("browser step %d: %v; page: %s", i, err, page)
		}
	}
}

// decodedCameraID polls the <video> matched by selector until its decoded
// picture carries a readable camera ID.
func decodedCameraID(t *testing.T, b *browsertest.Browser, selector string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		f, err := b.VideoFrame(selector)
		if err == nil {
			var id string
			if id, _, err = simcam.ReadPattern(f.Luma, f.Width, f.Height, f.Width); err == nil {
				return id
			}
		}
		if !errors.Is(err, browsertest.ErrNoFrame) {
			last = err
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: no camera ID decoded within %v: %v", selector, limit, last)
	return ""
}

// TestBrowserGridDecodesEachTile signs in through the login form in
// headless Chromium and checks that the live grid holds exactly household
// A's cameras and that each tile's <video>, played by the page's own
// player.js over WHEP, shows the picture of the camera the tile names; then
// the camera page plays the main stream of its camera.
func TestBrowserGridDecodesEachTile(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	b := browsertest.Start(t)
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), "ana"),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
	)
	ids, err := browsertest.Eval[[]string](b, `[...document.querySelectorAll('[data-testid="tile"]')].map(e => e.dataset.cameraId)`)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if want := []string{string(f.camA1.ID), string(f.camA2.ID)}; !slices.Equal(ids, sorted2(want)) {
		t.Fatalf("tiles = %v, want %v", ids, want)
	}
	for _, id := range ids {
		sel := fmt.Sprintf(`video[data-testid="tile-video"][data-camera-id="%s"]`, id)
		got := decodedCameraID(t, b, sel, 15*time.Second)
		if got != id {
			t.Fatalf("tile %s shows camera %s", id, got)
		}
		transport, _ := browsertest.Eval[string](b, fmt.Sprintf(`document.querySelector(%q).dataset.transport`, sel))
		t.Logf("tile %s decodes its own camera over %s", id, transport)
	}

	// Screenshots of the grid with live video, for a look by eye.
	dir := os.Getenv("HEARTH_SCREENSHOTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "hearth-ui-screenshots-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range []int64{375, 1280} {
		browse(t, b, chromedp.EmulateViewport(w, 800))
		for _, id := range ids { // the resized tiles show a frame again before the picture is taken
			decodedCameraID(t, b, fmt.Sprintf(`video[data-camera-id="%s"]`, id), 10*time.Second)
		}
		if err := b.Screenshot(filepath.Join(dir, fmt.Sprintf("live-grid-%d.png", w))); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("live grid screenshots in %s", dir)

	cam := string(f.camA2.ID)
	browse(t, b, chromedp.Navigate(f.ts.URL+"/cameras/"+cam), chromedp.WaitVisible(chromedp.CSS(`[data-testid="camera-live"]`)))
	if got := decodedCameraID(t, b, `[data-testid="camera-live"]`, 15*time.Second); got != cam {
		t.Fatalf("camera page shows camera %s, want %s", got, cam)
	}
}
