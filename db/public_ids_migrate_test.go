package db

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMigratePublicIDs upgrades a database from just before the public ID
// migration, holding live, open, deleting and deleted events, a user, a
// session and an API token: every event gets its own random public ID, keeps its
// row number (its thumbnail file's name) and its data, the counter's
// high-water mark survives (a deleted event's number is not handed out
// again), and lookups, listings and the deletion sweep work on the rebuilt
// table; the user, session and token keep working and get public IDs too,
// and a row without one is refused.
func TestMigratePublicIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	before := migrationBefore(t, "_public_ids.sql")
	cam := nvr.NewCameraID()
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	var stmts []string
	stmts = append(stmts,
		`INSERT INTO households (name, created_at_ns) VALUES ('Smiths', 1)`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns) VALUES ('`+string(cam)+`', 1, 'Door', 'rtsp://192.0.2.1/', 1)`)
	for i := range 5 {
		start := t0 + int64(i)*int64(time.Minute)
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO events (camera_id, kind, label, start_ns, last_ns, end_ns, zones, created_at_ns)
			VALUES ('%s', 'motion', 'ev%d', %d, %d, %d, '["yard"]', %d)`, cam, i+1, start, start+1e9, start+2e9, start))
	}
	sessHash, tokHash := nvr.HashToken("hs_old-session"), nvr.HashToken("hth_old-token")
	stmts = append(stmts,
		`INSERT INTO users (name, household_id, role, password_hash, created_at_ns) VALUES ('ana', 1, 'owner', 'x', 1)`,
		fmt.Sprintf(`INSERT INTO sessions (user_id, token_hash, created_at_ns, last_seen_at_ns, expires_at_ns) VALUES (1, x'%x', 1, %d, %d)`,
			sessHash, t0, t0+int64(24*time.Hour)),
		fmt.Sprintf(`INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at_ns) VALUES (1, 'ha', 'view', x'%x', 1)`, tokHash),
		`UPDATE events SET thumb_type = 'image/jpeg', pinned = 1 WHERE id = 2`,
		`UPDATE events SET end_ns = NULL WHERE id = 3`,
		`UPDATE events SET state = 'deleting' WHERE id = 4`,
		`DELETE FROM events WHERE id = 5`)
	writeDatabaseAt(t, path, before, stmts...)

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

	// The old user, session and token still work, and now have public IDs.
	ana, err := d.UserByRef(ctx, "ana")
	if err != nil {
		t.Fatalf("old user after the migration: %v", err)
	}
	if byPublic, err := d.UserByPublicID(ctx, ana.PublicID); err != nil || byPublic.ID != ana.ID {
		t.Fatalf("old user by public ID %q: %+v, %v", ana.PublicID, byPublic, err)
	}
	if _, err := d.writer.ExecContext(ctx, `INSERT INTO users (name, role, password_hash, created_at_ns) VALUES ('bob', 'member', 'x', 1)`); err == nil {
		t.Fatal("a user was stored without a public ID")
	}
	sess, err := d.SessionByTokenHash(ctx, sessHash)
	if err != nil {
		t.Fatalf("old session after the migration: %v", err)
	}
	tok, err := d.TokenByHash(ctx, tokHash)
	if err != nil {
		t.Fatalf("old token after the migration: %v", err)
	}
	for what, id := range map[string]string{"user": ana.PublicID, "session": sess.PublicID, "token": tok.PublicID} {
		if _, err := nvr.ParsePublicID(id); err != nil {
			t.Fatalf("old %s's public ID %q is not a random ID", what, id)
		}
	}
	fresh2, err := d.CreateToken(ctx, nvr.APIToken{UserID: 1, Name: "new", Scope: nvr.ScopeView, TokenHash: nvr.HashToken("hth_new"), CreatedAt: time.Unix(0, t0)})
	if err != nil || fresh2.PublicID == tok.PublicID {
		t.Fatalf("new token %+v, %v: want its own public ID", fresh2, err)
	}
	ts, err := d.Tokens(ctx, 1)
	if err != nil || len(ts) != 2 || ts[0].PublicID != tok.PublicID || ts[1].PublicID != fresh2.PublicID {
		t.Fatalf("tokens listed %+v, %v", ts, err)
	}
	if _, err := d.writer.ExecContext(ctx, `INSERT INTO sessions (user_id, token_hash, created_at_ns, last_seen_at_ns, expires_at_ns)
		VALUES (1, x'00112233445566778899aabbccddeeff', 1, 1, 1)`); err == nil {
		t.Fatal("a session was stored without a public ID")
	}
	if _, err := d.writer.ExecContext(ctx, `UPDATE api_tokens SET public_id = ? WHERE id = 1`, nvr.NewPublicID()); err == nil {
		t.Fatal("a token's public ID changed")
	}
}
