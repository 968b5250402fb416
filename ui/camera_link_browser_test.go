package ui

import (
	"strings"
	"testing"
	"time"

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
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/cameras/"+string(f.camA1.ID)+"?t="+future.Format(time.RFC3339)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"]`)),
	)
	waitJS(t, b, `document.querySelector('[data-testid="timeline-status"]').textContent.includes('has not come yet') && document.querySelector('[data-testid="camera-page"]').dataset.mode === 'live'`, 10*time.Second)
	got := evalT[string](t, b, `document.querySelector('[data-testid="timeline-status"]').textContent`)
	if !strings.Contains(got, "showing live.") || strings.Contains(got, "Nothing recorded") {
		t.Errorf("a link a month ahead says %q", got)
	}
}
