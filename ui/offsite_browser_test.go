package ui

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestBrowserOffsiteNewKeyOnce: "make a new household key" makes one key
// per tick. Left ticked after a save, it made another at the next Save
// (here: ticking "copy continuous footage too"), silently replacing the key
// the household had just been shown; and with the key in use in its field,
// ticking it was refused as "one of the two".
func TestBrowserOffsiteNewKeyOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 812))
	browserLogin(t, b, f.ts.URL, "ana")
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/offsite"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="offsite-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#offsite-path`), t.TempDir()),
		chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] input[name="new_key"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] button[type="submit"]`)))
	waitJS(t, b, `document.querySelector('[data-testid="offsite-recovery"]').textContent.includes('AGE-SECRET-KEY')`, 10*time.Second)
	recipient := func() string {
		t.Helper()
		r := f.get("/api/household/offsite", f.login("ana"))
		var v struct {
			Recipient string `json:"recipient"`
		}
		if err := json.Unmarshal([]byte(r.body), &v); err != nil || r.StatusCode != http.StatusOK || v.Recipient == "" {
			t.Fatalf("the household's target: %d %s (%v)", r.StatusCode, r.body, err)
		}
		return v.Recipient
	}
	first := recipient()
	if got := evalT[string](t, b, `(() => { const f = document.querySelector('[data-testid="offsite-form"]');
		return f.elements.new_key.checked + ' ' + f.elements.recipient.value; })()`); got != "false "+first {
		t.Fatalf("after the save: tick and key field %q, want the tick off and the new key %q", got, first)
	}
	// Save again with one more thing ticked: the key stays.
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] input[name="continuous"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] button[type="submit"]`)))
	waitJS(t, b, `document.querySelector('[data-testid="offsite-form"] [data-result]').textContent !== '' && !document.querySelector('[data-testid="offsite-form"] [data-result]').textContent.startsWith('Saved. Keep')`, 10*time.Second)
	if msg := evalT[string](t, b, `document.querySelector('[data-testid="offsite-form"] [data-result]').textContent`); msg != "Saved." {
		t.Fatalf("the second save says %q", msg)
	}
	if got := recipient(); got != first {
		t.Fatalf("a second Save changed the household key: %s, was %s", got, first)
	}
	// Ticking it with the key in use in the field makes a new one.
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] input[name="new_key"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] button[type="submit"]`)))
	waitJS(t, b, `document.querySelector('[data-testid="offsite-form"] [data-result]').textContent.startsWith('Saved. Keep the recovery key')`, 10*time.Second)
	if got := recipient(); got == first {
		t.Fatal("ticking new key with the old one in the field kept the old key")
	}
}
