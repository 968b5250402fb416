package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/nvr"
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
