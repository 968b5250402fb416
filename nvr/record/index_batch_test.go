package record

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// batchStore records the batches it is given, and refuses appends to
// segment 13. It cannot do anything else: indexBatcher needs no more.
type batchStore struct {
	nvr.RecordingStore
	mu      sync.Mutex
	batches [][]nvr.SegmentID
	singles []nvr.SegmentID
}

func (s *batchStore) AddFragments(_ context.Context, id nvr.SegmentID, _ []nvr.Fragment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.singles = append(s.singles, id)
	return nil
}

func (s *batchStore) AddFragmentsBatch(_ context.Context, batch []nvr.FragmentAppend) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []nvr.SegmentID
	errs := make([]error, len(batch))
	for i, a := range batch {
		ids = append(ids, a.Segment)
		if a.Segment == 13 {
			errs[i] = nvr.Errorf("add fragments", nvr.KindConflict, "segment is closed, not open")
		}
	}
	slices.Sort(ids) // arrival order within a batch is the scheduler's
	s.batches = append(s.batches, ids)
	return errs
}

func (s *batchStore) seen() (batches, singles string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.batches), fmt.Sprint(s.singles)
}

// TestIndexBatcher: appends from cameras that arrive within the linger
// share one transaction, each caller hears its own append's result; a
// batch commits without waiting once every recording camera has joined;
// before Run and after it, appends are written one by one.
func TestIndexBatcher(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &batchStore{}
		var cameras atomic.Int64
		cameras.Store(4)
		b := newIndexBatcher(store, 500*time.Millisecond, func() int { return int(cameras.Load()) })
		ctx := context.Background()

		// Not running: straight to the store.
		if err := b.add(ctx, 1, nil); err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		var running sync.WaitGroup
		running.Go(func() { b.run(runCtx) })
		synctest.Wait()

		// Three of four cameras within the linger: one batch, after it.
		var wg sync.WaitGroup
		results := make([]error, 3)
		start := time.Now()
		var took atomic.Int64
		for i, id := range []nvr.SegmentID{2, 13, 3} {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * 100 * time.Millisecond)
				results[i] = b.add(ctx, id, nil)
				took.Store(int64(time.Since(start)))
			})
		}
		wg.Wait()
		if batches, singles := store.seen(); batches != "[[2 3 13]]" || singles != "[1]" {
			t.Fatalf("batches %s, singles %s: want the three appends in one batch", batches, singles)
		}
		if results[0] != nil || results[2] != nil || nvr.ErrorKind(results[1]) != nvr.KindConflict {
			t.Fatalf("results %v: want the refusal for segment 13 only", results)
		}
		if d := time.Duration(took.Load()); d != 500*time.Millisecond {
			t.Fatalf("the batch committed after %v, want the linger (500ms) from the first append", d)
		}

		// Every recording camera joined: no lingering.
		cameras.Store(2)
		start = time.Now()
		for _, id := range []nvr.SegmentID{4, 5} {
			wg.Go(func() {
				if err := b.add(ctx, id, nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if d := time.Since(start); d != 0 {
			t.Fatalf("a batch every camera had joined waited %v", d)
		}

		// Stopped: appends go straight to the store again.
		stop()
		running.Wait()
		if err := b.add(ctx, 6, nil); err != nil {
			t.Fatal(err)
		}
		if batches, singles := store.seen(); batches != "[[2 3 13] [4 5]]" || singles != "[1 6]" {
			t.Fatalf("batches %s, singles %s", batches, singles)
		}
	})
}

// TestIndexBatcherStopCommitsGathered: the appends gathered when the
// batcher stops are committed and answered, not dropped.
func TestIndexBatcherStopCommitsGathered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &batchStore{}
		b := newIndexBatcher(store, time.Second, func() int { return 8 })
		runCtx, stop := context.WithCancel(context.Background())
		var running sync.WaitGroup
		running.Go(func() { b.run(runCtx) })
		synctest.Wait()
		done := make(chan error, 1)
		go func() { done <- b.add(context.Background(), 7, nil) }()
		synctest.Wait() // gathered, lingering
		stop()
		running.Wait()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if batches, singles := store.seen(); batches != "[[7]]" || singles != "[]" {
			t.Fatalf("batches %s, singles %s: want the gathered append committed at the stop", batches, singles)
		}
	})
}

// TestIndexBatcherNeedsABatchingStore: a store that cannot batch, or a
// negative linger, leaves every append on its own.
func TestIndexBatcherNeedsABatchingStore(t *testing.T) {
	type plain struct{ nvr.RecordingStore }
	for _, b := range []*indexBatcher{
		newIndexBatcher(plain{&batchStore{}}, time.Second, func() int { return 8 }),
		newIndexBatcher(&batchStore{}, -1, func() int { return 8 }),
	} {
		if b.batch != nil {
			t.Fatalf("batching over %T with linger %v", b.store, b.linger)
		}
	}
}
