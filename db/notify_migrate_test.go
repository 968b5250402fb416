package db

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMigrateHealthKindsKeepsEventsAndWhatRefersToThem upgrades a database
// at the version before the notify migration, with events, review marks and
// another table that references events with ON DELETE CASCADE: the notify
// migration widens
// events.kind's CHECK in place, so every event and every referring row is
// still there, the new kinds are accepted, others still refused, and the
// file passes an integrity check.
func TestMigrateHealthKindsKeepsEventsAndWhatRefersToThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	before := migrationBefore(t, "_notify.sql")
	cam := nvr.NewCameraID()
	var stmts []string
	stmts = append(stmts,
		`INSERT INTO households (name, created_at_ns, public_id) VALUES ('Smiths', 1, lower(hex(randomblob(16))))`,
		`INSERT INTO users (public_id, name, household_id, role, password_hash, created_at_ns)
		 VALUES (lower(hex(randomblob(16))), 'ana', 1, 'owner', 'x', 1)`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns) VALUES ('`+string(cam)+`', 1, 'Door', 'rtsp://192.0.2.1/x', 1)`,
		`INSERT INTO events (public_id, camera_id, kind, start_ns, last_ns, end_ns, created_at_ns)
		 VALUES (lower(hex(randomblob(16))), '`+string(cam)+`', 'motion', 10, 20, 20, 1),
		        (lower(hex(randomblob(16))), '`+string(cam)+`', 'trigger', 30, 40, 40, 1)`,
		`CREATE TABLE marks (event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE)`,
		`INSERT INTO marks SELECT id FROM events`,
		`INSERT INTO event_reviews (user_id, event_id, reviewed_at_ns) SELECT 1, id, 50 FROM events`)
	writeDatabaseAt(t, path+"?_pragma=foreign_keys(1)", before, stmts...)
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	count := func(q string) int {
		var n int
		if err := d.reader.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n, m, r := count(`SELECT count(*) FROM events`), count(`SELECT count(*) FROM marks`), count(`SELECT count(*) FROM event_reviews`); n != 2 || m != 2 || r != 2 {
		t.Fatalf("after the migration: %d events, %d rows and %d review marks referring to them; want 2, 2, 2", n, m, r)
	}
	var ic string
	if err := d.writer.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ic); err != nil || ic != "ok" {
		t.Fatalf("integrity check: %q %v", ic, err)
	}
	now := time.Now()
	for _, k := range []nvr.EventKind{nvr.EventOffline, nvr.EventStalled} {
		if _, err := d.CreateEvent(ctx, nvr.Event{CameraID: cam, Kind: k, Start: now, Last: now, CreatedAt: now}); err != nil {
			t.Fatalf("a %s event after the migration: %v", k, err)
		}
	}
	if _, err := d.writer.ExecContext(ctx, `INSERT INTO events (public_id, camera_id, kind, start_ns, last_ns, created_at_ns)
		VALUES (lower(hex(randomblob(16))), ?, 'smoke', 1, 1, 1)`, string(cam)); !isCheck(err) {
		t.Fatalf("an unknown kind: %v, want the CHECK's refusal", err)
	}
}
