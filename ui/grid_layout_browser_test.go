package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// gridColumnsJS is the number of columns the grid lays out now.
const gridColumnsJS = `getComputedStyle(document.querySelector('[data-testid="grid"]')).gridTemplateColumns.split(' ').length`

// TestBrowserGridLayoutAndOpen: with two cameras at 1280 px the automatic
// layout fills the width with two columns of equal tiles; the layout
// control changes the column count and the choice survives a reload; a
// click on a tile's picture, or Enter on its name, opens its camera page;
// the full-screen button puts the tile in full screen.
func TestBrowserGridLayoutAndOpen(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(1280, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b, chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid-layout"]`)))

	cols := func(want int) {
		t.Helper()
		waitJS(t, b, fmt.Sprintf(`%s === %d`, gridColumnsJS, want), 10*time.Second)
	}
	cols(2) // auto: two cameras, a wide screen
	equal, err := browsertest.Eval[bool](b, `(() => { const h = [...document.querySelectorAll('[data-testid="tile"]')].map(e => e.getBoundingClientRect().height);
		return h.length === 2 && Math.abs(h[0] - h[1]) < 1 && h[0] > 250; })()`)
	if err != nil || !equal {
		t.Fatalf("auto layout: tiles not of equal, screen-filling height (%v)", err)
	}

	shots := screenshotDir(t)
	shot := func(name string) {
		t.Helper()
		waitJS(t, b, `[...document.querySelectorAll('[data-testid="tile"]')].every(e => e.dataset.player === 'playing')`, 15*time.Second)
		if err := b.Screenshot(filepath.Join(shots, "grid-layout-"+name+".png")); err != nil {
			t.Fatal(err)
		}
	}
	pick := func(layout string) {
		t.Helper()
		browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="grid-layout-`+layout+`"] + span`)))
	}
	pick("1")
	cols(1)
	browse(t, b, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid-layout"]`)))
	cols(1)
	waitJS(t, b, `document.querySelector('[data-testid="grid-layout-1"]').checked`, 5*time.Second)
	// One column fits its picture to the screen's height, not its width.
	fits, err := browsertest.Eval[bool](b, `document.querySelector('[data-testid="tile"]').getBoundingClientRect().bottom <= window.innerHeight`)
	if err != nil || !fits {
		t.Errorf("one-column tile taller than the screen (%v)", err)
	}
	shot("1-1280-light")
	pick("3")
	cols(3)
	colorScheme(t, b, true)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	cols(3) // a chosen layout holds on a phone too
	shot("3-375-dark")
	// Its small tiles keep the cameras' names whole ("Fro…" before).
	if cut := evalT[string](t, b, `[...document.querySelectorAll('[data-testid="tile-link"]')].filter(a => a.scrollWidth > a.clientWidth + 1 || a.scrollHeight > a.clientHeight + 1).map(a => a.textContent).join(', ')`); cut != "" {
		t.Errorf("3×3 at 375 px cuts the names %s", cut)
	}
	browse(t, b, chromedp.EmulateViewport(1280, 800))
	shot("3-1280-dark")
	colorScheme(t, b, false)
	pick("auto")
	cols(2)
	// Narrowed to a phone and widened again, auto follows the screen (the
	// room is the container's, not the grid's own narrowed width).
	browse(t, b, chromedp.EmulateViewport(375, 800))
	cols(1)
	browse(t, b, chromedp.EmulateViewport(1280, 800))
	cols(2)
	shot("auto-1280-light")

	// A click on the picture opens the camera page.
	cam := string(f.camA2.ID)
	browse(t, b, chromedp.Click(chromedp.CSS(fmt.Sprintf(`video[data-camera-id="%s"]`, cam))))
	waitJS(t, b, fmt.Sprintf(`location.pathname === "/cameras/%s" && !!document.querySelector('[data-testid="camera-page"]')`, cam), 10*time.Second)

	// Enter on a tile's name opens it too.
	other := string(f.camA1.ID)
	browse(t, b, chromedp.Navigate(f.ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
		chromedp.Focus(chromedp.CSS(fmt.Sprintf(`[data-camera-id="%s"] [data-testid="tile-link"]`, other))),
		chromedp.KeyEvent(kb.Enter))
	waitJS(t, b, fmt.Sprintf(`location.pathname === "/cameras/%s"`, other), 10*time.Second)

	// The full-screen button puts its tile in full screen.
	browse(t, b, chromedp.Navigate(f.ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="tile-fullscreen"]`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-camera-id="%s"] [data-testid="tile-fullscreen"]`, cam))))
	waitJS(t, b, fmt.Sprintf(`document.fullscreenElement && document.fullscreenElement.dataset.cameraId === "%s"`, cam), 10*time.Second)
	if path, _ := browsertest.Eval[string](b, `location.pathname`); path != "/" {
		t.Fatalf("full-screen button navigated to %s", path)
	}
	// A double click on another tile's picture takes it full screen
	// instead of opening its page.
	if _, err := browsertest.Eval[bool](b, `(document.exitFullscreen(), true)`); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, `!document.fullscreenElement`, 10*time.Second)
	browse(t, b, chromedp.DoubleClick(chromedp.CSS(fmt.Sprintf(`video[data-camera-id="%s"]`, other))))
	waitJS(t, b, fmt.Sprintf(`document.fullscreenElement && document.fullscreenElement.dataset.cameraId === "%s"`, other), 10*time.Second)
	time.Sleep(time.Second) // longer than the wait for a double click (400 ms): no navigation may follow
	if path, _ := browsertest.Eval[string](b, `location.pathname`); path != "/" {
		t.Fatalf("double click navigated to %s", path)
	}
}

