package ui

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestBrowserTimesInReadersZone: the times settings pages write in the
// server's zone are written again in the reader's (here UTC+5), in the
// same shape. Before, they stayed in the appliance's zone (a container
// left at UTC) beside rows a page added itself in the reader's.
func TestBrowserTimesInReadersZone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	// The IANA Etc zones' sign is inverted: Etc/GMT-5 is UTC+5.
	if _, err := chromedp.Call(b.Context(), emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Etc/GMT-5"}); err != nil {
		t.Fatalf("time zone: %v", err)
	}
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/account"), chromedp.WaitVisible(chromedp.CSS(`time[data-when]`)))
	waitJS(t, b, `document.readyState === 'complete'`, 10*time.Second)
	attr := evalT[string](t, b, `document.querySelector('time[data-when]').dateTime`)
	at, err := time.Parse(time.RFC3339, attr)
	if err != nil {
		t.Fatalf("datetime %q: %v", attr, err)
	}
	want := at.In(time.FixedZone("UTC+5", 5*3600)).Format("2006-01-02 15:04")
	waitJS(t, b, `document.querySelector('time[data-when]').textContent === '`+want+`'`, 10*time.Second)
}
