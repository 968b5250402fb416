package view

import (
	"context"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Verification is when a media session's grant was last decided, and the
// gate that holds the session's media once that is longer ago than
// LiveUnverifiedLimit. Media is never handed out on a grant older than a
// revocation may take, whether the recheck failed, is slow, or has not
// run. The zero value is unusable: use NewVerification. Safe for
// concurrent use.
type Verification struct {
	mu      sync.Mutex
	at      time.Time     // when the last good decision's read began; monotonic
	stopped bool          // Wait answers ErrSessionStopped from now on
	wake    chan struct{} // closed at the next decision or Stop; made by waiters
}

// NewVerification starts at a decision taken now (the admission's).
func NewVerification() *Verification { return &Verification{at: time.Now()} }

// Decided records a good decision whose read began at began (its answer
// reflects the grant as of then or later) and frees Wait.
func (v *Verification) Decided(began time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if began.After(v.at) {
		v.at = began
	}
	v.wakeLocked()
}

// Outcome is what one recheck (Verification.Check) makes of a session.
type Outcome int

const (
	// Verified: decided again. Media flows, unless the read itself took
	// longer than LiveUnverifiedLimit (its answer is that old already).
	Verified Outcome = iota
	// Revoked: the grant is gone; stop the session.
	Revoked
	// Undecided: the read failed or timed out; try again. Media is held
	// once LiveUnverifiedLimit has passed since the last decision.
	Undecided
	// Unverified: undecided for longer than LiveUnverifiedEnd; stop.
	Unverified
	// Cancelled: the checker's own context ended.
	Cancelled
)

// Check decides the grant again with recheck (Policy.Recheck, one read
// bounded by liveRecheckTimeout), records a good answer as of when the read
// began, and says what became of the session; err is recheck's. Live
// sessions (LiveSessions.Run) and clip downloads share it, so both treat a
// slow or failing database alike.
func (v *Verification) Check(ctx context.Context, recheck func(context.Context) error) (Outcome, error) {
	began := time.Now()
	rctx, cancel := context.WithTimeout(ctx, liveRecheckTimeout)
	err := recheck(rctx)
	cancel()
	switch kind := nvr.ErrorKind(err); {
	case err == nil:
		v.Decided(began)
		return Verified, nil
	case ctx.Err() != nil:
		return Cancelled, err
	case kind == nvr.KindNotFound || kind == nvr.KindUnauthorized:
		return Revoked, err
	case v.Since() > LiveUnverifiedEnd:
		return Unverified, err
	}
	return Undecided, err
}

// Held reports whether Wait holds media now.
func (v *Verification) Held() bool { return v.Since() > LiveUnverifiedLimit }

// Since is how long ago the grant was last decided.
func (v *Verification) Since() time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	return time.Since(v.at)
}

// Stop ends every Wait, now and later, with ErrSessionStopped.
func (v *Verification) Stop() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.stopped = true
	v.wakeLocked()
}

// Wait returns nil at once while the grant was decided within
// LiveUnverifiedLimit, and otherwise waits until it is decided again.
// Whatever carries a session calls it before handing out each unit, after
// taking the unit from its source. Errors: ErrSessionStopped, or ctx's.
func (v *Verification) Wait(ctx context.Context) error {
	for {
		v.mu.Lock()
		if v.stopped {
			v.mu.Unlock()
			return ErrSessionStopped
		}
		if time.Since(v.at) <= LiveUnverifiedLimit {
			v.mu.Unlock()
			return nil
		}
		if v.wake == nil {
			v.wake = make(chan struct{})
		}
		wake := v.wake
		v.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

func (v *Verification) wakeLocked() {
	if v.wake != nil {
		close(v.wake)
		v.wake = nil
	}
}
