package record

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
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
	cam := nvr.Camera{ID: retCamA, PreRoll: 5 * time.Second, PostRoll: 10 * time.Second, RetainEvents: nvr.DefaultRetainEvents}
	store := nvrtest.NewEventStore(cam)
	ev := events.NewEvents(events.EventsConfig{Store: store, Cameras: nvrtest.CameraLister{F: store}, Now: e.clock.Now})
	// The pinned event ends 5 s before its segment starts: only the post
	// roll reaches into it.
	pinned, _ := store.CreateEvent(ctx, nvr.Event{CameraID: retCamA, Kind: nvr.EventMotion,
		Start: pinnedSeg.Start.Add(-20 * time.Second), Last: pinnedSeg.Start.Add(-5 * time.Second)})
	_ = store.CloseEvent(ctx, pinned.ID, pinned.Last)
	_ = store.SetEventPinned(ctx, retCamA, pinned.ID, true)
	free, _ := store.CreateEvent(ctx, nvr.Event{CameraID: retCamA, Kind: nvr.EventMotion,
		Start: freeSeg.Start.Add(10 * time.Second), Last: freeSeg.Start.Add(20 * time.Second)})
	_ = store.CloseEvent(ctx, free.ID, free.Last)

	cfg := e.config()
	cfg.Pins = ev
	st := e.pass(e.retention(cfg))
	if st.Refused != "" {
		t.Fatalf("refused: %s", st.Refused)
	}
	e.wantKept([]nvr.Segment{pinnedSeg}, []nvr.Segment{freeSeg})
}
