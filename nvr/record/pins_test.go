package record

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
)

// TestRetentionKeepsPinnedEvents: retention's pins come from pinned events
// (with the camera's pre and post roll); their footage survives, the
// footage of unpinned events past their age goes.
func TestRetentionKeepsPinnedEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newRetentionEnv(t)
	// The events, their camera and its footage share the env's database.
	pre, post := 5*time.Second, 10*time.Second
	cam, err := e.world.Ops.EditCamera(ctx, e.camA, nvr.CameraChanges{PreRoll: &pre, PostRoll: &post})
	if err != nil {
		t.Fatal(err)
	}
	store := e.world.DB
	ev := events.NewEvents(events.EventsConfig{Store: store, Cameras: store, Now: e.clock.Now})
	e.bulk(cam.ID)
	pinnedSeg := e.seg(cam.ID, 40*retDay, retGiB, true)
	freeSeg := e.seg(cam.ID, 39*retDay, retGiB, true)
	// The pinned event ends 5 s before its segment starts: only the post
	// roll reaches into it.
	pinned, err := store.CreateEvent(ctx, nvr.Event{CameraID: cam.ID, Kind: nvr.EventMotion,
		Start: pinnedSeg.Start.Add(-20 * time.Second), Last: pinnedSeg.Start.Add(-5 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	free, err := store.CreateEvent(ctx, nvr.Event{CameraID: cam.ID, Kind: nvr.EventMotion,
		Start: freeSeg.Start.Add(10 * time.Second), Last: freeSeg.Start.Add(20 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{store.CloseEvent(ctx, pinned.ID, pinned.Last), store.SetEventPinned(ctx, cam.ID, pinned.ID, true),
		store.CloseEvent(ctx, free.ID, free.Last)} {
		if err != nil {
			t.Fatal(err)
		}
	}

	cfg := e.config()
	cfg.Pins = ev
	st := e.pass(e.retention(cfg))
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	e.wantKept([]nvr.Segment{pinnedSeg}, []nvr.Segment{freeSeg})
}
