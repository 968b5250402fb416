package ui

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestSelectAStretchWithTheKeyboard: on a camera page a stretch to
// download is chosen by dragging, which a keyboard cannot do. With Select
// pressed, ← widens a selection back from the playhead (the selection bar
// with Download shows), the mode stays on while widening, and Enter on
// the timeline ends it and moves to Download. Without this, Select only
// said "Drag across the timeline" and the arrows stepped the playback.
func TestSelectAStretchWithTheKeyboard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(1280, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/cameras/"+string(f.camA1.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"]`)),
	)
	evalT[bool](t, b, `(document.querySelector('[data-testid="select-mode"]').focus(), true)`)
	browse(t, b, chromedp.KeyEvent(kb.Enter))
	if got := evalT[string](t, b, `document.querySelector('[data-testid="select-mode"]').getAttribute('aria-pressed')`); got != "true" {
		t.Fatalf("Select pressed with Enter: aria-pressed %q", got)
	}
	evalT[bool](t, b, `(document.querySelector('[data-testid="timeline"]').focus(), true)`)
	browse(t, b, chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft))
	bar := evalT[string](t, b, `(() => { const s = document.querySelector('[data-testid="selection"]');
	  return (s.hidden ? 'hidden' : 'shown') + ' | ' + document.querySelector('[data-testid="selection-text"]').textContent +
	    ' | ' + document.querySelector('[data-testid="select-mode"]').getAttribute('aria-pressed') })()`)
	if !strings.HasPrefix(bar, "shown | ") || strings.HasSuffix(bar, "| ") || !strings.HasSuffix(bar, "| true") {
		t.Fatalf("after Select and ← ←: selection bar %q, want it shown with a stretch, select mode still on", bar)
	}
	browse(t, b, chromedp.KeyEvent(kb.Enter))
	after := evalT[string](t, b, `document.querySelector('[data-testid="select-mode"]').getAttribute('aria-pressed') + ' ' +
	  !document.querySelector('[data-testid="selection"]').hidden`)
	if after != "false true" {
		t.Errorf("Enter on the timeline after selecting: select mode and bar %q, want \"false true\"", after)
	}
}
