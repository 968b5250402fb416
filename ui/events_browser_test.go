package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// thumbJPEG is a small real JPEG of one colour, so the rows show a picture.
func thumbJPEG(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 90))
	for y := range 90 {
		for x := range 160 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// seedReviewEvents stores 29 motion events and one doorbell over household
// A's two cameras, one every 90 s back from now, with thumbnails; newest
// first.
func seedReviewEvents(t *testing.T, f *fixture) []nvr.Event {
	t.Helper()
	var evs []nvr.Event
	for i := range 30 {
		cam, kind, label, tint := f.camA1.ID, nvr.EventMotion, "", color.RGBA{70, 110, 150, 255}
		if i%2 == 1 {
			cam, tint = f.camA2.ID, color.RGBA{90, 140, 80, 255}
		}
		if i == 3 {
			kind, label = nvr.EventTrigger, "doorbell"
		}
		score := 0.0
		if kind == nvr.EventMotion {
			score = 0.2 + float64(i%7)/10
		}
		ev := f.addScoredEvent(cam, kind, f.now.Add(-time.Duration(i+1)*90*time.Second), label, thumbJPEG(t, tint), score)
		evs = append(evs, ev)
	}
	return evs
}

// browserLogin signs user in through the login form.
func browserLogin(t *testing.T, b *browsertest.Browser, base, user string) {
	t.Helper()
	browse(t, b,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), user),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav`)),
	)
}

func evalT[T any](t *testing.T, b *browsertest.Browser, js string) T {
	t.Helper()
	v, err := browsertest.Eval[T](b, js)
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// rowIDsJS lists the event IDs of the rows in the list, in order.
const rowIDsJS = `[...document.querySelectorAll('[data-testid="event-card"]')].map(r => r.dataset.eventId)`

// openEvents loads the events page (with query q) and waits for its
// listing to settle.
func openEvents(t *testing.T, b *browsertest.Browser, base, q string) {
	t.Helper()
	browse(t, b, chromedp.Navigate(base+"/events"+q), chromedp.WaitVisible(chromedp.CSS(`[data-testid="events-filter"]`)))
	waitJS(t, b, `(() => { const s = document.querySelector('[data-events-status]').textContent; return s !== '' && !s.startsWith('Loading'); })()`, 10*time.Second)
}

// TestEventReviewInBrowser: the review page in Chromium. At 1280×800 at
// least 20 event rows are on screen at once; a row links to its camera's
// page at the event's moment; marking one reviewed (button, then "r")
// takes it out of the unreviewed list for good, while another member of
// the household still has it unreviewed; opening an event marks it;
// mark-all empties the list; words count right; at 375 px nothing scrolls
// sideways and every row is a thumb-sized target.
func TestEventReviewInBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	evs := seedReviewEvents(t, f)
	b := browsertest.Start(t)
	shots := screenshotDir(t)
	shot := func(name string) {
		t.Helper()
		if err := b.Screenshot(filepath.Join(shots, "events-"+name+".png")); err != nil {
			t.Fatal(err)
		}
	}

	browse(t, b, chromedp.EmulateViewport(1280, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	openEvents(t, b, f.ts.URL, "")
	if got := evalT[string](t, b, `document.querySelector('[data-events-status]').textContent`); got != "30 unreviewed events." {
		t.Fatalf("status = %q", got)
	}
	// Times read as on the camera page, 24-hour (the list wrote 12-hour
	// times in an en-US browser, the camera page 24-hour ones).
	if got := evalT[string](t, b, fmt.Sprintf(`document.querySelector('[data-event-id="%s"] .ev-time').textContent`, evs[0].ID)); got != evs[0].Start.Local().Format("15:04:05") {
		t.Errorf("the newest event's time reads %q, want %q", got, evs[0].Start.Local().Format("15:04:05"))
	}
	// A motion event's peak reads as a strength, not a bare percentage.
	if got := evalT[string](t, b, fmt.Sprintf(`document.querySelector('[data-event-id="%s"] .ev-score').textContent`, evs[0].ID)); got != "strength 20%" {
		t.Errorf("the newest event's score reads %q, want %q", got, "strength 20%")
	}
	visible := evalT[int](t, b, `[...document.querySelectorAll('[data-testid="event-card"]')].filter(r => {
		const b = r.getBoundingClientRect(); return b.height > 0 && b.top >= 0 && b.bottom <= innerHeight; }).length`)
	if visible < 20 {
		shot("too-few-1280")
		t.Fatalf("%d event rows fully visible at 1280×800, want at least 20", visible)
	}
	t.Logf("%d event rows visible at 1280×800", visible)
	if days := evalT[[]string](t, b, `[...document.querySelectorAll('.ev-day h2')].map(h => h.textContent)`); len(days) == 0 || (days[0] != "Today" && days[0] != "Yesterday") {
		t.Fatalf("day headings = %v", days)
	}
	colorScheme(t, b, false)
	shot("1280-light")
	colorScheme(t, b, true)
	shot("1280-dark")
	colorScheme(t, b, false)

	// The cards view, remembered across a reload, and back to the list.
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="events-view-cards"]`)))
	openEvents(t, b, f.ts.URL, "")
	if w := evalT[float64](t, b, `document.querySelector('.ev-thumb').getBoundingClientRect().width`); w < 150 {
		t.Fatalf("cards view picture %v px wide", w)
	}
	shot("1280-cards")
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="events-view-list"]`)))
	if w := evalT[float64](t, b, `document.querySelector('.ev-thumb').getBoundingClientRect().width`); w > 80 {
		t.Fatalf("list view picture %v px wide", w)
	}

	// Each row links to the camera page at the event's moment.
	for _, ev := range []nvr.Event{evs[0], evs[3]} {
		href := evalT[string](t, b, fmt.Sprintf(`document.querySelector('[data-event-id="%s"] [data-testid="event-open"]').getAttribute('href')`, ev.ID))
		u, err := url.Parse(href)
		if err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339Nano, u.Query().Get("t"))
		if u.Path != "/cameras/"+string(ev.CameraID) || err != nil || !at.Equal(ev.Start) {
			t.Fatalf("row of %s links to %q, want /cameras/%s?t=%s", ev.ID, href, ev.CameraID, ev.Start.Format(time.RFC3339Nano))
		}
	}
	// Marking a row reviewed counts it out of what is left to review at
	// once (the count stood still until a reload); unmarking counts it in.
	mark := fmt.Sprintf(`[data-event-id="%s"] .ev-mark`, evs[0].ID)
	browse(t, b, chromedp.Click(chromedp.CSS(mark)))
	waitJS(t, b, `document.querySelector('[data-events-status]').textContent === '29 unreviewed events.'`, 10*time.Second)
	browse(t, b, chromedp.Click(chromedp.CSS(mark)))
	waitJS(t, b, `document.querySelector('[data-events-status]').textContent === '30 unreviewed events.'`, 10*time.Second)

	// One event in a filter: the singular.
	openEvents(t, b, f.ts.URL, "?kind=trigger")
	if got := evalT[string](t, b, `document.querySelector('[data-events-status]').textContent`); got != "1 unreviewed event." {
		t.Fatalf("status with one event = %q", got)
	}

	// A trigger's label is offered in the kind filter once listed, and an
	// address naming it keeps it selected.
	if got := evalT[string](t, b, `[...document.querySelectorAll('#ev-kind option')].map(o => o.value).join(',')`); got != ",motion,trigger,offline,stalled,label:doorbell" {
		t.Fatalf("kind filter options = %q", got)
	}
	openEvents(t, b, f.ts.URL, "?kind=label:doorbell")
	if got := evalT[string](t, b, `document.querySelector('#ev-kind').value + ' ' + document.querySelector('[data-events-status]').textContent`); got != "label:doorbell 1 unreviewed event." {
		t.Fatalf("label filter = %q", got)
	}

	// Mark one reviewed with its button: it stays in place (to undo),
	// and leaves the unreviewed list after a reload.
	openEvents(t, b, f.ts.URL, "")
	marked := evs[4]
	browse(t, b, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-event-id="%s"] [data-testid="event-mark"]`, marked.ID))))
	waitJS(t, b, fmt.Sprintf(`document.querySelector('[data-event-id="%s"]').dataset.reviewed === 'true'`, marked.ID), 5*time.Second)
	// Keyboard: j to the first event, r marks it.
	evalT[bool](t, b, `(document.activeElement.blur(), true)`)
	browse(t, b, chromedp.KeyEvent("j"), chromedp.KeyEvent("r"))
	waitJS(t, b, fmt.Sprintf(`document.querySelector('[data-event-id="%s"]').dataset.reviewed === 'true'`, evs[0].ID), 5*time.Second)
	openEvents(t, b, f.ts.URL, "")
	ids := evalT[[]string](t, b, rowIDsJS)
	if len(ids) != 28 || contains(ids, string(marked.ID)) || contains(ids, string(evs[0].ID)) {
		t.Fatalf("after marking two, unreviewed rows = %d (marked one listed: %t)", len(ids), contains(ids, string(marked.ID)))
	}
	// All events, with the marks shown.
	openEvents(t, b, f.ts.URL, "?show=all")
	if got := evalT[string](t, b, fmt.Sprintf(`document.querySelector('[data-event-id="%s"]').dataset.reviewed`, marked.ID)); got != "true" {
		t.Fatalf("marked event in the full list: reviewed %q", got)
	}

	// Mark all asks first, saying how far it reaches: one mis-tap on a
	// phone would clear every marker. Answered no, nothing is marked.
	openEvents(t, b, f.ts.URL, "")
	var accept atomic.Bool
	asked := answerDialogs(t, b, &accept)
	const question = "Mark every unreviewed event on all cameras up to now as reviewed?"
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="events-mark-all"]`)))
	if q := nextDialog(t, asked); q != question {
		t.Errorf("mark all asks %q, want %q", q, question)
	}
	if n := evalT[int](t, b, `document.querySelectorAll('[data-testid="event-card"]').length`); n != 28 {
		t.Fatalf("%d unreviewed rows after answering no to mark all, want 28", n)
	}
	// Answered yes: the list empties, and says how many were marked.
	accept.Store(true)
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="events-mark-all"]`)))
	if q := nextDialog(t, asked); q != question {
		t.Errorf("mark all asks %q the second time", q)
	}
	waitJS(t, b, `document.querySelector('[data-events-status]').textContent === 'Marked 28 events reviewed. Nothing left to review.'`, 10*time.Second)
	// An empty list says why: here a filter that matches nothing, not
	// "nothing left to review".
	openEvents(t, b, f.ts.URL, "?show=all&kind=stalled")
	waitJS(t, b, `document.querySelector('[data-events-status]').textContent === 'No events match these filters.'`, 10*time.Second)
	openEvents(t, b, f.ts.URL, "")
	if n := evalT[int](t, b, `document.querySelectorAll('[data-testid="event-card"]').length`); n != 0 {
		t.Fatalf("%d rows after mark all", n)
	}

	// Another member of the household: every event still unreviewed.
	browse(t, b, chromedp.Navigate(f.ts.URL+"/events"), chromedp.Click(chromedp.CSS(`[data-testid="logout-form"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)))
	browserLogin(t, b, f.ts.URL, "mo")
	openEvents(t, b, f.ts.URL, "")
	if ids := evalT[[]string](t, b, rowIDsJS); len(ids) != 30 || !contains(ids, string(marked.ID)) {
		t.Fatalf("mo's unreviewed rows: %d (ana's marked one listed: %t), want all 30", len(ids), contains(ids, string(marked.ID)))
	}
	// Opening an event goes to the camera page at its moment and marks it
	// reviewed for mo.
	opened := evs[1]
	browse(t, b, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-event-id="%s"] [data-testid="event-open"]`, opened.ID))))
	waitJS(t, b, fmt.Sprintf(`location.pathname === '/cameras/%s' && new URLSearchParams(location.search).has('t')`, opened.CameraID), 10*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := f.get("/api/events/"+string(opened.ID), f.login("mo"))
		if r.StatusCode == http.StatusOK && decode[eventResponse](t, r.body).Reviewed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("opened event not marked reviewed for mo: %d %s", r.StatusCode, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Playing a clip on the page marks the event too.
	browse(t, b, chromedp.Navigate(f.ts.URL+"/events"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="event-play"]`)))
	played := evs[2]
	browse(t, b, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-event-id="%s"] [data-testid="event-play"]`, played.ID))))
	waitJS(t, b, fmt.Sprintf(`document.querySelector('[data-events-player]').open && document.querySelector('[data-event-id="%s"]').dataset.reviewed === 'true'`, played.ID), 5*time.Second)
	if got := evalT[string](t, b, `document.querySelector('[data-events-player-title]').textContent`); !strings.HasPrefix(got, f.camA1.Name+" · motion · ") {
		t.Fatalf("player title = %q", got)
	}
	evalT[bool](t, b, `(document.querySelector('[data-events-player]').close(), true)`)

	// A phone: no sideways scroll, rows at least 44 px high, light and dark.
	browse(t, b, chromedp.EmulateViewport(375, 812))
	for _, dark := range []bool{false, true} {
		colorScheme(t, b, dark)
		openEvents(t, b, f.ts.URL, "?show=all")
		if over := evalT[string](t, b, cardOverflowJS); over != "" {
			t.Errorf("events at 375 px (dark %v): %s", dark, over)
		}
		// One list a day, in time order, on a phone.
		if lanes := evalT[[]string](t, b, `[...document.querySelectorAll('.ev-lane')].map(l => l.dataset.camera)`); len(lanes) == 0 || lanes[0] != "" {
			t.Errorf("phone lanes = %q, want one time-ordered list a day", lanes)
		}
		if ids := evalT[[]string](t, b, rowIDsJS); len(ids) < 2 || ids[0] != string(evs[0].ID) || ids[1] != string(evs[1].ID) {
			t.Errorf("phone rows do not start with the two newest events of both cameras: %v", ids[:min(2, len(ids))])
		}
		short := evalT[int](t, b, `[...document.querySelectorAll('[data-testid="event-open"], [data-testid="event-mark"]')].filter(e => e.getBoundingClientRect().height < 44).length`)
		if short != 0 {
			t.Errorf("%d row targets under 44 px high at 375 px", short)
		}
		name := "375-light"
		if dark {
			name = "375-dark"
		}
		shot(name)
	}
	t.Logf("event review screenshots in %s", shots)
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

// answerDialogs answers every script dialog (confirm) the page opens, yes
// when accept holds, and passes on each one's question.
func answerDialogs(t *testing.T, b *browsertest.Browser, accept *atomic.Bool) <-chan string {
	t.Helper()
	asked := make(chan string, 8)
	if err := chromedp.Listen(b.Context(), func(ev any) {
		d, ok := ev.(*page.EventJavascriptDialogOpening)
		if !ok {
			return
		}
		select {
		case asked <- d.Message:
		default:
		}
		yes := accept.Load()
		// Not from the listener itself, which must not block.
		go func() {
			_, _ = chromedp.Call(b.Context(), page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: yes})
		}()
	}); err != nil {
		t.Fatal(err)
	}
	return asked
}

// nextDialog is the next dialog's question; none within 10 s fails.
func nextDialog(t *testing.T, asked <-chan string) string {
	t.Helper()
	select {
	case q := <-asked:
		return q
	case <-time.After(10 * time.Second):
		t.Fatal("no question was asked")
		return ""
	}
}
