package nvr

import (
	"context"
	"testing"
	"time"
)

func TestNotifyRuleWants(t *testing.T) {
	cam := CameraID("0123456789abcdef0123456789abcdef")
	other := CameraID("fedcba9876543210fedcba9876543210")
	at := func(h, m int) time.Time { return time.Date(2026, 12, 6, h, m, 0, 0, time.UTC) }
	cases := []struct {
		name  string
		rule  NotifyRule
		kind  NotifyKind
		label string
		cam   CameraID
		t     time.Time
		want  bool
	}{
		{"every camera, motion", NotifyRule{Kinds: []NotifyKind{NotifyMotion}}, NotifyMotion, "", cam, at(12, 0), true},
		{"kind not chosen", NotifyRule{Kinds: []NotifyKind{NotifyMotion}}, NotifyOffline, "", cam, at(12, 0), false},
		{"its camera", NotifyRule{CameraID: cam, Kinds: []NotifyKind{NotifyMotion}}, NotifyMotion, "", cam, at(12, 0), true},
		{"another camera", NotifyRule{CameraID: cam, Kinds: []NotifyKind{NotifyMotion}}, NotifyMotion, "", other, at(12, 0), false},
		{"label listed", NotifyRule{Kinds: []NotifyKind{NotifyTrigger}, Labels: []string{"doorbell"}}, NotifyTrigger, "doorbell", cam, at(12, 0), true},
		{"label not listed", NotifyRule{Kinds: []NotifyKind{NotifyTrigger}, Labels: []string{"doorbell"}}, NotifyTrigger, "garage", cam, at(12, 0), false},
		{"a camera's own analytics: the kind names it", NotifyRule{Kinds: []NotifyKind{NotifyTrigger}, Labels: []string{"person"}}, NotifyTrigger, "person (PeopleRule)", cam, at(12, 0), true},
		{"label case aside", NotifyRule{Kinds: []NotifyKind{NotifyTrigger}, Labels: []string{"Person"}}, NotifyTrigger, "person", cam, at(12, 0), true},
		{"another kind with a rule", NotifyRule{Kinds: []NotifyKind{NotifyTrigger}, Labels: []string{"person"}}, NotifyTrigger, "vehicle (CarRule)", cam, at(12, 0), false},
		{"a prefix is not the kind", NotifyRule{Kinds: []NotifyKind{NotifyTrigger}, Labels: []string{"pers"}}, NotifyTrigger, "person (PeopleRule)", cam, at(12, 0), false},
		{"labels ignore motion", NotifyRule{Kinds: []NotifyKind{NotifyMotion}, Labels: []string{"doorbell"}}, NotifyMotion, "", cam, at(12, 0), true},
		{"quiet by day", NotifyRule{Kinds: []NotifyKind{NotifyMotion}, QuietStart: 9 * 60, QuietEnd: 17 * 60}, NotifyMotion, "", cam, at(12, 0), false},
		{"after the quiet day", NotifyRule{Kinds: []NotifyKind{NotifyMotion}, QuietStart: 9 * 60, QuietEnd: 17 * 60}, NotifyMotion, "", cam, at(17, 0), true},
		{"quiet night, late", NotifyRule{Kinds: []NotifyKind{NotifyMotion}, QuietStart: 22 * 60, QuietEnd: 7 * 60}, NotifyMotion, "", cam, at(23, 30), false},
		{"quiet night, early", NotifyRule{Kinds: []NotifyKind{NotifyMotion}, QuietStart: 22 * 60, QuietEnd: 7 * 60}, NotifyMotion, "", cam, at(6, 59), false},
		{"quiet night, morning", NotifyRule{Kinds: []NotifyKind{NotifyMotion}, QuietStart: 22 * 60, QuietEnd: 7 * 60}, NotifyMotion, "", cam, at(7, 0), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.rule.Wants(c.kind, c.label, c.cam, c.t); got != c.want {
				t.Errorf("Wants = %v, want %v", got, c.want)
			}
		})
	}
}

