package db_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
)

// The synthetic index is what the index benchmarks measure: it must look
// like a recorder's index (contiguous footage, whole fragments).
func TestBuildSyntheticIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := db.SyntheticIndex{Cameras: 5, Days: 1, Segment: time.Minute, Fragments: 24, End: db.DefaultSyntheticIndex.End}
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
}
