package nvr

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// fakeEvents is an in-memory EventStore for the lifecycle tests. Safe for
// concurrent use.
type fakeEvents struct {
	mu       sync.Mutex
	events   map[EventID]Event
	deleting map[EventID]bool
	cams     map[CameraID]Camera
	next     int64 // the last Seq handed out
	extends  int
}

var _ EventStore = (*fakeEvents)(nil)

func newFakeEvents(cams ...Camera) *fakeEvents {
	f := &fakeEvents{events: map[EventID]Event{}, deleting: map[EventID]bool{}, cams: map[CameraID]Camera{}}
	for _, c := range cams {
		f.cams[c.ID] = c
	}
	return f
}

func (f *fakeEvents) get(id EventID) (Event, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.events[id]
	return e, ok && !f.deleting[id]
}

func (f *fakeEvents) all() []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Event
	for id, e := range f.events {
		if !f.deleting[id] {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Event) int { return cmp.Compare(a.Seq, b.Seq) }) // creation order
	return out
}

func (f *fakeEvents) CreateEvent(_ context.Context, e Event) (Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.cams[e.CameraID]; !ok {
		return Event{}, Errorf("create event", KindNotFound, "camera not found")
	}
	f.next++
	e.ID, e.Seq = NewEventID(), f.next
	f.events[e.ID] = e
	return e, nil
}

func (f *fakeEvents) live(id EventID, open bool) (Event, error) {
	e, ok := f.events[id]
	if !ok || f.deleting[id] || (open && !e.Open()) {
		return Event{}, Errorf("fake", KindNotFound, "event not found")
	}
	return e, nil
}

func (f *fakeEvents) ExtendEvent(_ context.Context, id EventID, last time.Time, score float64, zones []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.live(id, true)
	if err != nil {
		return err
	}
	f.extends++
	if last.After(e.Last) {
		e.Last = last
	}
	e.Score = max(e.Score, score)
	e.Zones = sortedZones(append(e.Zones, zones...))
	f.events[id] = e
	return nil
}

func (f *fakeEvents) CloseEvent(_ context.Context, id EventID, end time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.live(id, true)
	if err != nil {
		return err
	}
	e.End = end
	f.events[id] = e
	return nil
}

func (f *fakeEvents) RepairOpenEvents(context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for id, e := range f.events {
		if e.Open() {
			e.End = e.Last
			f.events[id] = e
			n++
		}
	}
	return n, nil
}

func (f *fakeEvents) SetEventThumbnail(_ context.Context, id EventID, ct string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.live(id, false)
	if err != nil {
		return err
	}
	e.ThumbType = ct
	f.events[id] = e
	return nil
}

func (f *fakeEvents) EventCamera(_ context.Context, id EventID) (CameraID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.live(id, false)
	return e.CameraID, err
}

func (f *fakeEvents) Event(_ context.Context, cam CameraID, id EventID) (Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.live(id, false)
	if err == nil && e.CameraID != cam {
		return Event{}, Errorf("fake", KindNotFound, "event not found")
	}
	return e, err
}

func (f *fakeEvents) Events(context.Context, EventQuery) ([]Event, error) { return f.all(), nil }

func (f *fakeEvents) SetEventPinned(_ context.Context, cam CameraID, id EventID, pinned bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.live(id, false)
	if err != nil || e.CameraID != cam {
		return Errorf("fake", KindNotFound, "event not found")
	}
	e.Pinned = pinned
	f.events[id] = e
	return nil
}

func (f *fakeEvents) MarkEventDeleting(_ context.Context, cam CameraID, id EventID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.live(id, false)
	if err != nil || e.CameraID != cam {
		return Errorf("fake", KindNotFound, "event not found")
	}
	f.deleting[id] = true
	return nil
}

func (f *fakeEvents) ExpireEvents(_ context.Context, now time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for id, e := range f.events {
		c := f.cams[e.CameraID]
		if !f.deleting[id] && !e.Pinned && !e.Open() && e.End.Before(now.Add(-c.RetainEvents)) {
			f.deleting[id] = true
			n++
		}
	}
	return n, nil
}

func (f *fakeEvents) DeletingEvents(_ context.Context, limit int) ([]Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Event
	for id := range f.deleting {
		if len(out) < limit {
			out = append(out, f.events[id])
		}
	}
	return out, nil
}

func (f *fakeEvents) DeleteEvent(_ context.Context, id EventID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.deleting[id] {
		return Errorf("fake", KindNotFound, "event not found")
	}
	delete(f.deleting, id)
	delete(f.events, id)
	return nil
}

func (f *fakeEvents) PinnedRanges(_ context.Context, cam CameraID) ([]TimeRange, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []TimeRange
	for id, e := range f.events {
		if e.CameraID == cam && e.Pinned && !f.deleting[id] {
			c := f.cams[cam]
			out = append(out, TimeRange{Start: e.Start.Add(-c.PreRoll), End: e.Until().Add(c.PostRoll)})
		}
	}
	return out, nil
}

// fakeLister lists the cameras of a fakeEvents.
type fakeLister struct{ f *fakeEvents }

func (l fakeLister) Cameras(context.Context, HouseholdID) ([]Camera, error) {
	l.f.mu.Lock()
	defer l.f.mu.Unlock()
	var out []Camera
	for _, c := range l.f.cams {
		out = append(out, c)
	}
	return out, nil
}
