package hub

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// ErrClosed is returned by Next once the subscription or its hub is closed.
var ErrClosed = errors.New("hub: subscription closed")

// ErrIdle is returned by NextWithin when its idle channel fires first.
var ErrIdle = errors.New("hub: no unit within the idle time")

// Start says where a new subscription begins.
type Start int

const (
	// StartCachedGOP (the default) begins with the hub's cached GOP: the
	// latest keyframe, then every unit since it, then live units. When the
	// cache is empty, capped, or longer than the queue, it behaves as
	// StartNextKeyframe.
	StartCachedGOP Start = iota
	// StartNextKeyframe begins at the next video keyframe published.
	StartNextKeyframe
)

// Overflow says what a subscription discards when its queue is full. Either
// way the subscription then resumes at the next video keyframe.
type Overflow int

const (
	// DropBacklog (the default, for live viewers) discards the whole queue.
	DropBacklog Overflow = iota
	// KeepCompleteGOPs (for the recorder) discards only the unfinished GOP
	// at the tail of the queue, keeping the complete GOPs before it.
	KeepCompleteGOPs
)

// SubscribeOptions configure a Subscription. The zero value is valid.
type SubscribeOptions struct {
	// QueueUnits bounds the queue; DefaultQueueUnits when zero or negative.
	QueueUnits int
	Start      Start
	Overflow   Overflow
	// WakeBatch, when above 1, wakes a waiting Next only when a random
	// access point (a video keyframe) or WakeBatch units are queued, not
	// at every unit. For a consumer that works a GOP at a time (the
	// recorder writes one fragment per GOP): 32 cameras at 25 fps woke
	// their recorders 800 times a second. What is queued is then always
	// part of the GOP in flight. The consumer must bound its wait with
	// NextWithin's idle channel, which then takes what is queued.
	WakeBatch int
}

// state of a subscription's stream.
type state int

const (
	waitKey  state = iota // waiting for a keyframe: start or StreamInfo change (not counted)
	live                  // delivering every unit
	skipping              // overflowed: dropping (and counting) until a keyframe
)

// entry is one queued unit; sync marks a random access point.
type entry struct {
	u    *media.Unit
	sync bool
}

// Subscription is one consumer's view of a Hub: a bounded queue of units
// that starts at a keyframe and never has a hole inside a GOP.
//
// Concurrency: all methods are safe for concurrent use. Next and TryNext are
// meant for one reading goroutine; with several, each unit goes to one of
// them. The subscription holds no goroutine; Close (or closing the hub) ends
// it and wakes a blocked Next.
type Subscription struct {
	hub      *Hub
	cameraID string
	overflow Overflow
	batch    int           // SubscribeOptions.WakeBatch
	wake     chan struct{} // one token: the queue went from empty to non-empty (see batch)
	done     chan struct{} // closed by shutdown

	mu      sync.Mutex
	closed  bool
	state   state
	ring    []entry // grows by doubling up to limit, as the queue needs it
	limit   int     // the queue's bound: SubscribeOptions.QueueUnits
	head, n int
	dropped uint64
}

// initialRingUnits is a new subscription's ring before it needs more: a
// consumer that keeps up (the recorder, a viewer) holds a few units at a
// time, so a ring allocated at the full bound (the recorder's 2048 entries,
// 32 KiB of pointers per camera) would be memory the collector scans on
// every cycle for nothing. A ring primed with a cached GOP starts at the
// GOP's length.
const initialRingUnits = 64

func newSubscription(h *Hub, opts SubscribeOptions) *Subscription {
	size := opts.QueueUnits
	if size <= 0 {
		size = DefaultQueueUnits
	}
	return &Subscription{
		hub:      h,
		cameraID: h.cameraID,
		overflow: opts.Overflow,
		batch:    opts.WakeBatch,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		ring:     make([]entry, min(size, initialRingUnits)),
		limit:    size,
	}
}

// grow makes the ring at least want entries long (at most limit), keeping
// the queued units in order. Called with s.mu held, or before s is shared.
func (s *Subscription) grow(want int) {
	size := len(s.ring)
	for size < want && size < s.limit {
		size = min(2*size, s.limit)
	}
	if size == len(s.ring) {
		return
	}
	ring := make([]entry, size)
	for i := range s.n {
		ring[i] = s.ring[(s.head+i)%len(s.ring)]
	}
	s.ring, s.head = ring, 0
}

// CameraID returns the ID of the camera whose hub made this subscription.
func (s *Subscription) CameraID() string { return s.cameraID }

// Info returns the hub's current StreamInfo (nil before the first unit and
// after the hub is closed). Units carry their own Info; compare pointers to
// notice a change.
func (s *Subscription) Info() *media.StreamInfo { return s.hub.Info() }

