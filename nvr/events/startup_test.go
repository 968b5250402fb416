package events

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// repairDone tells when the lifecycle's start-up repair has run.
type repairDone struct {
	*db.DB
	done chan struct{}
}

func (r repairDone) RepairOpenEvents(ctx context.Context, keep ...nvr.EventID) (int, error) {
	defer close(r.done)
	return r.DB.RepairOpenEvents(ctx, keep...)
}

// TestTriggerBeforeStartupRepair, on a real SQLite file: a trigger that
// reaches the lifecycle before Run (the HTTP server starts alongside it)
// opens an event; Run's start-up repair then closes the event an unclean
// stop left open, but not the one this process holds open, so the row
// stays open while memory holds it, the next trigger extends it, and the
// stop closes it at the end of its activity.
func TestTriggerBeforeStartupRepair(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := dbtest.NewWorld(t, nil)
	d, cam := w.DB, w.Camera(t, nvr.CameraChanges{})
	// What an unclean stop left: an open motion event.
	now := time.Now().UTC()
	left, err := d.CreateEvent(ctx, nvr.Event{CameraID: cam.ID, Kind: nvr.EventMotion, Start: now.Add(-time.Hour),
		Last: now.Add(-time.Hour + time.Second), CreatedAt: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	repaired := make(chan struct{})
	e := NewEvents(EventsConfig{Store: repairDone{d, repaired}, Cameras: d, DataDir: t.TempDir(), Tick: 10 * time.Millisecond})
	g := nvrtest.CameraGrant(t, cam, nvr.ActionTriggerEvent)
	first, err := e.Trigger(ctx, g, "doorbell", time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.Run(runCtx) }()
	defer func() {
		cancel()
		<-done
	}()
	select {
	case <-repaired:
	case <-time.After(10 * time.Second):
		t.Fatal("the start-up repair did not run within 10 s")
	}

	if got, err := d.Event(ctx, cam.ID, left.ID); err != nil || got.Open() {
		t.Fatalf("the event an unclean stop left open, after the repair: %+v, %v; want it closed", got, err)
	}
	if got, err := d.Event(ctx, cam.ID, first.ID); err != nil || !got.Open() {
		t.Fatalf("the event this process opened before the repair: %+v, %v; want it still open", got, err)
	}
	second, err := e.Trigger(ctx, g, "doorbell", 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID {
		t.Fatalf("a trigger within the open event's window opened %s instead of extending %s", second.ID, first.ID)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil // for the deferred wait
	got, err := d.Event(ctx, cam.ID, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Open() || got.End.Before(first.Start.Add(2*time.Minute)) {
		t.Fatalf("after the stop: %+v; want it closed at the second trigger's end (start + 2 min or later)", got)
	}
}
