package recordstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

const testReserveSize = 3<<20 + 12345 // not a multiple of the chunk or a block

// plenty reports a filesystem with room for anything.
func plenty(string) (DiskSpace, error) {
	return DiskSpace{TotalBytes: 1 << 40, FreeBytes: 1 << 39, UsedBytes: 1 << 39}, nil
}

func newTestReserve(t *testing.T, free func(string) (DiskSpace, error)) (*Reserve, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), ReserveFileName)
	if free == nil {
		free = plenty
	}
	return NewReserve(ReserveConfig{Path: path, Size: testReserveSize, DiskSpace: free, Interval: 10 * time.Millisecond}), path
}

// requireHeld checks that path holds size bytes, all allocated (st_blocks),
// and returns its inode.
func requireHeld(t *testing.T, path string, size int64) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Size() != size || st.Blocks*512 < size {
		t.Fatalf("reserve is %d bytes with %d bytes allocated, want %d allocated", fi.Size(), st.Blocks*512, size)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("reserve mode %v", fi.Mode())
	}
	return st.Ino
}

func requireGone(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + ".tmp"} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s should not exist: %v", filepath.Base(p), err)
		}
	}
}

func TestReserveCreateReleaseRestore(t *testing.T) {
	t.Parallel()
	r, path := newTestReserve(t, nil)
	if r.Held() {
		t.Fatal("held before Restore")
	}
	requireGone(t, path) // NewReserve does not touch the disk
	if err := r.Restore(); err != nil {
		t.Fatal(err)
	}
	ino := requireHeld(t, path, testReserveSize)
	if !r.Held() {
		t.Fatal("not held after Restore")
	}
	// Idempotent: the same file, not a rewrite.
	if err := r.Restore(); err != nil {
		t.Fatal(err)
	}
	if got := requireHeld(t, path, testReserveSize); got != ino {
		t.Fatal("second Restore rewrote the reserve")
	}

	if !r.Release() {
		t.Fatal("Release freed nothing")
	}
	requireGone(t, path)
	if r.Held() || r.Release() {
		t.Fatal("second Release should be a no-op")
	}
	requireGone(t, path)

	if err := r.Restore(); err != nil {
		t.Fatal(err)
	}
	requireHeld(t, path, testReserveSize)
}

func TestReserveRestoreNeedsRoom(t *testing.T) {
	t.Parallel()
	var free atomic.Int64
	r, path := newTestReserve(t, func(string) (DiskSpace, error) {
		return DiskSpace{TotalBytes: 1 << 30, FreeBytes: free.Load()}, nil
	})
	margin := int64(1 << 20) // the default for a 3 MiB reserve
	free.Store(testReserveSize + margin - 1)
	err := r.Restore()
	if !errors.Is(err, syscall.ENOSPC) || !errors.Is(err, ErrReserveSpace) {
		t.Fatalf("Restore without room: %v, want ENOSPC and ErrReserveSpace", err)
	}
	if r.Held() {
		t.Fatal("held without room")
	}
	requireGone(t, path)
	free.Store(testReserveSize + margin)
	if err := r.Restore(); err != nil {
		t.Fatal(err)
	}
	requireHeld(t, path, testReserveSize)
}

func TestReserveAdoptsOrReplacesLeftovers(t *testing.T) {
	t.Parallel()
	r, path := newTestReserve(t, nil)
	if err := r.Restore(); err != nil {
		t.Fatal(err)
	}
	ino := requireHeld(t, path, testReserveSize)

	// A restart adopts the whole file as it is.
	r2 := NewReserve(ReserveConfig{Path: path, Size: testReserveSize, DiskSpace: plenty})
	if err := r2.Restore(); err != nil {
		t.Fatal(err)
	}
	if got := requireHeld(t, path, testReserveSize); got != ino || !r2.Held() {
		t.Fatal("a complete reserve was not adopted")
	}

	for name, prepare := range map[string]func() error{
		"sparse": func() error {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				return err
			}
			return os.Truncate(path, testReserveSize)
		},
		"wrong size": func() error { return os.WriteFile(path, make([]byte, 4096), 0o600) },
		"torn tmp":   func() error { return os.WriteFile(path+".tmp", []byte("x"), 0o600) },
	} {
		_ = os.Remove(path)
		if err := prepare(); err != nil {
			t.Fatal(err)
		}
		r3 := NewReserve(ReserveConfig{Path: path, Size: testReserveSize, DiskSpace: plenty})
		if err := r3.Restore(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		requireHeld(t, path, testReserveSize)
		if _, err := os.Lstat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s: temp file left: %v", name, err)
		}
	}
}

