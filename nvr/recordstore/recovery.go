package recordstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/segment"
)

// Problem names one kind of disagreement between the index and the files.
type Problem string

// Problems found by CheckStorage and repaired by Recover.
const (
	ProblemDeleting      Problem = "unfinished-deletion" // a row marked deleting
	ProblemOpenSegment   Problem = "open-segment"        // a row still open (crash, or being recorded)
	ProblemTornTail      Problem = "torn-tail"           // bytes after the last whole fragment
	ProblemMissingFile   Problem = "missing-file"        // a row whose file is gone
	ProblemOrphanFile    Problem = "file-without-row"    // a valid segment file the index does not know
	ProblemBadInit       Problem = "undecodable-init"    // a file whose ftyp/moov cannot be read
	ProblemWrongCamera   Problem = "wrong-camera"        // the file's init names another camera than its directory/row
	ProblemSizeMismatch  Problem = "size-mismatch"       // file size differs from the row's valid prefix
	ProblemFragments     Problem = "fragment-mismatch"   // the row's fragments are not the file's
	ProblemEmptySegment  Problem = "empty-segment"       // a segment without a single whole fragment
	ProblemStrayFile     Problem = "stray-file"          // not a segment file name; left alone
	ProblemUnreadableDir Problem = "unreadable"          // a file or directory that could not be read
)

// Finding is one disagreement, and what repair did about it.
type Finding struct {
	Problem Problem
	Path    string        // relative to the recordings directory
	Segment nvr.SegmentID // 0: no row
	Detail  string
	Repair  string // what was done; "" when checking only
}

func (f Finding) String() string {
	s := string(f.Problem) + " " + f.Path
	if f.Segment != 0 {
		s += fmt.Sprintf(" (segment %d)", f.Segment)
	}
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	if f.Repair != "" {
		s += " -> " + f.Repair
	}
	return s
}

// StorageReport is the outcome of Recover or CheckStorage.
type StorageReport struct {
	Findings []Finding
	Segments int   // index rows examined
	Files    int   // segment files examined
	Bytes    int64 // bytes of segment files
	// Busy: a recorder was running, so open segments (being written) were
	// not examined.
	Busy bool
}

// Problems counts the findings that are disagreements (stray files that
// were left alone count too: someone should look at them).
func (r StorageReport) Problems() int { return len(r.Findings) }

// CheckOptions tune CheckStorage.
type CheckOptions struct {
	// Repair fixes every finding by the recovery procedure. The caller
	// must hold the recorder lock (LockRecordings).
	Repair bool
	// Busy says a recorder is running: open segments are skipped and
	// nothing is repaired.
	Busy bool
}

// QuarantineDir is where recovery moves files it will not index nor
// delete (the init names another camera, a closed segment's init is
// unreadable), relative to the recordings directory.
const QuarantineDir = ".quarantine"

// Recover runs the recovery procedure (docs/storage.md, procedure C) on
// the recordings directory, which the caller verified (OpenVolume) and
// holds the recorder lock for: deletions in progress are finished, open
// segments are cut at their last whole fragment, indexed and closed, rows
// without files are removed, valid files without rows are indexed and
// invalid ones removed or quarantined. Each step is ordered so that a
// crash at any point leaves a state the next run repairs. Closed segments
// are not re-read (that is CheckStorage's deep pass). An error means a
// step could not be done (I/O or index failure); the report lists what
// was done before it.
func Recover(ctx context.Context, store nvr.RecordingStore, dir string, log *slog.Logger) (StorageReport, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &checker{ctx: ctx, store: store, dir: dir, repair: true, log: log}
	err := c.run()
	for _, f := range c.rep.Findings {
		log.Warn("recovery", "finding", f.String())
	}
	if err == nil && len(c.rep.Findings) > 0 {
		log.Info("recovery done", "findings", len(c.rep.Findings), "segments", c.rep.Segments, "files", c.rep.Files)
	}
	return c.rep, err
}

// CheckStorage compares the index with the files, reading every segment
// file (hearth check). Without Repair it changes nothing; with Repair it
// fixes what it finds with the recovery procedure.
func CheckStorage(ctx context.Context, store nvr.RecordingStore, dir string, o CheckOptions) (StorageReport, error) {
	c := &checker{ctx: ctx, store: store, dir: dir, repair: o.Repair && !o.Busy, busy: o.Busy, deep: true,
		log: slog.New(slog.DiscardHandler)}
	c.rep.Busy = o.Busy
	err := c.run()
	return c.rep, err
}

