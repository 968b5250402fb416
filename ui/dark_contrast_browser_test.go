package ui

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// lowContrastJS lists the visible buttons (and the chosen grid layout)
// whose text has less than 4.5:1 contrast with their own filled
// background (WCAG AA for body-size text). A button without a background
// of its own is left out.
const lowContrastJS = `(() => {
  const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  const rgb = (css) => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = '#000'; ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1); return ctx.getImageData(0, 0, 1, 1).data; };
  const lum = (d) => 0.2126 * lin(d[0]) + 0.7152 * lin(d[1]) + 0.0722 * lin(d[2]);
  const out = [];
  for (const e of document.querySelectorAll('button, .button, .grid-layout input:checked + span, [aria-pressed="true"]')) {
    if (!e.offsetParent || !e.textContent.trim()) continue;
    const cs = getComputedStyle(e);
    const bg = cs.backgroundColor;
    if (bg === 'transparent' || /rgba\(.*, 0\)$/.test(bg)) continue;
    const a = lum(rgb(cs.color)), b = lum(rgb(bg));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push(JSON.stringify(e.textContent.trim().slice(0, 30)) + ' ' + cs.color + ' on ' + bg + ': ' + ratio.toFixed(2));
  }
  return out.join('; ');
})()`

// TestFilledButtonsReadInTheDark: in dark mode the accent is a light
// orange, and filled buttons kept white text on it (about 2.5:1: "Close
// privacy shutter", the chosen grid layout, List/Cards, "Open camera at
// this moment"), and a reviewed event's ✓ white on light green. The text
// on a filled button reads at 4.5:1 or more, dark and light, on the grid,
// a camera page and the events page.
func TestFilledButtonsReadInTheDark(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedReviewEvents(t, f)
	b := browsertest.Start(t)
	browserLogin(t, b, f.ts.URL, "ana")
	for _, dark := range []bool{false, true} {
		scheme := map[bool]string{false: "light", true: "dark"}[dark]
		colorScheme(t, b, dark)
		for _, page := range []string{"/", "/cameras/" + string(f.camA1.ID), "/events"} {
			browse(t, b, chromedp.Navigate(f.ts.URL+page), chromedp.WaitVisible(chromedp.CSS(`main`)))
			if page == "/events" {
				waitJS(t, b, `document.querySelectorAll('[data-testid="event-card"]').length > 0`, 10*time.Second)
				// A reviewed event's ✓ is filled too.
				evalT[bool](t, b, `(document.querySelector('[data-testid="event-mark"]').click(), true)`)
				waitJS(t, b, `!!document.querySelector('[data-testid="event-mark"][aria-pressed="true"]')`, 5*time.Second)
			}
			if got := evalT[string](t, b, lowContrastJS); got != "" {
				t.Errorf("%s, %s: %s", page, scheme, got)
			}
		}
	}
}
