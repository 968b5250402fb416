package supervisor

import (
	"context"
	"sync"
	"sync/atomic"
)

// DefaultAdmissionLimit is the number of simultaneous connection attempts
// NewAdmission allows when given n ≤ 0.
const DefaultAdmissionLimit = 8

// Admission is a global limit on simultaneous connection attempts, shared
// by all supervisors of a process. A supervisor holds a slot from the
// moment it dials until its source delivers the first unit or the attempt
// fails; a streaming camera holds none. Waiters are served roughly in
// arrival order. All methods are safe for concurrent use.
type Admission struct {
	slots    chan struct{}
	inFlight atomic.Int64
	mu       sync.Mutex // orders peak updates
	peak     int64
}

// NewAdmission returns a limit of n simultaneous attempts
// (DefaultAdmissionLimit when n ≤ 0).
func NewAdmission(n int) *Admission {
	if n <= 0 {
		n = DefaultAdmissionLimit
	}
	return &Admission{slots: make(chan struct{}, n)}
}

// Acquire waits for a slot or for ctx to end, whichever comes first; on
// ctx's end it returns ctx.Err() and no slot. release gives the slot back;
// calling it more than once is harmless.
func (a *Admission) Acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	n := a.inFlight.Add(1)
	a.mu.Lock()
	a.peak = max(a.peak, n)
	a.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			a.inFlight.Add(-1)
			<-a.slots
		})
	}, nil
}

// Limit returns the number of slots.
func (a *Admission) Limit() int { return cap(a.slots) }

// InFlight returns the number of slots held now.
func (a *Admission) InFlight() int { return int(a.inFlight.Load()) }

// Peak returns the most slots held at once since NewAdmission or the last
// ResetPeak. It never exceeds Limit.
func (a *Admission) Peak() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return int(a.peak)
}

// ResetPeak sets Peak to the current InFlight, to measure a new phase.
func (a *Admission) ResetPeak() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.peak = a.inFlight.Load()
}
