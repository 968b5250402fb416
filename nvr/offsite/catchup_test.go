package offsite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
)

// TestCatchUpAfterKill: a run copied the init and the first fragment of a
// segment, then died; the index (a real SQLite file) holds five. The next
// run's catch-up sends fragments 2-5 and the index, leaves fragment 1 as
// it was, and the target restores the whole segment.
func TestCatchUpAfterKill(t *testing.T) {
	ctx := context.Background()
	w := dbtest.NewWorld(t, nil)
	cam := w.Camera(t, nvr.CameraChanges{})
	rec := t.TempDir()
	target := t.TempDir()
	key := setDirTarget(t, w, target)
	// The segment file and its index rows, as the recorder leaves them.
	n, whole := localSegment(t, rec, 1, 5, 2000)
	rel := string(cam.ID) + "/seg.mp4"
	if err := os.MkdirAll(filepath.Join(rec, string(cam.ID)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(n.File, filepath.Join(rec, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	seg, err := w.DB.CreateSegment(ctx, nvr.Segment{CameraID: cam.ID, Stream: "main", Path: rel, State: nvr.SegmentOpen,
		Start: start, End: start, Event: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n.Fragments {
		n.Fragments[i].SegmentID = seg.ID
		n.Fragments[i].Start = start.Add(time.Duration(i) * time.Second)
	}
	if err := w.DB.AddFragments(ctx, seg.ID, n.Fragments); err != nil {
		t.Fatal(err)
	}
	n.Segment, n.File, n.Household = seg, filepath.Join(rec, filepath.FromSlash(rel)), w.Home.ID

	// The first run copies one fragment and is gone.
	first := NewCopier(Config{Targets: w.DB})
	one := n
	one.Fragments = n.Fragments[:1]
	first.Durable(one)
	runUntil(t, first, func() bool {
		st, _ := first.StatusOf(ctx, w.Home.ID)
		return st.Backlog == 0 && !st.LastCopied.IsZero()
	})
	frag1 := filepath.Join(target, string(cam.ID), "seg", "000001.m4s.age")
	before, err := os.ReadFile(frag1)
	if err != nil {
		t.Fatal(err)
	}

	// The next run catches up from the index alone.
	ready := make(chan struct{})
	second := NewCopier(Config{Targets: w.DB, Index: w.DB, RecordingsDir: rec, Ready: ready})
	close(ready)
	runUntil(t, second, func() bool {
		_, err := os.Stat(filepath.Join(target, string(cam.ID), "seg", "000005.m4s.age"))
		st, _ := second.StatusOf(ctx, w.Home.ID)
		return err == nil && st.Backlog == 0
	})
	if after, err := os.ReadFile(frag1); err != nil || !bytes.Equal(before, after) {
		t.Errorf("fragment 1 was sent again (or lost): %v", err)
	}
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(key.RecoveryFile()), 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := ReadIdentities(path)
	if err != nil {
		t.Fatal(err)
	}
	restored, err := Restore(ids, target, t.TempDir())
	got := restored.Segments
	if err != nil || len(got) != 1 || got[0].Fragments != 5 {
		t.Fatalf("restore: %+v %v", got, err)
	}
	if b, _ := os.ReadFile(got[0].File); !bytes.Equal(b, whole) {
		t.Error("restored footage differs from the recorded")
	}
}

// runUntil runs c until cond holds (polled, up to 30 s), then stops it.
func runUntil(t *testing.T, c *Copier, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	waitFor(t, 30*time.Second, "the copier's work", cond)
}

// TestDroppedSegmentsFollowWhenTargetReturns: the target (a directory on
// a real disk) is away while ten segments are recorded; the queue of four
// keeps four and drops six. Once the target is back, the dropped six are
// read again from the index (a real SQLite file) and copied too, and the
// storage page's "waiting for room" count returns to 0. Before, they
// stayed local until a restart, and then only the last 6 h of them.
func TestDroppedSegmentsFollowWhenTargetReturns(t *testing.T) {
	ctx := context.Background()
	w := dbtest.NewWorld(t, nil)
	cam := w.Camera(t, nvr.CameraChanges{})
	rec := t.TempDir()
	target := filepath.Join(t.TempDir(), "nas")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	setDirTarget(t, w, target)
	if err := os.Remove(target); err != nil { // the NAS is off
		t.Fatal(err)
	}

	c := NewCopier(Config{Targets: w.DB, Index: w.DB, RecordingsDir: rec, MaxSegments: 4,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, CatchUp: time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	// Ten closed minute segments of the last quarter hour, announced as
	// the recorder does.
	base := time.Now().Add(-15 * time.Minute).Truncate(time.Minute)
	var names []string
	for i := range 10 {
		n, _ := localSegment(t, rec, nvr.SegmentID(1), 2, 500)
		rel := fmt.Sprintf("%s/seg%02d.mp4", cam.ID, i)
		if err := os.MkdirAll(filepath.Join(rec, string(cam.ID)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(n.File, filepath.Join(rec, filepath.FromSlash(rel))); err != nil {
			t.Fatal(err)
		}
		start := base.Add(time.Duration(i) * time.Minute)
		seg, err := w.DB.CreateSegment(ctx, nvr.Segment{CameraID: cam.ID, Stream: "main", Path: rel, State: nvr.SegmentOpen,
			Start: start, End: start, Event: true})
		if err != nil {
			t.Fatal(err)
		}
		for j := range n.Fragments {
			n.Fragments[j].SegmentID = seg.ID
			n.Fragments[j].Start = start.Add(time.Duration(j) * time.Second)
		}
		if err := w.DB.AddFragments(ctx, seg.ID, n.Fragments); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(rec, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.DB.CloseSegment(ctx, seg.ID, start.Add(2*time.Second), fi.Size()); err != nil {
			t.Fatal(err)
		}
		n.Segment, n.File, n.Household, n.Closed = seg, filepath.Join(rec, filepath.FromSlash(rel)), w.Home.ID, true
		c.Durable(n)
		names = append(names, fmt.Sprintf("seg%02d", i))
	}
	status := func() Status {
		st, err := c.StatusOf(ctx, w.Home.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); st.Dropped != 6 {
		t.Fatalf("status %+v, want 6 dropped by the queue of 4", st)
	}

	if err := os.Mkdir(target, 0o700); err != nil { // the NAS is back
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "all ten segments on the target", func() bool {
		for _, name := range names {
			if _, err := os.Stat(filepath.Join(target, string(cam.ID), name, "000002.m4s.age")); err != nil {
				return false
			}
		}
		st := status()
		return st.Backlog == 0 && st.Dropped == 0
	})
}

// setDirTarget gives w's household a directory target at dir, set as the
// CLI does (the local operator, decided by the policy), and returns the
// household's key.
func setDirTarget(t *testing.T, w *dbtest.World, dir string) HouseholdKey {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pol := nvr.NewPolicy(w.DB, nil, nil)
	g, err := pol.OffsiteOperator(pol.LocalOperator(), w.Home.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := nvr.NewOffsite(w.DB, nil).Set(context.Background(), g, nvr.OffsiteTarget{Kind: nvr.OffsiteDir, Path: dir, Recipient: key.Recipient}); err != nil {
		t.Fatal(err)
	}
	return key
}
