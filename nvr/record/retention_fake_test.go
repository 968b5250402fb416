package record

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

// fakeRecordings is an in-memory segment index for the retention tests
// that need a double: the RetentionStore part of RecordingStore, with
// hooks to observe or break the deletion procedure (call order, the limits
// the index is read with, a crash or an I/O error between its steps), and
// rows the database's constraints refuse (a path outside the camera's
// directory). Every other retention test uses a real database. Safe for concurrent use; hooks run without the
// lock held.
type fakeRecordings struct {
	mu     sync.Mutex
	segs   map[nvr.SegmentID]nvr.Segment
	calls  []string // mark and delete calls, in order
	lists  []int    // limits OldestSegments was called with
	nextID nvr.SegmentID

	onMark   func(nvr.Segment) error // before the row is marked; an error fails the call
	onDelete func(nvr.Segment) error // before the row is removed; an error fails the call
}

var _ RetentionStore = (*fakeRecordings)(nil)

func newFakeRecordings() *fakeRecordings {
	return &fakeRecordings{segs: make(map[nvr.SegmentID]nvr.Segment)}
}

func (f *fakeRecordings) OldestSegments(_ context.Context, cam nvr.CameraID, limit int) ([]nvr.Segment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, limit)
	var out []nvr.Segment
	for _, s := range f.segs {
		if s.State == nvr.SegmentClosed && (cam == "" || s.CameraID == cam) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b nvr.Segment) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeRecordings) Usage(context.Context) ([]nvr.RecordingUsage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	by := make(map[nvr.CameraID]*nvr.RecordingUsage)
	for _, s := range f.segs {
		if s.State == nvr.SegmentDeleting {
			continue
		}
		u := by[s.CameraID]
		if u == nil {
			u = &nvr.RecordingUsage{CameraID: s.CameraID, Oldest: s.Start} // no households: the quota tests use the database
			by[s.CameraID] = u
		}
		u.Bytes += s.Bytes
		u.Segments++
		if s.Start.Before(u.Oldest) {
			u.Oldest = s.Start
		}
	}
	var out []nvr.RecordingUsage
	for _, u := range by {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b nvr.RecordingUsage) int { return cmp.Compare(a.CameraID, b.CameraID) })
	return out, nil
}

