package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/notify"
)

// ntfyServer speaks the part of ntfy's publish API Hearth uses (no ntfy
// server is packaged here): POST /topic with the message as the body, or
// PUT /topic with an attachment as the body and Filename and Message
// headers; RFC 2047 header values decoded as ntfy does.
func ntfyDecode(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("header %q: %v", v, err)
	}
	return s
}

func TestNtfy(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	r := newReceiver(t)
	ctx := context.Background()
	// With a thumbnail: a PUT of the JPEG.
	s.subscribe(s.ownerA, nvr.ChannelNtfy, r.srv.URL+"/hearth-ana", "tk_secret", nvr.NotifyTrigger)
	// Bo asks for text only; his camera is renamed with non-ASCII.
	if _, err := s.op.EditCamera(ctx, s.camB.ID, nvr.CameraChanges{Name: ptr("Porte d’entrée")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.notes.AddChannelFor(ctx, s.cli, s.ownerB.ID, nvr.NotifyChannel{Kind: nvr.ChannelNtfy, Name: "phone",
		Target: r.srv.URL + "/hearth-bo", LocalOK: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.notes.AddRuleFor(ctx, s.cli, s.ownerB.ID, nvr.NotifyRule{Kinds: []nvr.NotifyKind{nvr.NotifyTrigger}}); err != nil {
		t.Fatal(err)
	}
	a, b := s.trigger(s.camA1, "doorbell"), s.trigger(s.camB, "doorbell")
	waitFor(t, 10*time.Second, "two ntfy messages", func() bool { return len(r.all()) == 2 })
	for _, got := range r.all() {
		switch got.Path {
		case "/hearth-ana":
			if got.Method != "PUT" || got.Header.Get("Authorization") != "Bearer tk_secret" {
				t.Fatalf("ana: %s with auth %q", got.Method, got.Header.Get("Authorization"))
			}
			if fn := got.Header.Get("Filename"); !strings.HasSuffix(fn, ".jpg") || !strings.Contains(fn, string(s.camA1.ID)) {
				t.Errorf("Filename %q", fn)
			}
			if stamp, err := readStamp(got.Body); err != nil || stamp != string(a.ID) {
				t.Errorf("attachment shows %q (%v), want event %s", stamp, err, a.ID)
			}
			if ti, msg := got.Header.Get("Title"), ntfyDecode(t, got.Header.Get("Message")); ti != "doorbell at Front door" || !strings.HasPrefix(msg, "Front door · ") {
				t.Errorf("Title %q Message %q", ti, msg)
			}
			if c := got.Header.Get("Click"); !strings.HasPrefix(c, "https://nvr.lan/cameras/"+string(s.camA1.ID)+"?t=") {
				t.Errorf("Click %q", c)
			}
			if tags := got.Header.Get("Tags"); !strings.Contains(tags, "trigger") {
				t.Errorf("Tags %q", tags)
			}
		case "/hearth-bo":
			if got.Method != "POST" || got.Header.Get("Authorization") != "" || got.Header.Get("Filename") != "" {
				t.Fatalf("bo: %s auth %q filename %q", got.Method, got.Header.Get("Authorization"), got.Header.Get("Filename"))
			}
			if ti := ntfyDecode(t, got.Header.Get("Title")); ti != "doorbell at Porte d’entrée" {
				t.Errorf("Title %q", ti)
			}
			if !strings.HasPrefix(string(got.Body), "Porte d’entrée · ") {
				t.Errorf("body %q", got.Body)
			}
			_ = b
		default:
			t.Fatalf("unexpected topic %s", got.Path)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestEmail sends through a real SMTP server (aiosmtpd), over STARTTLS
// and over TLS from the first byte, and reads the thumbnail back out of
// the received message: inline, by Content-ID, that event's picture.
func TestEmail(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{notify.SMTPStartTLS, notify.SMTPTLS} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			peer := startSMTP(t, mode)
			s := newSite(t, func(c *notify.Config) {
				c.SMTP = notify.SMTPConfig{Addr: peer.addr, From: "hearth@nvr.lan", Security: mode}
				c.RootCAs = peer.pool
			})
			s.subscribe(s.ownerA, nvr.ChannelEmail, "ana@example.com", "", nvr.NotifyTrigger)
			s.subscribe(s.ownerB, nvr.ChannelEmail, "bo@example.com", "", nvr.NotifyTrigger)
			ev := s.trigger(s.camA1, "doorbell")
			waitFor(t, 20*time.Second, "the mail", func() bool { msgs, _ := peer.mails(t); return len(msgs) == 1 })
			msgs, rcpts := peer.mails(t)
			if rcpts[0] != "ana@example.com" {
				t.Fatalf("mail to %q, want only ana", rcpts[0])
			}
			m, err := mail.ReadMessage(bytes.NewReader(msgs[0]))
			if err != nil {
				t.Fatal(err)
			}
			if subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); subj != "doorbell at Front door" {
				t.Errorf("Subject %q", subj)
			}
			if m.Header.Get("X-Hearth-Camera") != string(s.camA1.ID) || m.Header.Get("X-Hearth-Event") != string(ev.ID) {
				t.Errorf("camera/event headers %q %q", m.Header.Get("X-Hearth-Camera"), m.Header.Get("X-Hearth-Event"))
			}
			mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
			if err != nil || mt != "multipart/related" {
				t.Fatalf("Content-Type %q", m.Header.Get("Content-Type"))
			}
			mr := multipart.NewReader(m.Body, params["boundary"])
			var html string
			var cid string
			var jpeg []byte
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
				if err != nil {
					t.Fatal(err)
				}
				switch ct := p.Header.Get("Content-Type"); {
				case strings.HasPrefix(ct, "text/html"):
					html = string(body)
				case strings.HasPrefix(ct, "image/jpeg"):
					cid, jpeg = strings.Trim(p.Header.Get("Content-ID"), "<>"), body
					if !strings.HasPrefix(p.Header.Get("Content-Disposition"), "inline") {
						t.Errorf("image disposition %q", p.Header.Get("Content-Disposition"))
					}
				}
			}
			if cid == "" || !strings.Contains(html, `src="cid:`+cid+`"`) {
				t.Fatalf("html does not show the image %q inline: %s", cid, html)
			}
			if stamp, err := readStamp(jpeg); err != nil || stamp != string(ev.ID) {
				t.Fatalf("mailed thumbnail shows %q (%v), want event %s", stamp, err, ev.ID)
			}
		})
	}
}

// TestRetryAndDrop: a receiver that fails is retried a bounded number of
// times, a refusal (4xx) is not retried, and a full queue drops with a
// count; nothing blocks the events.
func TestRetryAndDrop(t *testing.T) {
	t.Parallel()
	s := newSite(t, func(c *notify.Config) { c.MaxAttempts = 3; c.Queue = 1 })
	down, refuses := newReceiver(t), newReceiver(t)
	down.code, refuses.code = 503, 400
	downCh := s.subscribe(s.ownerA, nvr.ChannelWebhook, down.srv.URL, "", nvr.NotifyTrigger)
	refusesCh := s.subscribe(s.ownerB, nvr.ChannelWebhook, refuses.srv.URL, "", nvr.NotifyTrigger)
	if d := s.svc.LastDelivery(downCh.Seq); d != (notify.Delivery{}) {
		t.Fatalf("a channel that sent nothing has a record: %+v", d)
	}
	s.trigger(s.camA1, "doorbell")
	s.trigger(s.camB, "doorbell")
	waitFor(t, 10*time.Second, "both given up", func() bool { return s.svc.Stats().Failed == 2 })
	if n := len(down.all()); n != 3 {
		t.Errorf("503 receiver asked %d times, want 3 (MaxAttempts)", n)
	}
	if n := len(refuses.all()); n != 1 {
		t.Errorf("400 receiver asked %d times, want 1", n)
	}
	// The household sees that its messages stopped arriving, and why, in
	// words that carry neither the target's path nor its secret.
	for ch, want := range map[nvr.NotifyChannel]string{downCh: "503", refusesCh: "400"} {
		d := s.svc.LastDelivery(ch.Seq)
		if !d.Failing() || !d.LastSent.IsZero() || !strings.Contains(d.Failure, want) {
			t.Errorf("%s: record %+v, want failing with %q", ch.Target, d, want)
		}
		if u, _ := url.Parse(ch.Target); strings.Contains(d.Failure, u.Host) || strings.Contains(d.Failure, ch.Target) {
			t.Errorf("failure words name the target: %q", d.Failure)
		}
	}
	// The receiver recovers: the next message clears the failure.
	down.setCode(200)
	s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "a message delivered", func() bool { return !s.svc.LastDelivery(downCh.Seq).LastSent.IsZero() })
	if d := s.svc.LastDelivery(downCh.Seq); d.Failing() || d.Failure == "" {
		t.Errorf("after a delivery: %+v, want not failing, the old failure kept", d)
	}

	// Queue of one: the first message held in flight, the second queued,
	// the third dropped and counted.
	hold := newReceiver(t)
	hold.hold = make(chan struct{})
	t.Cleanup(func() { close(hold.hold) })
	holdCh := s.subscribe(s.viewerA, nvr.ChannelWebhook, hold.srv.URL, "", nvr.NotifyTrigger)
	s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "first in flight", func() bool { return len(hold.all()) == 1 })
	s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "second queued", func() bool { return s.svc.Queued() >= 1 })
	dropped := s.svc.Stats().Dropped
	s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "third dropped", func() bool { return s.svc.Stats().Dropped > dropped })
	if d := s.svc.LastDelivery(holdCh.Seq); !d.Failing() || !strings.Contains(d.Failure, "dropped") {
		t.Errorf("a dropped message: record %+v, want failing, dropped", d)
	}
}

