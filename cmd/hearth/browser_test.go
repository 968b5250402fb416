package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// hostileName is a camera name that would run script if rendered as markup.
const hostileName = `<img src=x onerror=alert(1)>`

// browserSite is two households with simulated cameras: Alpha (owner ana,
// viewer vic; two cameras, one with a hostile name) and Beta (owner bea).
type browserSite struct {
	data    string
	alpha   []string // camera IDs of Alpha
	beta    []string
	trigger string // ana's trigger token (POST /api/cameras/{id}/events)
}

func newBrowserSite(t *testing.T) *browserSite {
	t.Helper()
	s := &browserSite{data: t.TempDir()}
	for _, h := range []string{"Alpha", "Beta"} {
		mustCLI(t, "", "household", "add", h, "--data", s.data)
	}
	mustCLI(t, sitePassword+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", s.data)
	mustCLI(t, sitePassword+"\n", "user", "add", "vic", "--household", "Alpha", "--role", "viewer", "--data", s.data)
	mustCLI(t, sitePassword+"\n", "user", "add", "bea", "--household", "Beta", "--role", "owner", "--data", s.data)
	mustCLI(t, sitePassword+"\n", "user", "add", "root", "--admin", "--data", s.data)
	s.alpha = []string{
		addCamera(t, s.data, "Alpha", "Front door", "rtsp://127.0.0.1:9/unset"),
		addCamera(t, s.data, "Alpha", hostileName, "rtsp://127.0.0.1:9/unset"),
	}
	s.beta = []string{addCamera(t, s.data, "Beta", "Beta porch", "rtsp://127.0.0.1:9/unset")}
	all := append(slices.Clone(s.alpha), s.beta...)
	var cfgs []simcam.CameraConfig
	for _, id := range all {
		cfgs = append(cfgs, simcam.CameraConfig{ID: id, FPS: 10, GOP: 10, Width: simcam.MinWidth, Height: simcam.MinHeight})
	}
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: cfgs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sim.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for i, id := range all {
		mustCLI(t, "", "camera", "edit", id, "--main", sim.URL(i+1), "--data", s.data)
	}
	mustCLI(t, "", "user", "assign", "vic", s.alpha[0], "--data", s.data)
	s.trigger = strings.TrimSpace(mustCLI(t, "", "token", "create", "--user", "ana", "--scope", "trigger", "--name", "doorbell", "--data", s.data))
	return s
}

// screenshotDir is where the UI screenshots go: $HEARTH_SCREENSHOTS, or a
// fresh directory under the system temp dir that outlives the test.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("HEARTH_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "hearth-ui-screenshots-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// do runs chromedp actions with a bound.
func do(t *testing.T, b *browsertest.Browser, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), browsertest.Timeout)
	defer cancel()
	for i, a := range actions {
		if err := chromedp.Do(ctx, a); err != nil {
			html, _ := browsertest.Eval[string](b, `location.href + "\n" + document.body.innerText.slice(0, 600)`)
			t.Fatalf("browser step %d: %v; page: %s", i, err, html)
		}
	}
}

// overflowJS names the elements that stick out past the viewport's right
// edge, or "" when the page fits its width.
const overflowJS = `(() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w) return "";
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.right > w + 1) out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right));
  }
  return "scrollWidth " + document.documentElement.scrollWidth + ": " + out.slice(0, 6).join(", ");
})()`

// dark switches the emulated prefers-color-scheme.
func dark(t *testing.T, b *browsertest.Browser, on bool) {
	t.Helper()
	f := &emulation.MediaFeature{Name: "prefers-color-scheme", Value: "light"}
	if on {
		f.Value = "dark"
	}
	if _, err := chromedp.Call(b.Context(), emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{f}}); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, b *browsertest.Browser, js string) T {
	t.Helper()
	v, err := browsertest.Eval[T](b, js)
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func browserLogin(t *testing.T, b *browsertest.Browser, base, user string) {
	t.Helper()
	do(t, b,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), user),
		chromedp.SetValue(chromedp.CSS(`#password`), sitePassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
	)
}

func tileIDs(t *testing.T, b *browsertest.Browser) []string {
	t.Helper()
	ids := eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="tile"]')].map(e => e.dataset.cameraId)`)
	slices.Sort(ids)
	return ids
}

