package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
	"github.com/hearthnvr/hearth/streams/thumbnail"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// testThumbnailer makes pictures as the binary's adapter does
// (cmd/hearth/eventmedia.go): a JPEG with ffmpeg, else a one-frame MP4.
type testThumbnailer struct{ ffmpeg string }

var _ events.Thumbnailer = testThumbnailer{}

func (m testThumbnailer) Thumbnail(ctx context.Context, key *media.Unit) ([]byte, string, error) {
	if m.ffmpeg != "" {
		b, err := thumbnail.JPEG(ctx, m.ffmpeg, key, 640)
		return b, nvr.ThumbJPEG, err
	}
	b, err := thumbnail.MP4(key)
	return b, nvr.ThumbMP4, err
}

// newSnapshotFixture is the fixture with camera A1 streaming from a
// simulated camera through a real Ingest, and Events making its pictures.
// It returns once the camera's snapshot answers.
func newSnapshotFixture(t *testing.T) (*fixture, string) {
	t.Helper()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: []simcam.CameraConfig{
		{ID: string(f.camA1.ID), Width: 640, Height: 368, FPS: 10, GOP: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	u := sim.URL(1)
	localOK := true // the admin points it at the simulator on loopback
	if _, err := nvrtest.Operator(f.dir).EditCamera(ctx, f.camA1.ID, nvr.CameraChanges{MainURL: &u, LocalOK: &localOK}); err != nil {
		t.Fatal(err)
	}
	// Only camera A1 streams: the others are disabled, so nothing dials
	// their (documentation-range) addresses.
	off := false
	for _, c := range []nvr.Camera{f.camA2, f.camB1} {
		if _, err := nvrtest.Operator(f.dir).EditCamera(ctx, c.ID, nvr.CameraChanges{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
	}
	ing := ingest.NewIngest(ingest.IngestConfig{Cameras: f.store, StaggerWindow: 10 * time.Millisecond, Poll: 100 * time.Millisecond})
	ffmpeg, _ := exec.LookPath("ffmpeg")
	policy := nvr.NewPolicy(f.store, f.clock, nil)
	auth := nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock})
	evs := events.NewEvents(events.EventsConfig{Store: f.store, Policy: policy, Cameras: f.store, Ingest: ing,
		DataDir: f.dataDir, Thumbnailer: testThumbnailer{ffmpeg: ffmpeg}, Now: f.clock})
	f.ts.Close()
	f.events = evs
	f.srv = NewServer(Config{}, Deps{Policy: policy, Auth: auth, Directory: f.dir, Events: evs,
		Reviews: nvr.NewReviews(f.store, policy, f.clock), Now: f.clock})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
	wg.Go(func() { _ = sim.Run(ctx) })
	wg.Go(func() { _ = ing.Run(ctx) })

	ana := f.login("ana")
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := f.get("/api/cameras/"+string(f.camA1.ID)+"/snapshot", ana)
		if r.StatusCode == http.StatusOK {
			return f, ffmpeg
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot within 20 s: %d %s", r.StatusCode, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCameraSnapshotShowsItsCamera: the snapshot route serves the granted
// camera's own current picture (its ID read back from the JPEG's pixels),
// never stored, and only to who may watch the camera.
func TestCameraSnapshotShowsItsCamera(t *testing.T) {
	t.Parallel()
	f, ffmpeg := newSnapshotFixture(t)
	if ffmpeg == "" {
		testpeer.Missing(t, "ffmpeg missing: snapshots are one-frame MP4s here")
	}
	path := "/api/cameras/" + string(f.camA1.ID) + "/snapshot"
	for _, user := range []string{"ana", "vic"} {
		r := f.get(path, f.login(user))
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != nvr.ThumbJPEG || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: %d %q %q", user, r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"))
		}
		img, err := jpeg.Decode(strings.NewReader(r.body))
		if err != nil {
			t.Fatalf("%s: decode: %v", user, err)
		}
		y, ok := img.(*image.YCbCr)
		if !ok {
			t.Fatalf("%s: JPEG of %T", user, img)
		}
		b := y.Bounds()
		id, _, err := simcam.ReadPattern(y.Y, b.Dx(), b.Dy(), y.YStride)
		if err != nil || id != string(f.camA1.ID) {
			t.Fatalf("%s: picture of camera %q (%v), want %s", user, id, err, f.camA1.ID)
		}
	}
	// A member watches every camera of the household; another household's
	// owner, and the appliance admin (who configures cameras but watches
	// none), get the 404 of a camera that does not exist, and no picture.
	for user, want := range map[string]int{"mo": http.StatusOK, "bea": http.StatusNotFound, "root": http.StatusNotFound} {
		r := f.get(path, f.login(user))
		if r.StatusCode != want || (want == http.StatusNotFound && bytes.HasPrefix([]byte(r.body), []byte{0xff, 0xd8})) {
			t.Fatalf("%s: %d, want %d", user, r.StatusCode, want)
		}
	}
}

// TestBrowserZoneEditor draws a triangle zone on the camera's picture in
// headless Chromium, with the page's own zones.js, saves the form and
// checks the stored zone holds the clicked points, normalized.
func TestBrowserZoneEditor(t *testing.T) {
	t.Parallel()
	f, _ := newSnapshotFixture(t)
	b := browsertest.Start(t)
	page := f.ts.URL + "/settings/cameras/" + string(f.camA1.ID)
	browse(t, b,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), "ana"),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="zone-overlay"]`)),
	)
	// The camera's picture is under the overlay (a JPEG in an <img>, or the
	// one-frame MP4 in a <video> where ffmpeg is missing).
	waitJS(t, b, `(() => { const i = document.querySelector('[data-zone-still]'), v = document.querySelector('[data-zone-video]');
		return (!i.hidden && i.complete && i.naturalWidth > 0) || (!v.hidden && v.readyState >= 2); })()`, 15*time.Second)

	browse(t, b, chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="zone-overlay"]`)))
	rect, err := browsertest.Eval[[]float64](b, `(() => { const r = document.querySelector('[data-testid="zone-overlay"]').getBoundingClientRect();
		return [r.left, r.top, r.width, r.height]; })()`)
	if err != nil || len(rect) != 4 || rect[2] < 100 || rect[3] < 50 {
		t.Fatalf("overlay rect %v: %v", rect, err)
	}
	want := [][2]float64{{0.2, 0.3}, {0.8, 0.35}, {0.45, 0.85}}
	for _, p := range want {
		browse(t, b, chromedp.MouseClickXY(rect[0]+p[0]*rect[2], rect[1]+p[1]*rect[3]))
	}
	if n, _ := browsertest.Eval[int](b, `document.querySelectorAll('[data-testid="zone-overlay"] .zone-point').length`); n != 3 {
		t.Fatalf("%d points drawn, want 3", n)
	}
	shots := screenshotDir(t)
	if err := b.Screenshot(filepath.Join(shots, "zone-editor-drawing-1280.png")); err != nil {
		t.Fatal(err)
	}
	browse(t, b,
		chromedp.SetValue(chromedp.CSS(`[data-testid="zone-name"]`), "driveway"),
		chromedp.Click(chromedp.CSS(`[data-testid="zone-add"]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid="detector"]`), "pixel"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="sensitivity"]`), "73"),
	)
	if n, _ := browsertest.Eval[int](b, `document.querySelectorAll('[data-testid="zone-item"]').length`); n != 1 {
		t.Fatalf("%d zones listed, want 1", n)
	}
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="detection-save"]`)))
	// The saved page is read again (it says which detector now runs).
	waitJS(t, b, `location.search === '?saved=detection' && document.querySelector('[data-testid="detection-result"]').textContent === 'Saved.'
		&& document.querySelector('[data-testid="detector-running"]') !== null
		&& document.querySelectorAll('[data-testid="zone-overlay"] polygon.zone-poly').length === 1`, 15*time.Second)

	d := storedDetection(t, f, f.camA1.ID)
	zs, err := d.ParsedZones()
	if err != nil || len(zs) != 1 || zs[0].Name != "driveway" || zs[0].Mask || len(zs[0].Polygon) != 3 {
		t.Fatalf("stored zones %s: %v", d.Zones, err)
	}
	for i, p := range zs[0].Polygon {
		if !approx(p[0], want[i][0]) || !approx(p[1], want[i][1]) {
			t.Fatalf("point %d stored as %v, clicked at %v (all: %s)", i, p, want[i], d.Zones)
		}
	}
	if d.Detector != nvr.DetectorPixel || d.Sensitivity != 73 || d.NoEvents {
		t.Fatalf("stored settings %+v", d)
	}
	t.Logf("stored zones: %s", d.Zones)

	// A value the server refuses, typed into the JSON field: its message
	// next to the form, the input kept, nothing stored.
	const bad = `[{"name":"far","polygon":[[0,0],[2,0],[1,1]]}]`
	if _, err := browsertest.Eval[bool](b, fmt.Sprintf(`(() => { const t = document.querySelector('[data-testid="zones-json"]');
		t.closest('details').open = true; t.value = %q; t.dispatchEvent(new Event('input')); return true; })()`, bad)); err != nil {
		t.Fatal(err)
	}
	if n, _ := browsertest.Eval[int](b, `document.querySelectorAll('[data-testid="zone-overlay"] polygon.zone-poly').length`); n != 1 {
		t.Fatalf("typed JSON drew %d zones, want 1", n)
	}
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="detection-save"]`)))
	waitJS(t, b, `(() => { const r = document.querySelector('[data-testid="detection-result"]');
		return r.classList.contains('error') && r.textContent.includes('Zone points must be within 0..1'); })()`, 10*time.Second)
	if v, _ := browsertest.Eval[string](b, `document.querySelector('[data-testid="zones-json"]').value`); v != bad {
		t.Fatalf("after the refused save the field holds %q, want the input", v)
	}
	if again := storedDetection(t, f, f.camA1.ID); again != d {
		t.Fatalf("refused save stored %+v", again)
	}
	// Delete in the list empties the field.
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="zone-item"] button`)))
	if v, _ := browsertest.Eval[string](b, `document.querySelector('[data-testid="zones-json"]').value`); v != "[]" {
		t.Fatalf("after delete the field holds %q", v)
	}

	// Reloaded, the page draws the stored zone; screenshots at phone and
	// desktop widths, light and dark.
	for _, shot := range []struct {
		width int64
		dark  bool
	}{{375, false}, {1280, false}, {375, true}, {1280, true}} {
		colorScheme(t, b, shot.dark)
		browse(t, b, chromedp.EmulateViewport(shot.width, 900), chromedp.Navigate(page),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="zone-overlay"] polygon.zone-poly`)))
		waitJS(t, b, `(() => { const i = document.querySelector('[data-zone-still]'), v = document.querySelector('[data-zone-video]');
			return (!i.hidden && i.naturalWidth > 0) || (!v.hidden && v.readyState >= 2); })()`, 15*time.Second)
		if over, _ := browsertest.Eval[string](b, `(() => { const w = document.documentElement.clientWidth;
			return document.documentElement.scrollWidth > w ? 'scrollWidth ' + document.documentElement.scrollWidth + ' > ' + w : ''; })()`); over != "" {
			t.Errorf("page wider than %d px: %s", shot.width, over)
		}
		browse(t, b, chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="detection"]`)))
		scheme := "light"
		if shot.dark {
			scheme = "dark"
		}
		if err := b.Screenshot(filepath.Join(shots, fmt.Sprintf("zone-editor-%d-%s.png", shot.width, scheme))); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("zone editor screenshots in %s", shots)
}

// waitJS polls a boolean expression until it holds, within limit.
func waitJS(t *testing.T, b *browsertest.Browser, js string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		ok, err := browsertest.Eval[bool](b, js)
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		time.Sleep(50 * time.Millisecond)
	}
	page, _ := browsertest.Eval[string](b, `document.body.innerText.slice(0, 600)`)
	t.Fatalf("not true within %v: %s (%v); page: %s", limit, js, last, page)
}

// screenshotDir is $HEARTH_SCREENSHOTS, or a new temporary directory that
// is kept for a look by eye.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HEARTH_SCREENSHOTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "hearth-ui-screenshots-"); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// colorScheme switches the emulated prefers-color-scheme.
func colorScheme(t *testing.T, b *browsertest.Browser, dark bool) {
	t.Helper()
	f := &emulation.MediaFeature{Name: "prefers-color-scheme", Value: "light"}
	if dark {
		f.Value = "dark"
	}
	if _, err := chromedp.Call(b.Context(), emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{f}}); err != nil {
		t.Fatal(err)
	}
}