type checker struct {
	ctx    context.Context
	store  nvr.RecordingStore
	dir    string
	repair bool
	busy   bool // a recorder runs: skip open rows
	deep   bool // scan closed segments too
	log    *slog.Logger
	rep    StorageReport
}

func (c *checker) add(f Finding) { c.rep.Findings = append(c.rep.Findings, f) }

func (c *checker) abs(rel string) string { return filepath.Join(c.dir, filepath.FromSlash(rel)) }

func (c *checker) run() error {
	if _, err := os.Stat(filepath.Join(c.dir, VolumeMarker)); err != nil {
		// Never judge files against the index in a directory that is not
		// the verified volume: every row would look like a missing file.
		return volumeErr(c.dir, "has no %s; refusing to check or repair it", VolumeMarker)
	}
	// Step 1: finish deletions.
	if err := c.finishDeletions(); err != nil {
		return err
	}
	// Step 2: close open segments.
	if !c.busy {
		if err := c.closeOpen(); err != nil {
			return err
		}
	}
	// Step 3: list the files, then the rows (a row is created before its
	// file, so a file listed here has its row in the later read).
	files, err := c.listFiles()
	if err != nil {
		return err
	}
	rows, err := c.store.AllSegments(c.ctx)
	if err != nil {
		return fmt.Errorf("list segments: %w", err)
	}
	// Step 4: rows without files; closed rows against their files (deep).
	for _, row := range rows {
		if row.State == nvr.SegmentDeleting || (row.State == nvr.SegmentOpen && c.busy) {
			delete(files, row.Path)
			continue
		}
		c.rep.Segments++
		size, ok := files[row.Path]
		delete(files, row.Path)
		if !ok {
			if c.busy && c.rowGone(row.ID) {
				continue // deleted by retention meanwhile
			}
			f := Finding{Problem: ProblemMissingFile, Path: row.Path, Segment: row.ID,
				Detail: fmt.Sprintf("%s segment of %s, %d bytes", row.State, row.Start.UTC().Format(time.RFC3339), row.Bytes)}
			if c.repair {
				if err := DropRow(c.ctx, c.store, row.ID); err != nil {
					return fmt.Errorf("remove row %d: %w", row.ID, err)
				}
				f.Repair = "row removed"
			}
			c.add(f)
			continue
		}
		c.rep.Bytes += size
		if c.deep && row.State == nvr.SegmentClosed {
			if err := c.verifyClosed(row, size); err != nil {
				return err
			}
		}
	}
	// Step 5: files without rows.
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := c.orphan(p); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) rowGone(id nvr.SegmentID) bool {
	_, err := c.store.Segment(c.ctx, id)
	var e *nvr.Error
	return errors.Is(err, nvr.ErrNotFound) || (errors.As(err, &e) && e.Kind == nvr.KindNotFound)
}

// finishDeletions is step 1: for every row marked deleting, unlink its
// file, fsync the directory, delete the row. Re-running it after a crash
// at any point finds the row still deleting and finishes.
func (c *checker) finishDeletions() error {
	rows, err := c.store.SegmentsByState(c.ctx, nvr.SegmentDeleting)
	if err != nil {
		return fmt.Errorf("list deleting segments: %w", err)
	}
	for _, row := range rows {
		if c.busy {
			continue // retention is at work
		}
		f := Finding{Problem: ProblemDeleting, Path: row.Path, Segment: row.ID, Detail: "deletion was interrupted"}
		if c.repair {
			abs := c.abs(row.Path)
			if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("finish deletion of segment %d: %w", row.ID, err)
			}
			if err := SyncDir(filepath.Dir(abs)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("finish deletion of segment %d: %w", row.ID, err)
			}
			if err := c.store.DeleteSegment(c.ctx, row.ID); err != nil {
				return fmt.Errorf("finish deletion of segment %d: %w", row.ID, err)
			}
			f.Repair = "file unlinked, row removed"
		}
		c.add(f)
	}
	return nil
}