func TestReserveOff(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ReserveFileName)
	r := NewReserve(ReserveConfig{Path: path, Size: -1})
	if err := r.Restore(); err != nil || r.Release() || r.Held() {
		t.Fatalf("an off reserve did something: %v", err)
	}
	requireGone(t, path)
	var s nvr.RecordingStore = &countingStore{}
	if r.GuardStore(s) != s {
		t.Fatal("an off reserve should not wrap the store")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// countingStore counts CreateSegment calls; AddFragments fails with
// SQLITE_FULL's message while full is set.
type countingStore struct {
	nvr.RecordingStore
	creates atomic.Int32
	full    atomic.Bool
	adds    atomic.Int32
}

func (s *countingStore) AddFragments(context.Context, nvr.SegmentID, []nvr.Fragment) error {
	s.adds.Add(1)
	if s.full.Load() {
		return errors.New("add fragments: database or disk is full (13)")
	}
	return nil
}

func (s *countingStore) CreateSegment(_ context.Context, seg nvr.Segment) (nvr.Segment, error) {
	s.creates.Add(1)
	seg.ID = 1
	return seg, nil
}

func TestReserveGuardStore(t *testing.T) {
	t.Parallel()
	var free atomic.Int64
	r, path := newTestReserve(t, func(string) (DiskSpace, error) {
		return DiskSpace{TotalBytes: 1 << 30, FreeBytes: free.Load()}, nil
	})
	inner := &countingStore{}
	g := r.GuardStore(inner)
	ctx := context.Background()

	// No room for the reserve: the segment is refused as ENOSPC, so the
	// recorder stays disk-full.
	_, err := g.CreateSegment(ctx, nvr.Segment{})
	if !errors.Is(err, syscall.ENOSPC) || inner.creates.Load() != 0 {
		t.Fatalf("CreateSegment without room: %v (%d creates)", err, inner.creates.Load())
	}
	// Room again: the reserve is restored first, then the segment created.
	free.Store(1 << 29)
	if seg, err := g.CreateSegment(ctx, nvr.Segment{}); err != nil || seg.ID != 1 || inner.creates.Load() != 1 {
		t.Fatalf("CreateSegment with room: %v", err)
	}
	requireHeld(t, path, testReserveSize)
	// Held: passes through even when the disk is full again.
	free.Store(0)
	if _, err := g.CreateSegment(ctx, nvr.Segment{}); err != nil || inner.creates.Load() != 2 {
		t.Fatalf("CreateSegment with the reserve held: %v", err)
	}
	// The database finds the disk full: the reserve goes, the write is
	// retried once.
	inner.full.Store(true)
	if err := g.AddFragments(ctx, 1, nil); err == nil || inner.adds.Load() != 2 || r.Held() {
		t.Fatalf("AddFragments on a full disk: %v, %d calls, held %v", err, inner.adds.Load(), r.Held())
	}
	requireGone(t, path)
	if err := g.AddFragments(ctx, 1, nil); err == nil || inner.adds.Load() != 3 {
		t.Fatalf("AddFragments retried without a reserve to release: %v, %d calls", err, inner.adds.Load())
	}
}

func TestReserveRunRestores(t *testing.T) {
	t.Parallel()
	var free atomic.Int64
	free.Store(1 << 29)
	r, path := newTestReserve(t, func(string) (DiskSpace, error) {
		return DiskSpace{TotalBytes: 1 << 30, FreeBytes: free.Load()}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		// The file stays when Run returns.
		requireHeld(t, path, testReserveSize)
	}()
	nvrtest.WaitFor(t, 5*time.Second, "reserve held at start", r.Held)
	free.Store(0) // disk full: the reserve goes and stays gone
	r.Release()
	time.Sleep(50 * time.Millisecond)
	if r.Held() {
		t.Fatal("restored without room")
	}
	requireGone(t, path)
	free.Store(1 << 29)
	nvrtest.WaitFor(t, 5*time.Second, "reserve restored", r.Held)
	requireHeld(t, path, testReserveSize)
}

// TestReserveConcurrent races Release against Restore: afterwards the
// reserve's Held agrees with the disk and no temp file is left.
func TestReserveConcurrent(t *testing.T) {
	t.Parallel()
	r, path := newTestReserve(t, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 20 {
				if i%2 == 0 {
					_ = r.Restore()
				} else {
					r.Release()
				}
			}
		})
	}
	wg.Wait()
	if _, err := os.Lstat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp file left: %v", err)
	}
	if r.Held() {
		requireHeld(t, path, testReserveSize)
	} else {
		requireGone(t, path)
	}
	if err := r.Restore(); err != nil {
		t.Fatal(err)
	}
	requireHeld(t, path, testReserveSize)
}

