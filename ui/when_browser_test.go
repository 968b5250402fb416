package ui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
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

// offlineSince reports every camera unreachable, its last frame at a
// fixed moment.
type offlineSince time.Time

func (o offlineSince) Status(nvr.CameraGrant) ingest.CameraStatus {
	return ingest.CameraStatus{State: "unreachable", Streams: []ingest.StreamStatus{{Stream: "main", State: "unreachable",
		Since: time.Time(o), LastFrame: time.Time(o)}}}
}

// TestBrowserOutageTimeInReadersZone: "Camera unreachable since 15:40"
// on the grid and the camera page was the appliance's clock (a container
// left at UTC) while the reader's was 10:40, beside an events list and a
// timeline in the reader's. It is written in the reader's zone (here
// UTC+5), on the served page and after each status refresh.
func TestBrowserOutageTimeInReadersZone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lost := time.Now().Add(-20 * time.Minute).Truncate(time.Minute)
	f.srv.status = offlineSince(lost)
	b := browsertest.Start(t)
	if _, err := chromedp.Call(b.Context(), emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Etc/GMT-5"}); err != nil {
		t.Fatalf("time zone: %v", err)
	}
	browserLogin(t, b, f.ts.URL, "ana")
	reader := lost.In(time.FixedZone("UTC+5", 5*3600))
	want := reader.Format("15:04")
	if y, m, d := reader.Date(); y != time.Now().In(reader.Location()).Year() || m != time.Now().In(reader.Location()).Month() || d != time.Now().In(reader.Location()).Day() {
		want = reader.Format("Mon 2 Jan 15:04")
	}
	panel := `[data-status-for="` + string(f.camA1.ID) + `"][data-status-part="panel"]`
	for _, page := range []string{"/", "/cameras/" + string(f.camA1.ID)} {
		browse(t, b, chromedp.Navigate(f.ts.URL+page), chromedp.WaitVisible(chromedp.CSS(panel+` .status-headline`)))
		waitJS(t, b, `document.querySelector('`+panel+` .status-headline').textContent === 'Camera unreachable since `+want+`'
			&& document.querySelector('`+panel+` .status-seen').textContent === 'No picture since `+want+`.'`, 10*time.Second)
	}
	// The settings pages say it too: the household's camera list, the
	// camera's own page (as served, and as its poll writes it again), and
	// the admin's health table.
	row := `[data-testid="camera-row"][data-camera-id="` + string(f.camA1.ID) + `"] td[data-label="State"]`
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/cameras"), chromedp.WaitVisible(chromedp.CSS(row)))
	waitJS(t, b, `document.querySelector('`+row+`').textContent.trim() === 'Camera unreachable since `+want+`'`, 10*time.Second)
	words := `[data-testid="camera-now"] [data-now-words]`
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/cameras/"+string(f.camA1.ID)), chromedp.WaitVisible(chromedp.CSS(words)))
	nowWords := `document.querySelector('` + words + `').textContent.startsWith('Camera unreachable since ` + want + `. ')`
	waitJS(t, b, nowWords, 10*time.Second)
	if _, err := browsertest.Eval[bool](b, `(document.querySelector('`+words+`').textContent = 'stale', true)`); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, nowWords, 20*time.Second) // the poll, every 3 s
	browserLogin(t, b, f.ts.URL, "root")
	health := `[data-testid="health-camera"] td[data-label="State"]`
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/admin/system"), chromedp.WaitVisible(chromedp.CSS(health)))
	waitJS(t, b, `[...document.querySelectorAll('`+health+`')].some((td) => td.textContent.trim() === 'Camera unreachable since `+want+`')`, 10*time.Second)

	// The API keeps the server's words, with the moment for a page to use.
	var list struct{ Cameras []cameraResponse }
	if err := json.Unmarshal([]byte(f.get("/api/cameras", f.login("ana")).body), &list); err != nil {
		t.Fatal(err)
	}
	for _, c := range list.Cameras {
		if c.Words == nil || c.Words.SeenAt == nil || !c.Words.SeenAt.Equal(lost) || !strings.Contains(c.Words.Headline, c.Words.SeenClock) {
			t.Fatalf("the API's words: %+v", c.Words)
		}
	}
}