// closeOpen is step 2: every open row (none can be in use: the recorder
// lock is held) is cut at its file's last whole fragment, gets the
// fragments the index lacks and is closed with the real end.
func (c *checker) closeOpen() error {
	rows, err := c.store.SegmentsByState(c.ctx, nvr.SegmentOpen)
	if err != nil {
		return fmt.Errorf("list open segments: %w", err)
	}
	for _, row := range rows {
		if err := c.closeOne(row); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) closeOne(row nvr.Segment) error {
	abs := c.abs(row.Path)
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		f := Finding{Problem: ProblemMissingFile, Path: row.Path, Segment: row.ID, Detail: "open segment without a file"}
		if c.repair {
			if err := DropRow(c.ctx, c.store, row.ID); err != nil {
				return fmt.Errorf("remove row %d: %w", row.ID, err)
			}
			f.Repair = "row removed"
		}
		c.add(f)
		return nil
	} else if err != nil {
		return fmt.Errorf("open segment %d: %w", row.ID, err)
	}
	l, err := ScanPath(abs)
	if errors.Is(err, segment.ErrCorrupt) {
		// Crashed before the init was durable: nothing was recorded.
		f := Finding{Problem: ProblemBadInit, Path: row.Path, Segment: row.ID, Detail: "open segment: " + err.Error()}
		if c.repair {
			if err := RemoveSegment(c.ctx, c.store, row, abs); err != nil {
				return fmt.Errorf("remove segment %d: %w", row.ID, err)
			}
			f.Repair = "file and row removed"
		}
		c.add(f)
		return nil
	} else if err != nil {
		return err
	}
	if l.Init.CameraID != string(row.CameraID) {
		return c.wrongCamera(row.Path, row.ID, l.Init.CameraID, string(row.CameraID))
	}
	detail := fmt.Sprintf("%d whole fragments, %d valid of %d bytes", len(l.Fragments), l.ValidSize, fi.Size())
	if l.ValidSize < l.Size {
		t := Finding{Problem: ProblemTornTail, Path: row.Path, Segment: row.ID,
			Detail: fmt.Sprintf("%d bytes after the last whole fragment: %v", l.Size-l.ValidSize, l.TailErr)}
		if c.repair {
			if l, err = segment.Truncate(abs); err != nil {
				return fmt.Errorf("truncate segment %d: %w", row.ID, err)
			}
			t.Repair = fmt.Sprintf("cut at %d bytes", l.ValidSize)
		}
		c.add(t)
	}
	f := Finding{Problem: ProblemOpenSegment, Path: row.Path, Segment: row.ID, Detail: detail}
	if !c.repair {
		c.add(f)
		return nil
	}
	idx, err := c.store.Fragments(c.ctx, row.ID)
	if err != nil {
		return fmt.Errorf("fragments of segment %d: %w", row.ID, err)
	}
	if !indexPrefix(idx, l.Fragments) {
		// The index points past or beside the file's data: rebuild the
		// row from the file.
		if err := c.reindex(row, abs); err != nil {
			return err
		}
		f.Repair = "index did not match the file; row rebuilt from the file"
		c.add(f)
		return nil
	}
	if len(l.Fragments) == 0 {
		if err := RemoveSegment(c.ctx, c.store, row, abs); err != nil {
			return fmt.Errorf("remove empty segment %d: %w", row.ID, err)
		}
		f.Repair = "no whole fragment: file and row removed"
		c.add(f)
		return nil
	}
	frags := toFragments(row.ID, row.Start, l.Fragments)
	if add := frags[len(idx):]; len(add) > 0 {
		if err := c.store.AddFragments(c.ctx, row.ID, add); err != nil {
			return fmt.Errorf("index fragments of segment %d: %w", row.ID, err)
		}
	}
	// The scan rebuilds times from the file's prft boxes and durations;
	// for fragments the index already holds, its own (exact) times win, so
	// the end is never before what the index recorded.
	end := frags[len(frags)-1].End()
	if len(idx) > 0 && idx[len(idx)-1].End().After(end) {
		end = idx[len(idx)-1].End()
	}
	if err := c.store.CloseSegment(c.ctx, row.ID, end, l.ValidSize); err != nil {
		return fmt.Errorf("close segment %d: %w", row.ID, err)
	}
	f.Repair = fmt.Sprintf("closed at %d bytes, %d fragments (%d added), end %s", l.ValidSize, len(frags), len(frags)-len(idx), end.UTC().Format(time.RFC3339Nano))
	c.add(f)
	return nil
}

