package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestEventButtonsSayWhichEvent: every row of the events page has a ▶
// and a ✓ button, and a screen reader going through the page's buttons
// heard "Play the clip here" and "Mark reviewed (r)" thirty times over,
// with nothing to tell the rows apart. Each button's name now says which
// event (kind, camera, time), and no two rows' buttons share a name.
func TestEventButtonsSayWhichEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedReviewEvents(t, f)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	openEvents(t, b, f.ts.URL, "")
	for _, id := range []string{"event-play", "event-mark"} {
		names := evalT[[]string](t, b, `[...document.querySelectorAll('[data-testid="`+id+`"]')].map((e) => e.getAttribute('aria-label'))`)
		if len(names) != 30 {
			t.Fatalf("%d %s buttons, want 30", len(names), id)
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] || !strings.Contains(n, " on Front door at ") && !strings.Contains(n, " on Garden at ") {
				t.Errorf("%s named %q: repeated, or without the event's camera and time", id, n)
				break
			}
			seen[n] = true
		}
	}
	// The name follows the mark.
	evalT[bool](t, b, `(document.querySelector('[data-testid="event-mark"]').click(), true)`)
	waitJS(t, b, `document.querySelector('[data-testid="event-mark"]').getAttribute('aria-label').startsWith('Reviewed: mark unreviewed: ')`, 5*time.Second)
}

// TestOutageRowsOfferNoClip: a camera's outage is an event with no footage
// (none was recorded: that is the outage). Its row had a ▶ whose dialog
// showed an empty player and a Download that answered {"error":"not
// found"}. It now says "camera offline" and opens the camera at that
// moment; only ✓ is offered.
func TestOutageRowsOfferNoClip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	out := f.addScoredEvent(f.camA1.ID, nvr.EventOffline, f.now.Add(-time.Hour), "", nil, 0)
	motion := f.addScoredEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-30*time.Minute), "", nil, 0.5)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	openEvents(t, b, f.ts.URL, "")
	row := func(id nvr.EventID) string {
		return evalT[string](t, b, `(() => { const r = document.querySelector('[data-event-id="`+string(id)+`"]'); if (!r) return 'missing';
			return [...r.querySelectorAll('[data-testid]')].map((e) => e.dataset.testid).join(' ') + ' | ' + r.querySelector('.ev-kind').textContent; })()`)
	}
	if got := row(out.ID); got != "event-open event-mark | camera offline" {
		t.Errorf("the outage's row: %q, want its link and ✓ only, saying camera offline", got)
	}
	if got := row(motion.ID); got != "event-open event-play event-mark | motion" {
		t.Errorf("a motion row: %q, want its link, ▶ and ✓", got)
	}
}
