package ui

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// overlappingLabelsJS lists the timeline's time labels that overlap the
// label before them, or stick out of the bar.
const overlappingLabelsJS = `(() => {
  const svg = document.querySelector('[data-testid="timeline"] svg');
  if (!svg) return 'no timeline';
  const bar = svg.getBoundingClientRect();
  const ls = [...svg.querySelectorAll('.tl-label')].map((t) => ({ text: t.textContent, r: t.getBoundingClientRect() })).sort((a, b) => a.r.left - b.r.left);
  const out = [];
  if (ls.length < 2) out.push(ls.length + ' labels');
  for (let i = 0; i < ls.length; i++) {
    if (ls[i].r.left < bar.left - 1 || ls[i].r.right > bar.right + 1) out.push(ls[i].text + ' outside the bar');
    if (i > 0 && ls[i].r.left < ls[i - 1].r.right) out.push(ls[i - 1].text + ' overlaps ' + ls[i].text);
  }
  return out.join('; ');
})()`

// TestTimelineLabelsDoNotOverlap: the camera page's timeline labels each
// major tick; a tick just outside the bar had its label pulled inside it,
// on top of the next one ("03:1530" at 320 px, "04:1604:18" at the right
// edge at 1280 px), and the pulled label sat where another time was.
// At phone and laptop widths and several zooms no two labels overlap.
func TestTimelineLabelsDoNotOverlap(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browserLogin(t, b, f.ts.URL, "ana")
	for _, w := range []int64{320, 375, 1280} {
		browse(t, b, chromedp.EmulateViewport(w, 800),
			chromedp.Navigate(f.ts.URL+"/cameras/"+string(f.camA1.ID)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"] svg .tl-label`)))
		for zoom := range 6 {
			if got := evalT[string](t, b, overlappingLabelsJS); got != "" {
				t.Errorf("at %d px, zoomed out %d times: %s", w, zoom, got)
			}
			// Views that start and end off the round times the labels sit on.
			evalT[bool](t, b, `(document.querySelector('[data-testid="zoom-out"]').click(), true)`)
		}
	}
}