// verifyClosed compares a closed row with its file (deep check).
func (c *checker) verifyClosed(row nvr.Segment, size int64) error {
	abs := c.abs(row.Path)
	l, err := ScanPath(abs)
	if errors.Is(err, segment.ErrCorrupt) {
		f := Finding{Problem: ProblemBadInit, Path: row.Path, Segment: row.ID, Detail: err.Error()}
		if c.repair {
			if _, err := c.quarantine(row.Path); err != nil {
				return err
			}
			if err := DropRow(c.ctx, c.store, row.ID); err != nil {
				return fmt.Errorf("remove row %d: %w", row.ID, err)
			}
			f.Repair = "file quarantined, row removed"
		}
		c.add(f)
		return nil
	} else if errors.Is(err, fs.ErrNotExist) && c.busy {
		return nil // deleted meanwhile
	} else if err != nil {
		return err
	}
	if l.Init.CameraID != string(row.CameraID) {
		return c.wrongCamera(row.Path, row.ID, l.Init.CameraID, string(row.CameraID))
	}
	idx, err := c.store.Fragments(c.ctx, row.ID)
	if err != nil {
		return fmt.Errorf("fragments of segment %d: %w", row.ID, err)
	}
	var f Finding
	switch {
	case l.ValidSize < row.Bytes:
		f = Finding{Problem: ProblemTornTail, Detail: fmt.Sprintf("index says %d valid bytes, the file has %d (torn or damaged)", row.Bytes, l.ValidSize)}
	case !indexPrefix(idx, l.Fragments) || fragmentsEnd(idx, l.Init.Size) != row.Bytes:
		f = Finding{Problem: ProblemFragments, Detail: fmt.Sprintf("index has %d fragments, the file %d", len(idx), len(l.Fragments))}
	case size != row.Bytes:
		f = Finding{Problem: ProblemSizeMismatch, Detail: fmt.Sprintf("file has %d bytes, index %d", size, row.Bytes)}
	default:
		return nil
	}
	f.Path, f.Segment = row.Path, row.ID
	if c.repair {
		if f.Problem == ProblemSizeMismatch {
			// The indexed fragments are all there; the rest is a tail the
			// index never pointed at: cut it.
			if err := truncateFile(abs, row.Bytes); err != nil {
				return fmt.Errorf("truncate segment %d: %w", row.ID, err)
			}
			f.Repair = fmt.Sprintf("cut at %d bytes", row.Bytes)
		} else {
			if err := c.reindex(row, abs); err != nil {
				return err
			}
			f.Repair = "row rebuilt from the file"
		}
	}
	c.add(f)
	return nil
}

// reindex replaces a row that does not match its file by one built from
// the file. Order: 1. rename the file to a fresh name (fsync the
// directory), 2. drop the old row (mark deleting, delete: the unlink in
// between finds nothing at the old path), 3. index the renamed file. A
// crash after 1 leaves a row without a file (removed) and a file without a
// row (indexed): the next recovery finishes the job.
func (c *checker) reindex(row nvr.Segment, abs string) error {
	newRel := strings.TrimSuffix(row.Path, ".mp4") + fmt.Sprintf("-r%d.mp4", time.Now().UnixMilli())
	newAbs := c.abs(newRel)
	if err := os.Rename(abs, newAbs); err != nil {
		return fmt.Errorf("reindex segment %d: %w", row.ID, err)
	}
	if err := SyncDir(filepath.Dir(newAbs)); err != nil {
		return fmt.Errorf("reindex segment %d: %w", row.ID, err)
	}
	if err := DropRow(c.ctx, c.store, row.ID); err != nil {
		return fmt.Errorf("reindex segment %d: %w", row.ID, err)
	}
	_, err := c.indexFile(newRel, newAbs, row.Event)
	return err
}

