package nvr

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// errNotConfined: a media file is missing, not a regular file, or reached
// through a link; served as not found.
var errNotConfined = errors.New("file is not a regular file inside its directory")

// OpenConfined opens rel (slash-separated, relative) for reading inside
// dir, through an os.Root so no path or link can leave dir, and refuses a
// symbolic link at any component (a planted link to /etc/passwd or to
// another camera's file), or a file swapped between the check and the
// open.
func OpenConfined(dir, rel string) (*os.File, error) {
	if rel == "" || filepath.IsAbs(rel) || strings.Contains(rel, "\\") {
		return nil, errNotConfined
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	defer root.Close()
	parts := strings.Split(rel, "/")
	for i := range parts {
		if parts[i] == "" || parts[i] == "." || parts[i] == ".." {
			return nil, errNotConfined
		}
		fi, err := root.Lstat(filepath.Join(parts[:i+1]...))
		if err != nil {
			return nil, errNotConfined
		}
		last := i == len(parts)-1
		if (last && !fi.Mode().IsRegular()) || (!last && !fi.IsDir()) {
			return nil, errNotConfined
		}
	}
	want, _ := root.Lstat(rel)
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, errNotConfined
	}
	got, err := f.Stat()
	if err != nil || want == nil || !os.SameFile(want, got) || !got.Mode().IsRegular() {
		f.Close()
		return nil, errNotConfined
	}
	return f, nil
}
