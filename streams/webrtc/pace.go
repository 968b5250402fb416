package webrtc

import (
	"context"
	"time"
)

// Pacing of a session's sends. A keyframe or the cached GOP at start is a
// burst of hundreds of packets; written in one go it overflows socket
// buffers (the receiver's, a Wi-Fi access point's) and the first picture
// arrives broken. A token bucket spreads the part of such bursts past paceBurst at paceRate while live
// video, far below it, passes untouched.
const (
	paceRate  = 16 << 20 // bytes per second (128 Mbit/s)
	paceBurst = 64 << 10
)

// pacer is a token bucket. Not safe for concurrent use.
type pacer struct {
	tokens float64
	last   time.Time
}

// wait takes n bytes' tokens, sleeping (bounded by ctx) while the bucket is
// empty.
func (p *pacer) wait(ctx context.Context, n int) error {
	now := time.Now()
	if p.last.IsZero() {
		p.tokens = paceBurst
	} else {
		p.tokens = min(paceBurst, p.tokens+now.Sub(p.last).Seconds()*paceRate)
	}
	p.last = now
	p.tokens -= float64(n)
	if p.tokens >= 0 {
		return nil
	}
	d := time.Duration(-p.tokens / paceRate * float64(time.Second))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
