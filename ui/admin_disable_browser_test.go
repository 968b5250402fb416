package ui

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestBrowserAdminDisableAnswerShows: Disable asks first, and a refusal
// (the only appliance admin disabling their own account) is written where
// it is seen. It went to the first row's closed "New password" drawer, so
// the button seemed to do nothing.
func TestBrowserAdminDisableAnswerShows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(1280, 800))
	browserLogin(t, b, f.ts.URL, "root")
	var accept atomic.Bool
	accept.Store(true)
	asked := answerDialogs(t, b, &accept)
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/admin"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="admin-accounts"]`)))
	evalT[bool](t, b, `([...document.querySelectorAll('[data-testid="account-row"]')].find((r) => r.cells[0].textContent.trim() === 'root').querySelector('[data-testid="account-disable"]').click(), true)`)
	if q := nextDialog(t, asked); !strings.HasPrefix(q, "Disable the account root?") {
		t.Errorf("Disable asks %q", q)
	}
	waitJS(t, b, `(() => { const r = [...document.querySelectorAll('[data-testid="admin-accounts"] [data-result]')].find((e) => e.textContent !== '');
		return !!r && r.offsetParent !== null && r.textContent.includes('only appliance admin'); })()`, 10*time.Second)
}

// TestBrowserAddHouseholdRefusalShows: Add household's form has no result
// line of its own; a refusal (a name in use) was written nowhere, so the
// button seemed to do nothing. It shows in the section's line.
func TestBrowserAddHouseholdRefusalShows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 800))
	browserLogin(t, b, f.ts.URL, "root")
	form := `form[data-api="/api/admin/households"]`
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/admin"), chromedp.WaitVisible(chromedp.CSS(form)),
		chromedp.SetValue(chromedp.CSS(form+` input[name="name"]`), f.homeA.Name),
		chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	waitJS(t, b, `(() => { const r = [...document.querySelector('`+form+`').closest('section').querySelectorAll('[data-result]')].find((e) => e.textContent !== '');
		return !!r && r.offsetParent !== null && r.textContent.includes('already exists'); })()`, 10*time.Second)
}
