package record

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/segment"
)

// storageEnv is a verified recordings directory, an index and a way to
// record real segments into them through the recorder's own index code.
type storageEnv struct {
	t     *testing.T
	data  string
	dir   string
	world *dbtest.World
	store *db.DB
	vol   recordstore.Volume
}

func newStorageEnv(t *testing.T) *storageEnv {
	t.Helper()
	data := t.TempDir()
	vol, err := recordstore.OpenVolume(data)
	if err != nil {
		t.Fatal(err)
	}
	w := dbtest.NewWorld(t, nil)
	return &storageEnv{t: t, data: data, dir: vol.Dir, world: w, store: w.DB, vol: vol}
}

// camera adds a camera to the directory and returns its ID.
func (e *storageEnv) camera() nvr.CameraID { return e.world.Camera(e.t, nvr.CameraChanges{}).ID }

// segments returns every segment row, by camera and start.
func (e *storageEnv) segments() []nvr.Segment { return allSegments(e.t, e.store) }

// record writes seconds of a camera (10 fps, 1 s GOPs) into segments of
// target length. With crash set, the last segment is abandoned like a
// kill -9: never closed, its pending fragments never reported.
func (e *storageEnv) record(cam nvr.CameraID, seconds int, target time.Duration, crash bool) {
	e.t.Helper()
	var files []*os.File
	idx := &segmentIndex{store: e.store, add: e.store.AddFragments, vol: e.vol, cam: cam, stream: "main", log: slog.New(slog.DiscardHandler),
		open: map[uint64]*openSegment{}, onOpen: func() {}, onFragment: func() {},
		onIndexErr: func(err error) { e.t.Errorf("index: %v", err) },
		create: func(p string) (segment.File, error) {
			f, err := segment.CreateFile(p)
			if err == nil {
				files = append(files, f)
			}
			return f, err
		}}
	feed := nvrtest.NewUnitFeed(e.t, cam, 10, 10, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	clock := feed.Wall
	seg := segment.NewSegmenter(segment.Config{Files: idx, Observer: idx, Target: target,
		Writer: segment.WriterOptions{SyncInterval: 3 * time.Second, Now: clock}})
	for i := 0; i < seconds*10; i++ {
		if err := seg.WriteUnit(feed.Next()); err != nil {
			e.t.Fatal(err)
		}
		idx.flush()
	}
	if crash {
		for _, f := range files {
			f.Close() // the process died: the kernel closes its files
		}
		return
	}
	if err := seg.Close(); err != nil {
		e.t.Fatal(err)
	}
	idx.flush()
}

func (e *storageEnv) recover() recordstore.StorageReport {
	e.t.Helper()
	rep, err := recordstore.Recover(context.Background(), e.store, e.dir, nil)
	if err != nil {
		e.t.Fatalf("recover: %v", err)
	}
	return rep
}

func (e *storageEnv) abs(s nvr.Segment) string { return segAbs(e.dir, s) }

func wantFinding(t *testing.T, rep recordstore.StorageReport, p recordstore.Problem, pathPart string) recordstore.Finding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Problem == p && strings.Contains(f.Path, pathPart) {
			return f
		}
	}
	t.Fatalf("no %s finding for %q in %v", p, pathPart, rep.Findings)
	return recordstore.Finding{}
}

