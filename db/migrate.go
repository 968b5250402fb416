package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
)

// migrationFS holds the schema migrations, named NNNN_description.sql and
// numbered from 0001 without gaps. Migration N leaves PRAGMA user_version
// at N. A released migration is never edited; changes go in a new one.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is matched (errors.Is) by the error Open returns for a
// database written by a newer Hearth than this one.
var ErrSchemaTooNew = errors.New("database schema is newer than this hearth")

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, checking that they
// are numbered 1..n without gaps.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || path.Ext(name) != ".sql" {
			return nil, fmt.Errorf("read migrations: bad migration file name %q", name)
		}
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, fmt.Errorf("read migrations: %w", err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("read migrations: %s should be number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion returns the newest schema version this build knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate applies the migrations newer than the file's user_version, each
// in its own IMMEDIATE transaction. The version is re-read inside each
// transaction, so two processes opening a fresh file at once apply each
// migration exactly once.
func migrate(ctx context.Context, w *sql.DB, op string) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	v, err := userVersion(ctx, w)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if v > len(ms) {
		return schemaTooNew(op, v, len(ms))
	}
	for _, m := range ms[v:] {
		if err := applyMigration(ctx, w, op, m, len(ms)); err != nil {
			var e *nvr.Error
			if errors.As(err, &e) {
				return err
			}
			return fmt.Errorf("%s: apply migration %s: %w", op, m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, w *sql.DB, op string, m migration, known int) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	switch {
	case v > known:
		return schemaTooNew(op, v, known)
	case v >= m.version:
		return nil // another process got here first
	case v != m.version-1:
		return fmt.Errorf("schema version %d cannot take migration %d", v, m.version)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	// PRAGMA takes no parameters; the version is an integer we formatted.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

func userVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func schemaTooNew(op string, v, known int) error {
	return &nvr.Error{Op: op, Kind: nvr.KindInvalid, Err: ErrSchemaTooNew,
		Msg: fmt.Sprintf("database schema version %d is newer than this hearth (knows up to %d); upgrade hearth or restore a backup", v, known)}
}
