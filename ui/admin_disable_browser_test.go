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
