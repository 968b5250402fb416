package db_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// gop is the tests' fragment length: 2 s.
const gop = 2 * time.Second

// newSegment registers an open main-stream segment of cam starting at
// start, named by its start.
func newSegment(t testing.TB, d *db.DB, cam nvr.CameraID, start time.Time) nvr.Segment {
	t.Helper()
	return newStreamSegment(t, d, cam, "main", start)
}

func newStreamSegment(t testing.TB, d *db.DB, cam nvr.CameraID, stream string, start time.Time) nvr.Segment {
	t.Helper()
	return must[nvr.Segment](t)(d.CreateSegment(context.Background(), nvr.Segment{
		CameraID: cam, Stream: stream, Path: fmt.Sprintf("%s/%d-%s.mp4", cam, start.UnixNano(), stream),
		Start: start, Bytes: 1000, Codec: "h264", Width: 1920, Height: 1080, Audio: "aac",
	}))
}

// gops returns n contiguous 2 s fragments of 1000 bytes each following
// byte offset off and wall time start; keys says which start with a
// keyframe (nil: all).
func gops(off int64, start time.Time, n int, keys ...bool) []nvr.Fragment {
	fs := make([]nvr.Fragment, n)
	for i := range fs {
		fs[i] = nvr.Fragment{Offset: off + int64(i)*1000, Length: 1000, Start: start.Add(time.Duration(i) * gop),
			Duration90k: int64(gop / time.Second * 90000), Key: keys == nil || keys[i]}
	}
	return fs
}

// recordMinute records a closed segment of cam from start: n 2 s GOPs.
func recordSegment(t testing.TB, d *db.DB, cam nvr.CameraID, start time.Time, n int) nvr.Segment {
	t.Helper()
	ctx := context.Background()
	s := newSegment(t, d, cam, start)
	noErr(t, d.AddFragments(ctx, s.ID, gops(1000, start, n)))
	noErr(t, d.CloseSegment(ctx, s.ID, start.Add(time.Duration(n)*gop), 1000+int64(n)*1000))
	return must[nvr.Segment](t)(d.Segment(ctx, s.ID))
}

func TestSegmentLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	cam := w.cam1.ID

	s := newSegment(t, d, cam, t0)
	want := nvr.Segment{ID: s.ID, CameraID: cam, Stream: "main", Path: s.Path, State: nvr.SegmentOpen,
		Start: t0, End: t0, Bytes: 1000, Codec: "h264", Width: 1920, Height: 1080, Audio: "aac"}
	if s != want {
		t.Fatalf("CreateSegment = %+v, want %+v", s, want)
	}
	if got := must[nvr.Segment](t)(d.Segment(ctx, s.ID)); got != want {
		t.Fatalf("Segment = %+v, want %+v", got, want)
	}

	// Two appends: End and Bytes follow the fragments; Fragments numbers them.
	frags := gops(1000, t0, 5, true, false, true, true, false)
	noErr(t, d.AddFragments(ctx, s.ID, frags[:2]))
	noErr(t, d.AddFragments(ctx, s.ID, frags[2:]))
	noErr(t, d.AddFragments(ctx, s.ID, nil))
	got := must[nvr.Segment](t)(d.Segment(ctx, s.ID))
	if !got.End.Equal(t0.Add(5*gop)) || got.Bytes != 6000 || got.State != nvr.SegmentOpen {
		t.Fatalf("after AddFragments: %+v", got)
	}
	gotFrags := must[[]nvr.Fragment](t)(d.Fragments(ctx, s.ID))
	for i := range frags {
		frags[i].SegmentID, frags[i].Index = s.ID, i
	}
	if !slices.Equal(gotFrags, frags) {
		t.Fatalf("Fragments = %+v\nwant %+v", gotFrags, frags)
	}

	// Refusals that leave the segment as it was.
	tests := []struct {
		name  string
		frags []nvr.Fragment
	}{
		{"overlapping bytes", gops(5999, t0.Add(5*gop), 1)},
		{"before the segment", gops(6000, t0.Add(-time.Second), 1)},
		{"past the longest segment", gops(6000, t0.Add(nvr.MaxSegmentDuration-gop/2), 1)},
		{"a bad one after a good one", append(gops(6000, t0.Add(5*gop), 1), gops(6500, t0.Add(6*gop), 1)...)},
	}
	for _, tt := range tests {
		wantKind(t, d.AddFragments(ctx, s.ID, tt.frags), nvr.KindInvalid)
	}
	if after := must[nvr.Segment](t)(d.Segment(ctx, s.ID)); after != got {
		t.Fatalf("a refused AddFragments changed the segment: %+v, was %+v", after, got)
	}
	if n := len(must[[]nvr.Fragment](t)(d.Fragments(ctx, s.ID))); n != 5 {
		t.Fatalf("a refused AddFragments left %d fragments, want 5", n)
	}
	wantKind(t, d.AddFragments(ctx, 9999, frags), nvr.KindNotFound)

	// Closing: not short of the fragments, once.
	wantKind(t, d.CloseSegment(ctx, s.ID, t0.Add(5*gop), 5999), nvr.KindInvalid)
	wantKind(t, d.CloseSegment(ctx, s.ID, t0.Add(5*gop-1), 6000), nvr.KindInvalid)
	noErr(t, d.CloseSegment(ctx, s.ID, t0.Add(5*gop), 6000))
	wantKind(t, d.CloseSegment(ctx, s.ID, t0.Add(5*gop), 6000), nvr.KindConflict)
	wantKind(t, d.CloseSegment(ctx, 9999, t0, 0), nvr.KindNotFound)
	wantKind(t, d.AddFragments(ctx, s.ID, gops(6000, t0.Add(5*gop), 1)), nvr.KindConflict)
	if got := must[[]nvr.Segment](t)(d.SegmentsByState(ctx, nvr.SegmentClosed)); len(got) != 1 || got[0].ID != s.ID {
		t.Fatalf("SegmentsByState(closed) = %+v", got)
	}

	// Deleting: mark (twice is fine), then delete the row, once.
	s2 := newSegment(t, d, cam, t0.Add(time.Minute))
	wantKind(t, d.DeleteSegment(ctx, s.ID), nvr.KindConflict)
	wantKind(t, d.DeleteSegment(ctx, s2.ID), nvr.KindConflict)
	noErr(t, d.MarkSegmentDeleting(ctx, s.ID))
	noErr(t, d.MarkSegmentDeleting(ctx, s.ID))
	wantKind(t, d.MarkSegmentDeleting(ctx, 9999), nvr.KindNotFound)
	wantKind(t, d.AddFragments(ctx, s.ID, gops(6000, t0.Add(5*gop), 1)), nvr.KindConflict)
	wantKind(t, d.CloseSegment(ctx, s.ID, t0.Add(5*gop), 6000), nvr.KindConflict)
	if got := must[[]nvr.Segment](t)(d.SegmentsByState(ctx, nvr.SegmentDeleting)); len(got) != 1 || got[0].ID != s.ID {
		t.Fatalf("SegmentsByState(deleting) = %+v", got)
	}
	if got := must[[]nvr.Segment](t)(d.AllSegments(ctx)); len(got) != 2 || got[0].ID != s.ID || got[1].ID != s2.ID {
		t.Fatalf("AllSegments = %+v", got)
	}
	noErr(t, d.DeleteSegment(ctx, s.ID))
	wantKind(t, d.DeleteSegment(ctx, s.ID), nvr.KindNotFound)
	_, err := d.Segment(ctx, s.ID)
	wantKind(t, err, nvr.KindNotFound)
	_, err = d.Fragments(ctx, s.ID)
	wantKind(t, err, nvr.KindNotFound)

	// IDs are never reused.
	s3 := newSegment(t, d, cam, t0.Add(2*time.Minute))
	if s3.ID <= s2.ID {
		t.Fatalf("new segment ID %d not above %d", s3.ID, s2.ID)
	}
}

func TestCreateSegmentRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	cam := w.cam1.ID
	ok := nvr.Segment{CameraID: cam, Stream: "main", Path: string(cam) + "/1-2.mp4", Start: t0}
	must[nvr.Segment](t)(d.CreateSegment(ctx, ok))
	tests := []struct {
		name   string
		change func(*nvr.Segment)
		want   nvr.Kind
	}{
		{"path taken", func(s *nvr.Segment) {}, nvr.KindConflict},
		{"missing camera", func(s *nvr.Segment) { s.CameraID = nvr.NewCameraID(); s.Path = string(s.CameraID) + "/x.mp4" }, nvr.KindNotFound},
		{"bad camera ID", func(s *nvr.Segment) { s.CameraID = "front-door"; s.Path = "front-door/x.mp4" }, nvr.KindInvalid},
		{"another camera's directory", func(s *nvr.Segment) { s.Path = string(w.cam2.ID) + "/x.mp4" }, nvr.KindInvalid},
		{"no directory", func(s *nvr.Segment) { s.Path = "x.mp4" }, nvr.KindInvalid},
		{"subdirectory", func(s *nvr.Segment) { s.Path = string(cam) + "/a/x.mp4" }, nvr.KindInvalid},
		{"dot dot", func(s *nvr.Segment) { s.Path = string(cam) + "/.." }, nvr.KindInvalid},
		{"empty name", func(s *nvr.Segment) { s.Path = string(cam) + "/" }, nvr.KindInvalid},
		{"stream", func(s *nvr.Segment) { s.Stream = "third"; s.Path += "3" }, nvr.KindInvalid},
		{"closed", func(s *nvr.Segment) { s.State = nvr.SegmentClosed; s.Path += "3" }, nvr.KindInvalid},
		{"no start", func(s *nvr.Segment) { s.Start = time.Time{}; s.Path += "3" }, nvr.KindInvalid},
		{"end before start", func(s *nvr.Segment) { s.End = t0.Add(-1); s.Path += "3" }, nvr.KindInvalid},
		{"too long", func(s *nvr.Segment) { s.End = t0.Add(2 * time.Hour); s.Path += "3" }, nvr.KindInvalid},
		{"negative bytes", func(s *nvr.Segment) { s.Bytes = -1; s.Path += "3" }, nvr.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.change(&s)
			_, err := d.CreateSegment(ctx, s)
			wantKind(t, err, tt.want)
		})
	}
}

