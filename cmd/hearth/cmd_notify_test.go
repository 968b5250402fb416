package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr/notify"
)

// TestNotifyCommands: the admin's `hearth notify` adds, lists, tests and
// removes a user's channels and rules; a rule naming another household's
// camera is refused; a test message reaches the receiver at once.
func TestNotifyCommands(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, "", "household", "add", "Bravo", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	camA := addCamera(t, data, "Alpha", "Front door", "rtsp://192.0.2.1/x")
	camB := addCamera(t, data, "Bravo", "Porch", "rtsp://192.0.2.2/x")
	hook := newNotifyPeer(t)

	// Without --allow-local the loopback receiver is refused, as for owners.
	if _, stderr, code := cli(t, "", "notify", "channel", "add", "ana", "--kind", "webhook", "--target", hook.srv.URL, "--data", data); code == 0 || !strings.Contains(stderr, "this appliance") {
		t.Fatalf("loopback target without --allow-local: %d %s", code, stderr)
	}
	id := strings.TrimSpace(mustCLI(t, "s3cret\n", "notify", "channel", "add", "ana", "--kind", "webhook", "--name", "Automation",
		"--target", hook.srv.URL+"/hook", "--secret-stdin", "--allow-local", "--data", data))
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Fatalf("channel add printed %q, want its ID", id)
	}
	list := mustCLI(t, "", "notify", "channel", "list", "ana", "--data", data)
	if !strings.Contains(list, id) || !strings.Contains(list, "Automation") || strings.Contains(list, "s3cret") {
		t.Fatalf("channel list:\n%s", list)
	}
	mustCLI(t, "", "notify", "test", "ana", id, "--data", data)
	hits := hook.hits()
	if len(hits) != 1 {
		t.Fatalf("test message: %d requests", len(hits))
	}
	var p notify.WebhookPayload
	if err := json.Unmarshal(hits[0].body, &p); err != nil || p.Kind != notify.KindTest || p.Camera != nil {
		t.Fatalf("test payload %s (%v)", hits[0].body, err)
	}
	// It says what it is, not only when it was sent.
	if !strings.Contains(p.Body, "this channel works") {
		t.Errorf("test message body %q", p.Body)
	}
	if hits[0].header.Get(notify.SignatureHeader) != notify.Sign([]byte("s3cret"), hits[0].body) {
		t.Fatal("test message signature")
	}

	if _, stderr, code := cli(t, "", "notify", "rule", "add", "ana", "--camera", camB, "--data", data); code == 0 || !strings.Contains(stderr, "may not see") {
		t.Fatalf("rule for another household's camera: %d %s", code, stderr)
	}
	if _, stderr, code := cli(t, "", "notify", "rule", "add", "ana", "--kinds", "motion,smoke", "--data", data); code != exitUsage || !strings.Contains(stderr, "kind") {
		t.Fatalf("unknown kind: %d %s", code, stderr)
	}
	if _, stderr, code := cli(t, "", "notify", "rule", "add", "ana", "--quiet", "22-7", "--data", data); code != exitUsage || !strings.Contains(stderr, "HH:MM") {
		t.Fatalf("bad quiet hours: %d %s", code, stderr)
	}
	rule := strings.TrimSpace(mustCLI(t, "", "notify", "rule", "add", "ana", "--camera", camA, "--kinds", "motion,offline",
		"--quiet", "22:00-07:00", "--cooldown", "5m", "--data", data))
	rules := mustCLI(t, "", "notify", "rule", "list", "ana", "--data", data)
	if !strings.Contains(rules, rule) || !strings.Contains(rules, "motion,offline") || !strings.Contains(rules, "22:00-07:00") || !strings.Contains(rules, "5m0s") {
		t.Fatalf("rule list:\n%s", rules)
	}
	mustCLI(t, "", "notify", "rule", "remove", "ana", rule, "--data", data)
	mustCLI(t, "", "notify", "channel", "remove", "ana", id, "--data", data)
	if list := mustCLI(t, "", "notify", "channel", "list", "ana", "--data", data); strings.Contains(list, id) {
		t.Fatalf("removed channel still listed:\n%s", list)
	}
	if _, _, code := cli(t, "", "notify", "channel", "remove", "ana", id, "--data", data); code == 0 {
		t.Fatal("removing it twice succeeded")
	}
}
