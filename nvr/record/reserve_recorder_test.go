package record

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

// TestRecorderKeepsOffTheReleasedReserve: when an index write finds the
// disk full before a footage write does, the guard releases the database
// reserve (reserveGuard.AddFragments). The open segment must not go on
// writing footage into that room: the camera goes disk-full with its
// segment closed, nothing more is recorded while the reserve cannot be
// restored, and recording resumes once it is held again.
func TestRecorderKeepsOffTheReleasedReserve(t *testing.T) {
	t.Parallel()
	var free atomic.Int64
	free.Store(1 << 30)
	res, path := newTestReserve(t, func(string) (recordstore.DiskSpace, error) {
		return recordstore.DiskSpace{TotalBytes: 1 << 31, FreeBytes: free.Load()}, nil
	})
	e := newRecorderEnv(t, nvr.CameraChanges{}, RecorderConfig{SyncInterval: time.Millisecond, Target: time.Minute, Pause: 200 * time.Millisecond})
	cam := e.cam
	e.rec.cfg.Store = res.GuardStore(e.store)
	e.start()
	<-e.rec.Recovered()
	e.publish(25) // 2.5 GOPs
	fragments := func() int {
		n := 0
		for _, s := range e.segments() {
			fr, _ := e.store.Fragments(context.Background(), s.ID)
			n += len(fr)
		}
		return n
	}
	nvrtest.WaitFor(t, 5*time.Second, "two fragments indexed", func() bool { return fragments() >= 2 })
	requireHeld(t, path, testReserveSize)

	// The database finds the disk full first and its write releases the
	// reserve; the filesystem has no room to take it back.
	free.Store(0)
	if !res.Release() {
		t.Fatal("reserve not released")
	}
	e.publish(20)
	nvrtest.WaitFor(t, 5*time.Second, "disk-full state", func() bool { return e.rec.statusOf(cam).State == RecordingDiskFull })
	for _, s := range e.segments() {
		if s.State != nvr.SegmentClosed {
			t.Fatalf("segment %d is %s after the reserve went", s.ID, s.State)
		}
	}
	paused := fragments()
	e.publish(30) // 3 s of a camera that keeps streaming
	time.Sleep(300 * time.Millisecond)
	if got := fragments(); got != paused || e.rec.statusOf(cam).State != RecordingDiskFull {
		t.Fatalf("footage went on into the database's room: %d fragments, then %d (state %s)", paused, got, e.rec.statusOf(cam).State)
	}

	// Room again: the next segment restores the reserve first, then records.
	free.Store(1 << 30)
	time.Sleep(250 * time.Millisecond) // past the recorder's pause
	e.publish(40)
	nvrtest.WaitFor(t, 5*time.Second, "recording again", func() bool {
		return e.rec.statusOf(cam).State == RecordingActive && fragments() > paused
	})
	requireHeld(t, path, testReserveSize)
}

// The reserve helpers of recordstore's tests, for this test of the
// recorder with a reserve.

const testReserveSize = 3<<20 + 12345 // not a multiple of the chunk or a block

// plenty reports a filesystem with room for anything.
func plenty(string) (recordstore.DiskSpace, error) {
	return recordstore.DiskSpace{TotalBytes: 1 << 40, FreeBytes: 1 << 39, UsedBytes: 1 << 39}, nil
}

func newTestReserve(t *testing.T, free func(string) (recordstore.DiskSpace, error)) (*recordstore.Reserve, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), recordstore.ReserveFileName)
	if free == nil {
		free = plenty
	}
	return recordstore.NewReserve(recordstore.ReserveConfig{Path: path, Size: testReserveSize, DiskSpace: free, Interval: 10 * time.Millisecond}), path
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
