package nvrtest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Recordings is an in-memory nvr.RecordingStore for the tests of the
// recorder, recovery and playback (until package db's implementation is
// used there). It enforces the contract's state rules so a wrong procedure
// fails loudly. Safe for concurrent use; tests that read the fields hold Mu.
type Recordings struct {
	Mu    sync.Mutex
	Next  nvr.SegmentID
	Segs  map[nvr.SegmentID]*nvr.Segment
	Frags map[nvr.SegmentID][]nvr.Fragment
	Calls []string // "create", "add", "close", "mark", "delete", in order
	// Cameras, when set, are the cameras that exist (CreateSegment
	// answers KindNotFound for others).
	Cameras map[nvr.CameraID]bool
}

var _ nvr.RecordingStore = (*Recordings)(nil)

// NewRecordings returns an empty store that accepts every camera.
func NewRecordings() *Recordings {
	return &Recordings{Segs: map[nvr.SegmentID]*nvr.Segment{}, Frags: map[nvr.SegmentID][]nvr.Fragment{}}
}

func (m *Recordings) CreateSegment(_ context.Context, s nvr.Segment) (nvr.Segment, error) {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	for _, o := range m.Segs {
		if o.Path == s.Path {
			return nvr.Segment{}, nvr.Errorf("create segment", nvr.KindConflict, "path %s exists", s.Path)
		}
	}
	if s.State != nvr.SegmentOpen {
		return nvr.Segment{}, fmt.Errorf("create segment: state %q", s.State)
	}
	if m.Cameras != nil && !m.Cameras[s.CameraID] {
		return nvr.Segment{}, nvr.Errorf("create segment", nvr.KindNotFound, "no camera %s", s.CameraID)
	}
	m.Next++
	s.ID = m.Next
	m.Segs[s.ID] = &s
	m.Calls = append(m.Calls, "create")
	return s, nil
}

func (m *Recordings) AddFragments(_ context.Context, id nvr.SegmentID, frags []nvr.Fragment) error {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	s := m.Segs[id]
	if s == nil || s.State != nvr.SegmentOpen {
		return fmt.Errorf("add fragments: segment %d not open", id)
	}
	have := m.Frags[id]
	for _, f := range frags {
		if n := len(have); n > 0 && f.Offset < have[n-1].Offset+have[n-1].Length {
			return nvr.Errorf("add fragments", nvr.KindInvalid, "segment %d: fragment at %d overlaps", id, f.Offset)
		}
		if f.Start.Before(s.Start) {
			return nvr.Errorf("add fragments", nvr.KindInvalid, "segment %d: fragment before the segment start", id)
		}
		f.SegmentID, f.Index = id, len(have)
		have = append(have, f)
		s.End = f.End()
		s.Bytes = f.Offset + f.Length
	}
	m.Frags[id] = have
	m.Calls = append(m.Calls, "add")
	return nil
}

func (m *Recordings) CloseSegment(_ context.Context, id nvr.SegmentID, end time.Time, bytes int64) error {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	s := m.Segs[id]
	if s == nil || s.State != nvr.SegmentOpen {
		return fmt.Errorf("close segment: segment %d not open", id)
	}
	s.State, s.End, s.Bytes = nvr.SegmentClosed, end, bytes
	m.Calls = append(m.Calls, "close")
	return nil
}

func (m *Recordings) Segment(_ context.Context, id nvr.SegmentID) (nvr.Segment, error) {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	if s := m.Segs[id]; s != nil {
		return *s, nil
	}
	return nvr.Segment{}, nvr.ErrNotFound
}

// List returns the rows keep accepts, by camera and start; the caller
// holds Mu.
func (m *Recordings) List(keep func(*nvr.Segment) bool) []nvr.Segment {
	var out []nvr.Segment
	for _, s := range m.Segs {
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

func (m *Recordings) SegmentsByState(_ context.Context, st nvr.SegmentState) ([]nvr.Segment, error) {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	return m.List(func(s *nvr.Segment) bool { return s.State == st }), nil
}

func (m *Recordings) AllSegments(context.Context) ([]nvr.Segment, error) {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	return m.List(func(*nvr.Segment) bool { return true }), nil
}

func (m *Recordings) SegmentsBetween(_ context.Context, cam nvr.CameraID, stream string, from, to time.Time) ([]nvr.Segment, error) {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	return m.List(func(s *nvr.Segment) bool {
		return s.CameraID == cam && s.Stream == stream && s.State != nvr.SegmentDeleting && s.Start.Before(to) && s.End.After(from)
	}), nil
}

func (m *Recordings) Fragments(_ context.Context, id nvr.SegmentID) ([]nvr.Fragment, error) {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	return append([]nvr.Fragment(nil), m.Frags[id]...), nil
}

func (m *Recordings) FragmentsBetween(context.Context, nvr.CameraID, string, time.Time, time.Time) ([]nvr.Fragment, error) {
	return nil, fmt.Errorf("not implemented in Recordings")
}

func (m *Recordings) CoveredRanges(context.Context, nvr.CameraID, string, time.Time, time.Time, time.Duration) ([]nvr.TimeRange, error) {
	return nil, fmt.Errorf("not implemented in Recordings")
}

func (m *Recordings) MarkSegmentDeleting(_ context.Context, id nvr.SegmentID) error {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	s := m.Segs[id]
	if s == nil {
		return nvr.ErrNotFound
	}
	s.State = nvr.SegmentDeleting
	m.Calls = append(m.Calls, "mark")
	return nil
}

func (m *Recordings) DeleteSegment(_ context.Context, id nvr.SegmentID) error {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	if m.Segs[id] == nil {
		return nvr.ErrNotFound
	}
	if m.Segs[id].State != nvr.SegmentDeleting {
		return nvr.Errorf("delete segment", nvr.KindConflict, "segment %d is %s", id, m.Segs[id].State)
	}
	delete(m.Segs, id)
	delete(m.Frags, id)
	m.Calls = append(m.Calls, "delete")
	return nil
}

func (m *Recordings) OldestSegments(_ context.Context, cam nvr.CameraID, limit int) ([]nvr.Segment, error) {
	m.Mu.Lock()
	defer m.Mu.Unlock()
	out := m.List(func(s *nvr.Segment) bool { return s.State == nvr.SegmentClosed && (cam == "" || s.CameraID == cam) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *Recordings) Usage(context.Context) ([]nvr.RecordingUsage, error) {
	return nil, fmt.Errorf("not implemented in Recordings")
}

// Segments returns every row, by camera and start.
func (m *Recordings) Segments() []nvr.Segment {
	s, _ := m.AllSegments(context.Background())
	return s
}
