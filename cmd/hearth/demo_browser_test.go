package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// demoEventsWithin is the README's promise for "hearth demo": live
// simulated cameras and events in the UI within a minute.
const demoEventsWithin = 60 * time.Second

// runDemo starts "hearth demo" with WebRTC on loopback and returns its URL,
// the printed logins and when it started listening.
func runDemo(t *testing.T) (base string, logins map[string]string, started time.Time) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	addr := make(chan string, 1)
	done := make(chan int, 1)
	args := []string{"demo", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0", "--webrtc-ice", "loopback"}
	go func() {
		done <- run(ctx, args, env{stdin: strings.NewReader(""), stdout: out, stderr: io.Discard, onListen: func(a string) { addr <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("demo exit code %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("demo did not stop within 10 s")
		}
	})
	select {
	case a := <-addr:
		base = "http://" + a
	case code := <-done:
		t.Fatalf("demo exited %d: %s", code, out.String())
	case <-time.After(serveStartLimit):
		t.Fatalf("demo did not start within %v", serveStartLimit)
	}
	started = time.Now()
	logins = map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  (\w+)\s+([a-z0-9]{12})\s`).FindAllStringSubmatch(out.String(), -1) {
		logins[m[1]] = m[2]
	}
	if logins["alice"] == "" {
		t.Fatalf("no owner login printed: %s", out.String())
	}
	return base, logins, started
}

// TestDemoBrowser opens "hearth demo" in Chromium as the README says to:
// the printed owner signs in, sees the household's cameras decoding live
// over WebRTC, and within a minute of the start an event card on the
// Events page (the simulated cameras move every 25 s; the bitstream motion
// detector runs by default).
func TestDemoBrowser(t *testing.T) {
	t.Parallel()
	b := browsertest.Start(t)
	base, logins, started := runDemo(t)

	do(t, b,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), "alice"),
		chromedp.SetValue(chromedp.CSS(`#password`), logins["alice"]),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`)),
	)
	ids := tileIDs(t, b)
	if len(ids) != 2 {
		t.Fatalf("alice's grid has %d tiles, want 2: %v", len(ids), ids)
	}
	for _, id := range ids {
		sel := fmt.Sprintf(`[data-testid="tile"][data-camera-id="%s"] video`, id)
		if got := waitDecodedID(t, b, sel, 20*time.Second); got != id {
			t.Fatalf("tile of camera %s decodes camera %s", id, got)
		}
	}
	t.Logf("demo: both tiles decoding their own camera %v after start", time.Since(started).Round(time.Millisecond))

	// The Events page, reloaded until a card shows (bounded by the promise).
	for {
		do(t, b,
			chromedp.Navigate(base+"/events"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="events-filter"]`)),
		)
		st := waitText(t, b, `[data-events-status]:not(:empty)`, 10*time.Second)
		cams := eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="event-card"]')].map(e => e.querySelector('.event-title').textContent)`)
		if len(cams) > 0 {
			t.Logf("demo: %d event card(s) %v after start: %q", len(cams), time.Since(started).Round(time.Millisecond), cams)
			break
		}
		if time.Since(started) > demoEventsWithin {
			t.Fatalf("no event card within %v of the demo's start: %s", demoEventsWithin, st)
		}
		time.Sleep(2 * time.Second) // the poll interval of a bounded wait
	}
}
