package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
