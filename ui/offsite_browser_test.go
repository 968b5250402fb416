package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
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
	// No key to keep on screen: the page is read again, and says so.
	waitJS(t, b, `(document.querySelector('[data-testid="offsite-status"] [data-result]') || {textContent: ''}).textContent === 'Saved.'`, 10*time.Second)
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

// TestBrowserOffsiteCardFollowsChanges: the card at the top of the page
// says what is set now. It used to keep saying "No off-site copy yet."
// after a Save, and to show the stopped target after Stop copying, until
// a reload. The SFTP server's fields show for an SFTP target only.
func TestBrowserOffsiteCardFollowsChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b, chromedp.EmulateViewport(375, 812))
	browserLogin(t, b, f.ts.URL, "ana")
	var accept atomic.Bool
	accept.Store(true)
	asked := answerDialogs(t, b, &accept)
	browse(t, b, chromedp.Navigate(f.ts.URL+"/settings/offsite"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="offsite-form"]`)))
	sftpShown := func() bool {
		return evalT[bool](t, b, `!document.querySelector('[data-testid="offsite-sftp-fields"]').hidden`)
	}
	if sftpShown() {
		t.Fatal("the SFTP server's fields show for a folder here")
	}
	browse(t, b, chromedp.SetValue(chromedp.CSS(`#offsite-kind`), "sftp"))
	evalT[bool](t, b, `document.querySelector('#offsite-kind').dispatchEvent(new Event('change'))`)
	if !sftpShown() {
		t.Fatal("the SFTP server's fields stay hidden for SFTP")
	}
	browse(t, b, chromedp.SetValue(chromedp.CSS(`#offsite-kind`), "dir"))
	evalT[bool](t, b, `document.querySelector('#offsite-kind').dispatchEvent(new Event('change'))`)

	// Saved with a new key: the key stays on screen, so the page is not
	// read again; the card says what was saved.
	dir := t.TempDir()
	browse(t, b, chromedp.SetValue(chromedp.CSS(`#offsite-path`), dir),
		chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] input[name="new_key"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] button[type="submit"]`)))
	waitJS(t, b, `(document.querySelector('[data-testid="offsite-saved"]') || {textContent: ''}).textContent.startsWith(`+strconv.Quote("Saved: copying to "+dir+".")+`)`, 10*time.Second)
	if evalT[bool](t, b, `document.querySelector('[data-testid="offsite-none"]') !== null || !document.querySelector('[data-testid="offsite-recovery"]').textContent.includes('AGE-SECRET-KEY')`) {
		t.Fatal("after Save the card still says no copy, or the recovery key went")
	}
	// Saved again without a new key: the page is read again.
	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] input[name="continuous"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="offsite-form"] button[type="submit"]`)))
	waitJS(t, b, `(document.querySelector('[data-testid="offsite-target"]') || {textContent: ''}).textContent.trim() === `+strconv.Quote(dir)+
		` && document.querySelector('[data-testid="offsite-status"] [data-result]').textContent === 'Saved.'`, 10*time.Second)

	browse(t, b, chromedp.Click(chromedp.CSS(`[data-testid="offsite-stop"]`)))
	if q := nextDialog(t, asked); q != "Stop the off-site copy? Files already copied stay on the target." {
		t.Fatalf("Stop asks %q", q)
	}
	// The reloaded page is there before its script writes the result line:
	// both are waited for.
	waitJS(t, b, `document.querySelector('[data-testid="offsite-none"]') !== null && (document.querySelector('[data-testid="offsite-status"] [data-result]') || {}).textContent === `+
		strconv.Quote("Stopped. Files already copied stay where they are."), 10*time.Second)
	if r := f.get("/api/household/offsite", f.login("ana")); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"configured":false`) {
		t.Fatalf("after Stop the target is still set: %d %s", r.StatusCode, r.body)
	}
}
