package hub

import "time"

// Stats is a snapshot of a hub's counters for the API.
type Stats struct {
	CameraID string
	// Units and Bytes count the units accepted since New (payload bytes).
	Units, Bytes uint64
	// Rejected counts units Publish refused (another camera or stream,
	// malformed).
	Rejected uint64
	// BitsPerSecond and FPS are measured over the sliding window
	// (Options.StatsWindow, or the time since the first unit when shorter).
	// FPS counts video units.
	BitsPerSecond float64
	FPS           float64
	// LastUnit is when the latest unit was accepted, by the hub's clock;
	// zero before the first.
	LastUnit time.Time
	// Subscribers is the number of open subscriptions.
	Subscribers int
	// Dropped counts units lost by subscriptions whose queue was full, over
	// all subscriptions since New, including closed ones.
	Dropped uint64
	// GOPUnits and GOPBytes describe the GOP cache now (0 while capped).
	GOPUnits, GOPBytes int
	// LastGOPBytes is the payload size of the latest complete GOP (0 before
	// one completed, or when it passed the cache's cap).
	LastGOPBytes int
}

// Stats returns a snapshot of the hub's counters. Safe for concurrent use.
func (h *Hub) Stats() Stats {
	now := h.opts.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	st := Stats{
		CameraID:     h.cameraID,
		Units:        h.units,
		Bytes:        h.bytes,
		Rejected:     h.rejected.Load(),
		LastUnit:     h.lastUnit,
		Subscribers:  len(h.subs),
		Dropped:      h.dropped,
		GOPUnits:     len(h.gop),
		GOPBytes:     h.gopBytes,
		LastGOPBytes: h.lastGOPBytes,
	}
	st.BitsPerSecond, st.FPS = h.rate.rates(now)
	return st
}

// windowBuckets is how many buckets a window has: rates move in steps of
// 1/windowBuckets of the window (250 ms for 5 s).
const windowBuckets = 20

// window sums bytes and video units over a sliding time window in fixed
// buckets, with no allocation per unit. Not safe for concurrent use; the hub
// guards it with its mutex.
type window struct {
	bucketNs int64
	first    int64 // Unix ns of the first add; 0 before
	buckets  [windowBuckets]bucket
}

type bucket struct {
	idx    int64 // bucket number (Unix ns / bucketNs) this slot holds
	bytes  uint64
	frames uint64
}

func (w *window) init(d time.Duration) {
	w.bucketNs = max(int64(d)/windowBuckets, 1)
}

func (w *window) add(now time.Time, size int, video bool) {
	ns := now.UnixNano()
	if w.first == 0 {
		w.first = ns
	}
	idx := ns / w.bucketNs
	b := &w.buckets[idx%windowBuckets]
	if b.idx != idx {
		*b = bucket{idx: idx}
	}
	b.bytes += uint64(size)
	if video {
		b.frames++
	}
}

// rates returns bits per second and video units per second over the window
// ending at now.
func (w *window) rates(now time.Time) (bitsPerSecond, fps float64) {
	if w.first == 0 {
		return 0, 0
	}
	ns := now.UnixNano()
	cur := ns / w.bucketNs
	var bytes, frames uint64
	for _, b := range w.buckets {
		if b.idx > cur-windowBuckets && b.idx <= cur {
			bytes += b.bytes
			frames += b.frames
		}
	}
	// The window spans the current (partial) bucket and the full ones
	// before it, but never more time than units have been flowing, nor
	// less than one bucket (so the first unit does not read as a spike).
	spanNs := (windowBuckets-1)*w.bucketNs + (ns - cur*w.bucketNs)
	spanNs = max(min(spanNs, ns-w.first), w.bucketNs)
	sec := float64(spanNs) / 1e9
	return float64(bytes*8) / sec, float64(frames) / sec
}
