package nvr

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
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
	res, path := newTestReserve(t, func(string) (DiskSpace, error) {
		return DiskSpace{TotalBytes: 1 << 31, FreeBytes: free.Load()}, nil
	})
	cam := Camera{ID: NewCameraID(), Enabled: true, MainURL: "rtsp://x"}
	e := newRecorderEnv(t, cam, RecorderConfig{SyncInterval: time.Millisecond, Target: time.Minute, Pause: 200 * time.Millisecond})
	e.rec.cfg.Store = res.GuardStore(e.store)
	e.start()
	<-e.rec.Recovered()
	e.publish(25) // 2.5 GOPs
	fragments := func() int {
		n := 0
		for _, s := range e.store.segments() {
			fr, _ := e.store.Fragments(context.Background(), s.ID)
			n += len(fr)
		}
		return n
	}
	waitFor(t, 5*time.Second, "two fragments indexed", func() bool { return fragments() >= 2 })
	requireHeld(t, path, testReserveSize)

	// The database finds the disk full first and its write releases the
	// reserve; the filesystem has no room to take it back.
	free.Store(0)
	if !res.Release() {
		t.Fatal("reserve not released")
	}
	e.publish(20)
	waitFor(t, 5*time.Second, "disk-full state", func() bool { return e.rec.statusOf(cam).State == RecordingDiskFull })
	for _, s := range e.store.segments() {
		if s.State != SegmentClosed {
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
	waitFor(t, 5*time.Second, "recording again", func() bool {
		return e.rec.statusOf(cam).State == RecordingActive && fragments() > paused
	})
	requireHeld(t, path, testReserveSize)
}