func TestFragmentsBetween(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	cam := w.cam1.ID
	// Segment a: [t0, t0+10s), GOPs at 0 (key), 2, 4 (key), 6, 8.
	// Segment b: [t0+10s, t0+20s), all key, open.
	// Segment c: [t0+30s, t0+40s), deleting. Segment d: the sub stream.
	a := newSegment(t, d, cam, t0)
	noErr(t, d.AddFragments(ctx, a.ID, gops(1000, t0, 5, true, false, true, false, false)))
	noErr(t, d.CloseSegment(ctx, a.ID, t0.Add(10*time.Second), 6000))
	b := newSegment(t, d, cam, t0.Add(10*time.Second))
	noErr(t, d.AddFragments(ctx, b.ID, gops(1000, t0.Add(10*time.Second), 5)))
	c := recordSegment(t, d, cam, t0.Add(30*time.Second), 5)
	noErr(t, d.MarkSegmentDeleting(ctx, c.ID))
	sub := newStreamSegment(t, d, cam, "sub", t0)
	noErr(t, d.AddFragments(ctx, sub.ID, gops(1000, t0, 5)))
	recordSegment(t, d, w.cam1b.ID, t0, 5) // another camera at the same time

	type ref struct {
		seg nvr.SegmentID
		idx int
	}
	at := func(s time.Duration) time.Time { return t0.Add(s * time.Second) }
	tests := []struct {
		name     string
		from, to time.Time
		want     []ref
	}{
		{"on a key fragment", at(4), at(6), []ref{{a.ID, 2}}},
		{"inside a key fragment", at(5), at(6), []ref{{a.ID, 2}}},
		{"inside a non-key fragment", at(7), at(9), []ref{{a.ID, 2}, {a.ID, 3}, {a.ID, 4}}},
		{"two back to the key", at(8), at(9), []ref{{a.ID, 2}, {a.ID, 3}, {a.ID, 4}}},
		{"at a non-key boundary", at(6), at(7), []ref{{a.ID, 2}, {a.ID, 3}}},
		{"across segments", at(9), at(13), []ref{{a.ID, 2}, {a.ID, 3}, {a.ID, 4}, {b.ID, 0}, {b.ID, 1}}},
		{"open segment", at(18), at(25), []ref{{b.ID, 4}}},
		{"to is exclusive", at(10), at(12), []ref{{b.ID, 0}}},
		{"gap", at(20), at(30), nil},
		{"deleting is invisible", at(30), at(40), nil},
		{"from in a gap", at(25), at(35), nil},
		{"everything", at(-60), at(60), []ref{{a.ID, 0}, {a.ID, 1}, {a.ID, 2}, {a.ID, 3}, {a.ID, 4},
			{b.ID, 0}, {b.ID, 1}, {b.ID, 2}, {b.ID, 3}, {b.ID, 4}}},
		{"empty range", at(5), at(5), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := must[[]nvr.Fragment](t)(d.FragmentsBetween(ctx, cam, "main", tt.from, tt.to))
			var got []ref
			for _, f := range fs {
				got = append(got, ref{f.SegmentID, f.Index})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("FragmentsBetween(%v, %v) = %v, want %v", tt.from.Sub(t0), tt.to.Sub(t0), got, tt.want)
			}
			for i := 1; i < len(fs); i++ {
				if fs[i].Start.Before(fs[i-1].Start) {
					t.Fatalf("fragments out of time order: %+v", fs)
				}
			}
		})
	}
	if fs := must[[]nvr.Fragment](t)(d.FragmentsBetween(ctx, cam, "sub", at(0), at(3))); len(fs) != 2 || fs[0].SegmentID != sub.ID {
		t.Fatalf("sub stream: %+v", fs)
	}
	_, err := d.FragmentsBetween(ctx, cam, "nope", at(0), at(3))
	wantKind(t, err, nvr.KindInvalid)

	segs := must[[]nvr.Segment](t)(d.SegmentsBetween(ctx, cam, "main", at(5), at(60)))
	if len(segs) != 2 || segs[0].ID != a.ID || segs[1].ID != b.ID {
		t.Fatalf("SegmentsBetween = %+v, want a and b", segs)
	}
	// A just-opened, empty segment is found by its start.
	e := newSegment(t, d, cam, at(50))
	segs = must[[]nvr.Segment](t)(d.SegmentsBetween(ctx, cam, "main", at(50), at(51)))
	if len(segs) != 1 || segs[0].ID != e.ID {
		t.Fatalf("SegmentsBetween(empty open) = %+v", segs)
	}
}

func TestCoveredRanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	cam := w.cam1.ID
	at := func(s time.Duration) time.Time { return t0.Add(s * time.Second) }
	recordSegment(t, d, cam, at(0), 30)   // [0, 60)
	recordSegment(t, d, cam, at(60), 30)  // [60, 120): adjacent
	recordSegment(t, d, cam, at(122), 29) // [122, 180): 2 s gap
	recordSegment(t, d, cam, at(200), 30) // [200, 260): 20 s gap
	del := recordSegment(t, d, cam, at(260), 30)
	noErr(t, d.MarkSegmentDeleting(ctx, del.ID))
	newSegment(t, d, cam, at(400)) // open and empty: covers nothing
	open := newSegment(t, d, cam, at(500))
	noErr(t, d.AddFragments(ctx, open.ID, gops(1000, at(500), 3))) // [500, 506), open
	recordSegment(t, d, w.cam1b.ID, at(120), 1)                    // another camera fills the gap

	type span struct{ s, e time.Duration }
	tests := []struct {
		name     string
		from, to time.Time
		gap      time.Duration
		want     []span
	}{
		{"no gap joining", at(-100), at(1000), 0, []span{{0, 120}, {122, 180}, {200, 260}, {500, 506}}},
		{"joins short gaps", at(-100), at(1000), 3 * time.Second, []span{{0, 180}, {200, 260}, {500, 506}}},
		{"gap equal to the distance splits", at(-100), at(1000), 2 * time.Second, []span{{0, 120}, {122, 180}, {200, 260}, {500, 506}}},
		{"clipped", at(30), at(230), 0, []span{{30, 120}, {122, 180}, {200, 230}}},
		{"inside one segment", at(10), at(20), 0, []span{{10, 20}}},
		{"in a gap", at(181), at(199), time.Hour, nil},
		{"deleting is invisible", at(265), at(300), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := must[[]nvr.TimeRange](t)(d.CoveredRanges(ctx, cam, "main", tt.from, tt.to, tt.gap))
			var got []span
			for _, r := range rs {
				got = append(got, span{r.Start.Sub(t0) / time.Second, r.End.Sub(t0) / time.Second})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("CoveredRanges = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOldestSegmentsAndUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	// cam1: minutes 0..3 closed, 4 open; cam1b: 1..2 closed, one deleting;
	// cam2 (other household): 0 closed.
	var cam1 []nvr.Segment
	for m := range 4 {
		cam1 = append(cam1, recordSegment(t, d, w.cam1.ID, at(m), 30))
	}
	open := newSegment(t, d, w.cam1.ID, at(4))
	noErr(t, d.AddFragments(ctx, open.ID, gops(1000, at(4), 2)))
	b1 := recordSegment(t, d, w.cam1b.ID, at(1), 30)
	b2 := recordSegment(t, d, w.cam1b.ID, at(2), 30)
	gone := recordSegment(t, d, w.cam1b.ID, at(-10), 30)
	noErr(t, d.MarkSegmentDeleting(ctx, gone.ID))
	c2 := recordSegment(t, d, w.cam2.ID, at(0), 30)

	ids := func(ss []nvr.Segment) []nvr.SegmentID {
		var out []nvr.SegmentID
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	if got, want := ids(must[[]nvr.Segment](t)(d.OldestSegments(ctx, "", 4))),
		[]nvr.SegmentID{cam1[0].ID, c2.ID, cam1[1].ID, b1.ID}; !slices.Equal(got, want) {
		t.Fatalf("OldestSegments(all, 4) = %v, want %v", got, want)
	}
	if got, want := ids(must[[]nvr.Segment](t)(d.OldestSegments(ctx, w.cam1.ID, 10))),
		ids(cam1); !slices.Equal(got, want) {
		t.Fatalf("OldestSegments(cam1) = %v, want %v (no open segment)", got, want)
	}
	if got := must[[]nvr.Segment](t)(d.OldestSegments(ctx, w.cam1.ID, 0)); len(got) != 0 {
		t.Fatalf("OldestSegments(limit 0) = %v", got)
	}

	segBytes := int64(1000 + 30*1000)
	want := []nvr.RecordingUsage{
		{CameraID: w.cam1.ID, HouseholdID: w.h1.ID, Bytes: 4*segBytes + 3000, Segments: 5, Oldest: at(0)},
		{CameraID: w.cam1b.ID, HouseholdID: w.h1.ID, Bytes: 2 * segBytes, Segments: 2, Oldest: at(1)},
		{CameraID: w.cam2.ID, HouseholdID: w.h2.ID, Bytes: segBytes, Segments: 1, Oldest: at(0)},
	}
	if w.cam1b.ID < w.cam1.ID {
		want[0], want[1] = want[1], want[0]
	}
	checkUsage := func(want []nvr.RecordingUsage) {
		t.Helper()
		if got := must[[]nvr.RecordingUsage](t)(d.Usage(ctx)); !slices.Equal(got, want) {
			t.Fatalf("Usage =\n%+v\nwant\n%+v", got, want)
		}
	}
	checkUsage(want)

	// Deleting a camera hides its footage at once and queues its files.
	noErr(t, d.DeleteCamera(ctx, w.cam1b.ID))
	want = slices.DeleteFunc(want, func(u nvr.RecordingUsage) bool { return u.CameraID == w.cam1b.ID })
	checkUsage(want)
	deleting := ids(must[[]nvr.Segment](t)(d.SegmentsByState(ctx, nvr.SegmentDeleting)))
	if !slices.Equal(deleting, []nvr.SegmentID{gone.ID, b1.ID, b2.ID}) {
		t.Fatalf("deleting after DeleteCamera = %v", deleting)
	}
	if rs := must[[]nvr.TimeRange](t)(d.CoveredRanges(ctx, w.cam1b.ID, "main", at(-60), at(60), 0)); len(rs) != 0 {
		t.Fatalf("a deleted camera still has ranges %v", rs)
	}
	_, err := d.CreateSegment(ctx, nvr.Segment{CameraID: w.cam1b.ID, Stream: "main", Path: string(w.cam1b.ID) + "/new.mp4", Start: at(9)})
	wantKind(t, err, nvr.KindNotFound)
	for _, id := range deleting {
		noErr(t, d.DeleteSegment(ctx, id))
	}

	// Moving a camera moves its usage; closing and deleting keep the sums.
	noErr(t, d.MoveCamera(ctx, w.cam2.ID, w.h1.ID, time.Now()))
	noErr(t, d.CloseSegment(ctx, open.ID, at(4).Add(4*time.Second), 4000))
	noErr(t, d.MarkSegmentDeleting(ctx, cam1[0].ID))
	want = []nvr.RecordingUsage{
		{CameraID: w.cam1.ID, HouseholdID: w.h1.ID, Bytes: 3*segBytes + 4000, Segments: 4, Oldest: at(1)},
		{CameraID: w.cam2.ID, HouseholdID: w.h1.ID, Bytes: segBytes, Segments: 1, Oldest: at(0)},
	}
	if w.cam2.ID < w.cam1.ID {
		want[0], want[1] = want[1], want[0]
	}
	checkUsage(want)
	noErr(t, d.DeleteSegment(ctx, cam1[0].ID))
	checkUsage(want)
}

func TestCameraRecordingSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)

	// Created with zero settings: the defaults, returned and stored.
	c := must[nvr.Camera](t)(d.Camera(ctx, w.cam1.ID))
	if c.RecordMode != nvr.RecordContinuous || c.PreRoll != 5*time.Second || c.PostRoll != 10*time.Second ||
		c.RetainContinuous != 14*24*time.Hour || c.RetainEvents != 30*24*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
	if !sameCamera(c, w.cam1) {
		t.Fatalf("CreateCamera returned %+v, stored %+v", w.cam1, c)
	}

	c.RecordMode, c.PreRoll, c.PostRoll = nvr.RecordEvents, 0, 1500*time.Millisecond
	c.RetainContinuous, c.RetainEvents = 24*time.Hour, 365*24*time.Hour
	noErr(t, d.UpdateCamera(ctx, c))
	c.ResumeRecordMode = nvr.RecordEvents // the store keeps the last mode other than off
	if got := must[nvr.Camera](t)(d.Camera(ctx, c.ID)); !sameCamera(got, c) {
		t.Fatalf("after update %+v, want %+v", got, c)
	}
	// Every read path carries the settings.
	hc := must[[]nvr.Camera](t)(d.HouseholdCameras(ctx, w.h1.ID, w.viewer.ID))
	if len(hc) != 1 || !sameCamera(hc[0], c) {
		t.Fatalf("HouseholdCameras(assigned) = %+v", hc)
	}
	_, facts, err := d.CameraAccess(ctx, nvr.Principal{UserID: w.owner.ID}, c.ID, t0)
	noErr(t, err)
	if !sameCamera(facts.Camera, c) {
		t.Fatalf("CameraAccess camera = %+v, want %+v", facts.Camera, c)
	}

	tests := []struct {
		name   string
		change func(*nvr.Camera)
	}{
		{"mode", func(c *nvr.Camera) { c.RecordMode = "sometimes" }},
		{"negative pre roll", func(c *nvr.Camera) { c.PreRoll = -time.Second }},
		{"long pre roll", func(c *nvr.Camera) { c.PreRoll = time.Hour }},
		{"sub-millisecond post roll", func(c *nvr.Camera) { c.PostRoll = time.Microsecond }},
		{"zero retention", func(c *nvr.Camera) { c.RetainContinuous = 0 }},
		{"partial day", func(c *nvr.Camera) { c.RetainEvents = 36 * time.Hour }},
		{"eleven years", func(c *nvr.Camera) { c.RetainEvents = 11 * 365 * 24 * time.Hour }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := c
			tt.change(&bad)
			wantKind(t, d.UpdateCamera(ctx, bad), nvr.KindInvalid)
			if tt.name == "zero retention" {
				return // CreateCamera takes the default for zero settings
			}
			bad.ID, bad.Name = nvr.NewCameraID(), "New "+tt.name
			_, err := d.CreateCamera(ctx, bad)
			wantKind(t, err, nvr.KindInvalid)
		})
	}
}

// TestRecordingConcurrency appends to several open segments while readers
// run the playback and retention queries and a second handle (the CLI) on
// the same file reads too. Run with -race.
func TestRecordingConcurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	cli := must[*db.DB](t)(db.Open(ctx, d.Path()))
	defer cli.Close()
	cams := []nvr.CameraID{w.cam1.ID, w.cam1b.ID, w.cam2.ID}
	const (
		segments  = 4
		fragments = 15
	)
	var writers, readers sync.WaitGroup
	errs := make(chan error, 16)
	done := make(chan struct{})
	for ci, cam := range cams {
		writers.Go(func() {
			start := t0.Add(time.Duration(ci) * time.Second)
			for range segments {
				s, err := d.CreateSegment(ctx, nvr.Segment{CameraID: cam, Stream: "main",
					Path: fmt.Sprintf("%s/%d.mp4", cam, start.UnixNano()), Start: start, Bytes: 1000})
				if err != nil {
					errs <- err
					return
				}
				for i := range fragments {
					if err := d.AddFragments(ctx, s.ID, gops(1000+int64(i)*1000, start.Add(time.Duration(i)*gop), 1)); err != nil {
						errs <- err
						return
					}
				}
				end := start.Add(fragments * gop)
				if err := d.CloseSegment(ctx, s.ID, end, 1000+fragments*1000); err != nil {
					errs <- err
					return
				}
				start = end
			}
		})
	}
	for r := range 4 {
		h := d
		if r%2 == 1 {
			h = cli
		}
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				cam := cams[r%len(cams)]
				rs, err := h.CoveredRanges(ctx, cam, "main", t0.Add(-time.Hour), t0.Add(time.Hour), 0)
				if err == nil && len(rs) > 1 {
					err = fmt.Errorf("covered ranges of contiguous footage: %v", rs)
				}
				if err == nil {
					_, err = h.FragmentsBetween(ctx, cam, "main", t0.Add(30*time.Second), t0.Add(90*time.Second))
				}
				if err == nil {
					_, err = h.Usage(ctx)
				}
				if err == nil {
					_, err = h.OldestSegments(ctx, "", 10)
				}
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	us := must[[]nvr.RecordingUsage](t)(d.Usage(ctx))
	if len(us) != len(cams) {
		t.Fatalf("Usage = %+v", us)
	}
	for _, u := range us {
		if u.Segments != segments || u.Bytes != segments*(1000+fragments*1000) {
			t.Errorf("Usage of %s = %+v", u.CameraID, u)
		}
	}
	for _, cam := range cams {
		fs := must[[]nvr.Fragment](t)(d.FragmentsBetween(ctx, cam, "main", t0.Add(-time.Hour), t0.Add(time.Hour)))
		if len(fs) != segments*fragments {
			t.Errorf("camera %s: %d fragments, want %d", cam, len(fs), segments*fragments)
		}
	}
}
