package mqtt

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMotionStaysOnWhileAnyEventIsOpen: Home Assistant's motion sensor
// followed whichever event was told last, so a doorbell ending during a
// motion event turned it OFF while the motion went on. It is ON while any
// event of the camera is open; an event whose end was never told (a
// dropped notice) stops counting after staleOpenEvent.
func TestMotionStaysOnWhileAnyEventIsOpen(t *testing.T) {
	w := &worker{open: map[nvr.CameraID]map[nvr.EventID]time.Time{}}
	t0 := time.Date(2026, 12, 7, 18, 52, 0, 0, time.UTC)
	cam, other := nvr.CameraID("cam"), nvr.CameraID("other")
	doorbell := nvr.Event{ID: "doorbell", Start: t0}
	motion := nvr.Event{ID: "motion", Start: t0.Add(5 * time.Second)}
	for i, step := range []struct {
		cam    nvr.CameraID
		ev     nvr.Event
		closed bool
		want   bool
	}{
		{cam, doorbell, false, true},
		{cam, motion, false, true},
		{other, nvr.Event{ID: "o", Start: t0}, false, true}, // another camera's own
		{cam, doorbell, true, true},                         // the motion is still open
		{cam, motion, true, false},
		{cam, motion, true, false}, // an end told twice
		{cam, nvr.Event{ID: "lost", Start: t0.Add(time.Minute)}, false, true},
		{cam, nvr.Event{ID: "later", Start: t0.Add(time.Minute + staleOpenEvent + time.Second)}, false, true},
		{cam, nvr.Event{ID: "later", Start: t0.Add(time.Minute + staleOpenEvent + time.Second)}, true, false}, // "lost" is stale
		{other, nvr.Event{ID: "o", Start: t0}, true, false},
	} {
		if got := w.stillOpen(step.cam, step.ev, step.closed); got != step.want {
			t.Fatalf("step %d (%s %s closed=%v): motion %v, want %v", i, step.cam, step.ev.ID, step.closed, got, step.want)
		}
	}
	if len(w.open) != 0 {
		t.Fatalf("open events left: %v", w.open)
	}
}
