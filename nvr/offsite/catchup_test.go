package offsite

import (
	"bytes"
	"context"
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
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pol := nvr.NewPolicy(w.DB, nil, nil)
	g, err := pol.OffsiteOperator(pol.LocalOperator(), w.Home.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := nvr.NewOffsite(w.DB, nil).Set(ctx, g, nvr.OffsiteTarget{Kind: nvr.OffsiteDir, Path: target, Recipient: key.Recipient}); err != nil {
		t.Fatal(err)
	}
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
	got, err := Restore(ids, target, t.TempDir())
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
