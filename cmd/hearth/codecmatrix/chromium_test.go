package codecmatrix

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// chromiumH265 opens an H.265 camera's page in Debian's Chromium, which
// offers no H.265 over WebRTC and cannot play it in MSE or a clip: the live
// view and the timeline playback must say so in words rather than show a
// blank player.
func (c *client) chromiumH265(b *browsertest.Browser, cl *cell) (string, error) {
	run := func(actions ...chromedp.Action[chromedp.Void]) error {
		ctx, cancel := context.WithTimeout(b.Context(), browsertest.Timeout)
		defer cancel()
		for i, a := range actions {
			if err := chromedp.Do(ctx, a); err != nil {
				return fmt.Errorf("browser step %d: %w", i, err)
			}
		}
		return nil
	}
	if err := run(
		chromedp.Navigate(c.base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), "ana"),
		chromedp.SetValue(chromedp.CSS(`#password`), password),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
		chromedp.Navigate(c.base+"/cameras/"+cl.id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"][data-ranges]`)),
	); err != nil {
		return "", fmt.Errorf("camera page: %w", err)
	}
	// The live view: WHEP is refused twice, then MSE refuses hvc1.
	var note string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(note, "over MSE"); time.Sleep(100 * time.Millisecond) {
		var err error
		if note, err = browsertest.Eval[string](b, `(() => { const n = document.querySelector('[data-testid="video-note"]'); return n && !n.hidden ? n.textContent : ''; })()`); err != nil {
			return "", err
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("live video note after 30 s: %q", note)
		}
	}
	if !strings.Contains(note, "H.265") {
		return "", fmt.Errorf("live video note %q names no H.265", note)
	}
	// Recorded playback: a click on the recording (a pixel before it: the
	// timeline snaps a near miss to its start).
	if err := run(chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="timeline"]`))); err != nil {
		return "", err
	}
	pt, err := browsertest.Eval[[]float64](b, `(() => { const r = document.querySelector('.tl-range').getBoundingClientRect(); return [r.left - 1, r.top + r.height / 2]; })()`)
	if err != nil || len(pt) != 2 {
		return "", fmt.Errorf("timeline range: %v %v", pt, err)
	}
	if err := run(chromedp.MouseClickXY(pt[0], pt[1])); err != nil {
		return "", err
	}
	var status string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(status, "cannot play"); time.Sleep(100 * time.Millisecond) {
		if status, err = browsertest.Eval[string](b, `document.querySelector('[data-timeline-status]').textContent`); err != nil {
			return "", err
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("timeline status after 30 s: %q", status)
		}
	}
	if !strings.Contains(status, "H.265") {
		return "", fmt.Errorf("timeline status %q names no H.265", status)
	}
	return "(says: " + note + " / " + status + ")", nil
}