// orphan is step 5 for one file without a row: index it if it is a valid
// segment of the camera its directory names, remove it if it holds no
// recording, quarantine it if it names another camera.
func (c *checker) orphan(rel string) error {
	abs := c.abs(rel)
	camDir, _, _ := strings.Cut(rel, "/")
	if _, err := nvr.ParseCameraID(camDir); err != nil {
		c.add(Finding{Problem: ProblemStrayFile, Path: rel, Detail: "directory is not a camera ID; left alone"})
		return nil
	}
	l, err := ScanPath(abs)
	if errors.Is(err, fs.ErrNotExist) && c.busy {
		return nil
	}
	if errors.Is(err, segment.ErrCorrupt) {
		f := Finding{Problem: ProblemBadInit, Path: rel, Detail: "file without row: " + err.Error()}
		if c.repair {
			if err := unlinkSync(abs); err != nil {
				return fmt.Errorf("remove %s: %w", rel, err)
			}
			f.Repair = "removed"
		}
		c.add(f)
		return nil
	} else if err != nil {
		return err
	}
	if l.Init.CameraID != camDir {
		return c.wrongCamera(rel, 0, l.Init.CameraID, camDir)
	}
	f := Finding{Problem: ProblemOrphanFile, Path: rel,
		Detail: fmt.Sprintf("%d whole fragments, %d valid of %d bytes", len(l.Fragments), l.ValidSize, l.Size)}
	if c.repair {
		id, err := c.indexFile(rel, abs, strings.HasSuffix(rel, EventFileSuffix))
		var e *nvr.Error
		if errors.As(err, &e) && e.Kind == nvr.KindNotFound {
			f.Repair = "left alone: the index knows no camera " + camDir
			c.add(f)
			return nil
		} else if err != nil {
			return err
		}
		if id == 0 {
			f.Repair = "no whole fragment: removed"
		} else {
			f.Segment, f.Repair = id, "indexed"
		}
	}
	c.add(f)
	return nil
}

// indexFile indexes a valid segment file without a row: cut its torn
// tail, CreateSegment (open), AddFragments, CloseSegment. A crash midway
// leaves an open row, which step 2 completes. A file without a whole
// fragment is removed instead (0 is returned).
func (c *checker) indexFile(rel, abs string, event bool) (nvr.SegmentID, error) {
	l, err := segment.Truncate(abs)
	if err != nil {
		return 0, fmt.Errorf("index %s: %w", rel, err)
	}
	if len(l.Fragments) == 0 {
		if err := unlinkSync(abs); err != nil {
			return 0, fmt.Errorf("remove %s: %w", rel, err)
		}
		return 0, nil
	}
	camDir, _, _ := strings.Cut(rel, "/")
	row := nvr.Segment{CameraID: nvr.CameraID(camDir), Stream: l.Init.Stream, Path: rel, State: nvr.SegmentOpen, Event: event}
	if row.Stream == "" {
		row.Stream = "main"
	}
	for _, t := range l.Init.Tracks {
		codec := entryCodec(t.Entry)
		if t.Handler == "vide" && row.Codec == "" {
			row.Codec, row.Width, row.Height = codec, t.Width, t.Height
		} else if t.Handler == "soun" && row.Audio == "" {
			row.Audio = codec
		}
	}
	frags := toFragments(0, time.Time{}, l.Fragments)
	row.Start = frags[0].Start
	row.End = row.Start
	row, err = c.store.CreateSegment(c.ctx, row)
	if err != nil {
		return 0, nvr.Wrap("index "+rel, err)
	}
	for i := range frags {
		frags[i].SegmentID = row.ID
	}
	if err := c.store.AddFragments(c.ctx, row.ID, frags); err != nil {
		return 0, fmt.Errorf("index %s: %w", rel, err)
	}
	if err := c.store.CloseSegment(c.ctx, row.ID, frags[len(frags)-1].End(), l.ValidSize); err != nil {
		return 0, fmt.Errorf("index %s: %w", rel, err)
	}
	return row.ID, nil
}

func (c *checker) wrongCamera(rel string, id nvr.SegmentID, have, want string) error {
	f := Finding{Problem: ProblemWrongCamera, Path: rel, Segment: id,
		Detail: fmt.Sprintf("init names camera %q, expected %q", have, want)}
	if c.repair {
		if _, err := c.quarantine(rel); err != nil {
			return err
		}
		if id != 0 {
			if err := DropRow(c.ctx, c.store, id); err != nil {
				return fmt.Errorf("remove row %d: %w", id, err)
			}
		}
		f.Repair = "quarantined under " + QuarantineDir
	}
	c.add(f)
	return nil
}

