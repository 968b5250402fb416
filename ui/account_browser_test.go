package ui

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestAccountTokensAndSessionsInBrowser walks the account page as a person
// tidying up after a lost phone: a token just created is listed at once
// (it used to appear only after a reload), and "Sign out everywhere else"
// ends every other session, keeps this one, and takes their rows away.
func TestAccountTokensAndSessionsInBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	phone, laptop := f.login("ana"), f.login("ana") // two other devices
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	var accept atomic.Bool
	accept.Store(true)
	asked := answerDialogs(t, b, &accept)
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/account"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="token-form"]`)))

	rows := func() int { return evalT[int](t, b, `document.querySelectorAll('[data-testid="token-row"]').length`) }
	before := rows()
	browse(t, b, chromedp.SetValue(chromedp.CSS(`#tok-name`), "Kitchen tablet"),
		chromedp.Click(chromedp.CSS(`[data-testid="token-form"] button[type="submit"]`)))
	waitJS(t, b, `document.querySelector('[data-testid="token-output"]').textContent.startsWith('hth_')`, 10*time.Second)
	if n := rows(); n != before+1 {
		t.Fatalf("after Create token the list has %d rows, want %d", n, before+1)
	}
	if last := evalT[string](t, b, `[...document.querySelectorAll('[data-testid="token-row"]')].pop().textContent`); !strings.Contains(last, "Kitchen tablet") || !strings.Contains(last, "view") {
		t.Fatalf("the new row reads %q", last)
	}
	if evalT[bool](t, b, `document.querySelector('[data-testid="tokens-none"]') !== null`) {
		t.Fatal(`"No tokens yet." still shown beside a token`)
	}
	// The row's Revoke works like a served one's.
	evalT[bool](t, b, `([...document.querySelectorAll('[data-testid="token-revoke"]')].pop().click(), true)`)
	if q := nextDialog(t, asked); !strings.Contains(q, "Revoke the token Kitchen tablet?") {
		t.Fatalf("Revoke asks %q", q)
	}
	waitJS(t, b, `document.querySelectorAll('[data-testid="token-row"]').length === `+itoa(int64(before)), 10*time.Second)

	// Three sessions listed; the button ends the two others.
	if n := evalT[int](t, b, `document.querySelectorAll('[data-testid="session-row"]').length`); n != 3 {
		t.Fatalf("%d sessions listed, want 3", n)
	}
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="sessions-end-others"]`)))
	if q := nextDialog(t, asked); !strings.Contains(q, "Sign out every other browser and phone") {
		t.Fatalf("the button asks %q", q)
	}
	waitJS(t, b, `document.querySelectorAll('[data-testid="session-row"]').length === 1`, 10*time.Second)
	if got := evalT[string](t, b, `document.querySelector('[data-testid="sessions"]').closest('section').querySelector('[data-result]').textContent`); got != "Signed out 2 other sessions." {
		t.Fatalf("the page says %q", got)
	}
	for name, c := range map[string]*http.Cookie{"phone": phone, "laptop": laptop} {
		if r := f.get("/api/me/sessions", c); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the %s's session still works: %d", name, r.StatusCode)
		}
	}
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/account"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="sessions"]`)))
	if evalT[bool](t, b, `document.querySelector('[data-testid="session-current"]') === null || document.querySelector('[data-testid="sessions-end-others"]') !== null`) {
		t.Fatal("this browser was signed out too, or the button stays with no other session")
	}
}
