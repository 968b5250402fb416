package db_test

import (
	"context"
	"database/sql"
	"fmt"
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
// put them there. Reports p50 per op of the listing. The events are
// written with a plain insert, as a busy month would leave them.
func BenchmarkUnreviewedListing(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "hearth.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	end := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	start0 := end.Add(-30 * 24 * time.Hour)
	var cam nvr.Camera
	var u nvr.User
	for h := range 4 {
		hh, err := d.CreateHousehold(ctx, fmt.Sprintf("household %d", h), start0)
		if err != nil {
			b.Fatal(err)
		}
		c, err := d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: hh.ID, Name: "camera",
			MainURL: "rtsp://192.0.2.10/main", CreatedAt: start0})
		if err != nil {
			b.Fatal(err)
		}
		if h == 0 {
			cam = c
			if u, err = d.CreateUser(ctx, nvr.User{Name: "reviewer", HouseholdID: hh.ID, Role: nvr.RoleMember, CreatedAt: start0},
				nvr.HashPassword(password, cheapArgon2)); err != nil {
				b.Fatal(err)
			}
		}
		// 1,400 closed events a day for 30 days, in one transaction on a
		// plain connection (CreateEvent one by one would take minutes).
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
		if err != nil {
			b.Fatal(err)
		}
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		const n = 30 * 1400
		step := end.Sub(start0) / n
		for i := range n {
			at := start0.Add(time.Duration(i) * step).UnixNano()
			if _, err := tx.ExecContext(ctx, `INSERT INTO events (public_id, camera_id, kind, start_ns, last_ns, end_ns, created_at_ns)
				VALUES (?, ?, 'motion', ?, ?, ?, ?)`, string(nvr.NewEventID()), string(c.ID), at, at+5e9, at+5e9, at); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		raw.Close()
	}
	scope := []nvr.EventScope{{CameraID: cam.ID}}
	t0 := time.Now()
	n, err := d.MarkEventsReviewed(ctx, u.ID, scope, end, end)
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
