package hub

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Defaults for Options and SubscribeOptions.
const (
	// DefaultMaxGOPBytes caps the GOP cache: about 16 s of a 4 Mbit/s stream.
	DefaultMaxGOPBytes = 8 << 20
	// DefaultMaxGOPUnits caps the GOP cache in units: a 10 s GOP at 30 fps
	// plus AAC at 48 kHz (~47 units/s) is about 770 units.
	DefaultMaxGOPUnits = 1024
	// DefaultQueueUnits is a subscription's queue length: a 4 s GOP at
	// 30 fps with AAC (~310 units) fits whole, so fast start works for
	// common cameras, with room for a few seconds of consumer hiccup.
	DefaultQueueUnits = 512
	// DefaultStatsWindow is the sliding window of Stats.BitsPerSecond and FPS.
	DefaultStatsWindow = 5 * time.Second
)

// Options configure a Hub. The zero value is valid: zero or negative fields
// take their defaults.
type Options struct {
	// Stream, when set ("main", "sub"), makes Publish also reject units
	// whose Info.Stream differs.
	Stream string
	// MaxGOPBytes and MaxGOPUnits cap the GOP cache; past either, the cache
	// is dropped until the next keyframe (see the package doc).
	MaxGOPBytes int
	MaxGOPUnits int
	// StatsWindow is the sliding window for the rates in Stats.
	StatsWindow time.Duration
	// Now is the clock for Stats; time.Now when nil.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxGOPBytes <= 0 {
		o.MaxGOPBytes = DefaultMaxGOPBytes
	}
	if o.MaxGOPUnits <= 0 {
		o.MaxGOPUnits = DefaultMaxGOPUnits
	}
	if o.StatsWindow <= 0 {
		o.StatsWindow = DefaultStatsWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Hub is the fan-out of one camera stream: one source publishes, any number
// of subscriptions consume.
//
// Concurrency: all methods are safe for concurrent use. Publish is meant to
// be called from one goroutine (the source); with several publishers the
// order of units is the order of their Publish calls. Publish never blocks on
// a subscriber. A Hub starts no goroutines; Close ends all subscriptions.
type Hub struct {
	cameraID string
	opts     Options

	rejected atomic.Uint64                    // units refused by Publish
	info     atomic.Pointer[media.StreamInfo] // latest accepted StreamInfo

	mu     sync.Mutex
	closed bool
	subs   []*Subscription
	video  int // video track index of the current info, -1 if none

	// GOP cache: gop holds the units since key (inclusive) unless gopOver.
	key      *media.Unit
	gop      []*media.Unit
	gopBytes int
	gopOver  bool // capped: dropped until the next keyframe
	// lastGOPBytes is the size of the latest complete GOP (keyframe to the
	// unit before the next one), 0 when it was capped: what a camera's
	// memory is measured against (docs/performance.md).
	lastGOPBytes int

	units, bytes, dropped uint64
	lastUnit              time.Time
	rate                  window
}

// New returns a hub for the camera with the given immutable ID. Only units
// whose Info.CameraID equals cameraID are ever accepted.
func New(cameraID string, opts Options) *Hub {
	opts = opts.withDefaults()
	h := &Hub{cameraID: cameraID, opts: opts, video: -1}
	h.rate.init(opts.StatsWindow)
	return h
}

// CameraID returns the ID of the camera this hub carries.
func (h *Hub) CameraID() string { return h.cameraID }

// Info returns the StreamInfo of the latest accepted unit, or nil before the
// first one and after Close.
func (h *Hub) Info() *media.StreamInfo { return h.info.Load() }

// Publish offers u to every subscription and updates the GOP cache. It never
// blocks on a subscriber: a subscription whose queue is full drops units
// (see Subscription). u must not be modified afterwards; every subscriber
// receives the same pointer.
//
// Publish rejects, dropping and counting in Stats.Rejected, a nil unit, a
// unit without Info, a unit whose Info.CameraID is not the hub's (or whose
// Info.Stream differs from Options.Stream when that is set), and a unit whose
// Track is out of range. After Close, Publish does nothing.
func (h *Hub) Publish(u *media.Unit) {
	if u == nil || u.Info == nil || u.Info.CameraID != h.cameraID ||
		(h.opts.Stream != "" && u.Info.Stream != h.opts.Stream) ||
		u.Track < 0 || u.Track >= len(u.Info.Tracks) {
		h.rejected.Add(1)
		return
	}
	size := u.Size()
	now := h.opts.Now()

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	if u.Info != h.info.Load() {
		h.newInfo(u.Info)
	}
	video := u.Track == h.video
	sync := h.video < 0 || (video && u.Key)
	h.cache(u, size, sync)

	h.units++
	h.bytes += uint64(size)
	h.lastUnit = now
	h.rate.add(now, size, video)

	for _, s := range h.subs {
		h.dropped += s.offer(u, sync)
	}
}

// newInfo switches to a new StreamInfo: the old GOP cannot continue in the
// new session, so the cache is cleared and every subscription resyncs at the
// next keyframe. Called with h.mu held.
func (h *Hub) newInfo(info *media.StreamInfo) {
	h.info.Store(info)
	h.video = info.Video()
	h.key = nil
	h.resetGOP(false)
	for _, s := range h.subs {
		s.resync()
	}
}

// cache updates the GOP cache with u. Called with h.mu held.
func (h *Hub) cache(u *media.Unit, size int, sync bool) {
	if h.video < 0 {
		return // no video track: no GOPs to cache
	}
	if sync {
		if h.key != nil && !h.gopOver {
			h.lastGOPBytes = h.gopBytes
		}
		h.key = u
		h.resetGOP(false)
	} else if h.key == nil || h.gopOver {
		return
	}
	if len(h.gop)+1 > h.opts.MaxGOPUnits || h.gopBytes+size > h.opts.MaxGOPBytes {
		h.resetGOP(true)
		return
	}
	h.gop = append(h.gop, u)
	h.gopBytes += size
}

// resetGOP empties the GOP cache, releasing the units it referenced while
// keeping the slice's storage. Called with h.mu held.
func (h *Hub) resetGOP(over bool) {
	clear(h.gop)
	h.gop = h.gop[:0]
	h.gopBytes = 0
	h.gopOver = over
}

// Keyframe returns the latest video keyframe, or nil if there is none yet,
// since the last StreamInfo change, or after Close. It stays available while
// the GOP cache is capped.
func (h *Hub) Keyframe() *media.Unit {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.key
}

// Subscribe adds a subscription. It starts at the cached GOP or at the next
// keyframe, as opts say. Subscribing to a closed hub returns a subscription
// that is already closed. The caller must Close the subscription when done
// (closing the hub also ends it).
func (h *Hub) Subscribe(opts SubscribeOptions) *Subscription {
	s := newSubscription(h, opts)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.shutdown()
		return s
	}
	if opts.Start == StartCachedGOP && !h.gopOver && len(h.gop) > 0 && len(h.gop) <= s.limit {
		s.prime(h.gop)
	}
	h.subs = append(h.subs, s)
	return s
}

// remove drops s from the subscriber list, if it is there.
func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.subs {
		if x == s {
			last := len(h.subs) - 1
			h.subs[i] = h.subs[last]
			h.subs[last] = nil
			h.subs = h.subs[:last]
			return
		}
	}
}

// Close ends every subscription (their queued units are discarded and Next
// returns ErrClosed), clears the GOP cache and keyframe, and makes later
// Publish calls no-ops. Use it when the camera is deleted or its pipeline
// stops. Close is idempotent and returns at once: the hub has no goroutines.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	subs := h.subs
	h.subs = nil
	h.key = nil
	h.resetGOP(false)
	h.gop = nil
	h.info.Store(nil)
	h.mu.Unlock()
	for _, s := range subs {
		s.shutdown()
	}
}
