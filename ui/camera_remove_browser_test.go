package ui

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestOwnerRemovesCameraInBrowser: a household owner removes a camera from
// its settings page, as a household replacing a camera would. Before, only
// the appliance admin could, and the page said to ask them. Remove asks
// first (no keeps it), then goes back to the camera list without it.
func TestOwnerRemovesCameraInBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	var accept atomic.Bool
	asked := answerDialogs(t, b, &accept)
	page := f.ts.URL + "/settings/cameras/" + string(f.camA1.ID)
	browse(t, b, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`[data-testid="camera-remove"]`)),
		chromedp.ScrollIntoView(`[data-testid="camera-remove"]`), chromedp.Click(chromedp.CSS(`[data-testid="camera-remove"]`)))
	want := "Remove the camera " + f.camA1.Name + "? Its recordings, events, share links and the notification rules for it are deleted too. " +
		"To keep its footage, untick Enabled on its settings page instead."
	if q := nextDialog(t, asked); q != want {
		t.Fatalf("Remove asks %q, want %q", q, want)
	}
	if r := f.get("/api/cameras/"+string(f.camA1.ID), f.login("ana")); r.StatusCode != http.StatusOK {
		t.Fatalf("answered no, the camera is gone: %d", r.StatusCode)
	}
	accept.Store(true)
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="camera-remove"]`)))
	if q := nextDialog(t, asked); q != want {
		t.Fatalf("Remove asks %q the second time", q)
	}
	waitJS(t, b, `location.pathname === '/settings/cameras' && document.querySelector('[data-testid="cameras"]') !== null`, 10*time.Second)
	// The list says what was done: before, it was merely one camera short.
	waitJS(t, b, `document.querySelector('[data-testid="cameras"] [data-result]').textContent === `+strconv.Quote(f.camA1.Name+" removed."), 10*time.Second)
	if n := evalT[int](t, b, `document.querySelectorAll('[data-camera-id="`+string(f.camA1.ID)+`"]').length`); n != 0 {
		t.Fatalf("the removed camera is still listed (%d rows)", n)
	}
	if r := f.get("/api/cameras/"+string(f.camA1.ID), f.login("ana")); r.StatusCode != http.StatusNotFound {
		t.Fatalf("after Remove: GET the camera answered %d", r.StatusCode)
	}
}
