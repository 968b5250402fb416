package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hearthnvr/hearth/db"
)

const backupUsage = "hearth backup DEST [--data DIR]"

// backupHelp is printed after a backup: how to put it back.
const backupHelp = `To restore: stop the service (systemctl stop hearth), copy the file back as
%s, delete any hearth.db-wal and hearth.db-shm beside it, make it owned by the
service user (chown hearth:hearth), then start the service: on start it
reconciles the index with the recordings on disk. ("hearth check --repair"
does the same with the service stopped, and says what it fixed.)
`

// cmdBackup writes a consistent copy of the database to DEST while serve may
// be running (SQLite VACUUM INTO: readers and writers go on). It refuses to
// overwrite DEST and refuses a data directory without a database, rather
// than backing up a new empty one. Recordings are files under
// <data>/recordings and are copied separately (rsync, a snapshot).
func cmdBackup(ctx context.Context, args []string, e env) error {
	flags := newFlags("backup", e)
	data := flags.String("data", "./hearth-data", "data directory (database and recordings)")
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "usage: %s\n\nWrites a consistent copy of the database to DEST, also while hearth serve runs.\n\n", backupUsage)
		flags.PrintDefaults()
		fmt.Fprintf(flags.Output(), "\n"+backupHelp, filepath.Join("DATA", databaseFile))
	}
	pos, err := parseArgs(flags, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, backupUsage); err != nil {
		return err
	}
	dest := pos[0]
	if dest == "" {
		return usagef("usage: %s", backupUsage)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	if dir := filepath.Dir(dest); dir != "." {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("backup: directory %s does not exist", dir)
		}
	}
	src := filepath.Join(*data, databaseFile)
	if fi, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: no database at %s (is --data right?)", src)
	} else if err != nil {
		return fmt.Errorf("backup: %w", err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("backup: %s is not a file", src)
	}
	store, err := db.Open(ctx, src)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer store.Close()
	if err := store.Backup(ctx, dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	size := int64(-1)
	if fi, err := os.Stat(dest); err == nil {
		size = fi.Size()
	}
	abs, _ := filepath.Abs(src)
	fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes)\n", abs, dest, size)
	fmt.Fprintf(e.stdout, backupHelp, abs)
	return nil
}
