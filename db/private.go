package db

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// FileMode is the mode of the database, its -wal and -shm files and its
// backups, whatever the process umask: they hold password hashes, session
// and token hashes and the cameras' RTSP passwords, so only the service
// user may read them. SQLite itself creates a new database as 0644 less
// the umask (world-readable under the usual 022) and gives -wal and -shm
// the database file's mode, so the database file is made first, here.
const FileMode fs.FileMode = 0o600

// makePrivate creates the database file at path with FileMode if it does
// not exist, and narrows the database and any -wal, -shm or -journal beside
// it to FileMode if an earlier version (or a copy) left them wider.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	switch {
	case err == nil:
		// The umask can only take bits away; set the mode exactly, so a
		// umask that removed the owner's write bit cannot break the open.
		cerr := f.Chmod(FileMode)
		return errors.Join(cerr, f.Close())
	case !errors.Is(err, fs.ErrExist):
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := narrow(p); err != nil {
			return err
		}
	}
	return nil
}

// narrow sets p to FileMode if it exists with another mode. A symbolic link
// is left alone: chmod would change its target.
func narrow(p string) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() == FileMode {
		return nil
	}
	if err := os.Chmod(p, FileMode); err != nil {
		return fmt.Errorf("make %s private (mode %v): %w", p, FileMode, err)
	}
	return nil
}
