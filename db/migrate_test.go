package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// rawPragma reads a pragma through a plain connection, outside package db.
func rawPragma(t *testing.T, path, pragma string) string {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v string
	if err := raw.QueryRow("PRAGMA " + pragma).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", pragma, err)
	}
	return v
}

func TestOpenFresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Path(), path; got != want {
		t.Fatalf("Path() = %q, want %q", got, want)
	}
	noErr(t, d.Close())
	if got, want := rawPragma(t, path, "user_version"), strconv.Itoa(db.SchemaVersion()); got != want {
		t.Fatalf("user_version = %s, want %s", got, want)
	}
	// Counted, not written down: migrations are renumbered when branches
	// that each add one merge.
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := db.SchemaVersion(), len(files); got != want || want < 5 {
		t.Fatalf("SchemaVersion() = %d, want %d (the migration files)", got, want)
	}
	if got, want := rawPragma(t, path, "journal_mode"), "wal"; got != want {
		t.Fatalf("journal_mode = %s, want %s", got, want)
	}
}

func TestReopenIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	d := must[*db.DB](t)(db.Open(ctx, path))
	h := must[nvr.Household](t)(d.CreateHousehold(ctx, "Smiths", t0))
	noErr(t, d.Close())
	for range 2 {
		d = must[*db.DB](t)(db.Open(ctx, path))
		got := must[nvr.Household](t)(d.HouseholdByRef(ctx, "Smiths"))
		if got.ID != h.ID || !got.CreatedAt.Equal(t0) {
			t.Fatalf("after reopen: %+v, want %+v", got, h)
		}
		noErr(t, d.Close())
	}
	if got, want := rawPragma(t, path, "user_version"), strconv.Itoa(db.SchemaVersion()); got != want {
		t.Fatalf("user_version = %s, want %s", got, want)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	noErr(t, must[*db.DB](t)(db.Open(ctx, path)).Close())
	raw := must[*sql.DB](t)(sql.Open("sqlite", path))
	newer := db.SchemaVersion() + 1
	must[sql.Result](t)(raw.Exec("PRAGMA user_version = " + strconv.Itoa(newer)))
	noErr(t, raw.Close())

	d, err := db.Open(ctx, path)
	if err == nil {
		d.Close()
		t.Fatal("Open succeeded on a newer schema")
	}
	if !errors.Is(err, db.ErrSchemaTooNew) {
		t.Fatalf("errors.Is(%v, ErrSchemaTooNew) = false", err)
	}
	wantKind(t, err, nvr.KindInvalid)
	want := fmt.Sprintf("database schema version %d is newer than this hearth (knows up to %d); upgrade hearth or restore a backup", newer, newer-1)
	if got := nvr.ErrorMessage(err); got != want {
		t.Fatalf("message = %q, want %q", got, want)
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the file", err)
	}
}

func TestOpenRefusesCorruptFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content []byte
	}{
		{"garbage", []byte(strings.Repeat("this is not sqlite at all ", 200))},
		{"short header", []byte("SQLite format 2\x00garbage")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "hearth.db")
			noErr(t, os.WriteFile(path, tt.content, 0o600))
			d, err := db.Open(context.Background(), path)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded on a corrupt file")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "open database "+path+": ") || !strings.Contains(msg, "not a database") {
				t.Fatalf("error = %q, want \"open database %s: ...not a database...\"", msg, path)
			}
		})
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "hearth.db")
	d, err := db.Open(context.Background(), path)
	if err == nil {
		d.Close()
		t.Fatal("Open succeeded in a missing directory")
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the file", err)
	}
}

func TestOpenConcurrentlyOnFreshFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			d, err := db.Open(ctx, path)
			if err == nil {
				err = d.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		noErr(t, <-errs)
	}
	if got, want := rawPragma(t, path, "user_version"), strconv.Itoa(db.SchemaVersion()); got != want {
		t.Fatalf("user_version = %s, want %s", got, want)
	}
}

func TestBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	h := must[nvr.Household](t)(d.CreateHousehold(ctx, "Smiths", t0))
	dest := filepath.Join(t.TempDir(), "backup.db")
	noErr(t, d.Backup(ctx, dest))
	wantKind(t, d.Backup(ctx, dest), nvr.KindConflict)

	b := must[*db.DB](t)(db.Open(ctx, dest))
	defer b.Close()
	got := must[nvr.Household](t)(b.HouseholdByRef(ctx, "1"))
	if got.Name != h.Name {
		t.Fatalf("backup household = %q, want %q", got.Name, h.Name)
	}
}

func TestUseAfterClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := must[*db.DB](t)(db.Open(ctx, filepath.Join(t.TempDir(), "hearth.db")))
	noErr(t, d.Close())
	noErr(t, d.Close())
	if _, err := d.Households(ctx); err == nil {
		t.Fatal("Households after Close succeeded")
	}
	if _, _, err := d.CameraAccess(ctx, nvr.Principal{}, nvr.NewCameraID(), t0); err == nil {
		t.Fatal("CameraAccess after Close succeeded")
	}
}