func TestRecoverCrashMidFragment(t *testing.T) {
	t.Parallel()
	e := newStorageEnv(t)
	cam := e.camera()
	e.record(cam, 9, time.Minute, true) // one open segment, 8 fragments written
	segs := e.segments()
	if len(segs) != 1 || segs[0].State != nvr.SegmentOpen {
		t.Fatalf("before recovery: %+v", segs)
	}
	s := segs[0]
	abs := e.abs(s)
	l, err := recordstore.ScanPath(abs)
	if err != nil {
		t.Fatal(err)
	}
	indexed, _ := e.store.Fragments(context.Background(), s.ID)
	if len(indexed) >= len(l.Fragments) {
		t.Fatalf("crash fixture: index has %d of %d fragments; want fewer (unsynced tail)", len(indexed), len(l.Fragments))
	}
	// Tear the last fragment in the middle.
	last := l.Fragments[len(l.Fragments)-1]
	if err := os.Truncate(abs, last.Offset+last.Length/2); err != nil {
		t.Fatal(err)
	}
	// check sees it and changes nothing.
	rep, err := recordstore.CheckStorage(context.Background(), e.store, e.dir, recordstore.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantFinding(t, rep, recordstore.ProblemTornTail, s.Path)
	wantFinding(t, rep, recordstore.ProblemOpenSegment, s.Path)
	if fi, _ := os.Stat(abs); fi.Size() != last.Offset+last.Length/2 {
		t.Fatal("check changed the file")
	}

	rep = e.recover()
	wantFinding(t, rep, recordstore.ProblemTornTail, s.Path)
	wantFinding(t, rep, recordstore.ProblemOpenSegment, s.Path)
	got, _ := e.store.Segment(context.Background(), s.ID)
	frags, _ := e.store.Fragments(context.Background(), s.ID)
	if got.State != nvr.SegmentClosed || len(frags) != len(l.Fragments)-1 || got.Bytes != last.Offset {
		t.Fatalf("after recovery: %+v with %d fragments, want closed at %d bytes with %d", got, len(frags), last.Offset, len(l.Fragments)-1)
	}
	if want := frags[len(frags)-1].End(); !got.End.Equal(want) {
		t.Errorf("end %v, want %v", got.End, want)
	}
	if fi, _ := os.Stat(abs); fi.Size() != got.Bytes {
		t.Errorf("file %d bytes, row %d", fi.Size(), got.Bytes)
	}
	if msg := recDecodeErrors(t, abs); msg != "" {
		t.Errorf("decode after recovery: %s", msg)
	}
	checkClean(t, e.store, e.dir)
	if rep := e.recover(); len(rep.Findings) != 0 {
		t.Errorf("second recovery: %v", rep.Findings)
	}
}

func TestRecoverCrashBeforeInit(t *testing.T) {
	t.Parallel()
	e := newStorageEnv(t)
	cam := e.camera()
	ctx := context.Background()
	// Crash after CreateSegment, before the file: row without file.
	a, err := e.store.CreateSegment(ctx, nvr.Segment{CameraID: cam, Stream: "main", Path: string(cam) + "/1-1.mp4", State: nvr.SegmentOpen, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	// Crash after the file was created, before its init was durable.
	b, err := e.store.CreateSegment(ctx, nvr.Segment{CameraID: cam, Stream: "main", Path: string(cam) + "/2-1.mp4", State: nvr.SegmentOpen, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(e.dir, string(cam)), 0o750)
	if err := os.WriteFile(e.abs(b), []byte{0, 0, 0, 24, 'f', 't'}, 0o640); err != nil {
		t.Fatal(err)
	}
	rep := e.recover()
	wantFinding(t, rep, recordstore.ProblemMissingFile, a.Path)
	wantFinding(t, rep, recordstore.ProblemBadInit, b.Path)
	if n := len(e.segments()); n != 0 {
		t.Fatalf("%d rows left", n)
	}
	if _, err := os.Stat(e.abs(b)); !os.IsNotExist(err) {
		t.Fatalf("torn init file left: %v", err)
	}
	checkClean(t, e.store, e.dir)
}

func TestRecoverOrphansAndMissingFiles(t *testing.T) {
	t.Parallel()
	e := newStorageEnv(t)
	cam, other := e.camera(), e.camera()
	e.record(cam, 12, 4*time.Second, false) // 3 closed segments
	segs := e.segments()
	if len(segs) != 3 {
		t.Fatalf("fixture: %d segments", len(segs))
	}
	ctx := context.Background()
	// A file without a row (e.g. a restored backup of the index): copy a
	// segment under a new name, with a torn tail.
	src, _ := os.ReadFile(e.abs(segs[0]))
	// Its name says it is event footage: the kind survives the lost row.
	orphan := string(cam) + "/99-1" + recordstore.EventFileSuffix
	os.WriteFile(filepath.Join(e.dir, orphan), append(src, 0, 0, 1, 0, 'm', 'o'), 0o640)
	// Garbage in a camera directory.
	garbage := string(cam) + "/98-1.mp4"
	os.WriteFile(filepath.Join(e.dir, garbage), []byte("not a segment"), 0o640)
	// A segment of camera cam filed under another camera's directory.
	misfiled := string(other) + "/97-1.mp4"
	os.MkdirAll(filepath.Join(e.dir, string(other)), 0o750)
	os.WriteFile(filepath.Join(e.dir, misfiled), src, 0o640)
	// A row whose file is gone.
	os.Remove(e.abs(segs[1]))
	// A deletion that crashed after marking (file still there) and one
	// after unlinking (file gone).
	if err := e.store.MarkSegmentDeleting(ctx, segs[2].ID); err != nil {
		t.Fatal(err)
	}

	rep := e.recover()
	wantFinding(t, rep, recordstore.ProblemMissingFile, segs[1].Path)
	if f := wantFinding(t, rep, recordstore.ProblemOrphanFile, orphan); f.Segment == 0 || f.Repair != "indexed" {
		t.Errorf("orphan: %+v", f)
	}
	wantFinding(t, rep, recordstore.ProblemBadInit, garbage)
	wantFinding(t, rep, recordstore.ProblemWrongCamera, misfiled)
	wantFinding(t, rep, recordstore.ProblemDeleting, segs[2].Path)

	left := e.segments()
	if len(left) != 2 || left[0].ID != segs[0].ID {
		t.Fatalf("rows after recovery: %+v", left)
	}
	idx := left[1]
	if idx.Path != orphan || idx.State != nvr.SegmentClosed || idx.Bytes != int64(len(src)) || idx.Codec != "h264" ||
		!idx.Event || idx.Width != segs[0].Width || idx.Height != segs[0].Height || idx.Width == 0 {
		t.Errorf("indexed orphan %+v, want an event segment of %dx%d", idx, segs[0].Width, segs[0].Height)
	}
	f0, _ := e.store.Fragments(ctx, segs[0].ID)
	f1, _ := e.store.Fragments(ctx, idx.ID)
	if len(f0) != len(f1) || !f0[0].Start.Equal(f1[0].Start) || !idx.Start.Equal(segs[0].Start) || !idx.End.Equal(segs[0].End) {
		t.Errorf("orphan fragments %d (start %v), original %d (start %v)", len(f1), f1[0].Start, len(f0), f0[0].Start)
	}
	for _, p := range []string{garbage, misfiled} {
		if _, err := os.Stat(filepath.Join(e.dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s still there", p)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, recordstore.QuarantineDir, misfiled)); err != nil {
		t.Errorf("misfiled segment not quarantined: %v", err)
	}
	if _, err := os.Stat(e.abs(segs[2])); !os.IsNotExist(err) {
		t.Error("deleting segment's file not unlinked")
	}
	checkClean(t, e.store, e.dir)
}

func TestRecoverOrphanOfUnknownCamera(t *testing.T) {
	t.Parallel()
	e := newStorageEnv(t)
	cam := e.camera()
	e.record(cam, 3, time.Minute, false)
	s := e.segments()[0]
	ctx := context.Background()
	if err := e.store.MarkSegmentDeleting(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.store.DeleteSegment(ctx, s.ID); err != nil { // the row is gone, the file stays
		t.Fatal(err)
	}
	if err := e.world.Ops.RemoveCamera(ctx, cam); err != nil { // and so is the camera
		t.Fatal(err)
	}
	rep := e.recover()
	f := wantFinding(t, rep, recordstore.ProblemOrphanFile, s.Path)
	if !strings.Contains(f.Repair, "left alone") {
		t.Errorf("finding %+v", f)
	}
	if _, err := os.Stat(e.abs(s)); err != nil {
		t.Errorf("file of an unknown camera removed: %v", err)
	}
}

func TestCheckDeepFindsClosedMismatches(t *testing.T) {
	t.Parallel()
	e := newStorageEnv(t)
	cam := e.camera()
	e.record(cam, 12, 4*time.Second, false)
	segs := e.segments()
	checkClean(t, e.store, e.dir)
	// Bytes appended after a closed segment; another one torn.
	f, _ := os.OpenFile(e.abs(segs[0]), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte("trailing"))
	f.Close()
	fi, _ := os.Stat(e.abs(segs[1]))
	os.Truncate(e.abs(segs[1]), fi.Size()-100)
	// A segment with an undecodable init.
	os.WriteFile(e.abs(segs[2]), []byte("garbage garbage garbage"), 0o640)

	rep, err := recordstore.CheckStorage(context.Background(), e.store, e.dir, recordstore.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantFinding(t, rep, recordstore.ProblemSizeMismatch, segs[0].Path)
	wantFinding(t, rep, recordstore.ProblemTornTail, segs[1].Path)
	wantFinding(t, rep, recordstore.ProblemBadInit, segs[2].Path)
	if len(rep.Findings) != 3 {
		t.Errorf("findings %v", rep.Findings)
	}
	// Recover (start-up) does not re-read closed segments; check --repair does.
	rep, err = recordstore.CheckStorage(context.Background(), e.store, e.dir, recordstore.CheckOptions{Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 3 {
		t.Errorf("repair findings %v", rep.Findings)
	}
	for _, f := range rep.Findings {
		if f.Repair == "" {
			t.Errorf("not repaired: %s", f)
		}
	}
	checkClean(t, e.store, e.dir)
	for _, s := range e.segments() {
		if msg := recDecodeErrors(t, e.abs(s)); msg != "" {
			t.Errorf("decode %s: %s", s.Path, msg)
		}
	}
}

func TestRecoverRefusesUnverifiedDirectory(t *testing.T) {
	t.Parallel()
	e := newStorageEnv(t)
	e.record(e.camera(), 3, time.Minute, false)
	// The disk is not mounted: an empty directory in its place.
	empty := t.TempDir()
	if _, err := recordstore.Recover(context.Background(), e.store, empty, nil); err == nil || !strings.Contains(err.Error(), "recordings directory") {
		t.Fatalf("recover on an unmarked directory: %v", err)
	}
	if n := len(e.segments()); n != 1 {
		t.Fatalf("rows removed: %d left", n)
	}
}
