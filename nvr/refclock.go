package nvr

import (
	"fmt"
	"time"
)

// RefClock is the reference age limits are measured from (ARCHITECTURE
// invariant 6: a clock step never makes recent footage look old enough to
// delete).
//
// The rule. Each pass reads the wall clock and a monotonic clock. The
// reference of the previous pass (the last known good time) plus the
// monotonic time elapsed since is where the wall clock should be.
//   - Wall within clockTolerance of that, or behind it: the reference is
//     the wall clock. A backward step only makes footage look younger, so
//     following it can only delay deletions.
//   - Wall ahead by more (a forward step, or suspend, which the monotonic
//     clock does not count): the reference advances by the elapsed time
//     plus at most as much again, so it runs at most twice as fast as real
//     time until it has caught up with the wall clock. A step of +3 h is
//     absorbed over about 3 h; footage recent by the index relative to the
//     last known good time is never aged by more than the real time passed
//     (times two), and a step of a year never deletes a year of footage.
//
// The first pass after start takes the wall clock as is; the implausible
// share check is its guard.
type RefClock struct {
	ok      bool
	ref     time.Time
	refMono time.Duration
}

// clockTolerance absorbs NTP adjustments and scheduling jitter: smaller
// differences are followed at once.
const clockTolerance = 5 * time.Second

// Observe returns the reference for a pass at wall time wall and monotonic
// reading mono, and a note when the clock stepped.
func (c *RefClock) Observe(wall time.Time, mono time.Duration) (time.Time, string) {
	wall = wall.Round(0) // wall reading only; the monotonic clock is mono
	if !c.ok {
		c.ok, c.ref, c.refMono = true, wall, mono
		return wall, ""
	}
	elapsed := max(mono-c.refMono, 0)
	expected := c.ref.Add(elapsed)
	skew := wall.Sub(expected)
	ref, note := wall, ""
	switch {
	case skew > clockTolerance:
		ref = expected.Add(min(skew, elapsed))
		note = fmt.Sprintf("wall clock is %v ahead of the retention reference (clock stepped forward?); "+
			"age limits use the reference, catching up at most at real-time speed", wall.Sub(ref).Round(time.Second))
	case skew < -clockTolerance:
		note = fmt.Sprintf("wall clock stepped back by %v; age limits follow it", (-skew).Round(time.Second))
	}
	c.ref, c.refMono = ref, mono
	return ref, note
}
