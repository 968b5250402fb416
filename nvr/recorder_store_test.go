package nvr

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// memStore is an in-memory RecordingStore for the recorder and recovery
// tests (until package db's implementation is used here). It enforces the
// contract's state rules so a wrong procedure fails loudly.
type memStore struct {
	mu    sync.Mutex
	next  SegmentID
	segs  map[SegmentID]*Segment
	frags map[SegmentID][]Fragment
	calls []string // "create", "add", "close", "mark", "delete", in order
	// cameras, when set, are the cameras that exist (CreateSegment
	// answers KindNotFound for others).
	cameras map[CameraID]bool
}

var _ RecordingStore = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{segs: map[SegmentID]*Segment{}, frags: map[SegmentID][]Fragment{}}
}

func (m *memStore) CreateSegment(_ context.Context, s Segment) (Segment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.segs {
		if o.Path == s.Path {
			return Segment{}, Errorf("create segment", KindConflict, "path %s exists", s.Path)
		}
	}
	if s.State != SegmentOpen {
		return Segment{}, fmt.Errorf("create segment: state %q", s.State)
	}
	if m.cameras != nil && !m.cameras[s.CameraID] {
		return Segment{}, Errorf("create segment", KindNotFound, "no camera %s", s.CameraID)
	}
	m.next++
	s.ID = m.next
	m.segs[s.ID] = &s
	m.calls = append(m.calls, "create")
	return s, nil
}

func (m *memStore) AddFragments(_ context.Context, id SegmentID, frags []Fragment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.segs[id]
	if s == nil || s.State != SegmentOpen {
		return fmt.Errorf("add fragments: segment %d not open", id)
	}
	have := m.frags[id]
	for _, f := range frags {
		if n := len(have); n > 0 && f.Offset < have[n-1].Offset+have[n-1].Length {
			return Errorf("add fragments", KindInvalid, "segment %d: fragment at %d overlaps", id, f.Offset)
		}
		if f.Start.Before(s.Start) {
			return Errorf("add fragments", KindInvalid, "segment %d: fragment before the segment start", id)
		}
		f.SegmentID, f.Index = id, len(have)
		have = append(have, f)
		s.End = f.End()
		s.Bytes = f.Offset + f.Length
	}
	m.frags[id] = have
	m.calls = append(m.calls, "add")
	return nil
}

func (m *memStore) CloseSegment(_ context.Context, id SegmentID, end time.Time, bytes int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.segs[id]
	if s == nil || s.State != SegmentOpen {
		return fmt.Errorf("close segment: segment %d not open", id)
	}
	s.State, s.End, s.Bytes = SegmentClosed, end, bytes
	m.calls = append(m.calls, "close")
	return nil
}

func (m *memStore) Segment(_ context.Context, id SegmentID) (Segment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.segs[id]; s != nil {
		return *s, nil
	}
	return Segment{}, ErrNotFound
}

func (m *memStore) list(keep func(*Segment) bool) []Segment {
	var out []Segment
	for _, s := range m.segs {
		if keep(s) {
			out = append(out, *s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CameraID != out[j].CameraID {
			return out[i].CameraID < out[j].CameraID
		}
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (m *memStore) SegmentsByState(_ context.Context, st SegmentState) ([]Segment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.list(func(s *Segment) bool { return s.State == st }), nil
}

func (m *memStore) AllSegments(context.Context) ([]Segment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.list(func(*Segment) bool { return true }), nil
}

func (m *memStore) SegmentsBetween(_ context.Context, cam CameraID, stream string, from, to time.Time) ([]Segment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.list(func(s *Segment) bool {
		return s.CameraID == cam && s.Stream == stream && s.State != SegmentDeleting && s.Start.Before(to) && s.End.After(from)
	}), nil
}

func (m *memStore) Fragments(_ context.Context, id SegmentID) ([]Fragment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Fragment(nil), m.frags[id]...), nil
}

func (m *memStore) FragmentsBetween(context.Context, CameraID, string, time.Time, time.Time) ([]Fragment, error) {
	return nil, fmt.Errorf("not implemented in memStore")
}

func (m *memStore) CoveredRanges(context.Context, CameraID, string, time.Time, time.Time, time.Duration) ([]TimeRange, error) {
	return nil, fmt.Errorf("not implemented in memStore")
}

func (m *memStore) MarkSegmentDeleting(_ context.Context, id SegmentID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.segs[id]
	if s == nil {
		return ErrNotFound
	}
	s.State = SegmentDeleting
	m.calls = append(m.calls, "mark")
	return nil
}

func (m *memStore) DeleteSegment(_ context.Context, id SegmentID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.segs[id] == nil {
		return ErrNotFound
	}
	if m.segs[id].State != SegmentDeleting {
		return Errorf("delete segment", KindConflict, "segment %d is %s", id, m.segs[id].State)
	}
	delete(m.segs, id)
	delete(m.frags, id)
	m.calls = append(m.calls, "delete")
	return nil
}

func (m *memStore) OldestSegments(_ context.Context, cam CameraID, limit int) ([]Segment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.list(func(s *Segment) bool { return s.State == SegmentClosed && (cam == "" || s.CameraID == cam) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memStore) Usage(context.Context) ([]RecordingUsage, error) {
	return nil, fmt.Errorf("not implemented in memStore")
}

// segments returns every row, by camera and start.
func (m *memStore) segments() []Segment {
	s, _ := m.AllSegments(context.Background())
	return s
}
