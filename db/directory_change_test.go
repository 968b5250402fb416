package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// TestChangeCommitsWithItsAuditRow: a directory change and its audit row
// are one transaction. When the row cannot be written the change is not
// made; when the change fails nothing of it stays and the attempt is
// recorded on its own row; the local operator's (the CLI's) changes are
// recorded under "cli" like anyone's.
func TestChangeCommitsWithItsAuditRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	d, err := db.Open(ctx, path)
	noErr(t, err)
	t.Cleanup(func() { _ = d.Close() })
	pol := nvr.NewPolicy(d, nil, nil)
	op := nvr.NewDirectory(d, nil, cheapArgon2).ForAdmin(pol.LocalOperator())

	h := must[nvr.Household](t)(op.AddHousehold(ctx, "Smiths"))
	rows := must[[]nvr.AuditEntry](t)(d.Audit(ctx, 10))
	if len(rows) != 1 || rows[0].Action != "admin:add-household" || rows[0].Result != "ok" ||
		rows[0].Principal != "cli" || rows[0].UserID != 0 {
		t.Fatalf("audit after the CLI's change: %+v", rows)
	}

	// A change that fails (a duplicate name) writes nothing but its
	// "failed" row.
	if _, err := op.AddHousehold(ctx, "smiths"); nvr.ErrorKind(err) != nvr.KindConflict {
		t.Fatalf("duplicate household: %v", err)
	}
	if hs := must[[]nvr.Household](t)(d.Households(ctx)); len(hs) != 1 {
		t.Fatalf("households after a failed change: %+v", hs)
	}
	if rows := must[[]nvr.AuditEntry](t)(d.Audit(ctx, 10)); len(rows) != 2 || rows[0].Result != "failed" {
		t.Fatalf("audit after a failed change: %+v", rows)
	}

	// The audit log refuses rows (a trigger stands in for a full or
	// broken log): the change must not be made, and its error is returned.
	raw, err := sql.Open("sqlite", path)
	noErr(t, err)
	defer raw.Close()
	_, err = raw.ExecContext(ctx, `CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log refused'); END`)
	noErr(t, err)
	if _, err := op.AddUser(ctx, nvr.NewUser{Name: "ana", HouseholdID: h.ID, Role: nvr.RoleOwner, Password: password}); err == nil {
		t.Fatal("a change whose audit row failed was reported done")
	}
	if us := must[[]nvr.User](t)(d.Users(ctx, 0)); len(us) != 0 {
		t.Fatalf("a change was made without its audit row: %+v", us)
	}
	if err := op.RemoveHousehold(ctx, h.ID); err == nil {
		t.Fatal("removal without its audit row reported done")
	}
	if _, err := d.Household(ctx, h.ID); err != nil {
		t.Fatalf("household removed without its audit row: %v", err)
	}

	_, err = raw.ExecContext(ctx, `DROP TRIGGER refuse_audit`)
	noErr(t, err)
	noErr(t, op.RemoveHousehold(ctx, h.ID))
	if rows := must[[]nvr.AuditEntry](t)(d.Audit(ctx, 1)); rows[0].Action != "admin:remove-household" || rows[0].Result != "ok" {
		t.Fatalf("audit: %+v", rows)
	}
}