// waitDecodedID polls the <video> matched by selector until a decoded frame
// carries a readable camera ID, and returns it.
func waitDecodedID(t *testing.T, b *browsertest.Browser, selector string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		f, err := b.VideoFrame(selector)
		if err == nil {
			id, _, perr := simcam.ReadPattern(f.Luma, f.Width, f.Height, f.Width)
			if perr == nil {
				return id
			}
			err = perr
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	state, _ := browsertest.Eval[string](b, fmt.Sprintf(`(() => { const v = document.querySelector(%q); if (!v) return "no element";
  const p = v.closest('[data-player]'); return "readyState " + v.readyState + ", transport " + (v.dataset.transport || "-") +
  ", player " + (p ? p.dataset.player : "-") + ", size " + v.videoWidth + "x" + v.videoHeight; })()`, selector))
	t.Fatalf("%s: no camera ID decoded within %v: %v (%s)", selector, limit, last, state)
	return ""
}

// waitText polls until the element matched by selector has text, and
// returns it.
func waitText(t *testing.T, b *browsertest.Browser, selector string, limit time.Duration) string {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.textContent.trim() : ""; })()`, selector)
	deadline := time.Now().Add(limit)
	for {
		s, err := browsertest.Eval[string](b, js)
		if err == nil && s != "" && !strings.HasSuffix(s, "…") {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no text within %v (%v)", selector, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserUI drives the web UI of the real binary in headless Chromium:
// sign in through the form, see exactly the household's tiles (the hostile
// camera name as text) each decoding its own camera's ID over WebRTC, play
// recorded footage over WebRTC from a click on the timeline (from the
// clicked time, at 4×, paused and resumed), play an event's clip from the
// Events page, change a viewer's access, sign out; a user of the other
// household sees only theirs. Screenshots at 375 and 1280 px, light and
// dark.
func TestBrowserUI(t *testing.T) {
	t.Parallel()
	b := browsertest.Start(t)
	site := newBrowserSite(t)
	start := time.Now()
	srv := startServer(t, site.data, "--webrtc-ice", "loopback")
	waitRecorded(t, site.data, site.alpha[:1], start, 4*time.Second, 30*time.Second)

	// A doorbell rings on the first camera: an event to open later.
	trig := newClient(t, srv.url)
	if code, body := trig.call("POST", "/api/cameras/"+site.alpha[0]+"/events", `{"label":"doorbell","duration_s":2}`,
		"Authorization", "Bearer "+site.trigger); code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}

	var dialogs atomic.Int32
	if err := chromedp.Listen(b.Context(), func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	shots := screenshotDir(t)
	t.Logf("UI screenshots in %s", shots)
	shot := func(name string, width, height int64) {
		t.Helper()
		do(t, b, chromedp.EmulateViewport(width, height))
		time.Sleep(200 * time.Millisecond) // let the layout settle before the picture; not a synchronisation
		if err := b.Screenshot(filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, width))); err != nil {
			t.Fatal(err)
		}
		// Responsive: nothing widens the page past the viewport (a wide
		// table scrolls inside its card).
		if over := eval[string](t, b, overflowJS); over != "" {
			t.Errorf("%s at %d px: the page scrolls sideways: %s", name, width, over)
		}
	}

	// Signed out, every page leads to the login form.
	browserLogin(t, b, srv.url, "ana")
	want := slices.Sorted(slices.Values(site.alpha))
	if got := tileIDs(t, b); !slices.Equal(got, want) {
		t.Fatalf("ana's tiles = %v, want %v", got, want)
	}
	names := eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="tile-link"]')].map(e => e.textContent)`)
	if !slices.Contains(names, hostileName) || eval[int](t, b, `document.querySelectorAll('img, [onerror]').length`) != 0 {
		t.Fatalf("hostile camera name: tiles %q", names)
	}
	// Each tile decodes its own camera over WebRTC through the binary.
	for _, id := range want {
		sel := fmt.Sprintf(`[data-testid="tile"][data-camera-id="%s"] video`, id)
		if got := waitDecodedID(t, b, sel, 20*time.Second); got != id {
			t.Fatalf("tile of camera %s decodes camera %s", id, got)
		}
		if tr := eval[string](t, b, fmt.Sprintf(`document.querySelector(%q).dataset.transport`, sel)); tr != "webrtc" {
			t.Fatalf("tile of camera %s plays over %q, want webrtc", id, tr)
		}
	}
	shot("grid", 375, 812)
	shot("grid", 1280, 800)
	dark(t, b, true)
	shot("grid-dark", 1280, 800)
	dark(t, b, false)

	// The camera page: a click on the timeline plays the recording over
	// WebRTC from that time; 4×, pause and resume over the data channel.
	// (The footage must outlast the checks at 4×: recorded playback ends at
	// the end of what is written, and from the start of 30 s it catches up
	// after 10 s; with 20 s, a slow first frame under load once left the 4×
	// window at the live edge, measuring 2.4×.)
	cam := site.alpha[0]
	waitRecorded(t, site.data, []string{cam}, start, 30*time.Second, 60*time.Second)
	checkTimelinePlayback(t, b, srv, cam)
	shot("camera", 375, 812)
	shot("camera", 1280, 800)

	// The keyboard: End + Enter seeks the same session to the latest
	// stretch, still this camera.
	do(t, b, chromedp.Focus(chromedp.CSS(`[data-timeline]`)), chromedp.KeyEvent(kb.End), chromedp.KeyEvent(kb.Enter))
	if id := waitDecodedID(t, b, `[data-playback]`, 20*time.Second); id != cam {
		t.Fatalf("recorded playback shows camera %q, want %q", id, cam)
	}

	// The owner gives the viewer the second camera.
	vic := newClient(t, srv.url)
	vic.login("vic", sitePassword)
	if got := vic.cameraNames(); !slices.Equal(got, []string{"Front door"}) {
		t.Fatalf("vic before: %v", got)
	}
	box := fmt.Sprintf(`[data-testid="access-box"][data-camera-id="%s"]`, site.alpha[1])
	do(t, b,
		chromedp.Navigate(srv.url+"/settings/people"),
		chromedp.WaitVisible(chromedp.CSS(box)),
		chromedp.Click(chromedp.CSS(box)),
	)
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(vic.cameraNames(), hostileName) {
		if time.Now().After(deadline) {
			t.Fatalf("vic never got the second camera: %v", vic.cameraNames())
		}
		time.Sleep(100 * time.Millisecond)
	}
	shot("people", 375, 812)

	// An API token made in the browser (a JSON call through settings.js,
	// same-origin) is shown once and works.
	do(t, b,
		chromedp.Navigate(srv.url+"/settings/account"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="token-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#tok-name`), "automation"),
		chromedp.Click(chromedp.CSS(`[data-testid="token-form"] button[type="submit"]`)),
	)
	token := waitText(t, b, `[data-testid="token-output"]`, 10*time.Second)
	tc := newClient(t, srv.url)
	if code, _ := tc.call("GET", "/api/cameras", "", "Authorization", "Bearer "+token); code != 200 {
		t.Fatalf("token from the browser: %d", code)
	}
	shot("settings-account", 1280, 800)

	// The events page lists the doorbell; its clip plays in the page and
	// shows the camera it rang on.
	do(t, b,
		chromedp.Navigate(srv.url+"/events?kind=trigger"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="event-card"]`)),
	)
	if title := waitText(t, b, `[data-testid="event-card"] .event-title`, 5*time.Second); !strings.Contains(title, "doorbell") {
		t.Fatalf("event card: %q", title)
	}
	shot("events", 375, 812)
	do(t, b, chromedp.Click(chromedp.CSS(`[data-testid="event-play"]`)))
	if id := waitDecodedID(t, b, `[data-testid="event-video"]`, 20*time.Second); id != cam {
		t.Fatalf("event clip shows camera %q, want %q", id, cam)
	}
	// Download (a phone's player has none of its own) gets the same clip.
	if got := eval[string](t, b, `(async () => { const a = document.querySelector('[data-testid="event-download"]');
		const r = await fetch(a.href); const n = (await r.arrayBuffer()).byteLength;
		return [a.href === document.querySelector('[data-testid="event-video"]').src, a.getAttribute('download').endsWith('.mp4'), r.status, r.headers.get('Content-Type'), n > 1000].join(' '); })()`); got != "true true 200 video/mp4 true" {
		t.Fatalf("the clip's Download: %q", got)
	}
	dark(t, b, true)
	shot("event-clip-dark", 375, 812)
	dark(t, b, false)

	// Sign out: back to the login form, and the grid is gone.
	do(t, b,
		chromedp.Navigate(srv.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="logout-form"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.Navigate(srv.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	)
	shot("login", 375, 812)

	// The other household sees only its own camera.
	browserLogin(t, b, srv.url, "bea")
	if got := tileIDs(t, b); !slices.Equal(got, site.beta) {
		t.Fatalf("bea's tiles = %v, want %v", got, site.beta)
	}
	if n := dialogs.Load(); n != 0 {
		t.Fatalf("%d script dialogs opened", n)
	}
	if body := eval[string](t, b, `document.body.innerText`); strings.Contains(body, "Front door") {
		t.Fatalf("bea sees Alpha's camera")
	}

	// The appliance admin's system page: storage used, free and the
	// estimated retention in days; CPU, memory and every camera's state.
	do(t, b,
		chromedp.Click(chromedp.CSS(`[data-testid="logout-form"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	)
	browserLogin(t, b, srv.url, "root")
	do(t, b,
		chromedp.Navigate(srv.url+"/settings/admin/system"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="storage"]`)),
	)
	// Usage is measured by retention passes (at start, before anything was
	// recorded, then hourly): an approved pass runs one now.
	admin := newClient(t, srv.url)
	admin.login("root", sitePassword)
	if code, body := admin.call("POST", "/api/admin/storage/approve", ""); code != 202 {
		t.Fatalf("approve a pass: %d %s", code, body)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		do(t, b, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="storage"]`)))
		if strings.Contains(eval[string](t, b, `document.querySelector('[data-testid="storage-retention"]').textContent`), "days") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retention estimate in days: %s", eval[string](t, b, `document.querySelector('[data-testid="storage"]').innerText`))
		}
	}
	for _, id := range []string{"storage-used", "storage-free", "storage-retention", "health-cpu", "health-memory"} {
		t.Logf("system page %s: %s", id, waitText(t, b, `[data-testid="`+id+`"]`, 5*time.Second))
	}
	if n := eval[int](t, b, `document.querySelectorAll('[data-testid="health-camera"]').length`); n != len(site.alpha)+len(site.beta) {
		t.Fatalf("system page lists %d cameras, want %d", n, len(site.alpha)+len(site.beta))
	}
	shot("system", 1280, 800)
	dark(t, b, true)
	shot("system-dark", 375, 812)
	dark(t, b, false)
}
