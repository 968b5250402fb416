package db_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// BenchmarkUnreviewedListing measures the worst page of the review list:
// the first page of "unreviewed" for a user who marked a busy month
// reviewed, so the listing walks every event of the household's cameras
// and asks event_reviews about each (4 cameras, about 1,400 events a
// camera a day for 30 days, one camera of each of four households: the
// user sees one camera's 42,000 events). It also times the mark-all that
// put them there. Reports p50 per op of the listing.
func BenchmarkUnreviewedListing(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "hearth.db")
	s := db.SyntheticIndex{Cameras: 4, Days: 30, Segment: time.Hour, Fragments: 1, Events: 4 * 30 * 1400,
		End: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	cams, err := db.BuildSyntheticIndex(ctx, path, s)
	if err != nil {
		b.Fatal(err)
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	cam, err := d.Camera(ctx, cams[0])
	if err != nil {
		b.Fatal(err)
	}
	u, err := d.CreateUser(ctx, nvr.User{Name: "reviewer", HouseholdID: cam.HouseholdID, Role: nvr.RoleMember, CreatedAt: s.Start()},
		nvr.HashPassword(password, cheapArgon2))
	if err != nil {
		b.Fatal(err)
	}
	scope := []nvr.EventScope{{CameraID: cam.ID}}
	t0 := time.Now()
	n, err := d.MarkEventsReviewed(ctx, u.ID, scope, s.End, s.End)
	if err != nil || n == 0 {
		b.Fatalf("mark all: %d, %v", n, err)
	}
	b.Logf("mark all: %d events in %v", n, time.Since(t0).Round(time.Millisecond))
	q := nvr.EventQuery{Cameras: scope, Reviewer: u.ID, Reviewed: nvr.ReviewOnlyUnmarked, Limit: 51}
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		evs, err := d.Events(ctx, q)
		if err != nil || len(evs) != 0 {
			b.Fatalf("unreviewed: %d, %v", len(evs), err)
		}
		took = append(took, time.Since(t))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
}
