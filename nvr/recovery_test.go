package nvr

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/segment"
)

// storageEnv is a verified recordings directory, an index and a way to
// record real segments into them through the recorder's own index code.
type storageEnv struct {
	t     *testing.T
	data  string
	dir   string
	store *memStore
	vol   Volume
}

func newStorageEnv(t *testing.T) *storageEnv {
	t.Helper()
	data := t.TempDir()
	vol, err := OpenVolume(data)
	if err != nil {
		t.Fatal(err)
	}
	return &storageEnv{t: t, data: data, dir: vol.Dir, store: newMemStore(), vol: vol}
}

// record writes seconds of a camera (10 fps, 1 s GOPs) into segments of
// target length. With crash set, the last segment is abandoned like a
// kill -9: never closed, its pending fragments never reported.
func (e *storageEnv) record(cam CameraID, seconds int, target time.Duration, crash bool) {
	e.t.Helper()
	var files []*os.File
	idx := &segmentIndex{store: e.store, vol: e.vol, cam: cam, stream: "main", log: slog.New(slog.DiscardHandler),
		open: map[uint64]*openSegment{}, onOpen: func() {}, onFragment: func() {},
		onIndexErr: func(err error) { e.t.Errorf("index: %v", err) },
		create: func(p string) (segment.File, error) {
			f, err := segment.CreateFile(p)
			if err == nil {
				files = append(files, f)
			}
			return f, err
		}}
	feed := newUnitFeed(e.t, cam, 10, 10, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	clock := feed.wall
	seg := segment.NewSegmenter(segment.Config{Files: idx, Observer: idx, Target: target,
		Writer: segment.WriterOptions{SyncInterval: 3 * time.Second, Now: clock}})
	for i := 0; i < seconds*10; i++ {
		if err := seg.WriteUnit(feed.next()); err != nil {
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

func (e *storageEnv) recover() StorageReport {
	e.t.Helper()
	rep, err := Recover(context.Background(), e.store, e.dir, nil)
	if err != nil {
		e.t.Fatalf("recover: %v", err)
	}
	return rep
}

func (e *storageEnv) abs(s Segment) string { return segAbs(e.dir, s) }

func wantFinding(t *testing.T, rep StorageReport, p Problem, pathPart string) Finding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Problem == p && strings.Contains(f.Path, pathPart) {
			return f
		}
	}
	t.Fatalf("no %s finding for %q in %v", p, pathPart, rep.Findings)
	return Finding{}
}

func TestRecoverCrashMidFragment(t *testing.T) {
	t.Parallel()
	e := newStorageEnv(t)
	cam := NewCameraID()
	e.record(cam, 9, time.Minute, true) // one open segment, 8 fragments written
	segs := e.store.segments()
	if len(segs) != 1 || segs[0].State != SegmentOpen {
		t.Fatalf("before recovery: %+v", segs)
	}
	s := segs[0]
	abs := e.abs(s)
	l, err := scanPath(abs)
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
	rep, err := CheckStorage(context.Background(), e.store, e.dir, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantFinding(t, rep, ProblemTornTail, s.Path)
	wantFinding(t, rep, ProblemOpenSegment, s.Path)
	if fi, _ := os.Stat(abs); fi.Size() != last.Offset+last.Length/2 {
		t.Fatal("check changed the file")
	}

	rep = e.recover()
	wantFinding(t, rep, ProblemTornTail, s.Path)
	wantFinding(t, rep, ProblemOpenSegment, s.Path)
	got, _ := e.store.Segment(context.Background(), s.ID)
	frags, _ := e.store.Fragments(context.Background(), s.ID)
	if got.State != SegmentClosed || len(frags) != len(l.Fragments)-1 || got.Bytes != last.Offset {
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
	cam := NewCameraID()
	ctx := context.Background()
	// Crash after CreateSegment, before the file: row without file.
	a, _ := e.store.CreateSegment(ctx, Segment{CameraID: cam, Stream: "main", Path: string(cam) + "/1-1.mp4", State: SegmentOpen, Start: time.Now()})
	// Crash after the file was created, before its init was durable.
	b, _ := e.store.CreateSegment(ctx, Segment{CameraID: cam, Stream: "main", Path: string(cam) + "/2-1.mp4", State: SegmentOpen, Start: time.Now()})
	os.MkdirAll(filepath.Join(e.dir, string(cam)), 0o750)
	if err := os.WriteFile(e.abs(b), []byte{0, 0, 0, 24, 'f', 't'}, 0o640); err != nil {
		t.Fatal(err)
	}
	rep := e.recover()
	wantFinding(t, rep, ProblemMissingFile, a.Path)
	wantFinding(t, rep, ProblemBadInit, b.Path)
	if n := len(e.store.segments()); n != 0 {
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
	cam, other := NewCameraID(), NewCameraID()
	e.record(cam, 12, 4*time.Second, false) // 3 closed segments
	segs := e.store.segments()
	if len(segs) != 3 {
		t.Fatalf("fixture: %d segments", len(segs))
	}
	ctx := context.Background()
	// A file without a row (e.g. a restored backup of the index): copy a
	// segment under a new name, with a torn tail.
	src, _ := os.ReadFile(e.abs(segs[0]))
	// Its name says it is event footage: the kind survives the lost row.
	orphan := string(cam) + "/99-1" + EventFileSuffix
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
	e.store.MarkSegmentDeleting(ctx, segs[2].ID)

	rep := e.recover()
	wantFinding(t, rep, ProblemMissingFile, segs[1].Path)
	if f := wantFinding(t, rep, ProblemOrphanFile, orphan); f.Segment == 0 || f.Repair != "indexed" {
		t.Errorf("orphan: %+v", f)
	}
	wantFinding(t, rep, ProblemBadInit, garbage)
	wantFinding(t, rep, ProblemWrongCamera, misfiled)
	wantFinding(t, rep, ProblemDeleting, segs[2].Path)

	left := e.store.segments()
	if len(left) != 2 || left[0].ID != segs[0].ID {
		t.Fatalf("rows after recovery: %+v", left)
	}
	idx := left[1]
	if idx.Path != orphan || idx.State != SegmentClosed || idx.Bytes != int64(len(src)) || idx.Codec != "h264" ||
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
	if _, err := os.Stat(filepath.Join(e.dir, QuarantineDir, misfiled)); err != nil {
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
	cam := NewCameraID()
	e.record(cam, 3, time.Minute, false)
	s := e.store.segments()[0]
	e.store.MarkSegmentDeleting(context.Background(), s.ID)
	e.store.DeleteSegment(context.Background(), s.ID) // the row is gone, the file stays
	e.store.cameras = map[CameraID]bool{}             // and so is the camera
	rep := e.recover()
	f := wantFinding(t, rep, ProblemOrphanFile, s.Path)
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
	cam := NewCameraID()
	e.record(cam, 12, 4*time.Second, false)
	segs := e.store.segments()
	checkClean(t, e.store, e.dir)
	// Bytes appended after a closed segment; another one torn.
	f, _ := os.OpenFile(e.abs(segs[0]), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte("trailing"))
	f.Close()
	fi, _ := os.Stat(e.abs(segs[1]))
	os.Truncate(e.abs(segs[1]), fi.Size()-100)
	// A segment with an undecodable init.
	os.WriteFile(e.abs(segs[2]), []byte("garbage garbage garbage"), 0o640)

	rep, err := CheckStorage(context.Background(), e.store, e.dir, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantFinding(t, rep, ProblemSizeMismatch, segs[0].Path)
	wantFinding(t, rep, ProblemTornTail, segs[1].Path)
	wantFinding(t, rep, ProblemBadInit, segs[2].Path)
	if len(rep.Findings) != 3 {
		t.Errorf("findings %v", rep.Findings)
	}
	// Recover (start-up) does not re-read closed segments; check --repair does.
	rep, err = CheckStorage(context.Background(), e.store, e.dir, CheckOptions{Repair: true})
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
	for _, s := range e.store.segments() {
		if msg := recDecodeErrors(t, e.abs(s)); msg != "" {
			t.Errorf("decode %s: %s", s.Path, msg)
		}
	}
}

func TestRecoverRefusesUnverifiedDirectory(t *testing.T) {
	t.Parallel()
	e := newStorageEnv(t)
	e.record(NewCameraID(), 3, time.Minute, false)
	// The disk is not mounted: an empty directory in its place.
	empty := t.TempDir()
	if _, err := Recover(context.Background(), e.store, empty, nil); err == nil || !strings.Contains(err.Error(), "recordings directory") {
		t.Fatalf("recover on an unmarked directory: %v", err)
	}
	if n := len(e.store.segments()); n != 1 {
		t.Fatalf("rows removed: %d left", n)
	}
}

func TestVolumeIdentity(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	dir := filepath.Join(data, RecordingsDirName)
	if _, err := CheckVolume(data); err == nil {
		t.Fatal("check created nothing yet must fail")
	}
	v, err := OpenVolume(data)
	if err != nil || v.Dir != dir || len(v.ID) != 32 {
		t.Fatalf("first start: %+v %v", v, err)
	}
	if v2, err := OpenVolume(data); err != nil || v2 != v {
		t.Fatalf("second start: %+v %v", v2, err)
	}
	if _, err := CheckVolume(data); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		breaks func(t *testing.T, data, dir string)
		want   string
	}{
		{"missing", func(t *testing.T, data, dir string) { os.RemoveAll(dir) }, "is missing"},
		{"unmounted", func(t *testing.T, data, dir string) { os.RemoveAll(dir); os.Mkdir(dir, 0o750) }, "has no .hearth-volume"},
		{"replaced", func(t *testing.T, data, dir string) {
			os.RemoveAll(dir)
			other := t.TempDir()
			if _, err := OpenVolume(other); err != nil {
				t.Fatal(err)
			}
			os.Rename(filepath.Join(other, RecordingsDirName), dir)
		}, "expected " + v.ID},
		{"other filesystem", func(t *testing.T, data, dir string) {
			rec := volumeRecord{id: v.ID, fsType: 0x1234}
			os.WriteFile(filepath.Join(data, VolumeIDFile), rec.marshal(), 0o640)
		}, "another filesystem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			copyTree(t, data, d)
			tc.breaks(t, d, filepath.Join(d, RecordingsDirName))
			for name, open := range map[string]func(string) (Volume, error){"open": OpenVolume, "check": CheckVolume} {
				_, err := open(d)
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "recordings directory") {
					t.Errorf("%s: %v, want %q", name, err, tc.want)
				}
			}
			if _, err := os.Stat(filepath.Join(d, RecordingsDirName, VolumeMarker)); tc.name != "replaced" && tc.name != "other filesystem" && err == nil {
				t.Error("a broken volume was re-created")
			}
		})
	}
	// volume-id lost (crash during first start): the marker is adopted.
	os.Remove(filepath.Join(data, VolumeIDFile))
	if v3, err := OpenVolume(data); err != nil || v3.ID != v.ID {
		t.Fatalf("adopt: %+v %v", v3, err)
	}
}

// copyTree copies regular files and directories.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if fi.IsDir() {
			return os.MkdirAll(dst, 0o750)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o640)
	})
	if err != nil {
		t.Fatal(err)
	}
}
