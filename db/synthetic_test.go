package db_test

import (
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// The synthetic index is what the index benchmarks measure: it must look
// like a recorder's index (contiguous footage, whole fragments).
func TestBuildSyntheticIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := db.SyntheticIndex{Cameras: 5, Days: 1, Segment: time.Minute, Fragments: 24, Events: 1000, End: db.DefaultSyntheticIndex.End}
	path := filepath.Join(t.TempDir(), "index.db")
	cams, err := db.BuildSyntheticIndex(ctx, path, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(cams) != 5 {
		t.Fatalf("%d cameras", len(cams))
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	usage, err := d.Usage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range usage {
		if u.Segments != 24*60 {
			t.Errorf("camera %s: %d segments, want %d", u.CameraID, u.Segments, 24*60)
		}
	}
	from := s.Start().Add(time.Hour)
	rs, err := d.CoveredRanges(ctx, cams[3], "main", from, from.Add(6*time.Hour), 3*time.Second)
	if err != nil || len(rs) != 1 || !rs[0].Start.Equal(from) || !rs[0].End.Equal(from.Add(6*time.Hour)) {
		t.Errorf("covered ranges %+v, %v; want one range over the 6 hours", rs, err)
	}
	fs, err := d.FragmentsBetween(ctx, cams[1], "main", from, from.Add(5*time.Minute))
	if err != nil || len(fs) < 120 || len(fs) > 122 {
		t.Errorf("%d fragments in 5 minutes (%v), want 120-122", len(fs), err)
	}
	// 1000 events round-robin over 5 cameras: 200 each, newest first.
	var scopes []nvr.EventScope
	for _, c := range cams {
		scopes = append(scopes, nvr.EventScope{CameraID: c})
	}
	evs, err := d.Events(ctx, nvr.EventQuery{Cameras: scopes[:1], Limit: 1000})
	if err != nil || len(evs) != 200 {
		t.Fatalf("%d events of one camera (%v), want 200", len(evs), err)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Start.After(evs[i-1].Start) || evs[i].End.Before(evs[i].Start) {
			t.Fatalf("event %d out of order or ends before it starts: %+v", i, evs[i])
		}
	}
	if evs[len(evs)-1].Start.Before(s.Start()) || evs[0].Start.After(s.End) {
		t.Errorf("events from %v to %v, outside the footage", evs[len(evs)-1].Start, evs[0].Start)
	}
}

// Listing many cameras merges their events newest first, pages by cursor
// without gaps or repeats, both with one sub-select per camera and, past
// the compound-select limit, with one scan.
func TestEventsAcrossCameras(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := db.SyntheticIndex{Cameras: 260, Days: 1, Segment: time.Hour, Fragments: 1, Events: 2600, End: db.DefaultSyntheticIndex.End}
	path := filepath.Join(t.TempDir(), "index.db")
	cams, err := db.BuildSyntheticIndex(ctx, path, s)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, n := range []int{4, 260} {
		var scopes []nvr.EventScope
		var want []nvr.Event
		for _, c := range cams[:n] {
			scopes = append(scopes, nvr.EventScope{CameraID: c})
			evs, err := d.Events(ctx, nvr.EventQuery{Cameras: scopes[len(scopes)-1:], Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, evs...)
		}
		slices.SortFunc(want, func(a, b nvr.Event) int {
			if c := b.Start.Compare(a.Start); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		})
		var got []nvr.EventID
		q := nvr.EventQuery{Cameras: scopes, Limit: 37}
		for range 200 {
			page, err := d.Events(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				got = append(got, e.ID)
			}
			if len(page) < q.Limit {
				break
			}
			q.After = nvr.EventCursor{Start: page[len(page)-1].Start, ID: page[len(page)-1].ID}
		}
		if len(got) != len(want) || len(want) != 10*n {
			t.Fatalf("%d cameras: paged %d events, want %d (= %d)", n, len(got), len(want), 10*n)
		}
		for i := range want {
			if got[i] != want[i].ID {
				t.Fatalf("%d cameras: event %d is %s, want %s", n, i, got[i], want[i].ID)
			}
		}
	}
}
