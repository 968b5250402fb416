package events

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
)

// The events tests keep their events in a real database (db/dbtest): none
// of them needs a fault the store would have to fake.

// newEventsWorld opens a database with one household; its directory's
// clock stands at evT0.
func newEventsWorld(t *testing.T) *dbtest.World {
	t.Helper()
	return dbtest.NewWorld(t, func() time.Time { return evT0 })
}

// addTestCamera adds a camera of w that records around events, with a
// pre roll of 5 s and a post roll of post, and the store's default
// retention and detection settings.
func addTestCamera(t *testing.T, w *dbtest.World, post time.Duration) nvr.Camera {
	t.Helper()
	mode, pre := nvr.RecordEvents, 5*time.Second
	return w.Camera(t, nvr.CameraChanges{RecordMode: &mode, PreRoll: &pre, PostRoll: &post})
}

// allEvents returns the live events of every camera in d, in creation
// order.
func allEvents(t *testing.T, d *db.DB) []nvr.Event {
	t.Helper()
	ctx := context.Background()
	cams, err := d.Cameras(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var q nvr.EventQuery
	for _, c := range cams {
		q.Cameras = append(q.Cameras, nvr.EventScope{CameraID: c.ID})
	}
	q.Limit = 1000
	evs, err := d.Events(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(evs, func(a, b nvr.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return evs
}

// getEvent returns live event id; false when there is none (or it is
// being deleted).
func getEvent(t *testing.T, d *db.DB, id nvr.EventID) (nvr.Event, bool) {
	t.Helper()
	ctx := context.Background()
	cam, err := d.EventCamera(ctx, id)
	if nvr.ErrorKind(err) == nvr.KindNotFound {
		return nvr.Event{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	ev, err := d.Event(ctx, cam, id)
	if nvr.ErrorKind(err) == nvr.KindNotFound {
		return nvr.Event{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return ev, true
}
