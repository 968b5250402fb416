package rtsp

import "sync"

// maxPooledScratch is the largest scratch buffer Buffers keeps; a bigger
// one (a junk-sized picture) is left to the garbage collector.
const maxPooledScratch = maxAUSize / 4

// Buffers lends the scratch buffers sessions assemble pictures in: the
// FU-A reassembly of one NAL unit and the assembler's picture in progress.
// Each is needed only from a picture's first packet to its last (a burst
// of a few milliseconds) and is copied into the published unit at its end,
// yet a session used to keep both for its whole life, each grown to the
// largest keyframe: 420 KB per camera of a 500-camera fleet's 636 KB of
// heap. Shared by a fleet's sessions, a few dozen buffers serve all of
// them.
//
// The zero value is ready to use. A session whose Config has none uses
// one of its own. Safe for concurrent use.
type Buffers struct {
	pool sync.Pool // of *[]byte
}

// get returns an empty buffer (nil when the pool has none: append grows it).
func (p *Buffers) get() []byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return nil
}

// put gives b back once nothing aliases it.
func (p *Buffers) put(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledScratch {
		return
	}
	b = b[:0]
	p.pool.Put(&b)
}
