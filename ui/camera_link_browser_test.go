package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestOldMomentLinkSaysWhatWasSearched: a camera page link to a moment
// years back (?t=2020-01-01T00:00:00Z) said "Nothing recorded at Wed, Jan
// 1 00:00:00 or after; showing live." while today's footage was right
// there: the search for the next recording asked the server for years,
// which it refuses (31 days at most), and the date read as this year's.
// The page now looks in the 30 days after the moment and says so, with
// the year.
func TestOldMomentLinkSaysWhatWasSearched(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/cameras/"+string(f.camA1.ID)+"?t=2020-01-01T12:00:00Z"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"]`)),
	)
	waitJS(t, b, `document.querySelector('[data-testid="timeline-status"]').textContent.startsWith('Nothing recorded')`, 10*time.Second)
	got := evalT[string](t, b, `document.querySelector('[data-testid="timeline-status"]').textContent`)
	if !strings.Contains(got, "2020") || !strings.Contains(got, "or in the 30 days after; showing live.") {
		t.Errorf("a link to 2020 says %q, want the year and 'or in the 30 days after; showing live.'", got)
	}
}

// TestFutureMomentLinkSaysSo: a link to a moment that has not come yet
// said "Nothing recorded at … or after"; it now says the time has not come
// and shows live.
func TestFutureMomentLinkSaysSo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	future := time.Now().Add(30 * 24 * time.Hour).UTC()
	// The fixture records nothing, so a later load of the live timeline
	// says "Recording is not enabled." over the answer: every status the
	// page writes is kept from its first moment, and the answer looked
	// for among them (reading it once raced that load).
	if _, err := chromedp.Call(b.Context(), page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.__statuses = [];
		new MutationObserver(() => {
			const s = document.querySelector('[data-testid="timeline-status"]');
			if (s && s.textContent && window.__statuses[window.__statuses.length - 1] !== s.textContent) window.__statuses.push(s.textContent);
		}).observe(document, {subtree: true, childList: true, characterData: true});`}); err != nil {
		t.Fatal(err)
	}
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/cameras/"+string(f.camA1.ID)+"?t="+future.Format(time.RFC3339)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"]`)),
	)
	waitJS(t, b, `window.__statuses.some((s) => s.includes('has not come yet')) && document.querySelector('[data-testid="camera-page"]').dataset.mode === 'live'`, 10*time.Second)
	got := evalT[string](t, b, `window.__statuses.find((s) => s.includes('has not come yet'))`)
	if !strings.Contains(got, "showing live.") || strings.Contains(got, "Nothing recorded") {
		t.Errorf("a link a month ahead says %q (all it said: %v)", got, evalT[[]string](t, b, `window.__statuses`))
	}
}
