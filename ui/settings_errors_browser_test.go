package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestSettingsRefusalIsASentence: a settings form the server refuses shows
// the refusal as a sentence. A wrong current password read "the current
// password is wrong", the API's lowercase words (walkthrough, 375 px).
func TestSettingsRefusalIsASentence(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/settings/account"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="password-form"]`)),
		chromedp.SendKeys(`#pw-current`, "not the password"),
		chromedp.SendKeys(`#pw-new`, "a new password here"),
		chromedp.Click(chromedp.CSS(`[data-testid="password-form"] button[type="submit"]`)),
	)
	waitJS(t, b, `(() => { const r = document.querySelector('[data-testid="password-form"] [data-result]'); return r.classList.contains('error') && r.textContent !== ''; })()`, 10*time.Second)
	got := evalT[string](t, b, `document.querySelector('[data-testid="password-form"] [data-result]').textContent`)
	if !strings.Contains(strings.ToLower(got), "password") || got[:1] != strings.ToUpper(got[:1]) || !strings.HasSuffix(got, ".") {
		t.Errorf("a wrong current password is refused with %q, want a sentence", got)
	}
}