func TestValidateNotifyRule(t *testing.T) {
	ok := NotifyRule{Kinds: []NotifyKind{NotifyMotion}}
	cases := []struct {
		name string
		mod  func(*NotifyRule)
		ok   bool
	}{
		{"plain", func(*NotifyRule) {}, true},
		{"no kinds", func(r *NotifyRule) { r.Kinds = nil }, false},
		{"unknown kind", func(r *NotifyRule) { r.Kinds = []NotifyKind{"smoke"} }, false},
		{"twice", func(r *NotifyRule) { r.Kinds = []NotifyKind{NotifyMotion, NotifyMotion} }, false},
		{"quiet 24:00", func(r *NotifyRule) { r.QuietEnd = 24 * 60 }, false},
		{"negative cooldown", func(r *NotifyRule) { r.Cooldown = -time.Second }, false},
		{"two-day cooldown", func(r *NotifyRule) { r.Cooldown = 48 * time.Hour }, false},
		{"label with newline", func(r *NotifyRule) { r.Labels = []string{"a\nb"} }, false},
		{"camera by name", func(r *NotifyRule) { r.CameraID = "Front door" }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ok
			c.mod(&r)
			err := ValidateNotifyRule(r)
			if (err == nil) != c.ok {
				t.Fatalf("ValidateNotifyRule = %v, want ok=%v", err, c.ok)
			}
			if err != nil && ErrorKind(err) != KindInvalid {
				t.Errorf("kind %v, want invalid", ErrorKind(err))
			}
		})
	}
}

// TestValidateNotifyChannel holds channel targets to the camera URLs' SSRF
// rule: a user's target may not reach this appliance; the admin's may.
func TestValidateNotifyChannel(t *testing.T) {
	noDNS := func(context.Context, string) ([]string, error) { return []string{"203.0.113.7"}, nil }
	rebind := func(context.Context, string) ([]string, error) { return []string{"127.0.0.1"}, nil }
	cases := []struct {
		name   string
		c      NotifyChannel
		lookup LookupHost
		ok     bool
	}{
		{"webhook", NotifyChannel{Kind: ChannelWebhook, Name: "hook", Target: "https://hooks.example.com/x"}, noDNS, true},
		{"ntfy", NotifyChannel{Kind: ChannelNtfy, Name: "phone", Target: "https://ntfy.sh/hearth-abc"}, noDNS, true},
		{"email", NotifyChannel{Kind: ChannelEmail, Name: "mail", Target: "ana@example.com"}, noDNS, true},
		{"email with name", NotifyChannel{Kind: ChannelEmail, Name: "mail", Target: "Ana <ana@example.com>"}, noDNS, false},
		{"email with header", NotifyChannel{Kind: ChannelEmail, Name: "mail", Target: "ana@example.com\r\nBcc: x@y.z"}, noDNS, false},
		{"loopback", NotifyChannel{Kind: ChannelWebhook, Name: "hook", Target: "http://127.0.0.1:8080/x"}, noDNS, false},
		{"loopback, odd spelling", NotifyChannel{Kind: ChannelWebhook, Name: "hook", Target: "http://0x7f000001/x"}, noDNS, false},
		{"mapped loopback", NotifyChannel{Kind: ChannelWebhook, Name: "hook", Target: "http://[::ffff:127.0.0.1]/x"}, noDNS, false},
		{"metadata", NotifyChannel{Kind: ChannelWebhook, Name: "hook", Target: "http://169.254.169.254/latest"}, noDNS, false},
		{"name resolving home", NotifyChannel{Kind: ChannelNtfy, Name: "n", Target: "https://evil.example/x"}, rebind, false},
		{"admin may go local", NotifyChannel{Kind: ChannelWebhook, Name: "hook", Target: "http://127.0.0.1:8080/x", LocalOK: true}, noDNS, true},
		{"credentials in URL", NotifyChannel{Kind: ChannelWebhook, Name: "hook", Target: "https://u:p@hooks.example.com/"}, noDNS, false},
		{"file URL", NotifyChannel{Kind: ChannelWebhook, Name: "hook", Target: "file:///etc/passwd"}, noDNS, false},
		{"push over http", NotifyChannel{Kind: ChannelWebPush, Name: "p", Target: "http://push.example.com/x"}, noDNS, false},
		{"no name", NotifyChannel{Kind: ChannelWebhook, Target: "https://hooks.example.com/x"}, noDNS, false},
		{"unknown kind", NotifyChannel{Kind: "sms", Name: "s", Target: "https://hooks.example.com/x"}, noDNS, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateNotifyChannel(context.Background(), c.c, c.lookup)
			if (err == nil) != c.ok {
				t.Fatalf("ValidateNotifyChannel = %v, want ok=%v", err, c.ok)
			}
			if err != nil && ErrorKind(err) != KindInvalid {
				t.Errorf("kind %v, want invalid", ErrorKind(err))
			}
		})
	}
}
