package notify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/notify"
	"github.com/hearthnvr/hearth/nvr/record"
)

// fakeStatus stands in for ingest and recorder: whether each camera's
// frames are arriving, and its recorder's state.
type fakeStatus struct {
	mu        sync.Mutex
	streaming map[nvr.CameraID]bool
	recording map[nvr.CameraID]string
}

func (f *fakeStatus) Status(g nvr.CameraGrant) ingest.CameraStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := ingest.CameraStatus{Recording: f.recording[g.CameraID()]}
	if f.streaming[g.CameraID()] {
		st.Streams = []ingest.StreamStatus{{Stream: "main", State: "streaming", LastFrame: time.Now()}}
	}
	return st
}

func (f *fakeStatus) set(cam nvr.CameraID, streaming bool, recording string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.streaming[cam], f.recording[cam] = streaming, recording
}

type fakeStorage struct {
	mu  sync.Mutex
	low bool
}

func (f *fakeStorage) Status() record.RetentionStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := record.RetentionStatus{DiskTotalBytes: 100 << 30, DiskFreeBytes: 50 << 30, MinFreeBytes: 5 << 30}
	if f.low {
		st.DiskFreeBytes = 1 << 30
	}
	return st
}

// TestHealthAlerts: a camera whose frames stop is announced offline after
// the grace and online when they return, a stalled recorder is announced,
// storage low reaches the admin only; each message goes to those who may
// see the camera at that moment.
func TestHealthAlerts(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ctx := context.Background()
	anaR, vicR, boR, rootR := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
	health := []nvr.NotifyKind{nvr.NotifyOffline, nvr.NotifyOnline, nvr.NotifyStalled}
	s.subscribe(s.ownerA, nvr.ChannelWebhook, anaR.srv.URL, "", health...)
	s.subscribe(s.viewerA, nvr.ChannelWebhook, vicR.srv.URL, "", health...)
	s.subscribe(s.ownerB, nvr.ChannelWebhook, boR.srv.URL, "", health...)
	admin, err := s.op.AddUser(ctx, nvr.NewUser{Name: "root", Admin: true, Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	s.subscribe(admin, nvr.ChannelWebhook, rootR.srv.URL, "", nvr.NotifyStorageLow, nvr.NotifyOffline)

	st := allStreaming(s)
	storage := &fakeStorage{}
	const grace = 300 * time.Millisecond
	run(t, healthWatcher(s, st, storage, grace).Run)
	kinds := func(r *receiver, cam nvr.CameraID) []nvr.NotifyKind { return receivedKinds(t, r, cam) }
	// A1 goes dark: ana and vic (assigned) hear of it, bo does not.
	stopped := time.Now()
	st.set(s.camA1.ID, false, record.RecordingActive)
	waitFor(t, 10*time.Second, "A1 offline to ana and vic", func() bool {
		return len(kinds(anaR, s.camA1.ID)) == 1 && len(kinds(vicR, s.camA1.ID)) == 1
	})
	t.Logf("offline announced %v after the last frame (grace %v)", time.Since(stopped).Round(time.Millisecond), grace)
	if k := kinds(anaR, s.camA1.ID); k[0] != nvr.NotifyOffline {
		t.Fatalf("ana got %v", k)
	}
	p := webhookPayload(t, anaR.all()[0])
	if p.Title != "Front door is offline" || p.Event != nil {
		t.Fatalf("offline message %+v", p)
	}
	// Back: online.
	st.set(s.camA1.ID, true, record.RecordingActive)
	waitFor(t, 10*time.Second, "A1 online", func() bool { return len(kinds(anaR, s.camA1.ID)) == 2 })
	if k := kinds(anaR, s.camA1.ID); k[1] != nvr.NotifyOnline {
		t.Fatalf("ana got %v", k)
	}
	// The outage is an event of its own, from the last frame to the first
	// one after, listed with the camera's events (through the policy, as ana).
	outages := healthEvents(t, s, s.triggerA, nvr.EventOffline)
	if len(outages) != 1 || outages[0].CameraID != s.camA1.ID || outages[0].Open() ||
		outages[0].Start.Before(stopped.Add(-time.Second)) || outages[0].Start.After(stopped.Add(time.Second)) ||
		outages[0].End.Sub(outages[0].Start) < grace {
		t.Fatalf("offline events %+v (frames stopped at %v)", outages, stopped)
	}
	// B's recorder stalls: bo hears, ana does not.
	st.set(s.camB.ID, true, record.RecordingStalled)
	waitFor(t, 10*time.Second, "B stalled to bo", func() bool { return len(kinds(boR, s.camB.ID)) == 1 })
	if k := kinds(boR, s.camB.ID); k[0] != nvr.NotifyStalled {
		t.Fatalf("bo got %v", k)
	}
	if ev := healthEvents(t, s, s.triggerB, nvr.EventStalled); len(ev) != 1 || ev[0].CameraID != s.camB.ID || !ev[0].Open() {
		t.Fatalf("stalled events %+v", ev)
	}
	if ev := healthEvents(t, s, s.triggerA, nvr.EventStalled); len(ev) != 0 {
		t.Fatalf("household A lists B's stall: %+v", ev)
	}
	st.set(s.camB.ID, true, record.RecordingActive)
	waitFor(t, 10*time.Second, "the stall closed", func() bool {
		ev := healthEvents(t, s, s.triggerB, nvr.EventStalled)
		return len(ev) == 1 && !ev[0].Open()
	})
	// Storage low: the admin only.
	storage.mu.Lock()
	storage.low = true
	storage.mu.Unlock()
	waitFor(t, 10*time.Second, "storage low to the admin", func() bool { return len(kinds(rootR, "")) == 1 })
	if k := kinds(rootR, ""); k[0] != nvr.NotifyStorageLow {
		t.Fatalf("admin got %v", k)
	}
	// Nothing crossed households, and the admin heard of no household camera.
	if n := len(kinds(anaR, s.camB.ID)) + len(kinds(vicR, s.camB.ID)) + len(kinds(boR, s.camA1.ID)); n != 0 {
		t.Fatalf("%d messages crossed households", n)
	}
	for _, c := range []nvr.Camera{s.camA1, s.camA2, s.camB} {
		if n := len(kinds(rootR, c.ID)); n != 0 {
			t.Fatalf("the admin was told about a household camera %d times", n)
		}
	}
	if n := len(kinds(anaR, "")) + len(kinds(boR, "")); n != 0 {
		t.Fatalf("owners were told about storage %d times", n)
	}
}

// healthEvents lists the events of kind that principal p may see.
// healthWatcher is a watcher over s's cameras, their status in st and
// storage, recording outages in s's store, reporting to s's service.
func healthWatcher(s *site, st *fakeStatus, storage *fakeStorage, grace time.Duration) *notify.HealthWatcher {
	return notify.NewHealthWatcher(notify.HealthConfig{
		Sources: notify.HealthSources{Cameras: s.store, Monitor: s.pol, Status: st, Storage: storage, Events: s.store},
		Report:  s.svc.Health, Grace: grace, Tick: 20 * time.Millisecond})
}

// allStreaming is a status where every camera of s streams and records.
func allStreaming(s *site) *fakeStatus {
	st := &fakeStatus{streaming: map[nvr.CameraID]bool{}, recording: map[nvr.CameraID]string{}}
	for _, c := range []nvr.Camera{s.camA1, s.camA2, s.camB} {
		st.set(c.ID, true, record.RecordingActive)
	}
	return st
}

// receivedKinds lists the kinds of the webhook messages r received about
// camera cam, in order ("" : the messages about no camera).
func receivedKinds(t *testing.T, r *receiver, cam nvr.CameraID) []nvr.NotifyKind {
	var out []nvr.NotifyKind
	for _, got := range r.all() {
		p := webhookPayload(t, got)
		if (cam == "" && p.Camera == nil) || (p.Camera != nil && p.Camera.ID == cam) {
			out = append(out, p.Kind)
		}
	}
	return out
}

func healthEvents(t *testing.T, s *site, p nvr.Principal, kind nvr.EventKind) []nvr.Event {
	t.Helper()
	page, err := s.events.List(context.Background(), p, events.EventFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

// TestCooldownHoldsBackFloodsNotHealth: a rule's cooldown turns a flood of
// one kind into one message, but never holds back another kind: a trigger
// does not silence the camera going offline right after, the offline
// message does not silence "back online", and a second trigger within the
// cooldown is still held back. Before, one key per rule and camera let a
// motion message swallow the outage, and the outage its end (found by a
// household's first week: one camera's "offline" and two cameras' "back
// online" were never sent).
func TestCooldownHoldsBackFloodsNotHealth(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ctx := context.Background()
	rx := newReceiver(t)
	if _, err := s.notes.AddChannelFor(ctx, s.cli, s.ownerA.ID, nvr.NotifyChannel{Kind: nvr.ChannelWebhook, Name: "hook",
		Target: rx.srv.URL, LocalOK: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.notes.AddRuleFor(ctx, s.cli, s.ownerA.ID, nvr.NotifyRule{Cooldown: time.Hour,
		Kinds: []nvr.NotifyKind{nvr.NotifyTrigger, nvr.NotifyOffline, nvr.NotifyOnline}}); err != nil {
		t.Fatal(err)
	}
	st := allStreaming(s)
	run(t, healthWatcher(s, st, &fakeStorage{}, 300*time.Millisecond).Run)
	kinds := func() []nvr.NotifyKind { return receivedKinds(t, rx, s.camA1.ID) }

	s.trigger(s.camA1, "doorbell")
	waitFor(t, 10*time.Second, "the trigger's message", func() bool { return len(kinds()) == 1 })
	st.set(s.camA1.ID, false, record.RecordingActive)
	waitFor(t, 10*time.Second, "offline, within the trigger's cooldown", func() bool { return len(kinds()) == 2 })
	st.set(s.camA1.ID, true, record.RecordingActive)
	waitFor(t, 10*time.Second, "back online, within the offline message's cooldown", func() bool { return len(kinds()) == 3 })
	s.trigger(s.camA1, "doorbell")
	// The second trigger is held back: a later message (the next outage)
	// arrives alone after it.
	st.set(s.camA1.ID, false, record.RecordingActive)
	waitFor(t, 10*time.Second, "the second outage", func() bool { return len(kinds()) >= 4 })
	got := kinds()
	want := []nvr.NotifyKind{nvr.NotifyTrigger, nvr.NotifyOffline, nvr.NotifyOnline, nvr.NotifyOffline}
	if len(got) != len(want) {
		t.Fatalf("messages %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("messages %v, want %v", got, want)
		}
	}
}

// TestOutageGoesOnAcrossARestart: a camera dark across a restart of Hearth
// is one outage, announced once. Before, the restart closed the outage
// and, a grace later, opened another and announced it again (a camera
// unplugged for the winter sent a mail per restart). The start-up repair
// leaves it open, the next watcher takes it over without a message, and
// "back online" still comes when frames do. An outage of a camera turned
// off while Hearth was down is closed.
func TestOutageGoesOnAcrossARestart(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	ctx := context.Background()
	rx := newReceiver(t)
	s.subscribe(s.ownerA, nvr.ChannelWebhook, rx.srv.URL, "", nvr.NotifyOffline, nvr.NotifyOnline)
	st := allStreaming(s)
	const grace = 300 * time.Millisecond
	start := func() (stop func()) {
		w := healthWatcher(s, st, &fakeStorage{}, grace)
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = w.Run(wctx); close(done) }()
		return func() { cancel(); <-done }
	}
	kinds := func(cam nvr.CameraID) []nvr.NotifyKind { return receivedKinds(t, rx, cam) }
	outages := func() []nvr.Event { return healthEvents(t, s, s.triggerA, nvr.EventOffline) }

	stop := start()
	st.set(s.camA1.ID, false, record.RecordingActive)
	st.set(s.camA2.ID, false, record.RecordingActive)
	waitFor(t, 10*time.Second, "A1 and A2 announced offline", func() bool {
		return len(kinds(s.camA1.ID)) == 1 && len(kinds(s.camA2.ID)) == 1 && len(outages()) == 2
	})
	stop()
	// Hearth restarts: the events lifecycle's repair, then a new watcher.
	// A2 was turned off meanwhile.
	if _, err := s.store.RepairOpenEvents(ctx); err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := s.op.EditCamera(ctx, s.camA2.ID, nvr.CameraChanges{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	stop = start()
	defer func() { stop() }()
	waitFor(t, 10*time.Second, "A2's outage closed", func() bool {
		for _, ev := range outages() {
			if ev.CameraID == s.camA2.ID && ev.Open() {
				return false
			}
		}
		return true
	})
	// Several graces with A1 still dark: no second message, one outage.
	time.Sleep(5 * grace)
	if k := kinds(s.camA1.ID); len(k) != 1 {
		t.Fatalf("A1 after the restart: messages %v, want only the first offline", k)
	}
	var a1 []nvr.Event
	for _, ev := range outages() {
		if ev.CameraID == s.camA1.ID {
			a1 = append(a1, ev)
		}
	}
	if len(a1) != 1 || !a1[0].Open() {
		t.Fatalf("A1's outages after the restart %+v, want one, still open", a1)
	}
	st.set(s.camA1.ID, true, record.RecordingActive)
	waitFor(t, 10*time.Second, "A1 back online", func() bool { return len(kinds(s.camA1.ID)) == 2 })
	if k := kinds(s.camA1.ID); k[1] != nvr.NotifyOnline {
		t.Fatalf("A1's messages %v", k)
	}
	waitFor(t, 10*time.Second, "A1's one outage closed", func() bool {
		n := 0
		for _, ev := range outages() {
			if ev.CameraID == s.camA1.ID {
				n++
				if ev.Open() {
					return false
				}
			}
		}
		return n == 1
	})
	if k := kinds(s.camA2.ID); len(k) != 1 {
		t.Errorf("A2, turned off while Hearth was down: messages %v, want only the first offline", k)
	}
}
