package db

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors returned by the store are *nvr.Error values. Their messages are
// written here, never copied from SQLite or from the values involved, so
// they cannot carry a camera password or a token hash; the SQLite error is
// kept as the cause for logs.

// notFound reports a missing row; errors.Is(err, nvr.ErrNotFound) holds.
func notFound(op, what string) error {
	return &nvr.Error{Op: op, Kind: nvr.KindNotFound, Msg: what + " not found", Err: nvr.ErrNotFound}
}

// conflict reports a clash with current state.
func conflict(op, msg string, cause error) error {
	return &nvr.Error{Op: op, Kind: nvr.KindConflict, Msg: msg, Err: cause}
}

// invalid reports a value the schema refuses.
func invalid(op, msg string, cause error) error {
	return &nvr.Error{Op: op, Kind: nvr.KindInvalid, Msg: msg, Err: cause}
}

// internal wraps an unexpected failure.
func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *nvr.Error
	if errors.As(err, &e) {
		return err
	}
	return &nvr.Error{Op: op, Kind: nvr.KindInternal, Err: err}
}

// sqliteCode returns the extended SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isPrimaryKey(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY }

// isForeignKey reports a foreign key violation. SQLite reports ON DELETE
// RESTRICT as SQLITE_CONSTRAINT_TRIGGER with the foreign-key message.
func isForeignKey(err error) bool {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return true
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
	}
	return false
}

func isCheck(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_CHECK || c == sqlite3.SQLITE_CONSTRAINT_NOTNULL
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// affectedOne turns "no row changed" into a not-found error.
func affectedOne(res sql.Result, op, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return internal(op, err)
	}
	if n == 0 {
		return notFound(op, what)
	}
	return nil
}
