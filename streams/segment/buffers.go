package segment

import "sync"

// maxPooledFragment is the largest buffer FragmentBuffers keeps: a
// fragment past it (a long GOP of a high-rate camera) gets a buffer of its
// own that the garbage collector takes back, so one odd camera does not
// leave every pooled buffer its size.
const maxPooledFragment = 4 << 20

// fragmentRound rounds buffer sizes up so that GOPs of slightly different
// sizes reuse each other's buffers.
const fragmentRound = 64 << 10

// FragmentBuffers lends the buffers fragments are built in to the writers
// that share it (a recorder's cameras). A fragment's buffer lives from its
// build to its write, a few milliseconds per GOP, so a handful of buffers
// serve every camera where each flush used to allocate a GOP's size: at 32
// cameras of 4 Mbit/s that was 16 MB/s of garbage, which the collector's
// pacing turned into resident memory.
//
// The zero value is ready to use; a nil *FragmentBuffers allocates an
// exact-size buffer per fragment. Safe for concurrent use.
type FragmentBuffers struct {
	pool sync.Pool // of *[]byte, capacity ≤ maxPooledFragment
}

// get returns an empty buffer with capacity for at least n bytes.
func (p *FragmentBuffers) get(n int) []byte {
	if p == nil || n > maxPooledFragment {
		return make([]byte, 0, n)
	}
	if b, ok := p.pool.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:0]
	}
	// A pooled buffer too small for this GOP is left to the collector, and
	// the new one has a quarter more room: GOPs of one stream vary by
	// tens of percent, and an exact fit would make the next larger GOP
	// miss again (the pool drifts to the cameras' usual fragment size).
	return make([]byte, 0, min((n+n/4+fragmentRound-1)/fragmentRound*fragmentRound, max(n, maxPooledFragment)))
}

// put returns b (from get) to the pool once it has been written.
func (p *FragmentBuffers) put(b []byte) {
	if p == nil || cap(b) > maxPooledFragment {
		return
	}
	b = b[:0]
	p.pool.Put(&b)
}
