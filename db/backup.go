package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to dest with VACUUM INTO,
// while the server keeps running (a read transaction: writers are not
// blocked), then fsyncs the copy and its directory. dest must not exist
// (KindConflict if it does).
func (d *DB) Backup(ctx context.Context, dest string) error {
	const op = "back up database"
	abs, err := filepath.Abs(dest)
	if err != nil {
		return internal(op, err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return conflict(op, fmt.Sprintf("backup file %s already exists", abs), nil)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return internal(op, err)
	}
	// Made first, exclusively and private (db.FileMode): VACUUM INTO would
	// create it 0644 less the umask, and it holds the cameras' passwords.
	// VACUUM INTO accepts an empty file.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if errors.Is(err, fs.ErrExist) {
		return conflict(op, fmt.Sprintf("backup file %s already exists", abs), nil)
	}
	if err != nil {
		return internal(op, err)
	}
	if err := errors.Join(f.Chmod(FileMode), f.Close()); err != nil {
		_ = os.Remove(abs)
		return internal(op, err)
	}
	// A connection of its own: the reader pool is query-only, and the
	// writer must stay free for the audit rows of media grants.
	conn, err := sql.Open("sqlite", dsn(d.path, roleBackup))
	if err != nil {
		_ = os.Remove(abs)
		return internal(op, err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		_ = os.Remove(abs) // a torn copy is worse than none
		return internal(op, err)
	}
	if err := syncPath(abs); err != nil {
		return internal(op, err)
	}
	return internal(op, syncPath(filepath.Dir(abs)))
}

// syncPath fsyncs a file or directory.
func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
