package db

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMigrateEventReviews upgrades a database from just before the review
// marks migration, holding a household with two people and an event:
// after it every event starts unreviewed for everyone, a mark is one
// person's, and marks and floors go with the event, the person and the
// camera.
func TestMigrateEventReviews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	before := migrationBefore(t, "_event_reviews.sql")
	cam, ev := nvr.NewCameraID(), nvr.NewEventID()
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var stmts []string
	stmts = append(stmts,
		`INSERT INTO households (public_id, name, created_at_ns) VALUES ('`+nvr.NewPublicID()+`', 'Smiths', 1)`,
		`INSERT INTO users (public_id, name, household_id, role, password_hash, created_at_ns)
			VALUES ('`+nvr.NewPublicID()+`', 'ana', 1, 'owner', 'x', 1)`,
		`INSERT INTO users (public_id, name, household_id, role, password_hash, created_at_ns)
			VALUES ('`+nvr.NewPublicID()+`', 'mo', 1, 'member', 'x', 1)`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns) VALUES ('`+string(cam)+`', 1, 'Door', 'rtsp://192.0.2.1/', 1)`,
		`INSERT INTO events (public_id, camera_id, kind, start_ns, last_ns, end_ns, created_at_ns)
			VALUES ('`+string(ev)+`', '`+string(cam)+`', 'motion', `+strconv.FormatInt(start.UnixNano(), 10)+`, `+
			strconv.FormatInt(start.UnixNano(), 10)+`, `+strconv.FormatInt(start.UnixNano(), 10)+`, 1)`)
	writeDatabaseAt(t, path, before, stmts...)

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer d.Close()
	ana, err := d.UserByRef(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	mo, err := d.UserByRef(ctx, "mo")
	if err != nil {
		t.Fatal(err)
	}
	scope := []nvr.EventScope{{CameraID: cam}}
	list := func(u nvr.UserID) int {
		t.Helper()
		evs, err := d.Events(ctx, nvr.EventQuery{Cameras: scope, Reviewer: u, Reviewed: nvr.ReviewOnlyUnmarked, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	if list(ana.ID) != 1 || list(mo.ID) != 1 {
		t.Fatalf("after the migration: unreviewed %d for ana, %d for mo; want 1 each", list(ana.ID), list(mo.ID))
	}
	if n, err := d.MarkEventsReviewed(ctx, ana.ID, scope, start.Add(time.Minute), start); err != nil || n != 1 {
		t.Fatalf("mark all: %d %v", n, err)
	}
	if list(ana.ID) != 0 || list(mo.ID) != 1 {
		t.Fatalf("after ana's mark all: unreviewed %d for ana, %d for mo; want 0 and 1", list(ana.ID), list(mo.ID))
	}
	// The camera goes (DeleteCamera marks its events deleting, the sweep
	// removes them): floors and marks go with it.
	if err := d.DeleteCamera(ctx, cam); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	var marks, floors int
	if err := d.reader.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM event_reviews), (SELECT count(*) FROM event_review_floors)`).Scan(&marks, &floors); err != nil {
		t.Fatal(err)
	}
	if marks != 0 || floors != 0 {
		t.Fatalf("%d marks and %d floors left after the camera and its event went", marks, floors)
	}
}
