package record

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// sinkFunc is an nvr.FragmentSink from a function (a fake: the real copier
// is nvr/offsite's, tested there and end to end in cmd/hearth).
type sinkFunc func(nvr.DurableFragments)

func (f sinkFunc) Durable(n nvr.DurableFragments) { f(n) }

var _ nvr.FragmentSink = sinkFunc(nil)

// TestRecorderTellsOffsite: every notice names the camera's household and
// the segment's file, lists the fragments indexed so far (each in the
// index, each within the file as it is on disk), grows by whole fragments,
// and the last one of a segment says it is closed.
func TestRecorderTellsOffsite(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var notes []nvr.DurableFragments
	sink := sinkFunc(func(n nvr.DurableFragments) {
		// Checked where the recorder calls: the bytes are on disk now.
		fi, err := os.Stat(n.File)
		last := n.Fragments[len(n.Fragments)-1]
		if err != nil || fi.Size() < last.Offset+last.Length {
			t.Errorf("notice for %s past the file (%v)", n.File, err)
		}
		mu.Lock()
		notes = append(notes, n)
		mu.Unlock()
	})
	e := newRecorderEnv(t, nvr.CameraChanges{}, RecorderConfig{Offsite: sink, SyncInterval: time.Millisecond, Target: 3 * time.Second})
	e.start()
	<-e.rec.Recovered()
	e.publish(75) // 7.5 s: a closed segment and an open one
	nvrtest.WaitFor(t, 10*time.Second, "a closed segment's notice", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range notes {
			if n.Closed {
				return true
			}
		}
		return false
	})
	e.stop()
	mu.Lock()
	defer mu.Unlock()
	prev := map[nvr.SegmentID]int{}
	for _, n := range notes {
		if n.Household != e.cam.HouseholdID || n.Household == 0 || n.Segment.CameraID != e.cam.ID {
			t.Fatalf("notice for household %d, camera %s", n.Household, n.Segment.CameraID)
		}
		if len(n.Fragments) < prev[n.Segment.ID] {
			t.Errorf("segment %d: notice shrank from %d to %d fragments", n.Segment.ID, prev[n.Segment.ID], len(n.Fragments))
		}
		prev[n.Segment.ID] = len(n.Fragments)
		indexed, err := e.store.Fragments(context.Background(), n.Segment.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range n.Fragments {
			if i >= len(indexed) || indexed[i].Offset != f.Offset || indexed[i].Length != f.Length {
				t.Errorf("segment %d fragment %d not as indexed", n.Segment.ID, i)
			}
		}
	}
	if len(prev) < 2 {
		t.Errorf("notices for %d segments, want 2", len(prev))
	}
}
