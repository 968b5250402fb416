package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestBrowserLinkForm: the share links page says when there are no links;
// the recording's times are asked for only when a recording is shared,
// and a recording without them is answered in words, before any request.
func TestBrowserLinkForm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/settings/links"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="link-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="links-none"]`)),
	)
	waitJS(t, b, `document.querySelector('[data-testid="link-range"]').hidden`, 10*time.Second)
	browse(t, b, chromedp.SetValue(chromedp.CSS(`#link-kind`), "clip"))
	evalT[bool](t, b, `document.querySelector('#link-kind').dispatchEvent(new Event('change')), true`)
	waitJS(t, b, `!document.querySelector('[data-testid="link-range"]').hidden`, 10*time.Second)
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="link-form"] button[type="submit"]`)))
	waitJS(t, b, `document.querySelector('[data-testid="link-form"] [data-result]').textContent === 'Choose when the recording starts and when it ends.'`, 10*time.Second)
	// A live link is made and shown once, with a button to copy it.
	browse(t, b, chromedp.SetValue(chromedp.CSS(`#link-kind`), "live"), chromedp.SendKeys(`#link-note`, "for the plumber"))
	waitJS(t, b, `document.querySelector('[data-testid="link-copy"]').hidden`, 10*time.Second)
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="link-form"] button[type="submit"]`)))
	waitJS(t, b, `document.querySelector('[data-testid="link-output"]').textContent.includes('/s/hsl_') && !document.querySelector('[data-testid="link-copy"]').hidden`, 10*time.Second)
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="link-copy"]`)))
	waitJS(t, b, `['Link copied. It is not shown again.', 'The link is selected: copy it now, it is not shown again.'].includes(document.querySelector('[data-testid="link-form"] [data-result]').textContent)`, 10*time.Second)
	// The list shows the new link at once, the link shown once stays on
	// the page, and the new row's Revoke works without a reload.
	waitJS(t, b, `document.querySelectorAll('[data-testid="link-row"]').length === 1 && !document.querySelector('[data-testid="links-none"]')`, 10*time.Second)
	if row := evalT[string](t, b, `[...document.querySelectorAll('[data-testid="link-row"] td')].map((td) => td.textContent).join('|')`); !strings.HasPrefix(row, f.camA1.Name+"for the plumber|live view|") || !strings.Contains(row, "|0|ana|Revoke") {
		t.Errorf("the new link's row reads %q", row)
	}
	// The note is the household's: in their list, never on the link's page.
	if r := f.get("/settings/links", f.login("ana")); testID(t, r.body, "link-note").Text() != "for the plumber" {
		t.Errorf("the list's note after a reload: %q", testID(t, r.body, "link-note").Text())
	}
	shared := evalT[string](t, b, `document.querySelector('[data-testid="link-output"]').textContent`)
	if i := strings.Index(shared, "/s/"); i < 0 {
		t.Errorf("the link shown: %q", shared)
	} else if r := f.get(shared[i:]); r.StatusCode != http.StatusOK || strings.Contains(r.body, "plumber") {
		t.Errorf("the link's page (%q): %d, shows the household's note: %t", shared, r.StatusCode, strings.Contains(r.body, "plumber"))
	}
	if out := evalT[string](t, b, `document.querySelector('[data-testid="link-output"]').textContent`); !strings.Contains(out, "/s/hsl_") {
		t.Fatalf("the link shown once is gone after the list refreshed: %q", out)
	}
	// Revoke asks first, as other removals do: no keeps the link.
	var accept atomic.Bool
	asked := answerDialogs(t, b, &accept)
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="link-revoke"]`)))
	if q := nextDialog(t, asked); !strings.HasPrefix(q, "Revoke this link?") {
		t.Errorf("Revoke asks %q", q)
	}
	if n := evalT[int](t, b, `document.querySelectorAll('[data-testid="link-row"]').length`); n != 1 {
		t.Fatalf("%d rows after answering no to Revoke", n)
	}
	accept.Store(true)
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="link-revoke"]`)))
	nextDialog(t, asked)
	waitJS(t, b, `document.querySelectorAll('[data-testid="link-row"]').length === 0`, 10*time.Second)
	if r := f.do(http.MethodGet, "/api/links", []any{f.login("ana")}, ""); r.StatusCode != http.StatusOK || strings.Contains(r.body, `"id"`) {
		t.Errorf("links after revoking the new one: %d %s", r.StatusCode, r.body)
	}

	// The camera page's Share of a selected stretch leads here with the
	// form filled in: the camera, a recording, and its times in the
	// browser's zone (here UTC+5).
	if _, err := chromedp.Call(b.Context(), emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Etc/GMT-5"}); err != nil {
		t.Fatalf("time zone: %v", err)
	}
	q := url.Values{"camera": {string(f.camA2.ID)}, "kind": {"clip"}, "start": {"2025-03-01T12:00:05.000Z"}, "end": {"2025-03-01T12:10:00.000Z"}}
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/links?"+q.Encode()), chromedp.WaitVisible(chromedp.CSS(`[data-testid="link-form"]`)))
	got := evalT[string](t, b, `(() => { const e = document.querySelector('[data-testid="link-form"]').elements;
		return [e.camera.value, e.kind.value, e.start.value, e.end.value, document.querySelector('[data-testid="link-range"]').hidden].join(' '); })()`)
	// (Chromium writes a whole minute without its seconds.)
	if want := string(f.camA2.ID) + " clip 2025-03-01T17:00:05 2025-03-01T17:10 false"; got != want {
		t.Errorf("the form from the camera page's Share reads %q, want %q", got, want)
	}
}