// TestTargetsStayOffTheAppliance: a user's own target may not point at
// this appliance when saved, and a target that reaches it anyway (a name
// that rebinds after the save) is refused when dialed.
func TestTargetsStayOffTheAppliance(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ctx := context.Background()
	r := newReceiver(t)
	g, err := s.pol.Self(ctx, s.triggerA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.notes.AddChannel(ctx, g, nvr.NotifyChannel{Kind: nvr.ChannelWebhook, Name: "x", Target: r.srv.URL}); nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Fatalf("owner's loopback target: %v, want invalid", err)
	}
	// Stored as if its name had resolved elsewhere when saved.
	if _, err := s.store.CreateNotifyChannel(ctx, nvr.NotifyChannel{ID: "0123456789abcdef0123456789abcdef", UserID: s.ownerA.ID,
		Kind: nvr.ChannelWebhook, Name: "rebound", Target: r.srv.URL, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.notes.AddRuleFor(ctx, s.cli, s.ownerA.ID, nvr.NotifyRule{Kinds: []nvr.NotifyKind{nvr.NotifyTrigger}}); err != nil {
		t.Fatal(err)
	}
	s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "the send refused", func() bool { return s.svc.Stats().Failed == 1 })
	if n := len(r.all()); n != 0 {
		t.Fatalf("the appliance's own address was sent %d requests", n)
	}
}

// TestRuleCamerasCheckedAtSave: a rule may name only a camera its user
// may see now (the same 404 for another home's camera as for none), and
// storage alerts are for the appliance admin.
func TestRuleCamerasCheckedAtSave(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ctx := context.Background()
	motion := []nvr.NotifyKind{nvr.NotifyMotion}
	admin, err := s.op.AddUser(ctx, nvr.NewUser{Name: "root", Admin: true, Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		user nvr.User
		rule nvr.NotifyRule
		want nvr.Kind // KindInternal: saved
	}{
		{"owner, own camera", s.ownerA, nvr.NotifyRule{CameraID: s.camA2.ID, Kinds: motion}, nvr.KindInternal},
		{"owner, other home's camera", s.ownerA, nvr.NotifyRule{CameraID: s.camB.ID, Kinds: motion}, nvr.KindNotFound},
		{"owner, no such camera", s.ownerA, nvr.NotifyRule{CameraID: "00000000000000000000000000000000", Kinds: motion}, nvr.KindNotFound},
		{"viewer, assigned camera", s.viewerA, nvr.NotifyRule{CameraID: s.camA1.ID, Kinds: motion}, nvr.KindInternal},
		{"viewer, unassigned camera", s.viewerA, nvr.NotifyRule{CameraID: s.camA2.ID, Kinds: motion}, nvr.KindNotFound},
		{"admin, a household's camera", admin, nvr.NotifyRule{CameraID: s.camA1.ID, Kinds: motion}, nvr.KindNotFound},
		{"admin, storage", admin, nvr.NotifyRule{Kinds: []nvr.NotifyKind{nvr.NotifyStorageLow}}, nvr.KindInternal},
		{"owner, storage", s.ownerA, nvr.NotifyRule{Kinds: []nvr.NotifyKind{nvr.NotifyStorageLow}}, nvr.KindInvalid},
		{"owner, every camera", s.ownerA, nvr.NotifyRule{Kinds: []nvr.NotifyKind{nvr.NotifyOffline, nvr.NotifyOnline}}, nvr.KindInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.notes.AddRuleFor(ctx, s.cli, c.user.ID, c.rule)
			if c.want == nvr.KindInternal {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if nvr.ErrorKind(err) != c.want {
				t.Fatalf("error %v, want kind %v", err, c.want)
			}
		})
	}
}

// TestSendTimeDecisions is the policy's table for a notification
// recipient: who may be told of which camera's events, through which
// channel. The channel is the recipient's credential: another user's
// channel, a removed channel or a disabled user decides nothing.
func TestSendTimeDecisions(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ctx := context.Background()
	member, err := s.op.AddUser(ctx, nvr.NewUser{Name: "mo", HouseholdID: s.homeA.ID, Role: nvr.RoleMember, Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.op.AddUser(ctx, nvr.NewUser{Name: "root", Admin: true, Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	channels := map[nvr.UserID]nvr.NotifyChannel{}
	recipient := func(u nvr.UserID) nvr.Recipient {
		t.Helper()
		ch, ok := channels[u]
		if !ok {
			if ch, err = s.notes.AddChannelFor(ctx, s.cli, u, nvr.NotifyChannel{Kind: nvr.ChannelWebhook, Name: "hook",
				Target: "http://127.0.0.1:9/hook", LocalOK: true}); err != nil {
				t.Fatal(err)
			}
			channels[u] = ch
		}
		r, err := s.pol.Recipient(ctx, ch)
		if err != nil {
			t.Fatalf("recipient of user %d's own channel: %v", u, err)
		}
		return r
	}
	cases := []struct {
		name string
		user nvr.UserID
		cam  nvr.CameraID
		a    nvr.Action
		ok   bool
	}{
		{"owner, own camera, events", s.ownerA.ID, s.camA1.ID, nvr.ActionViewRecordings, true},
		{"member, own camera, events", member.ID, s.camA2.ID, nvr.ActionViewRecordings, true},
		{"viewer, assigned, events", s.viewerA.ID, s.camA1.ID, nvr.ActionViewRecordings, true},
		{"viewer, assigned, health", s.viewerA.ID, s.camA1.ID, nvr.ActionViewCamera, true},
		{"viewer, unassigned", s.viewerA.ID, s.camA2.ID, nvr.ActionViewRecordings, false},
		{"owner, other home", s.ownerA.ID, s.camB.ID, nvr.ActionViewRecordings, false},
		{"admin, a home's camera", admin.ID, s.camA1.ID, nvr.ActionViewRecordings, false},
		{"owner, manage (never through a notification)", s.ownerA.ID, s.camA1.ID, nvr.ActionManageCamera, false},
		{"owner, live (never through a notification)", s.ownerA.ID, s.camA1.ID, nvr.ActionViewLive, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := s.pol.NotifyCamera(ctx, recipient(c.user), c.a, c.cam)
			if (err == nil) != c.ok {
				t.Fatalf("NotifyCamera: %v, want ok=%v", err, c.ok)
			}
			if err == nil && g.CameraID() != c.cam {
				t.Fatalf("grant for %s", g.CameraID())
			}
		})
	}
	if _, err := s.pol.NotifyAdmin(ctx, recipient(admin.ID)); err != nil {
		t.Errorf("admin refused storage alerts: %v", err)
	}
	if _, err := s.pol.NotifyAdmin(ctx, recipient(s.ownerA.ID)); err == nil {
		t.Error("an owner was allowed storage alerts")
	}
	if _, err := s.pol.NotifyCamera(ctx, nvr.Recipient{}, nvr.ActionViewCamera, s.camA1.ID); err == nil {
		t.Error("a recipient the policy did not make was allowed")
	}

	// The channel is the credential: not someone else's, not a removed one.
	forged := channels[s.viewerA.ID]
	forged.UserID = s.ownerA.ID
	if _, err := s.pol.Recipient(ctx, forged); err == nil {
		t.Error("the viewer's channel made a recipient of the owner")
	}
	if _, err := s.pol.Recipient(ctx, nvr.NotifyChannel{Seq: 9999, UserID: 9999}); err == nil {
		t.Error("a channel and user that do not exist made a recipient")
	}
	held := recipient(member.ID)
	if err := s.notes.RemoveChannelFor(ctx, s.cli, member.ID, channels[member.ID].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pol.NotifyCamera(ctx, held, nvr.ActionViewRecordings, s.camA2.ID); err == nil {
		t.Error("a recipient whose channel was removed was allowed")
	}
	if _, err := s.pol.Recipient(ctx, channels[member.ID]); err == nil {
		t.Error("a removed channel made a recipient")
	}
	r := recipient(s.viewerA.ID)
	if err := s.op.SetDisabled(ctx, s.viewerA.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pol.NotifyCamera(ctx, r, nvr.ActionViewRecordings, s.camA1.ID); err == nil {
		t.Error("a disabled viewer was allowed")
	}
	if _, err := s.pol.Recipient(ctx, channels[s.viewerA.ID]); err == nil {
		t.Error("a disabled viewer's channel made a recipient")
	}
}
