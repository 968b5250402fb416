package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestAddFragmentsBatch: one transaction indexes several segments'
// fragments exactly as AddFragments would one by one; an append its
// segment refuses (closed, missing, out of order) is reported in its slot
// and writes nothing, and the others still commit; a batch appending to
// the same segment twice sees its own first append.
func TestAddFragmentsBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	a := newSegment(t, d, w.cam1.ID, t0)
	b := newSegment(t, d, w.cam2.ID, t0)
	closed := recordSegment(t, d, w.cam1.ID, t0.Add(-time.Hour), 3)
	bad := newSegment(t, d, w.cam2.ID, t0.Add(time.Minute))

	fa, fb := gops(1000, t0, 3), gops(1000, t0, 2)
	batch := []nvr.FragmentAppend{
		{Segment: a.ID, Fragments: fa[:2]},
		{Segment: closed.ID, Fragments: gops(4000, t0.Add(-time.Hour+3*gop), 1)},
		{Segment: b.ID, Fragments: fb},
		{Segment: 9999, Fragments: gops(1000, t0, 1)},
		{Segment: bad.ID, Fragments: gops(1000, t0, 1)}, // before its segment's start
		{Segment: a.ID, Fragments: fa[2:]},
		{Segment: b.ID}, // nothing: a no-op
	}
	errs := d.AddFragmentsBatch(ctx, batch)
	if len(errs) != len(batch) {
		t.Fatalf("%d results for %d appends", len(errs), len(batch))
	}
	const ok = nvr.Kind(255)
	for i, want := range []nvr.Kind{ok, nvr.KindConflict, ok, nvr.KindNotFound, nvr.KindInvalid, ok, ok} {
		if want == ok {
			noErr(t, errs[i])
		} else {
			wantKind(t, errs[i], want)
		}
	}
	for _, c := range []struct {
		seg   nvr.Segment
		frags []nvr.Fragment
		bytes int64
	}{{a, fa, 4000}, {b, fb, 3000}, {bad, nil, 1000}} {
		got := must[[]nvr.Fragment](t)(d.Fragments(ctx, c.seg.ID))
		want := slices.Clone(c.frags)
		for i := range want {
			want[i].SegmentID, want[i].Index = c.seg.ID, i
		}
		if !slices.Equal(got, want) {
			t.Errorf("segment %d: fragments %+v, want %+v", c.seg.ID, got, want)
		}
		s := must[nvr.Segment](t)(d.Segment(ctx, c.seg.ID))
		if s.Bytes != c.bytes || (len(want) > 0 && !s.End.Equal(want[len(want)-1].End())) {
			t.Errorf("segment %d: bytes %d end %v after the batch", c.seg.ID, s.Bytes, s.End)
		}
	}
	if n := len(must[[]nvr.Fragment](t)(d.Fragments(ctx, closed.ID))); n != 3 {
		t.Errorf("the closed segment has %d fragments, want its 3", n)
	}

	// A transaction that cannot run fails every slot: none is indexed.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	errs = d.AddFragmentsBatch(cancelled, []nvr.FragmentAppend{{Segment: a.ID, Fragments: gops(4000, t0.Add(3*gop), 1)}, {Segment: b.ID, Fragments: gops(3000, t0.Add(2*gop), 1)}})
	if errs[0] == nil || errs[1] == nil {
		t.Fatalf("a batch under a cancelled context: %v", errs)
	}
	if n := len(must[[]nvr.Fragment](t)(d.Fragments(ctx, a.ID))); n != 3 {
		t.Errorf("a failed batch left segment %d with %d fragments, want 3", a.ID, n)
	}
}