// TestLinksPageViewer: a viewer, who may not make links, is told who does
// instead of finding an empty page; an owner is not told so.
func TestLinksPageViewer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if r := f.get("/settings/links", f.login("vic")); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="links-cannot-make"`) || strings.Contains(r.body, `data-testid="link-form"`) {
		t.Errorf("viewer's links page: %d, no word on who makes links", r.StatusCode)
	}
	if r := f.get("/settings/links", f.login("ana")); strings.Contains(r.body, `data-testid="links-cannot-make"`) {
		t.Error("the owner is told to ask someone else")
	}
	// The camera page offers Share (live, and a selected stretch) to
	// whoever may make links, and to nobody else.
	cam := "/cameras/" + string(f.camA1.ID)
	if r := f.get(cam, f.login("ana")); !strings.Contains(r.body, `href="/settings/links?camera=`+string(f.camA1.ID)+`&amp;kind=live"`) || !strings.Contains(r.body, `data-testid="range-share"`) {
		t.Errorf("the owner's camera page has no Share: %d", r.StatusCode)
	}
	if r := f.get(cam, f.login("vic")); r.StatusCode != http.StatusOK || strings.Contains(r.body, `data-testid="camera-share"`) || strings.Contains(r.body, `data-testid="range-share"`) {
		t.Errorf("the viewer's camera page offers Share: %d", r.StatusCode)
	}
}

// TestSharePasscodeTooMany: after too many wrong passcodes the recipient
// gets the passcode form again, saying how long to wait (and Retry-After),
// not a bare error page with a link to the household's live view.
func TestSharePasscodeTooMany(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l := f.makeShare(f.login("ana"), string(f.camA1.ID), `{"kind":"live","passcode":"4321"}`)
	form := func(pass string) response {
		return f.do(http.MethodPost, l.URL, []any{http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}, "passcode="+pass)
	}
	var r response
	for i := 0; i < 20; i++ {
		if r = form("0000"); r.StatusCode != http.StatusUnauthorized {
			break
		}
	}
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, `data-testid="share-passcode-wait"`) ||
		!strings.Contains(r.body, "Try again in") || r.Header.Get("Retry-After") == "" || strings.Contains(r.body, "Back to the cameras") {
		t.Fatalf("too many wrong passcodes: %d Retry-After %q\n%s", r.StatusCode, r.Header.Get("Retry-After"), r.body)
	}
}

// TestBrowserShareRevokedWhileWatching: a share link's page says when it
// expires in the reader's own time zone, not UTC; its live view revoked
// while someone watches says so within seconds, instead of holding a
// frozen picture until the connection times out.
func TestBrowserShareRevokedWhileWatching(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t, view.LiveConfig{})
	ana := f.login("ana")
	l := f.makeShare(ana, string(f.camA1.ID), `{"kind":"live"}`)
	b := browsertest.Start(t)
	// The reader lives at UTC+5 (the IANA Etc zones' sign is inverted).
	if _, err := chromedp.Call(b.Context(), emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Etc/GMT-5"}); err != nil {
		t.Fatalf("time zone: %v", err)
	}
	browse(t, b, chromedp.Navigate(f.ts.URL+l.URL))
	waitJS(t, b, `document.body.dataset.shareState === 'playing' && document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames > 0`, 20*time.Second)
	when := evalT[string](t, b, `document.querySelector('[data-testid="share-when"]').textContent`)
	at, err := time.Parse(time.RFC3339, evalT[string](t, b, `document.querySelector('[data-testid="share-when"] time').dateTime`))
	if err != nil {
		t.Fatalf("the expiry's datetime: %v", err)
	}
	local := at.In(time.FixedZone("UTC+5", 5*3600))
	h12 := (local.Hour()+11)%12 + 1
	if strings.Contains(when, "UTC") || (!strings.Contains(when, local.Format("15:04:05")) && !strings.Contains(when, fmt.Sprintf("%02d:%s", h12, local.Format("04:05")))) {
		t.Errorf("the page reads %q; want the expiry at %s, the reader's time", when, local.Format("15:04:05 MST"))
	}
	if r := f.do(http.MethodDelete, "/api/links/"+l.ID, []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.body)
	}
	revoked := time.Now()
	waitJS(t, b, `document.body.dataset.shareState === 'ended'`, 9*time.Second)
	t.Logf("the page said so %v after the revocation", time.Since(revoked).Round(100*time.Millisecond))
}

// TestSignedOutPagesLinkNowhere: a share link's page and the login page
// show the name without a link a stranger could follow to the household's
// sign-in; an account without API tokens says so instead of bare headers.
func TestSignedOutPagesLinkNowhere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l := f.makeShare(f.login("ana"), string(f.camA1.ID), `{"kind":"live"}`)
	for _, path := range []string{l.URL, "/login"} {
		r := f.get(path)
		if r.StatusCode != http.StatusOK || strings.Contains(r.body, `<a class="brand"`) || !strings.Contains(r.body, `<span class="brand">`) {
			t.Errorf("%s: %d, the brand is a link or missing", path, r.StatusCode)
		}
	}
	// A link's pages (the player, the passcode form, the refusal) have one
	// main landmark, the skip link's one target.
	pass := f.makeShare(f.login("ana"), string(f.camA1.ID), `{"kind":"live","passcode":"4321"}`)
	for _, path := range []string{l.URL, pass.URL, "/s/" + unknownShareSecret + "/"} {
		if r := f.get(path); strings.Count(r.body, "<main") != 1 || strings.Count(r.body, `id="main"`) != 1 {
			t.Errorf("%s: %d main landmarks, %d elements with id main", path, strings.Count(r.body, "<main"), strings.Count(r.body, `id="main"`))
		}
	}
	if r := f.get("/settings/account", f.login("mo")); !strings.Contains(r.body, `data-testid="tokens-none"`) {
		t.Errorf("an account without tokens does not say so: %d", r.StatusCode)
	}
}

// TestSharePasscodeCookie: the cookie a right passcode earns never holds
// the passcode; it opens its own link only (the passcode itself in the
// cookie, or another link's cookie, opens nothing), and stops working
// when the link is revoked.
func TestSharePasscodeCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	const pass = "otter lantern 42"
	body := `{"kind":"live","passcode":"` + pass + `"}`
	l := f.makeShare(ana, string(f.camA1.ID), body)
	other := f.makeShare(ana, string(f.camA1.ID), body)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	r := f.do(http.MethodPost, l.URL, []any{form}, "passcode="+url.QueryEscape(pass))
	var unlock *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == shareUnlockCookie {
			unlock = c
		}
	}
	if r.StatusCode != http.StatusSeeOther || unlock == nil {
		t.Fatalf("right passcode: %d, cookies %v", r.StatusCode, r.Header.Values("Set-Cookie"))
	}
	for _, h := range r.Header.Values("Set-Cookie") {
		for _, leak := range []string{pass, url.QueryEscape(pass), url.PathEscape(pass), "otter"} {
			if strings.Contains(h, leak) {
				t.Errorf("Set-Cookie %q holds the passcode", h)
				break
			}
		}
	}
	if r := f.get(l.URL, unlock); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="share-page"`) {
		t.Fatalf("the link with its cookie: %d", r.StatusCode)
	}
	for name, c := range map[string]*http.Cookie{
		"the passcode as the cookie": {Name: shareUnlockCookie, Value: pass},
		"a made-up cookie":           {Name: shareUnlockCookie, Value: strings.Repeat("A", len(unlock.Value))},
	} {
		if r := f.get(l.URL, c); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d, want the passcode form (401)", name, r.StatusCode)
		}
	}
	// A browser that kept the passcode in the old cookie is told to
	// forget it.
	old := f.get(l.URL, unlock, &http.Cookie{Name: "hearth_link_passcode", Value: pass})
	if h := strings.Join(old.Header.Values("Set-Cookie"), "\n"); old.StatusCode != http.StatusOK || !strings.Contains(h, "hearth_link_passcode=;") || !strings.Contains(h, "Max-Age=0") {
		t.Errorf("the old passcode cookie is not expired: %d %q", old.StatusCode, h)
	}
	if r := f.get(other.URL, unlock); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("another link with the same passcode, opened with this link's cookie: %d, want 401", r.StatusCode)
	}
	if r := f.do(http.MethodDelete, "/api/links/"+l.ID, []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.body)
	}
	if r := f.get(l.URL, unlock); r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, `data-testid="share-gone"`) {
		t.Errorf("the revoked link with its cookie: %d, want 404", r.StatusCode)
	}
}

// TestBrowserShareClipUnavailable: a clip link whose recording cannot be
// played (here its file is gone) says so in words and offers no
// download that would fail, instead of a dead player.
func TestBrowserShareClipUnavailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start, end := f.now.Add(-2*time.Hour).UTC().Format(time.RFC3339), f.now.Add(-time.Hour).UTC().Format(time.RFC3339)
	dbtest.Footage(t, f.store, f.camA1.ID, f.now.Add(-90*time.Minute), f.now.Add(-89*time.Minute))
	l := f.makeShare(f.login("ana"), string(f.camA1.ID), fmt.Sprintf(`{"kind":"clip","start":%q,"end":%q}`, start, end))
	b := browsertest.Start(t)
	browse(t, b, chromedp.Navigate(f.ts.URL+l.URL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="share-video"]`)))
	waitJS(t, b, `document.body.dataset.shareState === 'refused'`, 10*time.Second)
	if s := evalT[string](t, b, `document.querySelector('[data-testid="share-status"]').textContent + '|' + document.querySelector('[data-testid="share-download"]').checkVisibility()`); !strings.HasPrefix(s, "This recording cannot be played") || !strings.HasSuffix(s, "|false") {
		t.Errorf("the page of an unplayable clip reads %q", s)
	}
}
