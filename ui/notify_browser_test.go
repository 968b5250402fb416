package ui

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestNotificationsPageInABrowser: at phone width, an owner adds an ntfy
// channel and a rule through the page's forms (the ticked kinds become
// the rule's list), and both are stored as theirs.
func TestNotificationsPageInABrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b,
		chromedp.EmulateViewport(375, 812),
		chromedp.Navigate(f.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), "ana"),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav`)),
		chromedp.Navigate(f.ts.URL+"/settings/notifications"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="channel-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#ch-name`), "My phone"),
		chromedp.SetValue(chromedp.CSS(`#ch-target`), "https://203.0.113.7/hearth-ana"),
		chromedp.SetValue(chromedp.CSS(`#ch-secret`), "tk_phone"),
		chromedp.Click(chromedp.CSS(`[data-testid="channel-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="channel-row"]`)),
		chromedp.SetValue(chromedp.CSS(`#rule-camera`), string(f.camA1.ID)),
		chromedp.Click(chromedp.CSS(`input[name="kinds"][value="trigger"]`)),
		chromedp.Click(chromedp.CSS(`input[name="kinds"][value="offline"]`)),
		chromedp.SetValue(chromedp.CSS(`#rule-labels`), "doorbell, gate"),
		chromedp.Click(chromedp.CSS(`[data-testid="rule-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="rule-row"]`)),
	)
	row, err := browsertest.Eval[string](b, `document.querySelector('[data-testid="rule-row"]').textContent`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(row, "Front door") || !strings.Contains(row, "motion, going offline") {
		t.Errorf("rule row %q", row)
	}
	over, err := browsertest.Eval[string](b, cardOverflowJS)
	if err != nil || over != "" {
		t.Errorf("the page overflows at 375 px: %q %v", over, err)
	}
	ctx := context.Background()
	chs := must(f.store.NotifyChannels(ctx, f.ownerA.ID))(t)
	rules := must(f.store.NotifyRules(ctx, f.ownerA.ID))(t)
	if len(chs) != 1 || chs[0].Kind != nvr.ChannelNtfy || chs[0].Secret.Reveal() != "tk_phone" {
		t.Fatalf("channels %+v", chs)
	}
	if len(rules) != 1 || rules[0].CameraID != f.camA1.ID || len(rules[0].Kinds) != 2 || rules[0].Kinds[0] != nvr.NotifyMotion ||
		rules[0].Kinds[1] != nvr.NotifyOffline || strings.Join(rules[0].Labels, "|") != "doorbell|gate" || rules[0].Cooldown.Seconds() != 60 || !rules[0].Thumbnail {
		t.Fatalf("rules %+v", rules)
	}
}

// testVAPIDKey makes a web push key for the fixture, as serve does.
func testVAPIDKey(t *testing.T) string {
	v, err := notify.LoadVAPID(filepath.Join(t.TempDir(), "vapid.pem"), "mailto:admin@localhost")
	if err != nil {
		t.Fatal(err)
	}
	return v.PublicKey()
}

// TestInstallableAppInABrowser: Chromium finds the web manifest and its
// icons, registers the service worker for the whole app, and the
// subscription JSON a browser makes is accepted by the API as the user's
// push channel (a real subscribe needs a browser vendor's push service,
// unreachable here; TestWebPush in nvr/notify decrypts what is sent).
func TestInstallableAppInABrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := browsertest.Start(t)
	browse(t, b,
		chromedp.Navigate(f.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#username`), "ana"),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav`)),
		chromedp.Navigate(f.ts.URL+"/settings/notifications"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="push-subscribe"]`)),
	)
	scope, err := browsertest.Eval[string](b, `navigator.serviceWorker.ready.then((r) => r.scope)`)
	if err != nil || scope != f.ts.URL+"/" {
		t.Fatalf("service worker scope %q (%v), want %s/", scope, err, f.ts.URL)
	}
	manifest, err := browsertest.Eval[string](b, `(async () => {
		const href = document.querySelector('link[rel="manifest"]').href;
		const m = await (await fetch(href)).json();
		const icons = await Promise.all(m.icons.map(async (i) => {
			const r = await fetch(i.src);
			const img = await createImageBitmap(await r.blob());
			return r.status + ' ' + r.headers.get('content-type') + ' ' + img.width + 'x' + img.height + '=' + i.sizes;
		}));
		return [m.name, m.start_url, m.display, ...icons].join('|');
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	if manifest != "Hearth|/|standalone|200 image/png 192x192=192x192|200 image/png 512x512=512x512" {
		t.Fatalf("manifest: %s", manifest)
	}
	ua, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	sub := fmt.Sprintf(`{"endpoint":"https://203.0.113.9/wpush/v2/abc","expirationTime":null,"keys":{"p256dh":%q,"auth":%q}}`,
		base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(auth))
	status, err := browsertest.Eval[float64](b, `(async () => {
		const sub = `+sub+`;
		delete sub.expirationTime;
		const r = await fetch('/api/notify/webpush', {method: 'POST', headers: {'Content-Type': 'application/json'},
			body: JSON.stringify({name: 'Test phone', subscription: sub})});
		return r.status;
	})()`)
	if err != nil || status != 201 {
		t.Fatalf("subscription: %v %v", status, err)
	}
	chs := must(f.store.NotifyChannels(context.Background(), f.ownerA.ID))(t)
	if len(chs) != 1 || chs[0].Kind != nvr.ChannelWebPush || chs[0].Target != "https://203.0.113.9/wpush/v2/abc" ||
		!strings.Contains(chs[0].Secret.Reveal(), "p256dh") {
		t.Fatalf("channels %+v", chs)
	}
	// The service worker is served for the whole scope and never cached long.
	r := f.do(http.MethodGet, "/static/sw.js", nil, "")
	if r.StatusCode != http.StatusOK || r.Header.Get("Service-Worker-Allowed") != "/" || r.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("sw.js: %d %v", r.StatusCode, r.Header)
	}
	for _, bad := range []string{"/api/", ".mp4", "thumbnail", "clip", "whep", "mse"} {
		if strings.Contains(strings.SplitN(r.body, "self.addEventListener('push'", 2)[0], "'"+bad) {
			t.Errorf("the service worker's cache names %q", bad)
		}
	}
}
