package nvrtest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// EventStore is an in-memory nvr.EventStore for the events and retention
// tests. Safe for concurrent use; a test that reads Cams holds Mu.
type EventStore struct {
	Mu       sync.Mutex
	events   map[nvr.EventID]nvr.Event
	deleting map[nvr.EventID]bool
	Cams     map[nvr.CameraID]nvr.Camera
	next     int64 // the last Seq handed out
	extends  int
}

var _ nvr.EventStore = (*EventStore)(nil)

// NewEventStore returns a store that knows cams.
func NewEventStore(cams ...nvr.Camera) *EventStore {
	f := &EventStore{events: map[nvr.EventID]nvr.Event{}, deleting: map[nvr.EventID]bool{}, Cams: map[nvr.CameraID]nvr.Camera{}}
	for _, c := range cams {
		f.Cams[c.ID] = c
	}
	return f
}

func (f *EventStore) Get(id nvr.EventID) (nvr.Event, bool) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	e, ok := f.events[id]
	return e, ok && !f.deleting[id]
}

func (f *EventStore) All() []nvr.Event {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []nvr.Event
	for id, e := range f.events {
		if !f.deleting[id] {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b nvr.Event) int { return cmp.Compare(a.Seq, b.Seq) }) // creation order
	return out
}

func (f *EventStore) CreateEvent(_ context.Context, e nvr.Event) (nvr.Event, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if _, ok := f.Cams[e.CameraID]; !ok {
		return nvr.Event{}, nvr.Errorf("create event", nvr.KindNotFound, "camera not found")
	}
	f.next++
	e.ID, e.Seq = nvr.NewEventID(), f.next
	f.events[e.ID] = e
	return e, nil
}

func (f *EventStore) live(id nvr.EventID, open bool) (nvr.Event, error) {
	e, ok := f.events[id]
	if !ok || f.deleting[id] || (open && !e.Open()) {
		return nvr.Event{}, nvr.Errorf("fake", nvr.KindNotFound, "event not found")
	}
	return e, nil
}

func (f *EventStore) ExtendEvent(_ context.Context, id nvr.EventID, last time.Time, score float64, zones []string) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
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

func (f *EventStore) CloseEvent(_ context.Context, id nvr.EventID, end time.Time) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	e, err := f.live(id, true)
	if err != nil {
		return err
	}
	e.End = end
	f.events[id] = e
	return nil
}

func (f *EventStore) RepairOpenEvents(_ context.Context, keep ...nvr.EventID) (int, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	n := 0
	for id, e := range f.events {
		if e.Open() && !slices.Contains(keep, id) {
			e.End = e.Last
			f.events[id] = e
			n++
		}
	}
	return n, nil
}

func (f *EventStore) SetEventThumbnail(_ context.Context, id nvr.EventID, ct string) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	e, err := f.live(id, false)
	if err != nil {
		return err
	}
	e.ThumbType = ct
	f.events[id] = e
	return nil
}

func (f *EventStore) EventCamera(_ context.Context, id nvr.EventID) (nvr.CameraID, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	e, err := f.live(id, false)
	return e.CameraID, err
}

func (f *EventStore) Event(_ context.Context, cam nvr.CameraID, id nvr.EventID) (nvr.Event, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	e, err := f.live(id, false)
	if err == nil && e.CameraID != cam {
		return nvr.Event{}, nvr.Errorf("fake", nvr.KindNotFound, "event not found")
	}
	return e, err
}

func (f *EventStore) Events(context.Context, nvr.EventQuery) ([]nvr.Event, error) {
	return f.All(), nil
}

func (f *EventStore) SetEventPinned(_ context.Context, cam nvr.CameraID, id nvr.EventID, pinned bool) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	e, err := f.live(id, false)
	if err != nil || e.CameraID != cam {
		return nvr.Errorf("fake", nvr.KindNotFound, "event not found")
	}
	e.Pinned = pinned
	f.events[id] = e
	return nil
}

func (f *EventStore) MarkEventDeleting(_ context.Context, cam nvr.CameraID, id nvr.EventID) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	e, err := f.live(id, false)
	if err != nil || e.CameraID != cam {
		return nvr.Errorf("fake", nvr.KindNotFound, "event not found")
	}
	f.deleting[id] = true
	return nil
}

func (f *EventStore) ExpireEvents(_ context.Context, now time.Time) (int, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	n := 0
	for id, e := range f.events {
		c := f.Cams[e.CameraID]
		if !f.deleting[id] && !e.Pinned && !e.Open() && e.End.Before(now.Add(-c.RetainEvents)) {
			f.deleting[id] = true
			n++
		}
	}
	return n, nil
}

func (f *EventStore) DeletingEvents(_ context.Context, limit int) ([]nvr.Event, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []nvr.Event
	for id := range f.deleting {
		if len(out) < limit {
			out = append(out, f.events[id])
		}
	}
	return out, nil
}

func (f *EventStore) DeleteEvent(_ context.Context, id nvr.EventID) error {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if !f.deleting[id] {
		return nvr.Errorf("fake", nvr.KindNotFound, "event not found")
	}
	delete(f.deleting, id)
	delete(f.events, id)
	return nil
}

func (f *EventStore) PinnedRanges(_ context.Context, cam nvr.CameraID) ([]nvr.TimeRange, error) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []nvr.TimeRange
	for id, e := range f.events {
		if e.CameraID == cam && e.Pinned && !f.deleting[id] {
			c := f.Cams[cam]
			out = append(out, nvr.TimeRange{Start: e.Start.Add(-c.PreRoll), End: e.Until().Add(c.PostRoll)})
		}
	}
	return out, nil
}

// CameraLister lists the cameras of an EventStore.
type CameraLister struct{ F *EventStore }

// Cameras implements the lister events and retention read.
func (l CameraLister) Cameras(context.Context, nvr.HouseholdID) ([]nvr.Camera, error) {
	l.F.Mu.Lock()
	defer l.F.Mu.Unlock()
	var out []nvr.Camera
	for _, c := range l.F.Cams {
		out = append(out, c)
	}
	return out, nil
}

// sortedZones is the store's zone union, as events keeps it: sorted, each
// name once.
func sortedZones(zs []string) []string {
	out := slices.Clone(zs)
	slices.Sort(out)
	return slices.Compact(out)
}
