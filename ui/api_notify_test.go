package ui

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/view"
)

// TestNotifyAPI: users manage their own channels and rules; secrets are
// write-only; targets obey the camera URLs' SSRF rule; a rule may name
// only a camera its user may see (404 otherwise, like any other); changes
// need a session; bad input answers 400 with a message.
func TestNotifyAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana, vic := f.login("ana"), f.login("vic")
	const secret = "hmac-secret-CANARY"

	r := f.do(http.MethodPost, "/api/notify/channels", []any{ana},
		`{"kind":"webhook","name":"Home Assistant","target":"https://203.0.113.7/hook","secret":"`+secret+`"}`)
	if r.StatusCode != http.StatusCreated || !strings.Contains(r.body, `"secret_set":true`) || strings.Contains(r.body, secret) {
		t.Fatalf("add channel: %d %s", r.StatusCode, r.body)
	}
	r = f.do(http.MethodGet, "/api/notify/channels", []any{ana}, "")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "Home Assistant") || strings.Contains(r.body, secret) {
		t.Fatalf("list channels: %d %s", r.StatusCode, r.body)
	}
	// The change is on record: who, which channel; never where it points or its secret.
	audit := must(f.store.Audit(context.Background(), 50))(t)
	found := false
	for _, e := range audit {
		if e.Action == "notify-channel-add" && e.UserID == f.ownerA.ID && e.Result == "ok" && strings.HasPrefix(e.Principal, "session:") {
			found = true
		}
		if strings.Contains(e.Detail, secret) || strings.Contains(e.Detail, "203.0.113.7") {
			t.Fatalf("audit row %+v names the target or the secret", e)
		}
	}
	if !found {
		t.Fatalf("no audit row for the new channel: %+v", audit)
	}
	if r = f.do(http.MethodGet, "/api/notify/channels", []any{vic}, ""); strings.Contains(r.body, "Home Assistant") {
		t.Fatalf("vic sees ana's channel: %s", r.body)
	}

	bad := []struct{ name, path, body, want string }{
		{"loopback target", "/api/notify/channels", `{"kind":"webhook","name":"x","target":"http://127.0.0.1:8080/"}`, "this appliance"},
		{"metadata target", "/api/notify/channels", `{"kind":"ntfy","name":"x","target":"http://169.254.169.254/topic"}`, "this appliance"},
		{"not a URL", "/api/notify/channels", `{"kind":"webhook","name":"x","target":"hooks"}`, "URL"},
		{"unknown kind", "/api/notify/channels", `{"kind":"sms","name":"x","target":"https://203.0.113.7/"}`, "channel kind"},
		{"web push by hand", "/api/notify/channels", `{"kind":"webpush","name":"x","target":"https://203.0.113.7/"}`, "web push"},
		{"address with header", "/api/notify/channels", `{"kind":"email","name":"x","target":"a@b.example\r\nBcc: c@d.example"}`, "e-mail"},
		{"unknown field", "/api/notify/channels", `{"kind":"email","name":"x","target":"a@b.example","local_ok":true}`, "local_ok"},
		{"no kinds", "/api/notify/rules", `{"kinds":[]}`, "at least one kind: tick one under \\\"Tell me about\\\""},
		{"unknown rule kind", "/api/notify/rules", `{"kinds":["smoke"]}`, "kind must be"},
		{"bad quiet hours", "/api/notify/rules", `{"kinds":["motion"],"quiet_start":"25:00","quiet_end":"07:00"}`, "quiet_start"},
		{"half quiet hours", "/api/notify/rules", `{"kinds":["motion"],"quiet_start":"22:00"}`, "both a start and an end (Quiet from and Quiet until"},
		{"half quiet hours, the end", "/api/notify/rules", `{"kinds":["motion"],"quiet_end":"07:00"}`, "both a start and an end"},
		{"long cooldown", "/api/notify/rules", `{"kinds":["motion"],"cooldown_seconds":100000}`, "cooldown"},
		{"storage for an owner", "/api/notify/rules", `{"kinds":["storage-low"]}`, "admin"},
		{"push keys missing", "/api/notify/webpush", `{"name":"p","subscription":{"endpoint":"https://203.0.113.7/p","keys":{"p256dh":"","auth":""}}}`, "subscription keys"},
		{"push to the appliance", "/api/notify/webpush", `{"name":"p","subscription":{"endpoint":"https://127.0.0.1/p","keys":` + pushKeys(t) + `}}`, "this appliance"},
		{"push over http", "/api/notify/webpush", `{"name":"p","subscription":{"endpoint":"http://203.0.113.7/p","keys":` + pushKeys(t) + `}}`, "https"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			r := f.do(http.MethodPost, c.path, []any{ana}, c.body)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, c.want) {
				t.Fatalf("%d %s, want 400 mentioning %q", r.StatusCode, r.body, c.want)
			}
		})
	}

	// Rules: only cameras the user may see, decided by the policy.
	rules := []struct {
		name   string
		who    *http.Cookie
		camera nvr.CameraID
		want   int
	}{
		{"owner, own camera", ana, f.camA2.ID, http.StatusCreated},
		{"owner, B's camera", ana, f.camB1.ID, http.StatusNotFound},
		{"viewer, assigned camera", vic, f.camA1.ID, http.StatusCreated},
		{"viewer, unassigned camera", vic, f.camA2.ID, http.StatusNotFound},
		{"viewer, B's camera", vic, f.camB1.ID, http.StatusNotFound},
		{"not an ID", ana, "Front door", http.StatusNotFound},
	}
	for _, c := range rules {
		t.Run(c.name, func(t *testing.T) {
			r := f.do(http.MethodPost, "/api/notify/rules", []any{c.who},
				`{"camera":"`+string(c.camera)+`","kinds":["motion","offline"],"quiet_start":"22:00","quiet_end":"07:00","cooldown_seconds":300}`)
			if r.StatusCode != c.want {
				t.Fatalf("%d %s, want %d", r.StatusCode, r.body, c.want)
			}
			if c.want == http.StatusNotFound && strings.Contains(r.body, string(c.camera)) {
				t.Fatalf("the refusal names the camera: %s", r.body)
			}
		})
	}
	r = f.do(http.MethodGet, "/api/notify/rules", []any{ana}, "")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"quiet_start":"22:00"`) || !strings.Contains(r.body, `"cooldown_seconds":300`) {
		t.Fatalf("list rules: %d %s", r.StatusCode, r.body)
	}

	// An API token (even scope all) cannot change notifications.
	tok, _ := must2(nvrtest.Operator(f.dir).CreateToken(context.Background(), f.ownerA.ID, "automation", nvr.ScopeAll, 0))(t)
	r = f.do(http.MethodPost, "/api/notify/channels", []any{bearer(tok)}, `{"kind":"webhook","name":"x","target":"https://203.0.113.8/"}`)
	if r.StatusCode != http.StatusNotFound {
		t.Fatalf("token adding a channel: %d %s", r.StatusCode, r.body)
	}

	// Delete: own rows only; then gone.
	chs := must(f.store.NotifyChannels(context.Background(), f.ownerA.ID))(t)
	if r = f.do(http.MethodDelete, "/api/notify/channels/"+string(chs[0].ID), []any{vic}, ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("vic deleting ana's channel: %d", r.StatusCode)
	}
	if r = f.do(http.MethodPost, "/api/notify/channels/"+string(chs[0].ID)+"/test", []any{ana}, ""); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("test without a running notifier: %d %s", r.StatusCode, r.body)
	}
	if r = f.do(http.MethodDelete, "/api/notify/channels/"+string(chs[0].ID), []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("ana deleting her channel: %d %s", r.StatusCode, r.body)
	}
	if r = f.do(http.MethodDelete, "/api/notify/channels/"+string(chs[0].ID), []any{ana}, ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("deleting it again: %d", r.StatusCode)
	}
}

// pushKeys is a browser subscription's keys, as JSON.
func pushKeys(t *testing.T) string {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return fmt.Sprintf(`{"p256dh":%q,"auth":%q}`, base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		base64.RawURLEncoding.EncodeToString(auth))
}

// The rules table says how often a rule may tell in words: a rule made
// with the form's 60 read "At most every 1m0s", Go's duration syntax.
func TestNotifyRuleCooldownInWords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	for _, secs := range []int{60, 90, 3600, 0} {
		if r := f.do(http.MethodPost, "/api/notify/rules", []any{ana}, fmt.Sprintf(`{"kinds":["motion"],"cooldown_seconds":%d}`, secs)); r.StatusCode != http.StatusCreated {
			t.Fatalf("rule with %d s: %d %s", secs, r.StatusCode, r.body)
		}
	}
	var got []string
	testID(t, f.get("/settings/notifications", ana).body, "rule-row").Each(func(_ int, s *goquery.Selection) {
		got = append(got, strings.TrimSpace(s.Find(`td[data-label="At most every"]`).Text()))
	})
	slices.Sort(got)
	if want := []string{"1 hour", "1 minute", "1 minute 30 seconds", "no limit"}; !slices.Equal(got, want) {
		t.Fatalf("cooldowns %q, want %q", got, want)
	}
	if w := view.DurationWords(2*time.Hour + 5*time.Second); w != "2 hours 5 seconds" {
		t.Errorf("2h0m5s: %q", w)
	}
}

// TestEmailChannelNeedsARelay: on an appliance without a mail relay an
// e-mail channel is refused when added, in words that say who sets it up,
// and the form offers it greyed out; with a relay both take it. Before, it
// was accepted and failed at every message, which only "Send a test" told.
func TestEmailChannelNeedsARelay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.srv.email = false // before any request to this fixture's server
	ana := f.login("ana")
	const body = `{"kind":"email","name":"Me","target":"ana@example.com"}`
	if r := f.do(http.MethodPost, "/api/notify/channels", []any{ana}, body); r.StatusCode != http.StatusBadRequest ||
		!strings.Contains(r.body, "e-mail is not set up on this appliance") || !strings.Contains(r.body, "admin") {
		t.Fatalf("e-mail channel without a relay: %d %s, want 400 saying it is not set up", r.StatusCode, r.body)
	}
	if r := f.get("/settings/notifications", ana); r.StatusCode != http.StatusOK ||
		!strings.Contains(r.body, `<option value="email" disabled data-testid="email-off">E-mail (not set up on this appliance)</option>`) {
		t.Fatalf("notifications page without a relay: %d, want the e-mail choice greyed out:\n%s", r.StatusCode, r.body)
	}
	if r := f.get("/api/notify/channels", ana); strings.Contains(r.body, "ana@example.com") {
		t.Fatalf("the refused channel was stored: %s", r.body)
	}

	g := newFixture(t)
	ana = g.login("ana")
	if r := g.do(http.MethodPost, "/api/notify/channels", []any{ana}, body); r.StatusCode != http.StatusCreated {
		t.Fatalf("e-mail channel with a relay: %d %s, want 201", r.StatusCode, r.body)
	}
	if r := g.get("/settings/notifications", ana); !strings.Contains(r.body, `<option value="email">E-mail</option>`) {
		t.Fatalf("notifications page with a relay lacks the e-mail choice:\n%s", r.body)
	}
}

// TestChannelTargetShownWithoutItsSecret: an ntfy topic or a webhook's
// token is in the path or query of its URL, so the channel list (page and
// API) shows only the scheme and host; an e-mail address is shown whole.
func TestChannelTargetShownWithoutItsSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	for _, body := range []string{
		`{"kind":"ntfy","name":"Phone","target":"https://ntfy.example/alvarez-topic-CANARY1"}`,
		`{"kind":"webhook","name":"Automation","target":"https://203.0.113.7/hook?token=CANARY2"}`,
		`{"kind":"email","name":"Mail","target":"ana@example.com"}`,
	} {
		if r := f.do(http.MethodPost, "/api/notify/channels", []any{ana}, body); r.StatusCode != http.StatusCreated || strings.Contains(r.body, "CANARY") {
			t.Fatalf("add %s: %d %s", body, r.StatusCode, r.body)
		}
	}
	api := f.get("/api/notify/channels", ana)
	page := f.get("/settings/notifications", ana)
	for name, r := range map[string]response{"API": api, "page": page} {
		if r.StatusCode != http.StatusOK || strings.Contains(r.body, "CANARY") {
			t.Fatalf("%s: %d, shows a topic or token: %s", name, r.StatusCode, r.body)
		}
		for _, want := range []string{"https://ntfy.example/…", "https://203.0.113.7/…", "ana@example.com"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
}

// TestNotificationsPageSaysNoneYet: a person who has set nothing up reads
// that there are no channels and no rules (and that nothing is sent
// without a rule), not column headings over nothing; once there are some,
// the tables list them.
func TestNotificationsPageSaysNoneYet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	r := f.get("/settings/notifications", ana)
	for _, want := range []string{`data-testid="channels-none">No channels yet: add one below, or use Notify this device above.</p>`, `data-testid="rules-none"`, "nothing is sent until you add one"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("empty notifications page lacks %s", want)
		}
	}
	if strings.Contains(r.body, `data-testid="channels"`) || strings.Contains(r.body, `data-testid="rules"`) {
		t.Error("empty notifications page shows a table")
	}
	if r := f.do(http.MethodPost, "/api/notify/channels", []any{ana}, `{"kind":"ntfy","name":"Phone","target":"https://ntfy.example/t"}`); r.StatusCode != http.StatusCreated {
		t.Fatalf("add channel: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, "/api/notify/rules", []any{ana}, `{"kinds":["motion"]}`); r.StatusCode != http.StatusCreated {
		t.Fatalf("add rule: %d %s", r.StatusCode, r.body)
	}
	r = f.get("/settings/notifications", ana)
	if !strings.Contains(r.body, `data-testid="channels"`) || !strings.Contains(r.body, `data-testid="rule-row"`) || strings.Contains(r.body, "-none\"") {
		t.Errorf("notifications page with a channel and a rule:\n%s", r.body)
	}
}
