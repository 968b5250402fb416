package supervisor

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Backoff is the retry pacing policy. A zero field takes its default.
type Backoff struct {
	// Base is the ceiling of the first retry's pause (default 1 s). The
	// ceiling doubles with each consecutive failure.
	Base time.Duration
	// Cap bounds the ceiling (default 30 s).
	Cap time.Duration
	// ResetAfter is how long a stream must deliver units continuously for
	// the failure count to reset (default 60 s).
	ResetAfter time.Duration
	// AuthFailedMin is the least pause after media.ErrAuth (default 30 s);
	// the jittered pause is added to it.
	AuthFailedMin time.Duration
	// UnsupportedMin is the least pause after media.ErrUnsupported
	// (default 5 min); the jittered pause is added to it.
	UnsupportedMin time.Duration
}

// Backoff defaults.
const (
	DefaultBase           = 1 * time.Second
	DefaultCap            = 30 * time.Second
	DefaultResetAfter     = 60 * time.Second
	DefaultAuthFailedMin  = 30 * time.Second
	DefaultUnsupportedMin = 5 * time.Minute
)

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = DefaultBase
	}
	if b.Cap <= 0 {
		b.Cap = DefaultCap
	}
	if b.Cap < b.Base {
		b.Cap = b.Base
	}
	if b.ResetAfter <= 0 {
		b.ResetAfter = DefaultResetAfter
	}
	if b.AuthFailedMin <= 0 {
		b.AuthFailedMin = DefaultAuthFailedMin
	}
	if b.UnsupportedMin <= 0 {
		b.UnsupportedMin = DefaultUnsupportedMin
	}
	return b
}

// ceiling is the largest jittered pause after the failures-th consecutive
// failure (failures ≥ 1): min(Cap, Base·2^(failures-1)). b has its defaults.
func (b Backoff) ceiling(failures int) time.Duration {
	c := b.Base
	for i := 1; i < failures && c < b.Cap; i++ {
		if c > b.Cap/2 {
			return b.Cap // also keeps c·2 from overflowing
		}
		c *= 2
	}
	return min(c, b.Cap)
}

// classify maps a source error to the state to pause in and the least pause.
func (b Backoff) classify(err error) (State, time.Duration) {
	switch {
	case errors.Is(err, media.ErrAuth):
		return StateAuthFailed, b.AuthFailedMin
	case errors.Is(err, media.ErrUnsupported):
		return StateUnsupported, b.UnsupportedMin
	case errors.Is(err, media.ErrUnreachable):
		return StateUnreachable, 0
	case errors.Is(err, media.ErrNotFound):
		// The usual pace: a camera still booting may answer 404 for a while.
		return StateNoStream, 0
	}
	return StateBackoff, 0
}

// pause returns the state and the pause after the failures-th consecutive
// failure with err: floor + a uniform draw from [0, ceiling(failures)].
func (b Backoff) pause(err error, failures int, r *rand.Rand) (State, time.Duration) {
	st, floor := b.classify(err)
	c := b.ceiling(failures)
	return st, floor + time.Duration(r.Int64N(int64(c)+1))
}
