package rtsp

import "sync"

// maxPooledScratch is the largest scratch buffer Buffers keeps; a bigger
// one (a junk-sized picture) is left to the garbage collector.
const maxPooledScratch = maxAUSize / 4

// Buffers lends the scratch buffers sessions assemble pictures in: the
// FU-A reassembly of one NAL unit and the assembler's picture in progress;
// and the connections' read-ahead buffers (see readAheadSize).
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

	// aheadMu guards ahead, the read-ahead buffers not lent out: a free
	// list rather than a sync.Pool, which every collection empties and
	// which would then allocate 32 KiB afresh several times a second.
	aheadMu   sync.Mutex
	ahead     []*[readAheadSize]byte
	aheadLent int // lent out now
}

// readAheadSize is how much a connection reads from its socket at once.
// gortsplib reads through a 4 KiB bufio.Reader: one read(2) per 4 KiB,
// about 5300 a second for 32 cameras at 4 Mbit/s, the largest item of the
// recorder's CPU profile. A picture's packets arrive together, so one read
// of up to 32 KiB takes most of a picture in one system call (reads average
// about 18 KB in the record bench).
const readAheadSize = 32 << 10

// maxFreeAhead bounds the idle read-ahead buffers kept (128 KiB). A
// connection holds one only from a read of the socket that returned bytes
// until gortsplib has taken its last byte (well under a millisecond), so a
// fleet lends a few at a time whatever its size.
const maxFreeAhead = 4

// getAhead lends a read-ahead buffer; putAhead gives it back once its
// bytes are handed out.
func (p *Buffers) getAhead() *[readAheadSize]byte {
	p.aheadMu.Lock()
	defer p.aheadMu.Unlock()
	p.aheadLent++
	if n := len(p.ahead); n > 0 {
		b := p.ahead[n-1]
		p.ahead[n-1] = nil
		p.ahead = p.ahead[:n-1]
		return b
	}
	return new([readAheadSize]byte)
}

func (p *Buffers) putAhead(b *[readAheadSize]byte) {
	p.aheadMu.Lock()
	defer p.aheadMu.Unlock()
	p.aheadLent--
	if len(p.ahead) < maxFreeAhead {
		p.ahead = append(p.ahead, b)
	}
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

// lentAhead returns how many read-ahead buffers are lent out.
func (p *Buffers) lentAhead() int {
	p.aheadMu.Lock()
	defer p.aheadMu.Unlock()
	return p.aheadLent
}
