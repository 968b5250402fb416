package offsite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
)

// TestContinuousCameraEventFootage: a household that copies event footage
// only gets a continuous camera's segments that hold an event (with the
// camera's pre- and post-roll), from the real event index, and not the
// others; a segment still recording is copied once an event claims it.
func TestContinuousCameraEventFootage(t *testing.T) {
	ctx := context.Background()
	w := dbtest.NewWorld(t, nil)
	cam := w.Camera(t, nvr.CameraChanges{})
	target := t.TempDir()
	setDirTarget(t, w, target)
	c := NewCopier(Config{Targets: w.DB, Events: w.DB})
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(cctx) }()
	defer func() { cancel(); <-done }()

	local := t.TempDir()
	now := time.Now().Truncate(time.Second)
	notice := func(id nvr.SegmentID, start time.Time, closed bool) nvr.DurableFragments {
		n, _ := localSegment(t, local, id, 3, 300)
		n.Household, n.Segment.CameraID, n.Segment.Event, n.Segment.Start, n.Closed = w.Home.ID, cam.ID, false, start, closed
		n.Segment.Path = string(cam.ID) + "/" + filepath.Base(n.File)
		n.PreRoll, n.PostRoll = 5*time.Second, 5*time.Second
		for i := range n.Fragments {
			n.Fragments[i].Start = start.Add(time.Duration(i) * time.Second)
		}
		return n
	}
	// An event 2 s after the first segment's footage ends: the event's
	// 5 s pre-roll reaches back into it.
	if _, err := w.DB.CreateEvent(ctx, nvr.Event{CameraID: cam.ID, Kind: nvr.EventTrigger, Label: "door",
		Start: now.Add(-time.Hour + 5*time.Second), Last: now.Add(-time.Hour + 6*time.Second), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	withEvent := notice(41, now.Add(-time.Hour), true)  // footage [−1h, −1h+3s]
	quiet := notice(42, now.Add(-30*time.Minute), true) // nothing near it
	live := notice(43, now.Add(-2*time.Second), false)  // recording now
	for _, n := range []nvr.DurableFragments{withEvent, quiet, live} {
		c.Durable(n)
	}
	segDir := func(n nvr.DurableFragments) string {
		return filepath.Join(target, filepath.FromSlash(segmentDir(n.Segment.Path)))
	}
	waitFor(t, 10*time.Second, "the segment with the event copied", func() bool {
		_, err := os.Stat(filepath.Join(segDir(withEvent), "000003.m4s.age"))
		return err == nil
	})
	waitFor(t, 10*time.Second, "the quiet segment forgotten", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.pending[quiet.Segment.ID] == nil
	})
	if _, err := os.Stat(segDir(quiet)); err == nil {
		t.Error("a segment without event footage was copied")
	}
	if _, err := os.Stat(segDir(live)); err == nil {
		t.Error("the live segment was copied before any event")
	}
	if st, _ := c.StatusOf(ctx, w.Home.ID); st.Backlog != 0 {
		t.Errorf("backlog %d: footage not owed counted", st.Backlog)
	}
	// The doorbell rings now: the live segment holds event footage.
	if _, err := w.DB.CreateEvent(ctx, nvr.Event{CameraID: cam.ID, Kind: nvr.EventTrigger, Label: "door",
		Start: now, Last: now, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the live segment copied once an event claims it", func() bool {
		_, err := os.Stat(filepath.Join(segDir(live), "000003.m4s.age"))
		return err == nil
	})
}
