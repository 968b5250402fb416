package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

func newEvent(t testing.TB, d *db.DB, cam nvr.CameraID, kind nvr.EventKind, start time.Time) nvr.Event {
	t.Helper()
	return must[nvr.Event](t)(d.CreateEvent(context.Background(), nvr.Event{
		CameraID: cam, Kind: kind, Start: start, Last: start, CreatedAt: start}))
}

func TestEventLifecycleStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	e := must[nvr.Event](t)(d.CreateEvent(ctx, nvr.Event{CameraID: w.cam1.ID, Kind: nvr.EventTrigger,
		Label: "doorbell $(touch /tmp/x)", Start: t0, Last: t0, Score: 0.5, Zones: []string{"porch"}, CreatedAt: t0}))
	if _, err := nvr.ParseEventID(string(e.ID)); err != nil || e.Seq <= 0 || !e.Open() {
		t.Fatalf("created %+v", e)
	}
	noErr(t, d.ExtendEvent(ctx, e.ID, t0.Add(3*time.Second), 0.9, []string{"gate", "porch"}))
	noErr(t, d.ExtendEvent(ctx, e.ID, t0.Add(2*time.Second), 0.1, nil)) // never goes back
	got := must[nvr.Event](t)(d.Event(ctx, w.cam1.ID, e.ID))
	if !got.Last.Equal(t0.Add(3*time.Second)) || got.Score != 0.9 || !slices.Equal(got.Zones, []string{"gate", "porch"}) ||
		got.Label != "doorbell $(touch /tmp/x)" || !got.Open() {
		t.Fatalf("after extend: %+v", got)
	}
	// The event of one camera is not found through another.
	_, err := d.Event(ctx, w.cam2.ID, e.ID)
	wantKind(t, err, nvr.KindNotFound)
	noErr(t, d.CloseEvent(ctx, e.ID, t0.Add(4*time.Second)))
	wantKind(t, d.CloseEvent(ctx, e.ID, t0.Add(5*time.Second)), nvr.KindNotFound) // closed already
	wantKind(t, d.ExtendEvent(ctx, e.ID, t0.Add(6*time.Second), 1, nil), nvr.KindNotFound)
	got = must[nvr.Event](t)(d.Event(ctx, w.cam1.ID, e.ID))
	if !got.End.Equal(t0.Add(4 * time.Second)) {
		t.Fatalf("end = %v", got.End)
	}
	if cam := must[nvr.CameraID](t)(d.EventCamera(ctx, e.ID)); cam != w.cam1.ID {
		t.Fatalf("event camera = %s", cam)
	}
	// A camera that does not exist gets no events; bad values are refused.
	_, err = d.CreateEvent(ctx, nvr.Event{CameraID: nvr.NewCameraID(), Kind: nvr.EventMotion, Start: t0})
	wantKind(t, err, nvr.KindNotFound)
	_, err = d.CreateEvent(ctx, nvr.Event{CameraID: w.cam1.ID, Kind: "smoke", Start: t0})
	wantKind(t, err, nvr.KindInvalid)
	_, err = d.CreateEvent(ctx, nvr.Event{CameraID: w.cam1.ID, Kind: nvr.EventTrigger, Label: "a\nb", Start: t0})
	wantKind(t, err, nvr.KindInvalid)
	wantKind(t, d.SetEventThumbnail(ctx, e.ID, "text/html"), nvr.KindInvalid)
	noErr(t, d.SetEventThumbnail(ctx, e.ID, nvr.ThumbJPEG))
}

func TestEventRepairOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	e := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0)
	noErr(t, d.ExtendEvent(ctx, e.ID, t0.Add(7*time.Second), 0.3, nil))
	closed := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0.Add(time.Minute))
	noErr(t, d.CloseEvent(ctx, closed.ID, t0.Add(61*time.Second)))
	if n := must[int](t)(d.RepairOpenEvents(ctx)); n != 1 {
		t.Fatalf("repaired %d, want 1", n)
	}
	got := must[nvr.Event](t)(d.Event(ctx, w.cam1.ID, e.ID))
	if !got.End.Equal(t0.Add(7 * time.Second)) {
		t.Fatalf("repaired end = %v, want the last extension", got.End)
	}
	if n := must[int](t)(d.RepairOpenEvents(ctx)); n != 0 {
		t.Fatalf("second repair closed %d", n)
	}
}

