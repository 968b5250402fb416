package events

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
)

// TestEventSweepExpiresAndDeletes: the sweep removes events past their
// camera's event retention with their thumbnails, keeps pinned ones, and
// finishes deletions (e.g. of a removed camera's events).
func TestEventSweepExpiresAndDeletes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newEventsWorld(t)
	cam := addTestCamera(t, w, 10*time.Second)
	store := w.DB
	clk := clocktest.New(evT0)
	dir := t.TempDir()
	e := NewEvents(EventsConfig{Store: store, Cameras: store, DataDir: dir, Now: clk.Now})
	mk := func(ago time.Duration, pinned bool) nvr.Event {
		ev, err := store.CreateEvent(ctx, nvr.Event{CameraID: cam.ID, Kind: nvr.EventMotion, Start: evT0.Add(-ago), Last: evT0.Add(-ago)})
		if err != nil {
			t.Fatal(err)
		}
		_ = store.CloseEvent(ctx, ev.ID, ev.Start.Add(time.Second))
		_ = store.SetEventPinned(ctx, cam.ID, ev.ID, pinned)
		path, _ := e.thumbPath(cam.ID, ev.Seq, nvr.ThumbJPEG)
		if err := writeFileDurably(path, []byte("jpeg")); err != nil {
			t.Fatal(err)
		}
		_ = store.SetEventThumbnail(ctx, ev.ID, nvr.ThumbJPEG)
		return ev
	}
	old := mk(31*day, false)
	oldPinned := mk(40*day, true)
	recent := mk(29*day, false)
	e.sweep(ctx)
	exists := func(ev nvr.Event) bool {
		path, _ := e.thumbPath(cam.ID, ev.Seq, nvr.ThumbJPEG)
		_, err := os.Stat(path)
		return err == nil
	}
	if _, ok := getEvent(t, store, old.ID); ok || exists(old) {
		t.Fatal("expired event or its thumbnail kept")
	}
	for _, ev := range []nvr.Event{oldPinned, recent} {
		if _, ok := getEvent(t, store, ev.ID); !ok || !exists(ev) {
			t.Fatalf("event %s or its thumbnail deleted", ev.ID)
		}
	}
	// A deleted camera: its events are marked (db.DeleteCamera does it in
	// the camera's transaction); the sweep unlinks and removes them, and
	// the camera's empty directory.
	if err := w.Ops.RemoveCamera(ctx, cam.ID); err != nil {
		t.Fatal(err)
	}
	e.reconcile(ctx)
	e.sweep(ctx)
	if left, err := store.DeletingEvents(ctx, 100); err != nil || len(left) != 0 || exists(oldPinned) || exists(recent) {
		t.Fatalf("after camera removal: events still being deleted %+v (%v)", left, err)
	}
	if _, err := os.Stat(ThumbnailsDir(dir) + "/" + string(cam.ID)); !os.IsNotExist(err) {
		t.Fatalf("camera thumbnail directory kept: %v", err)
	}
}

// TestEventExpiryIgnoresClockStep: a forward clock step of a year does not
// expire recent events; the reference catches up at most at twice real time.
func TestEventExpiryIgnoresClockStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newEventsWorld(t)
	cam := addTestCamera(t, w, 10*time.Second)
	store := w.DB
	clk := clocktest.New(evT0)
	e := NewEvents(EventsConfig{Store: store, Cameras: store, Now: clk.Now,
		Elapsed: clk.Elapsed})
	ev, _ := store.CreateEvent(ctx, nvr.Event{CameraID: cam.ID, Kind: nvr.EventMotion, Start: evT0.Add(-time.Hour), Last: evT0.Add(-time.Hour)})
	_ = store.CloseEvent(ctx, ev.ID, ev.Start)
	e.sweep(ctx) // first observation
	clk.Advance(time.Minute)
	clk.Set(evT0.Add(365 * day)) // a step: Elapsed stays at a minute
	e.sweep(ctx)
	if _, ok := getEvent(t, store, ev.ID); !ok {
		t.Fatal("a clock step expired a recent event")
	}
}

// day is a day of retention age.
const day = 24 * time.Hour
