package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// shareLinkMade is the API's answer to a new link.
type shareLinkMade struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// makeLink creates a share link through the API as c's user.
func makeLink(t *testing.T, c *client, cam, body string) shareLinkMade {
	t.Helper()
	code, out := c.call("POST", "/api/cameras/"+cam+"/links", body, "Origin", c.base)
	var l shareLinkMade
	if code != 201 || json.Unmarshal([]byte(out), &l) != nil || !strings.HasPrefix(l.URL, "/s/hsl_") {
		t.Fatalf("create link: %d %s", code, out)
	}
	return l
}

// TestBrowserShareLink opens a live share link in a headless Chromium that
// never signed in (as soon as the server is up: the camera is usually not
// streaming yet, and the page must wait for it rather than give up, which
// it did two times in three), decodes the linked camera's own ID from its frames, and
// revokes the link: the frames stop and the page says the view ended,
// within a generous bound (the figure is logged); the server's session row
// says "revoked"; the link then answers the one refusal page. Then the
// owner makes a clip link with a passcode through the settings form, sees
// it listed without its secret (pages fit a phone), and the clip link,
// opened with its passcode, plays the camera's own recording.
func TestBrowserShareLink(t *testing.T) {
	t.Parallel()
	site := newBrowserSite(t)
	srv := startServer(t, site.data, "--webrtc-ice", "loopback")
	ana := newClient(t, srv.url)
	ana.login("ana", sitePassword)
	link := makeLink(t, ana, site.alpha[0], `{"kind":"live","expires_in_hours":2}`)
	// A clip link to a stretch with no footage is refused in words before
	// anyone is sent a link that opens on nothing.
	empty := fmt.Sprintf(`{"kind":"clip","start":%q,"end":%q}`, time.Now().Add(-3*time.Hour).UTC().Format(time.RFC3339),
		time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339))
	if code, out := ana.call("POST", "/api/cameras/"+site.alpha[0]+"/links", empty, "Origin", srv.url); code != 400 || !strings.Contains(out, "nothing was recorded") {
		t.Fatalf("clip link to a stretch without footage: %d %s, want 400 saying nothing was recorded", code, out)
	}
	if _, out := ana.call("GET", "/api/links", ""); strings.Count(out, `"id"`) != 1 {
		t.Fatalf("links after the refused one: %s, want only the live link", out)
	}

	b := browsertest.Start(t)
	defer func() {
		if t.Failed() {
			t.Logf("share page: state %q, status %q; server log:\n%s",
				eval[string](t, b, `document.body.dataset.shareState || ''`),
				eval[string](t, b, `(document.querySelector('[data-share-status]') || {}).textContent || ''`), srv.stderr.String())
		}
	}()
	do(t, b, chromedp.Navigate(srv.url+link.URL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="share-video"]`)))
	if got := waitDecodedID(t, b, `[data-testid="share-video"]`, 30*time.Second); got != site.alpha[0] {
		t.Fatalf("the link shows camera %s, want %s", got, site.alpha[0])
	}
	if html := eval[string](t, b, `document.documentElement.outerHTML`); strings.Contains(html, "hsl_") || strings.Contains(html, site.alpha[1]) || strings.Contains(html, site.beta[0]) {
		t.Fatal("the link's page holds its secret or another camera")
	}
	// Count decoded frames from here on.
	eval[bool](t, b, `(() => { const v = document.querySelector('[data-testid="share-video"]'); window.__frames = 0;
  const f = () => { window.__frames++; v.requestVideoFrameCallback(f); }; v.requestVideoFrameCallback(f); return true; })()`)
	frames := func() int { return eval[int](t, b, `window.__frames`) }
	waitShare(t, 10*time.Second, "frames after the first", func() bool { return frames() > 5 })

	revoked := time.Now()
	if code, out := ana.call("DELETE", "/api/links/"+link.ID, "", "Origin", srv.url); code != 204 {
		t.Fatalf("revoke: %d %s", code, out)
	}
	// Ended: no new frame for half a second, or the page says so.
	var endedAfter time.Duration
	last, lastAt := frames(), time.Now()
	deadline := time.Now().Add(15 * time.Second)
	for {
		state := eval[string](t, b, `document.body.dataset.shareState || ""`)
		n := frames()
		if n != last {
			last, lastAt = n, time.Now()
		}
		if state == "ended" || time.Since(lastAt) > 500*time.Millisecond {
			endedAfter = lastAt.Sub(revoked)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the linked live view still plays %v after revocation (%d frames)", time.Since(revoked), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("last frame %v after revocation (promise: 1 s)", endedAfter.Round(time.Millisecond))
	// The server's record: a link session that ended as revoked.
	waitShare(t, 10*time.Second, "the session's row in the viewing log", func() bool {
		_, out := ana.call("GET", "/api/viewing?camera="+site.alpha[0], "")
		return strings.Contains(out, `"what":"share link (live)"`) && strings.Contains(out, "revoked")
	})
	do(t, b, chromedp.Navigate(srv.url+link.URL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="share-gone"]`)))

	// The owner's side, signed in: make a clip link with the settings
	// form (links.js), see it listed without its secret, and the viewing
	// log at a phone's width.
	// A stretch the camera has recorded, for the clip.
	var clipFrom, clipTo time.Time
	waitShare(t, 60*time.Second, "5 s of camera A's recordings", func() bool {
		now := time.Now().UTC()
		_, out := ana.call("GET", "/api/cameras/"+site.alpha[0]+"/recordings?start="+now.Add(-time.Hour).Format(time.RFC3339)+"&end="+now.Format(time.RFC3339), "")
		var got struct {
			Ranges []struct{ Start, End time.Time } `json:"ranges"`
		}
		if json.Unmarshal([]byte(out), &got) != nil || len(got.Ranges) == 0 {
			return false
		}
		r := got.Ranges[len(got.Ranges)-1]
		clipFrom, clipTo = r.Start.Add(time.Second), r.End.Add(-time.Second)
		return clipTo.Sub(clipFrom) >= 5*time.Second
	})
	browserLogin(t, b, srv.url, "ana")
	do(t, b, chromedp.Navigate(srv.url+"/settings/links"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="link-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#link-camera`), site.alpha[0]),
		chromedp.SetValue(chromedp.CSS(`#link-kind`), "clip"))
	eval[bool](t, b, fmt.Sprintf(`(() => { const f = document.querySelector('[data-testid="link-form"]');
  f.elements.kind.dispatchEvent(new Event('change'));
  const iso = (d) => { const p = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()); };
  f.elements.start.value = iso(new Date(%d)); f.elements.end.value = iso(new Date(%d));
  f.elements.passcode.value = 'open sesame'; return true; })()`, clipFrom.Add(time.Second-1).Truncate(time.Second).UnixMilli(), clipTo.Truncate(time.Second).UnixMilli()))
	do(t, b, chromedp.Click(chromedp.CSS(`[data-testid="link-form"] button[type="submit"]`)))
	made := waitText(t, b, `[data-testid="link-output"]`, 10*time.Second)
	if !strings.HasPrefix(made, srv.url+"/s/hsl_") {
		t.Fatalf("the form made %q", made)
	}
	// The link is shown once: its copy button takes the focus (on a phone
	// it had landed below the fold). A refusal reads as a sentence, not
	// as the server's lowercase words.
	if !eval[bool](t, b, `document.activeElement === document.querySelector('[data-link-copy]')`) {
		t.Error("the copy button does not have the focus once the link is made")
	}
	eval[bool](t, b, `(() => { const f = document.querySelector('[data-testid="link-form"]'); f.elements.passcode.value = 'ab'; return true; })()`)
	do(t, b, chromedp.Click(chromedp.CSS(`[data-testid="link-form"] button[type="submit"]`)))
	refusal := waitText(t, b, `[data-testid="link-form"] [data-result].error`, 10*time.Second)
	if !strings.Contains(strings.ToLower(refusal), "passcode") || refusal[:1] != strings.ToUpper(refusal[:1]) || !strings.HasSuffix(refusal, ".") {
		t.Errorf("a short passcode is refused with %q, want a sentence about the passcode", refusal)
	}
	do(t, b, chromedp.Navigate(srv.url+"/settings/links"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="link-row"]`)))
	if html := eval[string](t, b, `document.documentElement.outerHTML`); strings.Contains(html, "hsl_") || !strings.Contains(html, "(passcode)") {
		t.Fatal("the links page shows a secret, or not the new link's passcode")
	}
	for _, page := range []string{"/settings/links", "/settings/viewing"} {
		do(t, b, chromedp.EmulateViewport(375, 800), chromedp.Navigate(srv.url+page), chromedp.WaitVisible(chromedp.CSS(`.settings-body`)))
		if over := eval[string](t, b, overflowJS); over != "" {
			t.Errorf("%s at 375 px scrolls sideways: %s", page, over)
		}
	}
	if rows := eval[string](t, b, `[...document.querySelectorAll('[data-testid="viewing-row"]')].map(r => r.textContent).join("\n")`); !strings.Contains(rows, "share link (live)") {
		t.Errorf("the viewing log page lacks the link's session: %s", rows)
	}
	// At 375 px (the page last loaded), a line's empty cell (no duration
	// for "share link made") shows no label alone.
	if bare := eval[int](t, b, `[...document.querySelectorAll('[data-testid="viewing-row"] td[data-label]')].filter(td => td.textContent.trim() === '' && td.offsetHeight > 0).length`); bare != 0 {
		t.Errorf("%d empty cells of the viewing log show their label alone at 375 px", bare)
	}
	// The new clip link with its passcode, as a stranger would open it.
	do(t, b, chromedp.Navigate(made), chromedp.WaitVisible(chromedp.CSS(`[data-testid="share-passcode-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#share-pass`), "open sesame"),
		chromedp.Click(chromedp.CSS(`[data-testid="share-passcode-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="share-download"]`)))
	// The recording plays, and it is the linked camera's.
	eval[bool](t, b, `(() => { const v = document.querySelector('[data-testid="share-video"]'); v.muted = true; v.play().catch(() => {}); return true; })()`)
	if answer := eval[string](t, b, `fetch('clip.mp4').then(async r => r.status + ' ' + (r.status === 200 ? '' : await r.text()))`); answer != "200 " {
		t.Fatalf("the clip link's clip: %s", answer)
	}
	if got := waitDecodedID(t, b, `[data-testid="share-video"]`, 30*time.Second); got != site.alpha[0] {
		t.Fatalf("the clip link shows camera %s, want %s", got, site.alpha[0])
	}
}

// waitShare polls cond every 50 ms until it holds or limit passes.
func waitShare(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
