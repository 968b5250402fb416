package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// browserGOP is the simulated cameras' keyframe interval in newBrowserSite
// (GOP 10 at 10 fps): recorded playback starts at the keyframe at or before
// the asked time, so it may show up to this much earlier.
const browserGOP = time.Second

// stampSlack allows for the clock drawn in a frame (the simulated camera's,
// at encoding) running behind the wall time the recorder stamped on it (at
// arrival, anchored per RTSP session): tens to a couple of hundred ms on a
// loaded loopback.
const stampSlack = 300 * time.Millisecond

// decodedClock polls the <video> matched by selector until a decoded frame
// of camera cam is readable, and returns the wall clock drawn in it and
// when it was read.
func decodedClock(t *testing.T, b *browsertest.Browser, selector, cam string, limit time.Duration) (clock, read time.Time) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		f, err := b.VideoFrame(selector)
		if err == nil {
			id, c, perr := simcam.ReadPattern(f.Luma, f.Width, f.Height, f.Width)
			switch {
			case perr != nil:
				err = perr
			case id != cam:
				t.Fatalf("%s shows camera %q, want %q", selector, id, cam)
			default:
				return c, time.Now()
			}
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: no readable frame within %v: %v", selector, limit, last)
	return time.Time{}, time.Time{}
}

// waitAnswers polls until the playback session has answered more than n
// control messages on its data channel.
func waitAnswers(t *testing.T, b *browsertest.Browser, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for eval[int](t, b, `Number(document.querySelector('[data-playback]').dataset.answers || 0)`) <= n {
		if time.Now().After(deadline) {
			t.Fatalf("no answer to control message %d: %s (channel %s)", n+1, eval[string](t, b, `document.querySelector('[data-timeline-status]').textContent`),
				eval[string](t, b, `document.querySelector('[data-playback]').dataset.channel || 'none'`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rate is how many seconds of footage the playback shows per second of
// wall time over about window.
func rate(t *testing.T, b *browsertest.Browser, cam string, window time.Duration) float64 {
	t.Helper()
	c1, w1 := decodedClock(t, b, `[data-playback]`, cam, 10*time.Second)
	time.Sleep(window) // the measuring window, not a synchronisation
	c2, w2 := decodedClock(t, b, `[data-playback]`, cam, 10*time.Second)
	return c2.Sub(c1).Seconds() / w2.Sub(w1).Seconds()
}

// checkTimelinePlayback clicks the recording on the camera page's timeline
// and checks that recorded footage of that camera arrives over WebRTC from
// the clicked time, that 4× plays about four times as fast and that pause
// stops the picture and resume starts it again.
func checkTimelinePlayback(t *testing.T, b *browsertest.Browser, srv *server, cam string) {
	base := srv.url
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", srv.stderr.String())
		}
	}()
	t.Helper()
	do(t, b,
		chromedp.Navigate(base+"/cameras/"+cam),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"][data-ranges]`)),
	)
	if n := eval[string](t, b, `document.querySelector('[data-timeline]').dataset.ranges`); n == "0" {
		t.Fatalf("timeline shows no recording: %s", eval[string](t, b, `document.querySelector('[data-timeline-status]').textContent`))
	}
	// A mouse click a pixel before the first recorded stretch: a day is
	// 1440 minutes wide, so seconds of footage are under a pixel and the
	// timeline snaps a near miss to the recording's start.
	do(t, b, chromedp.ScrollIntoView(chromedp.CSS(`[data-testid="timeline"]`)))
	pt := eval[[]float64](t, b, `(() => { const r = document.querySelector('.tl-range').getBoundingClientRect(); return [r.left - 1, r.top + r.height / 2]; })()`)
	clicked := time.Now()
	do(t, b, chromedp.MouseClickXY(pt[0], pt[1]))
	var from time.Time
	for deadline := time.Now().Add(5 * time.Second); from.IsZero(); time.Sleep(50 * time.Millisecond) {
		from, _ = time.Parse(time.RFC3339Nano, eval[string](t, b, `document.querySelector('[data-playback]').dataset.playingFrom || ''`))
		if from.IsZero() && time.Now().After(deadline) {
			t.Fatalf("the click at %v played nothing: %s", pt, eval[string](t, b, `document.querySelector('[data-timeline-status]').textContent`))
		}
	}
	clock, read := decodedClock(t, b, `[data-playback]`, cam, 20*time.Second)
	if tr := eval[string](t, b, `document.querySelector('[data-playback]').dataset.transport`); tr != "webrtc" {
		t.Fatalf("recorded playback went over %q, want webrtc", tr)
	}
	// The first readable frame is no more than a GOP before the clicked
	// time and no later than it plus the time played since the click.
	// The click snaps to the recording's first moment, whose wall time is
	// the RTSP session's anchor, taken at the first packet's arrival: a
	// loaded CI machine delayed that 1.5 s behind the drawn clock once, so
	// the early side allows 2 s there.
	const firstMomentSlack = 2 * time.Second
	if early, late := from.Sub(clock), clock.Sub(from)-read.Sub(clicked); early > browserGOP+firstMomentSlack || late > browserGOP+stampSlack {
		t.Fatalf("clicked %s, decoded clock %s (read %v after the click)", from.Format(time.RFC3339Nano), clock.Format(time.RFC3339Nano), read.Sub(clicked))
	}
	t.Logf("timeline click at %s played over WebRTC; first decoded clock %s, read %v after the click", from.Format("15:04:05.000"), clock.Format("15:04:05.000"), read.Sub(clicked).Round(time.Millisecond))

	// 4×: the drawn clock runs about four times as fast as the wall clock.
	answers := eval[int](t, b, `Number(document.querySelector('[data-playback]').dataset.answers || 0)`)
	_ = eval[bool](t, b, `(() => { const s = document.querySelector('[data-playback-speed]'); s.value = '4'; s.dispatchEvent(new Event('change')); return true; })()`)
	waitAnswers(t, b, answers)
	// A rate, so the bound is wide: on a loaded machine the player may fall
	// behind (2.26× was seen under -race beside the suite), and what is
	// checked is that 4× is clearly faster than 1× and not unbounded.
	if r := rate(t, b, cam, 2*time.Second); r < 1.6 || r > 8 {
		t.Fatalf("at 4× the footage ran %.2f× the wall clock", r)
	} else {
		t.Logf("4× playback ran at %.2f×", r)
	}

	// Pause holds the picture; resume moves it again.
	answers++
	do(t, b, chromedp.Click(chromedp.CSS(`[data-testid="playback-pause"]`)))
	waitAnswers(t, b, answers)
	// Paused, the picture comes to rest: frames already sent may still
	// drain, so it is waited for (a picture unchanged for a second),
	// bounded, rather than measured once.
	for deadline := time.Now().Add(20 * time.Second); ; {
		if r := rate(t, b, cam, time.Second); r <= 0.1 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("paused playback still ran at %.2f× after 20 s", r)
		}
	}
	answers++
	held, _ := decodedClock(t, b, `[data-playback]`, cam, 10*time.Second)
	do(t, b, chromedp.Click(chromedp.CSS(`[data-testid="playback-pause"]`)))
	waitAnswers(t, b, answers)
	// Resumed, the picture moves again: waited for, not measured over a
	// window (a loaded machine took longer than 1.5 s to show the next
	// frame after the resume, which read as 0.00×).
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, _ := decodedClock(t, b, `[data-playback]`, cam, 10*time.Second); c.Sub(held) >= time.Second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("resumed playback did not move on from %s within 20 s", held.Format("15:04:05.000"))
		}
	}
}
