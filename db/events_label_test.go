package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestEventsLabelFilter: a label filter lists exactly the events with that
// label, of the query's cameras only.
func TestEventsLabelFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	mk := func(cam nvr.CameraID, label string, at time.Time) nvr.Event {
		return must[nvr.Event](t)(d.CreateEvent(ctx, nvr.Event{CameraID: cam, Kind: nvr.EventTrigger, Label: label, Start: at, Last: at, CreatedAt: at}))
	}
	bell := mk(w.cam1.ID, "doorbell", t0)
	mk(w.cam1.ID, "Doorbell", t0.Add(time.Second)) // labels match exactly
	mk(w.cam1.ID, "gate", t0.Add(2*time.Second))
	mk(w.cam2.ID, "doorbell", t0.Add(3*time.Second)) // another household's camera
	evs := must[[]nvr.Event](t)(d.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: w.cam1.ID}}, Label: "doorbell", Limit: 10}))
	if len(evs) != 1 || evs[0].ID != bell.ID {
		t.Fatalf("doorbell events: %+v", evs)
	}
}