// TestBrowserOfflineCameraSaysWhy points a camera at a closed loopback
// port: its tile and its camera page say in words that it is unreachable,
// what to check and when a picture was last seen (none since the new
// address: TestLiveStatusWords covers "since"), with no Go error chain, URL or address for
// a member; an owner has the raw detail behind a closed toggle. The status
// refresh redraws the same words. Screenshots at 375 and 1280 px, light and
// dark.
func TestBrowserOfflineCameraSaysWhy(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	ctx := context.Background()
	downHost := "127.0.0.1:" + closedPort(t)
	down := "rtsp://" + downHost + "/gone"
	localOK := true
	if _, err := nvrtest.Operator(f.dir).EditCamera(ctx, f.camA2.ID, nvr.CameraChanges{MainURL: &down, LocalOK: &localOK}); err != nil {
		t.Fatal(err)
	}
	owner := f.login("ana")
	deadline := time.Now().Add(20 * time.Second)
	for {
		var list struct{ Cameras []cameraResponse }
		if err := json.Unmarshal([]byte(f.get("/api/cameras", owner).body), &list); err != nil {
			t.Fatal(err)
		}
		var st cameraResponse
		for _, c := range list.Cameras {
			if c.ID == f.camA2.ID {
				st = c
			}
		}
		if st.State == "unreachable" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("camera never unreachable: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}

	b := browsertest.Start(t)
	cam := string(f.camA2.ID)
	panel := fmt.Sprintf(`[data-status-for="%s"][data-status-part="panel"]`, cam)
	words := func(where string) {
		t.Helper()
		waitJS(t, b, fmt.Sprintf(`(() => { const p = document.querySelector(%q); return !!p && p.offsetParent !== null && getComputedStyle(p).display !== 'none'
			&& p.innerText.includes('Camera unreachable') && p.innerText.includes('Check its power and network') && /No picture (yet|since \d\d:\d\d)/.test(p.innerText); })()`, panel), 15*time.Second)
		text, err := browsertest.Eval[string](b, `document.body.innerText`)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{"dial tcp", "rtsp://", "127.0.0.1", "connection refused", "unreachable ("} {
			if strings.Contains(text, raw) {
				t.Errorf("%s shows %q: %s", where, raw, text)
			}
		}
	}

	// A member: the words, and no raw detail anywhere in the page.
	browse(t, b, chromedp.EmulateViewport(1280, 800))
	browserLogin(t, b, f.ts.URL, "mo")
	words("member's grid")
	// The camera's own address, not any loopback address: a player that
	// fell back to MSE under load has a blob:http://127.0.0.1:… source.
	html, _ := browsertest.Eval[string](b, `document.documentElement.outerHTML`)
	for _, raw := range []string{downHost, "/gone", "status-detail", "connection refused"} {
		if strings.Contains(html, raw) {
			t.Errorf("member's grid holds the raw detail (%q)", raw)
		}
	}
	// The streaming camera's tile shows its picture, no words over it.
	waitJS(t, b, fmt.Sprintf(`getComputedStyle(document.querySelector('[data-status-for="%s"][data-status-part="panel"]')).display === 'none'`, f.camA1.ID), 15*time.Second)
	browse(t, b, chromedp.Navigate(f.ts.URL+"/cameras/"+cam), chromedp.WaitVisible(chromedp.CSS(`[data-testid="camera-page"]`)))
	words("member's camera page")
	// No "LIVE" and no running clock over the camera that shows no picture.
	if vis, _ := browsertest.Eval[string](b, `['player-mode', 'player-clock'].map((id) => getComputedStyle(document.querySelector('[data-testid="' + id + '"]')).visibility).join(' ')`); vis != "hidden hidden" {
		t.Errorf("the offline camera's page shows its live label and clock (visibility %q)", vis)
	}
	// Nor once the live player has connected (WHEP answers for a camera
	// the server cannot reach; no frame ever comes): the words are still
	// over the picture, so "LIVE" over "Camera unreachable" must not show.
	if vis, _ := browsertest.Eval[string](b, `(() => { document.querySelector('[data-player-box]').dataset.player = 'playing';
	  return ['player-mode', 'player-clock'].map((id) => getComputedStyle(document.querySelector('[data-testid="' + id + '"]')).visibility).join(' '); })()`); vis != "hidden hidden" {
		t.Errorf("the offline camera's page, its player connected, shows its live label and clock over the status words (visibility %q)", vis)
	}

	// An owner: the same words; the raw detail behind a closed toggle.
	shots := screenshotDir(t)
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="logout-form"] button`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)))
	browserLogin(t, b, f.ts.URL, "ana")
	for _, w := range []int64{375, 1280} {
		for _, dark := range []bool{false, true} {
			scheme := map[bool]string{false: "light", true: "dark"}[dark]
			colorScheme(t, b, dark)
			for _, page := range []struct{ name, path string }{{"grid", "/"}, {"camera", "/cameras/" + cam}} {
				browse(t, b, chromedp.EmulateViewport(w, 800), chromedp.Navigate(f.ts.URL+page.path), chromedp.WaitVisible(chromedp.CSS(`main`)))
				words("owner's " + page.name)
				if page.name == "camera" {
					// The camera's name on the picture stays clear of the
					// words: at 375 px a long status (here the words for a
					// camera without a stream at its path) filled the box
					// to its top and ran under the name.
					over, _ := browsertest.Eval[bool](b, `(() => { const p = document.querySelector('[data-testid="camera-page"] .status-panel');
					  p.querySelector('.status-headline').textContent = 'The camera has no stream at this address';
					  const a = p.querySelector('[data-testid="status-advice"]');
					  if (a) a.textContent = "Check the part of its URL after the address in its settings (the camera's manual names it).";
					  const n = document.querySelector('.player-name').getBoundingClientRect();
					  const h = document.querySelector('[data-testid="camera-page"] .status-headline').getBoundingClientRect();
					  return n.bottom > h.top && n.top < h.bottom && n.right > h.left && n.left < h.right; })()`)
					if over {
						t.Errorf("camera page at %d px (%s): the camera's name overlaps the status headline", w, scheme)
					}
				}
				if page.name == "grid" { // the other tile plays before the picture is taken
					waitJS(t, b, fmt.Sprintf(`document.querySelector('[data-camera-id="%s"]').dataset.player === 'playing'`, f.camA1.ID), 15*time.Second)
				}
				if err := b.Screenshot(filepath.Join(shots, fmt.Sprintf("offline-%s-%d-%s.png", page.name, w, scheme))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	detail, err := browsertest.Eval[string](b, fmt.Sprintf(`(() => { const d = document.querySelector('%s details'); return d && !d.open ? d.querySelector('code').textContent : ''; })()`, panel))
	if err != nil || !strings.Contains(detail, "127.0.0.1") {
		t.Fatalf("owner's closed detail = %q (%v), want the raw failure", detail, err)
	}

	// The refresh from /api/cameras redraws the same words.
	if _, err := browsertest.Eval[bool](b, fmt.Sprintf(`(document.querySelector('%s .status-headline').dataset.old = 'yes') === 'yes'`, panel)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, fmt.Sprintf(`!document.querySelector('%s .status-headline').dataset.old`, panel), 25*time.Second)
	words("owner's camera page after a refresh")
	if n, _ := browsertest.Eval[int](b, fmt.Sprintf(`document.querySelectorAll('%s details').length`, panel)); n != 1 {
		t.Errorf("owner's detail after a refresh: %d toggles", n)
	}
	t.Logf("offline screenshots in %s", shots)
}
