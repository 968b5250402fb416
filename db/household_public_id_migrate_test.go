package db

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMigrateHouseholdPublicIDs upgrades a database from just before the
// household public ID migration, holding three households (the middle one
// deleted, so the counter has a gap), their people and a camera: every
// household gets its own random public ID and keeps its row number, name
// and creation time; users and cameras still belong to the same
// households; lookups by public ID and name work and the row number no
// longer does; a new household gets a fresh public ID and the next row
// number; a row without a public ID, or a change of one, is refused.
func TestMigrateHouseholdPublicIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	before := migrationBefore(t, "_household_public_id.sql")
	cam := nvr.NewCameraID()
	var stmts []string
	stmts = append(stmts,
		`INSERT INTO households (name, created_at_ns) VALUES ('Smiths', 11)`,
		`INSERT INTO households (name, created_at_ns) VALUES ('Gone', 12)`,
		`INSERT INTO households (name, created_at_ns) VALUES ('Joneses', 13)`,
		`DELETE FROM households WHERE name = 'Gone'`,
		`INSERT INTO users (public_id, name, household_id, role, password_hash, created_at_ns)
			VALUES ('`+nvr.NewPublicID()+`', 'ana', 1, 'owner', 'x', 1)`,
		`INSERT INTO users (public_id, name, household_id, role, password_hash, created_at_ns)
			VALUES ('`+nvr.NewPublicID()+`', 'jo', 3, 'member', 'x', 1)`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns) VALUES ('`+string(cam)+`', 3, 'Door', 'rtsp://192.0.2.1/', 1)`)
	writeDatabaseAt(t, path, before, stmts...)

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer d.Close()
	hs, err := d.Households(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 {
		t.Fatalf("%d households after the migration, want 2: %+v", len(hs), hs)
	}
	want := map[string]struct {
		id nvr.HouseholdID
		at int64
	}{"Joneses": {3, 13}, "Smiths": {1, 11}}
	seen := map[nvr.HouseholdPublicID]bool{}
	for _, h := range hs {
		w := want[h.Name]
		if h.ID != w.id || h.CreatedAt.UnixNano() != w.at {
			t.Fatalf("household %q after the migration: %+v, want row %d created at %d", h.Name, h, w.id, w.at)
		}
		if _, err := nvr.ParseHouseholdPublicID(string(h.PublicID)); err != nil || seen[h.PublicID] {
			t.Fatalf("household %q: public ID %q is not a fresh random ID", h.Name, h.PublicID)
		}
		seen[h.PublicID] = true
		for _, ref := range []string{string(h.PublicID), h.Name} {
			if got, err := d.HouseholdByRef(ctx, ref); err != nil || got != h {
				t.Fatalf("household %q by ref %q: %+v, %v", h.Name, ref, got, err)
			}
		}
		if got, err := d.HouseholdByPublicID(ctx, h.PublicID); err != nil || got != h {
			t.Fatalf("household %q by public ID: %+v, %v", h.Name, got, err)
		}
		if _, err := d.HouseholdByRef(ctx, strconv.FormatInt(int64(h.ID), 10)); !errors.Is(err, nvr.ErrNotFound) {
			t.Fatalf("household %q found by its row number: %v", h.Name, err)
		}
	}
	jo, err := d.UserByRef(ctx, "jo")
	if err != nil || jo.HouseholdID != 3 {
		t.Fatalf("jo after the migration: %+v, %v; want household 3", jo, err)
	}
	if c, err := d.Camera(ctx, cam); err != nil || c.HouseholdID != 3 {
		t.Fatalf("camera after the migration: %+v, %v; want household 3", c, err)
	}

	fresh, err := d.CreateHousehold(ctx, "Browns", time.Unix(0, 14))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ID != 4 || seen[fresh.PublicID] {
		t.Fatalf("new household: row %d, ID %q; want row 4 (2 and 3 were used before) and a new ID", fresh.ID, fresh.PublicID)
	}
	if got, err := d.HouseholdByPublicID(ctx, fresh.PublicID); err != nil || got != fresh {
		t.Fatalf("new household by public ID: %+v, %v", got, err)
	}
	if _, err := d.writer.ExecContext(ctx, `INSERT INTO households (name, created_at_ns) VALUES ('Nameless', 1)`); err == nil {
		t.Fatal("a household was stored without a public ID")
	}
	if _, err := d.writer.ExecContext(ctx, `UPDATE households SET public_id = ? WHERE id = 1`, string(nvr.NewHouseholdPublicID())); err == nil {
		t.Fatal("a household's public ID changed")
	}
}