// quarantine moves a file to <dir>/.quarantine/<rel> (renamed within the
// volume, both directories fsynced); it is never indexed nor deleted.
func (c *checker) quarantine(rel string) (string, error) {
	src := c.abs(rel)
	dst := filepath.Join(c.dir, QuarantineDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", fmt.Errorf("quarantine %s: %w", rel, err)
	}
	for i := 1; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		}
		dst = filepath.Join(c.dir, QuarantineDir, filepath.FromSlash(rel)) + fmt.Sprintf(".%d", i)
	}
	if err := os.Rename(src, dst); err != nil {
		return "", fmt.Errorf("quarantine %s: %w", rel, err)
	}
	if err := SyncDir(filepath.Dir(dst)); err != nil {
		return "", fmt.Errorf("quarantine %s: %w", rel, err)
	}
	if err := SyncDir(filepath.Dir(src)); err != nil {
		return "", fmt.Errorf("quarantine %s: %w", rel, err)
	}
	return dst, nil
}

// listFiles returns the segment files under <dir>/<camera>/ by relative
// path, with their sizes. Entries starting with "." (the volume marker,
// the quarantine) are skipped; other unexpected entries are reported as
// stray and left alone.
func (c *checker) listFiles() (map[string]int64, error) {
	top, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	files := map[string]int64{}
	for _, d := range top {
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if !d.IsDir() {
			c.add(Finding{Problem: ProblemStrayFile, Path: name, Detail: "not a camera directory; left alone"})
			continue
		}
		ents, err := os.ReadDir(filepath.Join(c.dir, name))
		if err != nil {
			c.add(Finding{Problem: ProblemUnreadableDir, Path: name, Detail: err.Error()})
			continue
		}
		for _, e := range ents {
			rel := name + "/" + e.Name()
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".mp4") {
				c.add(Finding{Problem: ProblemStrayFile, Path: rel, Detail: "not a segment file; left alone"})
				continue
			}
			fi, err := e.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				c.add(Finding{Problem: ProblemUnreadableDir, Path: rel, Detail: err.Error()})
				continue
			}
			files[rel] = fi.Size()
			c.rep.Files++
		}
	}
	return files, nil
}

// ScanPath scans a segment file without changing it.
func ScanPath(abs string) (*segment.Layout, error) {
	f, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return segment.Scan(f, fi.Size())
}

// indexPrefix reports whether the indexed fragments are the file's first
// fragments (same offsets and lengths).
func indexPrefix(idx []nvr.Fragment, file []segment.FragmentInfo) bool {
	if len(idx) > len(file) {
		return false
	}
	for i, f := range idx {
		if f.Offset != file[i].Offset || f.Length != file[i].Length {
			return false
		}
	}
	return true
}

// fragmentsEnd is the end offset of the last indexed fragment.
func fragmentsEnd(idx []nvr.Fragment, initSize int64) int64 {
	if len(idx) == 0 {
		return initSize
	}
	last := idx[len(idx)-1]
	return last.Offset + last.Length
}

// toFragments converts scanned fragments to index fragments. The wall
// time comes from each fragment's prft; a fragment without one follows
// the previous fragment (or start).
func toFragments(id nvr.SegmentID, start time.Time, in []segment.FragmentInfo) []nvr.Fragment {
	out := make([]nvr.Fragment, 0, len(in))
	next := start
	for _, f := range in {
		wall := f.Wall
		if wall.IsZero() {
			wall = next
		}
		fr := nvr.Fragment{SegmentID: id, Index: f.Index, Offset: f.Offset, Length: f.Length,
			Start: wall, Duration90k: f.Duration90k, Key: f.Key}
		out = append(out, fr)
		next = fr.End()
	}
	return out
}

func entryCodec(entry string) string {
	switch entry {
	case "avc1", "avc3":
		return "h264"
	case "hvc1", "hev1":
		return "h265"
	case "mp4a":
		return "aac"
	case "ulaw":
		return "pcmu"
	case "alaw":
		return "pcma"
	case "Opus":
		return "opus"
	}
	return entry
}

func unlinkSync(abs string) error {
	if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return SyncDir(filepath.Dir(abs))
}

func truncateFile(abs string, size int64) error {
	f, err := os.OpenFile(abs, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}
