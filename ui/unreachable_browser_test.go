package ui

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestBrowserSaysWhenHearthIsUnreachable: with Hearth stopped, an open
// grid kept its green "streaming" badges over black pictures, so a
// household blamed the cameras. Once a status poll goes unanswered the
// badges say "unknown" and a line at the top says Hearth is not
// answering; when it answers again the line goes and the badges are the
// server's again, without a reload.
func TestBrowserSaysWhenHearthIsUnreachable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	status := &settableStatus{}
	status.set("streaming")
	f.srv.status = status
	var down atomic.Bool
	f.ts.Close()
	f.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			panic(http.ErrAbortHandler) // the connection drops, as with the process gone
		}
		f.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(f.ts.Close)

	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	badges := `[...document.querySelectorAll('[data-status-part="badge"]')]`
	browse(t, b, chromedp.Navigate(f.ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)))
	waitJS(t, b, badges+`.length > 0 && `+badges+`.every((b) => b.dataset.badge === 'streaming')`, 10*time.Second)

	down.Store(true)
	// The page fetches the words at once when a picture starts playing.
	evalT[bool](t, b, `(document.dispatchEvent(new Event('hearth:live-playing')), true)`)
	waitJS(t, b, `(document.querySelector('[data-testid="server-unreachable"]') || {}).textContent === 'Hearth is not answering: it may be restarting, or this device may have lost its network. Trying again…'
		&& `+badges+`.every((b) => b.dataset.badge === 'unknown' && b.textContent === 'unknown')`, 10*time.Second)
	if top := evalT[string](t, b, `document.querySelector('main').firstElementChild.dataset.testid`); top != "server-unreachable" {
		t.Errorf("the line is not at the top of the page: first is %q", top)
	}

	down.Store(false)
	// No reload: the page's own poll (every 10 s, every 3 s while
	// unanswered) finds Hearth again.
	waitJS(t, b, `document.querySelector('[data-testid="server-unreachable"]') === null && `+badges+`.every((b) => b.dataset.badge === 'streaming')`, 30*time.Second)
}