func TestEventListing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	var all []nvr.Event
	for i := range 7 {
		kind := nvr.EventMotion
		if i%3 == 0 {
			kind = nvr.EventTrigger
		}
		e := newEvent(t, d, w.cam1.ID, kind, t0.Add(time.Duration(i)*time.Minute))
		noErr(t, d.CloseEvent(ctx, e.ID, e.Start.Add(10*time.Second)))
		all = append(all, e)
	}
	same := newEvent(t, d, w.cam1.ID, nvr.EventMotion, all[6].Start) // same start: the public ID breaks the tie
	noErr(t, d.CloseEvent(ctx, same.ID, same.Start))
	other := newEvent(t, d, w.cam2.ID, nvr.EventMotion, t0)
	scope := []nvr.EventScope{{CameraID: w.cam1.ID}}

	// Paging by cursor visits every event once, newest first.
	var seen []nvr.EventID
	q := nvr.EventQuery{Cameras: scope, Limit: 3}
	for range 10 {
		page := must[[]nvr.Event](t)(d.Events(ctx, q))
		for _, e := range page {
			seen = append(seen, e.ID)
		}
		if len(page) < 3 {
			break
		}
		last := page[len(page)-1]
		q.After = nvr.EventCursor{Start: last.Start, ID: last.ID}
	}
	first, second := same.ID, all[6].ID
	if first < second {
		first, second = second, first
	}
	want := []nvr.EventID{first, second, all[5].ID, all[4].ID, all[3].ID, all[2].ID, all[1].ID, all[0].ID}
	if !slices.Equal(seen, want) {
		t.Fatalf("paged %v, want %v", seen, want)
	}
	if slices.Contains(seen, other.ID) {
		t.Fatal("listing leaked another camera's event")
	}
	// Kind and time filters; Since hides a moved camera's past.
	trig := must[[]nvr.Event](t)(d.Events(ctx, nvr.EventQuery{Cameras: scope, Kind: nvr.EventTrigger, Limit: 10}))
	if len(trig) != 3 {
		t.Fatalf("%d trigger events, want 3", len(trig))
	}
	win := must[[]nvr.Event](t)(d.Events(ctx, nvr.EventQuery{Cameras: scope, Start: t0.Add(2 * time.Minute), End: t0.Add(4 * time.Minute), Limit: 10}))
	if len(win) != 2 || win[0].ID != all[3].ID || win[1].ID != all[2].ID {
		t.Fatalf("window listing = %+v", win)
	}
	since := must[[]nvr.Event](t)(d.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: w.cam1.ID, Since: t0.Add(5 * time.Minute)}}, Limit: 10}))
	if len(since) != 3 {
		t.Fatalf("since listing has %d events, want 3", len(since))
	}
}

func TestEventPinsDeletionAndExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	old := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0)
	noErr(t, d.CloseEvent(ctx, old.ID, t0.Add(5*time.Second)))
	pinned := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0.Add(time.Minute))
	noErr(t, d.CloseEvent(ctx, pinned.ID, t0.Add(70*time.Second)))
	recent := newEvent(t, d, w.cam1.ID, nvr.EventMotion, t0.Add(29*24*time.Hour))
	noErr(t, d.CloseEvent(ctx, recent.ID, recent.Start.Add(time.Second)))

	wantKind(t, d.SetEventPinned(ctx, w.cam2.ID, pinned.ID, true), nvr.KindNotFound) // another camera's event
	noErr(t, d.SetEventPinned(ctx, w.cam1.ID, pinned.ID, true))
	rs := must[[]nvr.TimeRange](t)(d.PinnedRanges(ctx, w.cam1.ID))
	// Default rolls: 5 s before, 10 s after.
	if len(rs) != 1 || !rs[0].Start.Equal(t0.Add(55*time.Second)) || !rs[0].End.Equal(t0.Add(80*time.Second)) {
		t.Fatalf("pinned ranges = %+v", rs)
	}
	if rs := must[[]nvr.TimeRange](t)(d.PinnedRanges(ctx, w.cam2.ID)); len(rs) != 0 {
		t.Fatalf("cam2 pinned = %+v", rs)
	}

	// 30 days of event retention: the old unpinned event expires.
	if n := must[int](t)(d.ExpireEvents(ctx, t0.Add(30*24*time.Hour+time.Minute))); n != 1 {
		t.Fatalf("expired %d, want 1", n)
	}
	_, err := d.Event(ctx, w.cam1.ID, old.ID)
	wantKind(t, err, nvr.KindNotFound) // invisible once marked
	del := must[[]nvr.Event](t)(d.DeletingEvents(ctx, 10))
	if len(del) != 1 || del[0].ID != old.ID {
		t.Fatalf("deleting = %+v", del)
	}
	noErr(t, d.DeleteEvent(ctx, old.ID))
	wantKind(t, d.DeleteEvent(ctx, pinned.ID), nvr.KindNotFound) // not marked: stays

	// Deleting the camera marks all its events, pinned ones included.
	noErr(t, d.DeleteCamera(ctx, w.cam1.ID))
	del = must[[]nvr.Event](t)(d.DeletingEvents(ctx, 10))
	if len(del) != 2 {
		t.Fatalf("after camera delete, deleting = %+v", del)
	}
	_, err = d.EventCamera(ctx, pinned.ID)
	wantKind(t, err, nvr.KindNotFound)
	if rs := must[[]nvr.TimeRange](t)(d.PinnedRanges(ctx, w.cam1.ID)); len(rs) != 0 {
		t.Fatalf("deleted camera still pins %+v", rs)
	}
}

func TestCameraDetectionSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	c := must[nvr.Camera](t)(d.Camera(ctx, w.cam1.ID))
	if c.Detection != (nvr.Detection{Detector: nvr.DetectorAuto, Sensitivity: 50, Zones: "[]"}) {
		t.Fatalf("defaults = %+v", c.Detection)
	}
	c.Detection = nvr.Detection{Detector: nvr.DetectorBitstream, Sensitivity: 80, NoEvents: true,
		Zones: nvr.ZonesText([]nvr.Zone{{Name: "gate", Polygon: [][2]float64{{0, 0}, {1, 0}, {1, 1}}}})}
	noErr(t, d.UpdateCamera(ctx, c))
	got := must[nvr.Camera](t)(d.Camera(ctx, w.cam1.ID))
	if got.Detection != c.Detection {
		t.Fatalf("stored %+v, want %+v", got.Detection, c.Detection)
	}
	for _, bad := range []nvr.Detection{
		{Detector: "magic", Sensitivity: 50},
		{Detector: nvr.DetectorAuto, Sensitivity: 101},
		{Detector: nvr.DetectorAuto, Sensitivity: 50, Zones: `{"x":1}`},
		{Detector: nvr.DetectorAuto, Sensitivity: 50, Zones: `[{"name":"a","polygon":[[0,0],[2,0],[1,1]]}]`},
	} {
		c.Detection = bad
		wantKind(t, d.UpdateCamera(ctx, c), nvr.KindInvalid)
	}
}
