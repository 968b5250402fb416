package webrtc

import "time"

// aheadSlack is how far ahead of real time a unit may arrive and still keep
// its own media-time spacing. Units further ahead are a backlog burst (the
// cached GOP at start, a restart at a keyframe, a reader catching up).
const aheadSlack = 60 * time.Millisecond

// retimer maps one track's source media time onto the RTP clock of one
// session. Live units keep their own spacing (the camera's timing); a burst
// of units sent faster than real time — the cached GOP that lets the first
// frame decode at once — is squeezed onto the wall clock (at least one
// millisecond apart), so the browser decodes it at once instead of buffering
// it as seconds of delay. A source that goes back in time (a restart from
// the cache, a seek) continues forward the same way. RTP time therefore
// always moves forward with the session. Not safe for concurrent use.
type retimer struct {
	rate    int64 // RTP clock rate (units of DTS per second)
	started bool
	out     int64 // RTP time of the last unit (unwrapped), excluding PTS-DTS
	lastDTS int64
	last    time.Time // wall time of the last unit
	// anchor: media time anchorDTS is due at wall time anchorWall.
	anchorWall time.Time
	anchorDTS  int64
	base       uint32 // random RTP offset
}

func newRetimer(rate int, base uint32) *retimer {
	return &retimer{rate: int64(rate), base: base}
}

func (r *retimer) ticks(d time.Duration) int64 { return int64(d) * r.rate / int64(time.Second) }
func (r *retimer) dur(t int64) time.Duration   { return time.Duration(t * int64(time.Second) / r.rate) }

// next returns the RTP timestamp (of DTS) for a unit with media time dts
// sent at now, and whether it is part of a burst (ahead of real time or
// discontinuous).
func (r *retimer) next(now time.Time, dts int64) (ts uint32, burst bool) {
	if !r.started {
		r.started = true
		r.anchorWall, r.anchorDTS = now, dts
	} else {
		d := dts - r.lastDTS
		due := r.anchorWall.Add(r.dur(dts - r.anchorDTS))
		if d <= 0 || d > r.ticks(10*time.Second) || due.After(now.Add(aheadSlack)) {
			burst = true
			r.out += max(r.ticks(now.Sub(r.last)), r.ticks(time.Millisecond), 1)
			r.anchorWall, r.anchorDTS = now, dts
		} else {
			r.out += d
			if due.Before(now) {
				// Late: the schedule follows, so a later burst is seen.
				r.anchorWall, r.anchorDTS = now, dts
			}
		}
	}
	r.lastDTS, r.last = dts, now
	return r.base + uint32(r.out), burst
}