func (f *fakeRecordings) MarkSegmentDeleting(_ context.Context, id nvr.SegmentID) error {
	s, err := f.get(id, "mark")
	if err != nil {
		return err
	}
	if f.onMark != nil {
		if err := f.onMark(s); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s.State = nvr.SegmentDeleting
	f.segs[id] = s
	return nil
}

func (f *fakeRecordings) DeleteSegment(_ context.Context, id nvr.SegmentID) error {
	s, err := f.get(id, "delete")
	if err != nil {
		return err
	}
	if f.onDelete != nil {
		if err := f.onDelete(s); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.State != nvr.SegmentDeleting {
		return fmt.Errorf("delete segment %d: state %s, not deleting", id, s.State)
	}
	delete(f.segs, id)
	return nil
}

func (f *fakeRecordings) SegmentsByState(_ context.Context, st nvr.SegmentState) ([]nvr.Segment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []nvr.Segment
	for _, s := range f.segs {
		if s.State == st {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b nvr.Segment) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// get records the call and returns the row.
func (f *fakeRecordings) get(id nvr.SegmentID, call string) (nvr.Segment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("%s %d", call, id))
	s, ok := f.segs[id]
	if !ok {
		return nvr.Segment{}, nvr.ErrNotFound
	}
	return s, nil
}

func (f *fakeRecordings) add(s nvr.Segment) nvr.Segment {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	s.ID = f.nextID
	if s.State == "" {
		s.State = nvr.SegmentClosed
	}
	f.segs[s.ID] = s
	return s
}

func (f *fakeRecordings) addClosed(s nvr.Segment) nvr.Segment {
	s = f.add(s)
	s.Path = fmt.Sprintf("%s/%d-%d.mp4", s.CameraID, s.Start.Unix(), s.ID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.segs[s.ID] = s
	return s
}

func (f *fakeRecordings) row(id nvr.SegmentID) (nvr.Segment, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.segs[id]
	return s, ok
}

func (f *fakeRecordings) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeRecordings) indexedBytes() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, s := range f.segs {
		n += s.Bytes
	}
	return n
}

const (
	retCamA nvr.CameraID = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	retCamB nvr.CameraID = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	retCamC nvr.CameraID = "cccccccccccccccccccccccccccccccc"
	retGiB               = int64(1) << 30
	retDay               = 24 * time.Hour
)

// retentionIndex is the segment index a retentionEnv keeps its footage
// in: a real database (newRetentionEnv), or fakeRecordings
// (newFakeRetentionEnv) for the tests that need what only a double gives.
type retentionIndex interface {
	RetentionStore
	// addClosed indexes s as a closed segment under a path of its
	// camera's directory, and returns the row.
	addClosed(s nvr.Segment) nvr.Segment
	// row returns a segment in any state; false when it is gone.
	row(id nvr.SegmentID) (nvr.Segment, bool)
	// indexedBytes sums the bytes of every row.
	indexedBytes() int64
}

// retentionEnv is a recordings directory in a temp dir, an index and a
// fake disk whose free space follows the index: total minus other data
// minus the bytes of every row.
type retentionEnv struct {
	t     *testing.T
	dir   string
	store retentionIndex
	clock *clocktest.Clock // Set steps the wall clock, Advance moves both readings
	t0    time.Time        // the clock's start

	// The cameras A, B and C. In a database, they are the directory's
	// cameras, all of household homes[0] until a test moves one.
	camA, camB, camC nvr.CameraID
	world            *dbtest.World      // nil for a fake index
	homes            [2]nvr.HouseholdID // a database's two households
	fake             *fakeRecordings    // nil for a database

	diskMu     sync.Mutex
	diskTotal  int64
	otherBytes int64
}

// newRetentionEnv keeps its footage in a real database (db/dbtest) whose
// directory holds cameras A, B and C.
func newRetentionEnv(t *testing.T) *retentionEnv {
	t.Helper()
	e := newEnvOn(t)
	e.world = dbtest.NewWorld(t, e.clock.Now)
	away, err := e.world.Ops.AddHousehold(context.Background(), "Away")
	if err != nil {
		t.Fatal(err)
	}
	e.homes = [2]nvr.HouseholdID{e.world.Home.ID, away.ID}
	e.camA, e.camB, e.camC = e.world.Camera(t, nvr.CameraChanges{}).ID, e.world.Camera(t, nvr.CameraChanges{}).ID,
		e.world.Camera(t, nvr.CameraChanges{}).ID
	e.store = &dbRetentionIndex{t: t, d: e.world.DB}
	return e
}

// newFakeRetentionEnv keeps its footage in fakeRecordings, for a test that
// observes or breaks the deletion procedure's calls or needs rows the
// database refuses; its cameras are retCamA, retCamB and retCamC.
func newFakeRetentionEnv(t *testing.T) *retentionEnv {
	t.Helper()
	e := newEnvOn(t)
	e.fake = newFakeRecordings()
	e.store = e.fake
	e.camA, e.camB, e.camC = retCamA, retCamB, retCamC
	return e
}

func newEnvOn(t *testing.T) *retentionEnv {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return &retentionEnv{
		t: t, dir: t.TempDir(),
		clock:     clocktest.New(t0),
		t0:        t0,
		diskTotal: 1 << 50, // a petabyte: the disk rule stays idle unless a test shrinks it
	}
}

// moveCamera moves a database's camera to household h.
func (e *retentionEnv) moveCamera(cam nvr.CameraID, h nvr.HouseholdID) {
	e.t.Helper()
	if err := e.world.Ops.MoveCamera(context.Background(), cam, h); err != nil {
		e.t.Fatal(err)
	}
}

// removeCamera removes a database's camera through the directory, which
// marks its segments deleting in the same transaction.
func (e *retentionEnv) removeCamera(cam nvr.CameraID) {
	e.t.Helper()
	if err := e.world.Ops.RemoveCamera(context.Background(), cam); err != nil {
		e.t.Fatal(err)
	}
}

func (e *retentionEnv) disk(string) (recordstore.DiskSpace, error) {
	e.diskMu.Lock()
	defer e.diskMu.Unlock()
	used := e.otherBytes + e.store.indexedBytes()
	return recordstore.DiskSpace{TotalBytes: e.diskTotal, FreeBytes: e.diskTotal - used, UsedBytes: used}, nil
}

func (e *retentionEnv) setDisk(total, other int64) {
	e.diskMu.Lock()
	defer e.diskMu.Unlock()
	e.diskTotal, e.otherBytes = total, other
}

// config is a configuration over the env; tests adjust it before
// newRetention. Its free-space floor is the plain 5 % the disk tests
// compute with (the cap far above it); TestRetentionSmallVolumeDefaults
// and TestRetentionFreeFloorScalesWithVolume cover the default cap.
func (e *retentionEnv) config() RetentionConfig {
	return RetentionConfig{Store: e.store, Dir: e.dir, DiskSpace: e.disk,
		MinFreeBytes: 1 << 50, Now: e.clock.Now, Elapsed: e.clock.Elapsed}
}

func (e *retentionEnv) retention(cfg RetentionConfig) *Retention {
	e.t.Helper()
	r, err := NewRetention(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// seg adds a closed segment of cam that ended ago before the clock's
// current time and lasted a minute, with its file on disk.
func (e *retentionEnv) seg(cam nvr.CameraID, ago time.Duration, bytes int64, event bool) nvr.Segment {
	e.t.Helper()
	end := e.clock.Now().Add(-ago)
	s := e.store.addClosed(nvr.Segment{CameraID: cam, Stream: "main", Start: end.Add(-time.Minute), End: end, Bytes: bytes, Event: event})
	e.writeFile(s.Path)
	return s
}

// bulk adds recent footage so that a test's deletions stay a small share.
func (e *retentionEnv) bulk(cam nvr.CameraID) {
	e.seg(cam, time.Hour, 100*retGiB, false)
}

func (e *retentionEnv) writeFile(rel string) {
	e.t.Helper()
	full := filepath.Join(e.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte("fmp4"), 0o640); err != nil {
		e.t.Fatal(err)
	}
}

func (e *retentionEnv) pass(r *Retention) RetentionStatus {
	e.t.Helper()
	st, err := r.Pass(context.Background())
	if err != nil {
		e.t.Fatalf("pass: %v", err)
	}
	return st
}

// exists reports whether a segment's row is still in the index.
func (e *retentionEnv) exists(s nvr.Segment) bool {
	_, ok := e.store.row(s.ID)
	return ok
}

// fileExists reports whether a segment's file is still on disk.
func (e *retentionEnv) fileExists(s nvr.Segment) bool {
	_, err := os.Lstat(filepath.Join(e.dir, filepath.FromSlash(s.Path)))
	return err == nil
}

// wantKept checks which segments survived: each of kept must be there
// (row and file), each of gone must be deleted (row and file).
func (e *retentionEnv) wantKept(kept, gone []nvr.Segment) {
	e.t.Helper()
	for _, s := range kept {
		if !e.exists(s) || !e.fileExists(s) {
			e.t.Errorf("segment %d (%s, ended %v before t0, event %v) was deleted; want kept",
				s.ID, s.CameraID[:4], e.t0.Sub(s.End), s.Event)
		}
	}
	for _, s := range gone {
		if e.exists(s) || e.fileExists(s) {
			e.t.Errorf("segment %d (%s, ended %v before t0, event %v) was kept; want deleted",
				s.ID, s.CameraID[:4], e.t0.Sub(s.End), s.Event)
		}
	}
}

// retPins adapts a function to PinSource.
type retPins func(ctx context.Context, cam nvr.CameraID) ([]nvr.TimeRange, error)

func (f retPins) PinnedRanges(ctx context.Context, cam nvr.CameraID) ([]nvr.TimeRange, error) {
	return f(ctx, cam)
}
