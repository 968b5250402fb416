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
	if err := c.openCameraPage(b, cl); err != nil {
		return "", err
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
	if err := clickRecording(b); err != nil {
		return "", err
	}
	var status string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(status, "cannot play"); time.Sleep(100 * time.Millisecond) {
		var err error
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

// runActions runs chromedp actions, each bounded by browsertest.Timeout.
func runActions(b *browsertest.Browser, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.Context(), browsertest.Timeout)
	defer cancel()
	for i, a := range actions {
		if err := chromedp.Do(ctx, a); err != nil {
			return fmt.Errorf("browser step %d: %w", i, err)
		}
	}
	return nil
}

// openCameraPage logs in through the login form and opens cl's camera
// page, once its timeline shows the recordings.
func (c *client) openCameraPage(b *browsertest.Browser, cl *cell) error {
	if err := runActions(b,
		chromedp.Navigate(c.base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), "ana"),
		chromedp.SetValue(chromedp.CSS(`#password`), password),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
		chromedp.Navigate(c.base+"/cameras/"+cl.id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"][data-ranges]`)),
	); err != nil {
		return fmt.Errorf("camera page: %w", err)
	}
	return nil
}

// clickRecording clicks a pixel before the first recording on the
// timeline (a near miss snaps to its start), as a person would.
func clickRecording(b *browsertest.Browser) error {
	if err := runActions(b, chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="timeline"]`))); err != nil {
		return err
	}
	pt, err := browsertest.Eval[[]float64](b, `(() => { const r = document.querySelector('.tl-range').getBoundingClientRect(); return [r.left - 1, r.top + r.height / 2]; })()`)
	if err != nil || len(pt) != 2 {
		return fmt.Errorf("timeline range: %v %v", pt, err)
	}
	return runActions(b, chromedp.MouseClickXY(pt[0], pt[1]))
}

// chromiumG711 plays a G.711 camera's recording from the timeline in
// Chromium: the picture plays over WebRTC and the audio track receives
// media (a remote track is unmuted once its RTP arrives).
func (c *client) chromiumG711(b *browsertest.Browser, cl *cell) (string, error) {
	if err := c.openCameraPage(b, cl); err != nil {
		return "", err
	}
	if err := clickRecording(b); err != nil {
		return "", err
	}
	type state struct {
		Transport string `json:"transport"`
		Frames    int    `json:"frames"`
		Audio     int    `json:"audio"`   // audio tracks
		Flowing   bool   `json:"flowing"` // the first is unmuted
		Status    string `json:"status"`
	}
	const js = `(() => {
	  const v = document.querySelector('[data-playback]');
	  const s = v.srcObject;
	  const a = s ? s.getAudioTracks() : [];
	  return {transport: v.dataset.transport || '', frames: v.getVideoPlaybackQuality().totalVideoFrames,
	          audio: a.length, flowing: a.length > 0 && !a[0].muted,
	          status: document.querySelector('[data-timeline-status]').textContent};
	})()`
	var st state
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var err error
		if st, err = browsertest.Eval[state](b, js); err != nil {
			return "", err
		}
		if st.Transport == "webrtc" && st.Frames >= 5 && st.Flowing {
			return fmt.Sprintf("(playback over WebRTC: %d frames, audio flowing)", st.Frames), nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("recorded playback after 30 s: %+v", st)
		}
	}
}