// Dropped returns how many units this subscription lost because its queue
// was full: units discarded from the queue, the unit that did not fit, and
// the units skipped while waiting for the next keyframe. Waiting for the
// first keyframe, or after a StreamInfo change, is not counted.
func (s *Subscription) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Next returns the next unit, waiting until one is queued, the subscription
// is closed (ErrClosed) or ctx is done (ctx.Err()). Once closed, queued units
// are gone: Next returns ErrClosed at once.
func (s *Subscription) Next(ctx context.Context) (*media.Unit, error) {
	return s.NextWithin(ctx, nil)
}

// NextWithin is Next that also gives up with ErrIdle when idle fires (nil
// never fires) and nothing is queued. A consumer that waits with a time
// limit on every turn passes a reused timer's channel here: a
// context.WithTimeout per wait cost each camera's recorder a timer, a
// context and its cancellation registration 25 times a second.
func (s *Subscription) NextWithin(ctx context.Context, idle <-chan time.Time) (*media.Unit, error) {
	for {
		u, err := s.pop()
		if u != nil || err != nil {
			return u, err
		}
		select {
		case <-s.wake:
		case <-s.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-idle:
			if u, err := s.pop(); u != nil || err != nil {
				return u, err // queued without a wake-up (WakeBatch)
			}
			return nil, ErrIdle
		}
	}
}

// TryNext returns the next queued unit without waiting; false when the queue
// is empty or the subscription is closed.
func (s *Subscription) TryNext() (*media.Unit, bool) {
	u, _ := s.pop()
	return u, u != nil
}

func (s *Subscription) pop() (*media.Unit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.n == 0 {
		return nil, nil
	}
	e := &s.ring[s.head]
	u := e.u
	*e = entry{}
	s.head = (s.head + 1) % len(s.ring)
	s.n--
	return u, nil
}

// Close unsubscribes: the hub stops offering units, queued units are
// discarded and a blocked Next returns ErrClosed. Close is idempotent.
func (s *Subscription) Close() {
	s.hub.remove(s)
	s.shutdown()
}

// shutdown marks s closed, releases its queued units and wakes Next.
func (s *Subscription) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	clear(s.ring)
	s.head, s.n = 0, 0
	close(s.done)
}

// prime queues the hub's cached GOP (gop[0] is its keyframe). Called by
// Subscribe with the hub's mutex held, before s is visible to anyone.
func (s *Subscription) prime(gop []*media.Unit) {
	s.grow(len(gop))
	for i, u := range gop {
		s.ring[i] = entry{u: u, sync: i == 0}
	}
	s.n = len(gop)
	s.state = live
}

// resync makes s wait for the next keyframe without counting drops. Called
// with the hub's mutex held.
func (s *Subscription) resync() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == live {
		s.state = waitKey
	}
}

// offer queues u if s can take it and returns how many units s dropped.
// sync tells whether u is a random access point. Called with the hub's
// mutex held.
func (s *Subscription) offer(u *media.Unit, sync bool) (dropped uint64) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0
	}
	if s.state != live {
		if !sync {
			if s.state == skipping {
				s.dropped++
				dropped = 1
			}
			s.mu.Unlock()
			return dropped
		}
		s.state = live
	}
	if s.n == len(s.ring) {
		s.grow(s.n + 1)
	}
	if s.n == len(s.ring) {
		dropped = uint64(s.trim())
		if !sync {
			// u would continue the GOP whose tail was just cut.
			dropped++
			s.state = skipping
		}
		s.dropped += dropped
		if !sync {
			s.mu.Unlock()
			return dropped
		}
	}
	wake := s.n == 0
	if s.batch > 1 {
		wake = sync || s.n+1 >= s.batch
	}
	s.ring[(s.head+s.n)%len(s.ring)] = entry{u: u, sync: sync}
	s.n++
	s.mu.Unlock()
	if wake {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return dropped
}

// trim makes room in a full queue as the Overflow policy says and returns
// how many units it discarded (at least one). Called with s.mu held.
func (s *Subscription) trim() int {
	keep := 0
	if s.overflow == KeepCompleteGOPs {
		// Keep everything before the last queued random access point: the
		// GOPs there are complete, the one from it on is not.
		for i := s.n - 1; i > 0; i-- {
			if s.ring[(s.head+i)%len(s.ring)].sync {
				keep = i
				break
			}
		}
	}
	for i := keep; i < s.n; i++ {
		s.ring[(s.head+i)%len(s.ring)] = entry{}
	}
	removed := s.n - keep
	s.n = keep
	return removed
}
