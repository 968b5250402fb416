package offsite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Target is where encrypted files go. Put writes name (a slash-separated
// relative path) whole or not at all: a reader never sees part of it. A
// Target is used by one goroutine at a time.
type Target interface {
	Put(ctx context.Context, name string, data []byte) error
	// Has reports whether name is on the target (whole: Put renames
	// only whole files into place).
	Has(ctx context.Context, name string) (bool, error)
	Close() error
}

// DirTarget writes into a directory of the local file system (a NAS
// mount, a USB disk).
type DirTarget struct{ Root string }

var _ Target = (*DirTarget)(nil)

// cleanName refuses names that could leave the target's root.
func cleanName(name string) (string, error) {
	if name == "" || path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") {
		return "", fmt.Errorf("bad target file name %q", name)
	}
	return name, nil
}

// Put implements Target: a temporary file, fsynced, renamed into place,
// its directory fsynced. A write that fails (ENOSPC) removes the
// temporary file, so a full target holds no partial files.
func (d *DirTarget) Put(ctx context.Context, name string, data []byte) error {
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if fi, err := os.Stat(d.Root); err != nil || !fi.IsDir() {
		// An unmounted USB disk leaves no directory: refuse rather than
		// fill the directory under the mount point.
		return fmt.Errorf("target directory %s is not there: create it or mount its disk; the copy resumes by itself", d.Root)
	}
	abs := filepath.Join(d.Root, filepath.FromSlash(name))
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("target directory: %w", err)
	}
	tmp := abs + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, abs)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, werr)
	}
	if df, err := os.Open(dir); err == nil {
		err = df.Sync()
		_ = df.Close()
		if err != nil && !errors.Is(err, fs.ErrInvalid) {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	return nil
}

// Has implements Target.
func (d *DirTarget) Has(ctx context.Context, name string) (bool, error) {
	name, err := cleanName(name)
	if err != nil {
		return false, err
	}
	if fi, err := os.Stat(d.Root); err != nil || !fi.IsDir() {
		return false, fmt.Errorf("target directory %s is not there: create it or mount its disk; the copy resumes by itself", d.Root)
	}
	_, err = os.Stat(filepath.Join(d.Root, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for %s: %w", name, err)
	}
	return true, nil
}

// Close implements Target.
func (d *DirTarget) Close() error { return nil }
