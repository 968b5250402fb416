package events

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

var evT0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// fakeEventRecorder records Trigger calls.
type fakeEventRecorder struct {
	mu    sync.Mutex
	until map[nvr.CameraID]time.Time
}

func (r *fakeEventRecorder) Trigger(id nvr.CameraID, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if until.After(r.until[id]) {
		r.until[id] = until
	}
}

func (r *fakeEventRecorder) get(id nvr.CameraID) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.until[id]
}

// newLifecycle returns an Events over a fresh database (the store) with
// a camera of post roll post, its clock at evT0, and the recorder it
// triggers.
func newLifecycle(t *testing.T, post time.Duration) (*Events, nvr.Camera, *db.DB, *clocktest.Clock, *fakeEventRecorder) {
	t.Helper()
	w := newEventsWorld(t)
	cam := addTestCamera(t, w, post)
	clk := clocktest.New(evT0)
	rec := &fakeEventRecorder{until: map[nvr.CameraID]time.Time{}}
	e := NewEvents(EventsConfig{Store: w.DB, Cameras: w.DB, Recorder: rec, Now: clk.Now})
	e.reconcile(context.Background())
	return e, cam, w.DB, clk, rec
}

func motion(cam nvr.CameraID, at time.Time, score float64, zones ...string) activity {
	return activity{cam: cam, kind: nvr.EventMotion, at: at, until: at, score: score, zones: zones, moving: true}
}

func TestEventOpensExtendsAndClosesAfterPostRoll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, cam, store, clk, rec := newLifecycle(t, 10*time.Second)
	for i := range 5 { // motion for 4 s, reported every second
		at := evT0.Add(time.Duration(i) * time.Second)
		clk.Set(at)
		zone := "gate"
		if i == 3 {
			zone = "path"
		}
		if _, err := e.record(ctx, motion(cam.ID, at, float64(i)/10, zone)); err != nil {
			t.Fatal(err)
		}
		e.closeExpired(ctx, at)
	}
	evs := allEvents(t, store)
	if len(evs) != 1 || !evs[0].Open() || !evs[0].Start.Equal(evT0) {
		t.Fatalf("events = %+v, want one open event from t0", evs)
	}
	// Progress reaches the store at least every second, for crash repair.
	if !evs[0].Last.Equal(evT0.Add(4 * time.Second)) {
		t.Fatalf("stored last = %v, want t0+4s", evs[0].Last)
	}
	if got := rec.get(cam.ID); !got.Equal(evT0.Add(4 * time.Second)) {
		t.Fatalf("recorder triggered until %v, want t0+4s", got)
	}
	// Still open within the post roll, closed after it at the last activity.
	e.closeExpired(ctx, evT0.Add(13*time.Second))
	if ev, _ := getEvent(t, store, evs[0].ID); !ev.Open() {
		t.Fatal("closed before the post roll ran out")
	}
	e.closeExpired(ctx, evT0.Add(14*time.Second+time.Millisecond))
	ev, _ := getEvent(t, store, evs[0].ID)
	if ev.Open() || !ev.End.Equal(evT0.Add(4*time.Second)) || ev.Score != 0.4 ||
		len(ev.Zones) != 2 || ev.Zones[0] != "gate" || ev.Zones[1] != "path" {
		t.Fatalf("closed event = %+v", ev)
	}
}

func TestEventsMergeWithinPostRollAndGap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		post       time.Duration
		gap        time.Duration // between two bursts of activity
		wantEvents int
	}{
		{"within post roll", 10 * time.Second, 8 * time.Second, 1},
		{"after post roll", 10 * time.Second, 11 * time.Second, 2},
		{"zero post roll, within merge gap", 0, 2 * time.Second, 1},
		{"zero post roll, after merge gap", 0, 4 * time.Second, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, cam, store, clk, _ := newLifecycle(t, tc.post)
			step := func(at time.Time) {
				clk.Set(at)
				e.closeExpired(ctx, at)
				if _, err := e.record(ctx, motion(cam.ID, at, 0.5)); err != nil {
					t.Fatal(err)
				}
			}
			step(evT0)
			// The clock ticks through the gap in 250 ms steps.
			for at := evT0; at.Before(evT0.Add(tc.gap)); at = at.Add(250 * time.Millisecond) {
				clk.Set(at)
				e.closeExpired(ctx, at)
			}
			step(evT0.Add(tc.gap))
			if got := len(allEvents(t, store)); got != tc.wantEvents {
				t.Fatalf("%d events, want %d: %+v", got, tc.wantEvents, allEvents(t, store))
			}
		})
	}
}

func TestEventSplitsEndlessActivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, cam, store, clk, _ := newLifecycle(t, 10*time.Second)
	for i := 0; i <= 61; i++ { // 30.5 minutes of motion, reported every 30 s, merged by a long post roll
		at := evT0.Add(time.Duration(i) * 30 * time.Second)
		clk.Set(at)
		e.cams[cam.ID] = nvr.Camera{ID: cam.ID, PostRoll: time.Minute} // keep it open between reports
		if _, err := e.record(ctx, motion(cam.ID, at, 0.5)); err != nil {
			t.Fatal(err)
		}
	}
	evs := allEvents(t, store)
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2 (split at %v): %+v", len(evs), DefaultMaxEventDuration, evs)
	}
	if evs[0].Open() || evs[0].Until().Sub(evs[0].Start) >= DefaultMaxEventDuration {
		t.Fatalf("first part = %+v", evs[0])
	}
}

func TestEventCrashRepairAndShutdown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, cam, store, clk, _ := newLifecycle(t, 10*time.Second)
	for i := range 6 {
		at := evT0.Add(time.Duration(i) * 500 * time.Millisecond)
		clk.Set(at)
		if _, err := e.record(ctx, motion(cam.ID, at, 0.5)); err != nil {
			t.Fatal(err)
		}
	}
	// "Crash": this Events is dropped without closing; a new one starts.
	id := allEvents(t, store)[0].ID
	e2 := NewEvents(EventsConfig{Store: store, Cameras: store, Now: clk.Now, Tick: time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e2.Run(runCtx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ev, _ := getEvent(t, store, id); !ev.Open() {
			// Closed at its last stored extension: within a second of the real last activity.
			if lost := evT0.Add(2500 * time.Millisecond).Sub(ev.End); lost < 0 || lost > eventPersistEvery {
				t.Fatalf("repaired end %v, last activity t0+2.5s", ev.End)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("open event not repaired")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A trigger while running, then shutdown closes it at once.
	clk.Set(evT0.Add(time.Minute))
	g := nvrtest.CameraGrant(t, cam, nvr.ActionTriggerEvent)
	ev, err := e2.Trigger(ctx, g, "doorbell", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, _ := getEvent(t, store, ev.ID)
	if got.Open() || !got.End.Equal(evT0.Add(time.Minute+3*time.Second)) || got.Label != "doorbell" || got.Kind != nvr.EventTrigger {
		t.Fatalf("after shutdown: %+v", got)
	}
	if _, err := e2.Trigger(ctx, g, "late", time.Second); nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Fatalf("trigger after stop: %v", err)
	}
}

func TestEventTriggerValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, cam, store, _, _ := newLifecycle(t, 10*time.Second)
	g := nvrtest.CameraGrant(t, cam, nvr.ActionTriggerEvent)
	for _, label := range []string{"a\nb", "tab\there", string(make([]byte, 65)), " lead", "\xff"} {
		if _, err := e.Trigger(ctx, g, label, 0); nvr.ErrorKind(err) != nvr.KindInvalid {
			t.Errorf("label %q: %v, want invalid", label, err)
		}
	}
	for _, d := range []time.Duration{-time.Second, 2 * time.Hour} {
		if _, err := e.Trigger(ctx, g, "x", d); nvr.ErrorKind(err) != nvr.KindInvalid {
			t.Errorf("duration %v: %v, want invalid", d, err)
		}
	}
	if _, err := e.Trigger(ctx, nvrtest.CameraGrant(t, cam, nvr.ActionViewRecordings), "x", 0); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Errorf("wrong grant: %v", err)
	}
	off := cam
	off.Detection.NoEvents = true
	if _, err := e.Trigger(ctx, nvrtest.CameraGrant(t, off, nvr.ActionTriggerEvent), "x", 0); nvr.ErrorKind(err) != nvr.KindConflict {
		t.Errorf("events off: %v", err)
	}
	// Two triggers merge into one event; its label is the first.
	a, err := e.Trigger(ctx, g, "$(touch /tmp/canary); rm -rf /", 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Trigger(ctx, g, "second", 0)
	if err != nil || b.ID != a.ID {
		t.Fatalf("second trigger: %+v %v", b, err)
	}
	if evs := allEvents(t, store); len(evs) != 1 || evs[0].Label != "$(touch /tmp/canary); rm -rf /" {
		t.Fatalf("events = %+v", evs)
	}
}
