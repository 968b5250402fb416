package notify_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
)

// forEvent returns the webhook payloads of r about event id.
func forEvent(t *testing.T, r *receiver, id nvr.EventID) []notify.WebhookPayload {
	var out []notify.WebhookPayload
	for _, got := range r.all() {
		if p := webhookPayload(t, got); p.Event != nil && p.Event.ID == id {
			out = append(out, p)
		}
	}
	return out
}

// TestIsolationAndRevocation: two households, events in both; each user
// hears only of cameras they may see, with that event's own thumbnail; and
// unassigning a viewer, moving a camera or disabling a user stops the very
// next message to them, decided at send time.
func TestIsolationAndRevocation(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ctx := context.Background()
	anaR, vicR, boR := newReceiver(t), newReceiver(t), newReceiver(t)
	s.subscribe(s.ownerA, nvr.ChannelWebhook, anaR.srv.URL, "ana-secret", nvr.NotifyMotion, nvr.NotifyTrigger)
	s.subscribe(s.viewerA, nvr.ChannelWebhook, vicR.srv.URL, "", nvr.NotifyTrigger)
	s.subscribe(s.ownerB, nvr.ChannelWebhook, boR.srv.URL, "", nvr.NotifyTrigger)

	a1, a2, b := s.trigger(s.camA1, "doorbell"), s.trigger(s.camA2, "gate"), s.trigger(s.camB, "doorbell")
	// vic's refusal for A2 is decided by vic's own worker, which may come
	// after the four sends: wait for both (the run seen on a loaded machine
	// read the stats between them).
	waitFor(t, 10*time.Second, "4 messages (ana 2, vic 1, bo 1) and vic's refusal", func() bool {
		st := s.svc.Stats()
		return st.Sent == 4 && st.Denied >= 1
	})
	want := map[*receiver][]nvr.EventID{anaR: {a1.ID, a2.ID}, vicR: {a1.ID}, boR: {b.ID}}
	names := map[*receiver]string{anaR: "ana (owner A)", vicR: "vic (viewer of A1)", boR: "bo (owner B)"}
	for r, ids := range want {
		got := r.all()
		if len(got) != len(ids) {
			t.Fatalf("%s received %d messages, want %d", names[r], len(got), len(ids))
		}
		for _, id := range ids {
			ps := forEvent(t, r, id)
			if len(ps) != 1 {
				t.Fatalf("%s: %d messages about event %s, want 1", names[r], len(ps), id)
			}
			stamp, err := readStamp(ps[0].Thumbnail)
			if err != nil || stamp != string(id) {
				t.Errorf("%s: thumbnail of event %s shows %q (%v)", names[r], id, stamp, err)
			}
		}
	}
	// vic's every-camera rule is put to the policy for A2 too, and refused.
	if st := s.svc.Stats(); st.Denied != 1 || st.Failed != 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v, want 4 sent and vic's one refusal", st)
	}

	// Unassign the viewer: the next event on A1 reaches ana, not vic.
	if err := s.op.UnassignCamera(ctx, s.viewerA.ID, s.camA1.ID); err != nil {
		t.Fatal(err)
	}
	next := s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "ana's message and vic's refusal", func() bool {
		return len(forEvent(t, anaR, next.ID)) == 1 && s.svc.Stats().Denied == 2
	})
	if n := len(forEvent(t, vicR, next.ID)); n != 0 {
		t.Fatalf("unassigned viewer got %d messages", n)
	}
	rules, err := s.notes.RulesFor(ctx, s.cli, s.viewerA.ID)
	if err != nil || len(rules) != 1 {
		t.Fatalf("vic's rules: %v %v", rules, err)
	}
	if err := s.notes.RemoveRuleFor(ctx, s.cli, s.viewerA.ID, rules[0].ID); err != nil {
		t.Fatal(err)
	}

	// A message already queued when its camera moves is not sent: ana's
	// receiver holds the first message in flight, the second waits in
	// ana's queue while A2 moves to household B, and is decided after.
	anaR.mu.Lock()
	anaR.hold = make(chan struct{})
	anaR.mu.Unlock()
	before := len(anaR.all())
	first := s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "ana's first message in flight", func() bool { return len(anaR.all()) == before+1 })
	queued := s.trigger(s.camA2, "gate")
	// ana's job for it is queued once the dispatcher has read the rules;
	// the trigger returns before that, so wait for the queue to fill.
	waitFor(t, 10*time.Second, "the second message queued", func() bool { return s.svc.Queued() == 1 })
	if err := s.op.MoveCamera(ctx, s.camA2.ID, s.homeB.ID); err != nil {
		t.Fatal(err)
	}
	anaR.mu.Lock()
	close(anaR.hold)
	anaR.hold = nil
	anaR.mu.Unlock()
	waitFor(t, 10*time.Second, "the queued message refused", func() bool { return s.svc.Stats().Denied == 3 })
	if len(forEvent(t, anaR, first.ID)) != 1 || len(forEvent(t, anaR, queued.ID)) != 0 {
		t.Fatalf("ana: %d messages about the event before the move, %d about the queued one (want 1, 0)",
			len(forEvent(t, anaR, first.ID)), len(forEvent(t, anaR, queued.ID)))
	}
	// And after the move, events on the camera go to its new household.
	moved, err := s.store.Camera(ctx, s.camA2.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.camA2 = moved
	time.Sleep(2 * time.Millisecond) // the event starts after the move (HouseholdSince)
	m := s.trigger(s.camA2, "gate")
	waitFor(t, 10*time.Second, "bo's message about the moved camera", func() bool { return len(forEvent(t, boR, m.ID)) == 1 })
	if n := len(forEvent(t, anaR, m.ID)); n != 0 {
		t.Fatalf("ana got %d messages about a camera moved away", n)
	}

	// Disable bo: nothing more for bo, though his rules and channels stay.
	if err := s.op.SetDisabled(ctx, s.ownerB.ID, true); err != nil {
		t.Fatal(err)
	}
	denied := s.svc.Stats().Denied
	d := s.trigger(s.camB, "doorbell")
	waitFor(t, 10*time.Second, "bo's refusal", func() bool { return s.svc.Stats().Denied == denied+1 })
	if n := len(forEvent(t, boR, d.ID)); n != 0 {
		t.Fatalf("disabled user got %d messages", n)
	}
}