// batchingStore is a countingStore that batches: while full is set, every
// append of segment 1 fails with SQLITE_FULL's message, the others pass.
type batchingStore struct {
	countingStore
	batches [][]nvr.SegmentID
}

func (s *batchingStore) AddFragmentsBatch(_ context.Context, batch []nvr.FragmentAppend) []error {
	errs := make([]error, len(batch))
	var ids []nvr.SegmentID
	for i, a := range batch {
		ids = append(ids, a.Segment)
		if a.Segment == 1 && s.full.Load() {
			errs[i] = errors.New("add fragments: database or disk is full (13)")
		}
	}
	s.batches = append(s.batches, ids)
	return errs
}

// TestReserveGuardBatch: a batch the full disk refused in part releases
// the reserve and retries only the refused appends, together; a store
// that cannot batch gets the appends one by one, still guarded.
func TestReserveGuardBatch(t *testing.T) {
	t.Parallel()
	r, path := newTestReserve(t, func(string) (DiskSpace, error) {
		return DiskSpace{TotalBytes: 1 << 30, FreeBytes: 1 << 29}, nil
	})
	inner := &batchingStore{}
	g := r.GuardStore(inner)
	ctx := context.Background()
	if _, err := g.CreateSegment(ctx, nvr.Segment{}); err != nil { // holds the reserve
		t.Fatal(err)
	}
	requireHeld(t, path, testReserveSize)
	fb, ok := g.(nvr.FragmentBatcher)
	if !ok {
		t.Fatal("the guarded store does not batch")
	}
	inner.full.Store(true)
	batch := []nvr.FragmentAppend{{Segment: 2}, {Segment: 1}, {Segment: 3}}
	errs := fb.AddFragmentsBatch(ctx, batch)
	if len(errs) != 3 || errs[0] != nil || errs[2] != nil || errs[1] == nil {
		t.Fatalf("batch on a full disk: %v", errs)
	}
	if fmt.Sprint(inner.batches) != "[[2 1 3] [1]]" || r.Held() {
		t.Fatalf("batches %v, reserve held %v: want the refused append retried alone once the reserve went", inner.batches, r.Held())
	}
	requireGone(t, path)

	// A store without batches: one AddFragments per append, through the guard.
	plain := &countingStore{}
	g2 := r.GuardStore(plain).(nvr.FragmentBatcher)
	if errs := g2.AddFragmentsBatch(ctx, batch); len(errs) != 3 || errs[0] != nil || plain.adds.Load() != 3 {
		t.Fatalf("batch on a store without batches: %v, %d adds", errs, plain.adds.Load())
	}
}
