package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// The synthetic index is what "hearth-bench index" measures: it must look
// like a recorder's index (contiguous footage, whole fragments), past its
// templates too.
func TestBuildSyntheticIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := syntheticIndex{Cameras: 5, Days: 1, Segment: time.Minute, Fragments: 24, Events: 1000, End: defaultSyntheticIndex().End}
	path := filepath.Join(t.TempDir(), "index.db")
	cams, err := buildSyntheticIndex(ctx, path, s)
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
	// Camera 0's templates (written through db's API) and the copies after
	// them are one stretch of footage.
	rs, err = d.CoveredRanges(ctx, cams[0], "main", s.Start(), s.Start().Add(2*time.Hour), 3*time.Second)
	if err != nil || len(rs) != 1 || !rs[0].Start.Equal(s.Start()) || !rs[0].End.Equal(s.Start().Add(2*time.Hour)) {
		t.Errorf("camera 0: covered ranges %+v, %v; want one range over its first 2 hours", rs, err)
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
