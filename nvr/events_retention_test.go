package nvr

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestRetentionKeepsPinnedEvents: retention's pins come from pinned events
// (with the camera's pre and post roll); their footage survives, the
// footage of unpinned events past their age goes.
func TestRetentionKeepsPinnedEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRetentionEnv(t)
	e.bulk(retCamA)
	pinnedSeg := e.seg(retCamA, 40*retDay, retGiB, true)
	freeSeg := e.seg(retCamA, 39*retDay, retGiB, true)
	cam := Camera{ID: retCamA, PreRoll: 5 * time.Second, PostRoll: 10 * time.Second, RetainEvents: DefaultRetainEvents}
	store := newFakeEvents(cam)
	ev := NewEvents(EventsConfig{Store: store, Cameras: fakeLister{store}, Now: e.clock.Now})
	// The pinned event ends 5 s before its segment starts: only the post
	// roll reaches into it.
	pinned, _ := store.CreateEvent(ctx, Event{CameraID: retCamA, Kind: EventMotion,
		Start: pinnedSeg.Start.Add(-20 * time.Second), Last: pinnedSeg.Start.Add(-5 * time.Second)})
	_ = store.CloseEvent(ctx, pinned.ID, pinned.Last)
	_ = store.SetEventPinned(ctx, retCamA, pinned.ID, true)
	free, _ := store.CreateEvent(ctx, Event{CameraID: retCamA, Kind: EventMotion,
		Start: freeSeg.Start.Add(10 * time.Second), Last: freeSeg.Start.Add(20 * time.Second)})
	_ = store.CloseEvent(ctx, free.ID, free.Last)

	cfg := e.config()
	cfg.Pins = ev
	st := e.pass(e.retention(cfg))
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	e.wantKept([]Segment{pinnedSeg}, []Segment{freeSeg})
}

// TestEventSweepExpiresAndDeletes: the sweep removes events past their
// camera's event retention with their thumbnails, keeps pinned ones, and
// finishes deletions (e.g. of a removed camera's events).
func TestEventSweepExpiresAndDeletes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cam := testCamera(10 * time.Second)
	store := newFakeEvents(cam)
	clk := &testClock{t: evT0}
	dir := t.TempDir()
	e := NewEvents(EventsConfig{Store: store, Cameras: fakeLister{store}, DataDir: dir, Now: clk.Now})
	mk := func(ago time.Duration, pinned bool) Event {
		ev, err := store.CreateEvent(ctx, Event{CameraID: cam.ID, Kind: EventMotion, Start: evT0.Add(-ago), Last: evT0.Add(-ago)})
		if err != nil {
			t.Fatal(err)
		}
		_ = store.CloseEvent(ctx, ev.ID, ev.Start.Add(time.Second))
		_ = store.SetEventPinned(ctx, cam.ID, ev.ID, pinned)
		path, _ := e.thumbPath(cam.ID, ev.Seq, ThumbJPEG)
		if err := writeFileDurably(path, []byte("jpeg")); err != nil {
			t.Fatal(err)
		}
		_ = store.SetEventThumbnail(ctx, ev.ID, ThumbJPEG)
		return ev
	}
	old := mk(31*retDay, false)
	oldPinned := mk(40*retDay, true)
	recent := mk(29*retDay, false)
	e.sweep(ctx)
	exists := func(ev Event) bool {
		path, _ := e.thumbPath(cam.ID, ev.Seq, ThumbJPEG)
		_, err := os.Stat(path)
		return err == nil
	}
	if _, ok := store.get(old.ID); ok || exists(old) {
		t.Fatal("expired event or its thumbnail kept")
	}
	for _, ev := range []Event{oldPinned, recent} {
		if _, ok := store.get(ev.ID); !ok || !exists(ev) {
			t.Fatalf("event %s or its thumbnail deleted", ev.ID)
		}
	}
	// A deleted camera: its events are marked (db.DeleteCamera does it in
	// the camera's transaction); the sweep unlinks and removes them, and
	// the camera's empty directory.
	_ = store.MarkEventDeleting(ctx, cam.ID, oldPinned.ID)
	_ = store.MarkEventDeleting(ctx, cam.ID, recent.ID)
	store.mu.Lock()
	delete(store.cams, cam.ID)
	store.mu.Unlock()
	e.reconcile(ctx)
	e.sweep(ctx)
	if len(store.all()) != 0 || exists(oldPinned) || exists(recent) {
		t.Fatalf("after camera removal: %+v", store.all())
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
	cam := testCamera(10 * time.Second)
	store := newFakeEvents(cam)
	clk := &testClock{t: evT0}
	var mono time.Duration
	e := NewEvents(EventsConfig{Store: store, Cameras: fakeLister{store}, Now: clk.Now,
		Elapsed: func() time.Duration { return mono }})
	ev, _ := store.CreateEvent(ctx, Event{CameraID: cam.ID, Kind: EventMotion, Start: evT0.Add(-time.Hour), Last: evT0.Add(-time.Hour)})
	_ = store.CloseEvent(ctx, ev.ID, ev.Start)
	e.sweep(ctx) // first observation
	clk.Set(evT0.Add(365 * retDay))
	mono = time.Minute
	e.sweep(ctx)
	if _, ok := store.get(ev.ID); !ok {
		t.Fatal("a clock step expired a recent event")
	}
}
