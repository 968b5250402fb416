package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMigrateEventPublicIDs upgrades a database from just before the
// event public ID migration, holding live, open, deleting and deleted
// events: every event gets its own random public ID, keeps its row number
// (its thumbnail file's name) and its data, the counter's high-water mark
// survives (a deleted event's number is not handed out again), and lookups,
// listings and the deletion sweep work on the rebuilt table.
func TestMigrateEventPublicIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	before := -1
	for i, m := range ms {
		if strings.HasSuffix(m.name, "_event_public_ids.sql") {
			before = i
		}
	}
	if before < 0 {
		t.Fatal("no event public ID migration")
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	cam := nvr.NewCameraID()
	var stmts []string
	for _, m := range ms[:before] {
		stmts = append(stmts, m.sql)
	}
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	stmts = append(stmts, fmt.Sprintf("PRAGMA user_version = %d", before),
		`INSERT INTO households (name, created_at_ns) VALUES ('Smiths', 1)`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns) VALUES ('`+string(cam)+`', 1, 'Door', 'rtsp://192.0.2.1/', 1)`)
	for i := range 5 {
		start := t0 + int64(i)*int64(time.Minute)
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO events (camera_id, kind, label, start_ns, last_ns, end_ns, zones, created_at_ns)
			VALUES ('%s', 'motion', 'ev%d', %d, %d, %d, '["yard"]', %d)`, cam, i+1, start, start+1e9, start+2e9, start))
	}
	stmts = append(stmts,
		`UPDATE events SET thumb_type = 'image/jpeg', pinned = 1 WHERE id = 2`,
		`UPDATE events SET end_ns = NULL WHERE id = 3`,
		`UPDATE events SET state = 'deleting' WHERE id = 4`,
		`DELETE FROM events WHERE id = 5`)
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer d.Close()
	live, err := d.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: cam}}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 3 {
		t.Fatalf("%d live events after the migration, want 3: %+v", len(live), live)
	}
	seen := map[nvr.EventID]bool{}
	for i, e := range live { // newest first: rows 3, 2, 1
		wantSeq := int64(3 - i)
		if _, err := nvr.ParseEventID(string(e.ID)); err != nil || seen[e.ID] {
			t.Fatalf("event %d: public ID %q is not a fresh random ID", wantSeq, e.ID)
		}
		seen[e.ID] = true
		if e.Seq != wantSeq || e.Label != fmt.Sprintf("ev%d", wantSeq) || e.CameraID != cam ||
			e.Start.UnixNano() != t0+(wantSeq-1)*int64(time.Minute) || len(e.Zones) != 1 {
			t.Fatalf("event %d after the migration: %+v", wantSeq, e)
		}
		got, err := d.Event(ctx, cam, e.ID)
		if err != nil || got.Seq != e.Seq {
			t.Fatalf("event %d by its public ID: %+v, %v", wantSeq, got, err)
		}
	}
	if two := live[1]; two.ThumbType != nvr.ThumbJPEG || !two.Pinned {
		t.Fatalf("event 2 lost its thumbnail or pin: %+v", two)
	}
	if three := live[0]; !three.Open() {
		t.Fatalf("event 3 is no longer open: %+v", three)
	}
	deleting, err := d.DeletingEvents(ctx, 10)
	if err != nil || len(deleting) != 1 || deleting[0].Seq != 4 {
		t.Fatalf("deleting events %+v, %v; want row 4", deleting, err)
	}
	if err := d.DeleteEvent(ctx, deleting[0].ID); err != nil {
		t.Fatal(err)
	}
	fresh, err := d.CreateEvent(ctx, nvr.Event{CameraID: cam, Kind: nvr.EventTrigger,
		Start: time.Unix(0, t0+int64(time.Hour)), CreatedAt: time.Unix(0, t0)})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Seq != 6 || seen[fresh.ID] {
		t.Fatalf("new event: row %d, ID %q; want row 6 (5 was used before the upgrade) and a new ID", fresh.Seq, fresh.ID)
	}
	if n, err := d.RepairOpenEvents(ctx); err != nil || n != 2 { // row 3 and the new one
		t.Fatalf("repaired %d open events, %v; want 2", n, err)
	}
	if _, err := d.writer.ExecContext(ctx, `UPDATE events SET public_id = ? WHERE id = 1`, string(nvr.NewEventID())); err == nil {
		t.Fatal("an event's public ID changed")
	}
}
