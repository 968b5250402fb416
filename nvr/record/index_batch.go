package record

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

const (
	// defaultIndexLinger is how long the first of the fleet's fragment
	// appends waits for others to join its transaction. Cameras append
	// about every 2 s each (one fragment per GOP, fsynced), so at 32
	// cameras half a second gathers about 8. It is paid once per fragment
	// by the camera's recording goroutine, after the fragment is durable
	// and while the next GOP is still arriving: it delays no fsync.
	defaultIndexLinger = 500 * time.Millisecond
	// maxIndexBatch bounds one transaction's appends.
	maxIndexBatch = 64
)

// indexBatcher indexes the fleet's durable fragments together. Each
// camera's recording goroutine hands its fragments to add, which waits
// while other cameras' appends gather for up to the linger, then one
// transaction indexes them all (nvr.FragmentBatcher). Batched, the
// appends share the index pages they touch: the open segments' rows sit
// together at the end of the table and every camera's usage row is on one
// page, so the SQLite WAL takes about one page per append instead of
// three (docs/performance.md: write amplification).
//
// The loss promise is unchanged: a fragment is fsynced in its file before
// it is handed here, and recovery indexes an open segment's fragments
// from its file (recordstore.Recover), so a crash while an append waits
// loses nothing the file holds.
//
// Run owns the goroutine that gathers and commits; while it is not
// running, add writes each append on its own.
type indexBatcher struct {
	store  nvr.RecordingStore
	batch  nvr.FragmentBatcher // nil: the store cannot batch
	linger time.Duration
	// cameras is how many cameras record: once that many appends have
	// gathered, nobody else is coming (each camera has at most one
	// append outstanding), so the batch commits without lingering. A
	// single camera never waits.
	cameras func() int
	reqs    chan *indexAppend
	// commits counts index transactions of fragment appends, batched or
	// not (Recorder.IndexCommits).
	commits atomic.Uint64

	mu      sync.Mutex
	stopped chan struct{} // the running batcher's; nil when none runs
}

// indexAppend is one camera's append waiting for its batch.
type indexAppend struct {
	a    nvr.FragmentAppend
	done chan error // buffered: the batcher never waits on a camera
}

// newIndexBatcher batches store's appends when it is a FragmentBatcher
// and linger is positive.
func newIndexBatcher(store nvr.RecordingStore, linger time.Duration, cameras func() int) *indexBatcher {
	b := &indexBatcher{store: store, linger: linger, cameras: cameras, reqs: make(chan *indexAppend)}
	if fb, ok := store.(nvr.FragmentBatcher); ok && linger > 0 {
		b.batch = fb
	}
	return b
}

// add indexes frags of segment id: in the running batcher's next
// transaction, else on their own within ctx. A batched append is bounded
// by the batcher's indexTimeout, whatever ctx says: once handed over it
// is committed or refused as a whole, and the caller must hear which, or
// it would retry fragments that are already indexed.
func (b *indexBatcher) add(ctx context.Context, id nvr.SegmentID, frags []nvr.Fragment) error {
	b.mu.Lock()
	stopped := b.stopped
	b.mu.Unlock()
	if b.batch != nil && stopped != nil {
		req := &indexAppend{a: nvr.FragmentAppend{Segment: id, Fragments: frags}, done: make(chan error, 1)}
		select {
		case b.reqs <- req:
			return <-req.done
		case <-stopped:
		}
	}
	b.commits.Add(1)
	return b.store.AddFragments(ctx, id, frags)
}

// run gathers appends and commits them until ctx ends; what was gathered
// when it ends is committed first. Afterwards add writes directly again.
// The recorder stops it only after its cameras have stopped, so their
// last appends (the segments closed at shutdown) are batched too.
func (b *indexBatcher) run(ctx context.Context) {
	if b.batch == nil {
		return
	}
	stopped := make(chan struct{})
	b.mu.Lock()
	b.stopped = stopped
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.stopped = nil
		b.mu.Unlock()
		close(stopped)
	}()
	linger := time.NewTimer(b.linger)
	linger.Stop()
	for {
		var pending []*indexAppend
		select {
		case <-ctx.Done():
			return
		case req := <-b.reqs:
			pending = append(pending, req)
		}
		linger.Reset(b.linger)
		// Gather until every recording camera has joined, the linger
		// ends, or the batch is full.
	gather:
		for len(pending) < maxIndexBatch && len(pending) < b.cameras() {
			select {
			case req := <-b.reqs:
				pending = append(pending, req)
			case <-linger.C:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		linger.Stop()
		b.commit(pending)
	}
}

// commit indexes pending in one transaction and answers each caller.
func (b *indexBatcher) commit(pending []*indexAppend) {
	ctx, cancel := context.WithTimeout(context.Background(), indexTimeout)
	defer cancel()
	batch := make([]nvr.FragmentAppend, len(pending))
	for i, p := range pending {
		batch[i] = p.a
	}
	errs := b.batch.AddFragmentsBatch(ctx, batch)
	b.commits.Add(1)
	for i, p := range pending {
		var err error
		if i < len(errs) {
			err = errs[i]
		} else {
			err = nvr.Errorf("add fragments", nvr.KindInternal, "the store answered %d of %d appends", len(errs), len(pending))
		}
		p.done <- err
	}
}