// TestWebhookSignature checks the HMAC header with an independent
// implementation (openssl dgst) over the exact bytes received.
func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("openssl is needed to check the signature independently")
	}
	s := newSite(t, nil)
	r := newReceiver(t)
	const key = "a shared secret with spaces"
	s.subscribe(s.ownerA, nvr.ChannelWebhook, r.srv.URL+"/hook", key, nvr.NotifyTrigger)
	ev := s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "the webhook", func() bool { return len(r.all()) == 1 })
	got := r.all()[0]
	if got.Method != "POST" || got.Path != "/hook" || got.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("webhook %s %s %q", got.Method, got.Path, got.Header.Get("Content-Type"))
	}
	cmd := exec.Command(openssl, "dgst", "-sha256", "-hmac", key)
	cmd.Stdin = strings.NewReader(string(got.Body))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	_, hex, _ := strings.Cut(strings.TrimSpace(string(out)), "= ")
	if sig := got.Header.Get(notify.SignatureHeader); sig != "sha256="+hex || len(hex) != 64 {
		t.Fatalf("signature %q, openssl says %q", sig, hex)
	}
	p := webhookPayload(t, got)
	if p.Type != "hearth.notification" || p.Kind != nvr.NotifyTrigger || p.Camera == nil || p.Camera.ID != s.camA1.ID ||
		p.Camera.Name != "Front door" || p.Event.ID != ev.ID || p.Event.Label != "doorbell" || p.Title != "doorbell at Front door" ||
		!strings.HasPrefix(p.URL, "https://nvr.lan/cameras/"+string(s.camA1.ID)+"?t=") {
		t.Fatalf("payload %+v", p)
	}
	if strings.Contains(string(got.Body), key) {
		t.Fatal("the secret is in the body")
	}
}
