package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

// conn is what a directory write runs on: the writer connection, or a
// transaction that groups several writes with their audit row.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// writes holds the directory's writes (nvr.DirectoryWriter). DB embeds one
// over its writer connection, where each write commits on its own; Change
// hands fn one over a transaction, so a change and its audit row commit or
// roll back together.
type writes struct{ c conn }

var (
	_ nvr.DirectoryWriter = writes{}
	_ nvr.DirectoryWriter = (*DB)(nil)
)

// atomically runs fn in a write transaction: its own (BEGIN IMMEDIATE) on
// the writer connection, or the one w already is part of.
func (w writes) atomically(ctx context.Context, fn func(tx conn) error) error {
	if tx, ok := w.c.(*sql.Tx); ok {
		return fn(tx)
	}
	db, ok := w.c.(*sql.DB)
	if !ok {
		return fmt.Errorf("directory write on %T: neither a database nor a transaction", w.c)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Change runs fn's writes and appends e in one write transaction: the
// audit log names every change the directory made, and a change whose row
// cannot be written is not made. When fn fails nothing of it stays and no
// row is written here; the caller records the failed attempt.
func (d *DB) Change(ctx context.Context, e nvr.AuditEntry, fn func(w nvr.DirectoryWriter) error) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(writes{c: tx}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, e)
	})
}
