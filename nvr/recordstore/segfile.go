package recordstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// EventFileSuffix ends the names of event segments, so recovery can tell an
// orphan file's kind without its row.
const EventFileSuffix = "-event.mp4"

// SegmentFileName names a segment file: its start in Unix ms, its sequence
// number in the recorder's run, and its kind.
func SegmentFileName(start time.Time, seq uint64, event bool) string {
	name := strconv.FormatInt(start.UnixMilli(), 10) + "-" + strconv.FormatUint(seq, 10)
	if event {
		return name + EventFileSuffix
	}
	return name + ".mp4"
}

// segmentFileName is the shape SegmentFileName writes, and the only one a
// recorded file may have.
var segmentFileName = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}(` + regexp.QuoteMeta(EventFileSuffix) + `|\.mp4)$`)

// IsSegmentFileName reports whether name, a base name, is one that
// SegmentFileName writes: continuous footage or an event's.
func IsSegmentFileName(name string) bool { return segmentFileName.MatchString(name) }

// EnsureDir creates a camera directory and fsyncs its parent, so the new
// directory entry survives a crash before the first file in it.
func EnsureDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := os.Mkdir(dir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return SyncDir(filepath.Dir(dir))
}

// RemoveSegment deletes a segment by the deletion procedure: mark the row
// deleting, unlink the file, fsync its directory, delete the row. A crash
// at any point leaves a deleting row, which recovery finishes.
func RemoveSegment(ctx context.Context, store nvr.RecordingStore, row nvr.Segment, abs string) error {
	if err := store.MarkSegmentDeleting(ctx, row.ID); err != nil {
		return err
	}
	if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := SyncDir(filepath.Dir(abs)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return store.DeleteSegment(ctx, row.ID)
}

// DropRow removes a row whose file does not exist: mark, then delete (a
// crash between leaves a deleting row, whose unlink then finds nothing).
func DropRow(ctx context.Context, store nvr.RecordingStore, id nvr.SegmentID) error {
	if err := store.MarkSegmentDeleting(ctx, id); err != nil {
		return err
	}
	return store.DeleteSegment(ctx, id)
}

// SegmentPathProblem checks a row's path by itself: relative, clean, and
// directly in its own camera's directory ("<camera-id>/<name>.mp4"). It
// returns "" when the path is acceptable.
func SegmentPathProblem(s nvr.Segment) string {
	p := s.Path
	switch {
	case !filepath.IsLocal(p) || filepath.Clean(p) != p:
		return fmt.Sprintf("path %q escapes the recordings directory", p)
	case filepath.Dir(p) != string(s.CameraID) || !strings.HasSuffix(p, ".mp4"):
		return fmt.Sprintf("path %q is not a segment file of camera %s", p, s.CameraID)
	}
	return ""
}

func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
