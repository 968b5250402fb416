package supervisor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

var (
	// errAttemptOver cancels an attempt's context once its source returned.
	errAttemptOver = errors.New("attempt over")
	// errSourceEnded stands in for a source that returned nil.
	errSourceEnded = errors.New("source ended without error")
)

// panicError is a recovered panic, counted as a failure of the attempt.
type panicError struct {
	where string // "source" or "publish callback"
	value any
}

func (e *panicError) Error() string { return fmt.Sprintf("%s panicked: %v", e.where, e.value) }

// attempt is one connection attempt: one call of Source.Run.
type attempt struct {
	s       *Supervisor
	start   time.Time
	release func() // the admission slot; idempotent
	cancel  context.CancelCauseFunc
	// watchdog is the timer of watch (nil when no timeout is set); the
	// first unit moves it from the connect timeout to the read timeout.
	watchdog atomic.Pointer[time.Timer]

	// lastUnit is when the last unit arrived, as time since start.
	lastUnit atomic.Int64
	// streaming is set on the first unit; streamingAt is its time since
	// start, written before streaming is set.
	streaming   atomic.Bool
	streamingAt atomic.Int64
	stable      atomic.Bool // the failure count was reset
	// closed is set when the attempt has failed or ended: no unit passes
	// after it. Set under s.mu so no transition races the end.
	closed atomic.Bool
}

// attempt runs the source once, holding the admission slot until the first
// unit or the end, and returns why it ended (never nil).
func (s *Supervisor) attempt(ctx context.Context, release func()) error {
	defer release()
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	a := &attempt{s: s, start: s.now(), release: release, cancel: cancel}
	s.update(func(st *Status) bool {
		st.State, st.NextAttempt = StateConnecting, time.Time{}
		st.Attempts++
		return true
	})

	if s.readTimeout > 0 || s.connTimeout > 0 {
		defer a.watch(actx)()
	}
	err := s.runSource(actx, a.publish, a.release)
	s.mu.Lock()
	a.closed.Store(true)
	s.mu.Unlock()
	cancel(errAttemptOver)
	if a.streaming.Load() {
		s.lastWarned = "" // the next failure is news again
	}

	// A failure the supervisor caused (read timeout, publish panic, wrong
	// camera) explains the source's "context canceled" better.
	if c := context.Cause(actx); c != nil && !errors.Is(c, errAttemptOver) && ctx.Err() == nil {
		return c
	}
	if err == nil {
		return errSourceEnded
	}
	return err
}

// runSource calls the source, turning a panic into an error. A ReadySource
// frees the admission slot (ready) when its handshake ends.
func (s *Supervisor) runSource(ctx context.Context, publish func(*media.Unit), ready func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{where: "source", value: r}
			s.logPanic(err, debug.Stack())
		}
	}()
	if rs, ok := s.cfg.Source.(ReadySource); ok {
		return rs.RunReady(ctx, publish, ready)
	}
	return s.cfg.Source.Run(ctx, publish)
}

func (s *Supervisor) logPanic(err error, stack []byte) {
	s.log.Error("recovered panic", "error", redact(err.Error()), "stack", string(stack))
}

// fail ends the attempt with err (the first cause wins).
func (a *attempt) fail(err error) {
	a.closed.Store(true)
	a.cancel(err)
}

// publish is the callback the source sees.
func (a *attempt) publish(u *media.Unit) {
	if a.closed.Load() {
		return // a failed attempt, or a source publishing after it returned
	}
	if u == nil || u.Info == nil {
		a.fail(fmt.Errorf("%w: unit without stream info", media.ErrProtocol))
		return
	}
	if id := a.s.cfg.CameraID; id != "" && u.Info.CameraID != id {
		a.fail(fmt.Errorf("%w: unit of camera %q reached the supervisor of camera %q",
			media.ErrProtocol, u.Info.CameraID, id))
		return
	}
	at := a.s.now().Sub(a.start)
	a.lastUnit.Store(int64(at))
	if !a.streaming.Load() {
		a.firstUnit(at)
	} else if !a.stable.Load() && at-time.Duration(a.streamingAt.Load()) >= a.s.backoff.ResetAfter {
		a.markStable()
	}
	if a.closed.Load() {
		return
	}
	a.forward(u)
}

// forward calls Config.Publish, turning a panic into a failed attempt.
func (a *attempt) forward(u *media.Unit) {
	defer func() {
		if r := recover(); r != nil {
			err := &panicError{where: "publish callback", value: r}
			a.s.logPanic(err, debug.Stack())
			a.fail(err)
		}
	}()
	a.s.cfg.Publish(u)
}

// firstUnit moves to streaming and gives the admission slot back: the
// handshake is done.
func (a *attempt) firstUnit(at time.Duration) {
	s := a.s
	var ok bool
	var st Status
	s.update(func(x *Status) bool {
		if a.closed.Load() || a.streaming.Load() {
			return false // ended meanwhile, or another goroutine won
		}
		a.streamingAt.Store(int64(at))
		a.streaming.Store(true)
		x.State, x.NextAttempt = StateStreaming, time.Time{}
		ok, st = true, *x
		return true
	})
	if !ok {
		return
	}
	a.release()
	if t := a.watchdog.Load(); t != nil && s.readTimeout > 0 {
		t.Reset(s.readTimeout) // from the connect timeout to the read timeout
	}
	if st.ConsecutiveFailures > 0 {
		s.log.Info("streaming", "attempts", st.Attempts, "after_failures", st.ConsecutiveFailures,
			"connect_time", at)
	} else {
		s.log.Info("streaming", "attempts", st.Attempts, "connect_time", at)
	}
}

// markStable resets the failure count after ResetAfter of continuous units.
func (a *attempt) markStable() {
	a.s.update(func(x *Status) bool {
		if a.closed.Load() || a.stable.Load() {
			return false
		}
		a.stable.Store(true)
		x.ConsecutiveFailures = 0
		return true
	})
}

// watch arms the attempt's watchdog and returns its stop. The watchdog
// fails the attempt when the first unit does not arrive within the connect
// timeout, or a later one within the read timeout after the last. It is a
// timer, not a goroutine (Run's goroutine is busy in the source): a
// goroutine per camera asleep in it was one stack more per camera, 500 of
// them in a storm, and scanned by every collection. It wakes about once
// per timeout, so units cost no timer resets. The waits are real timers
// (a testing/synctest bubble's in tests); idle time is measured with Now.
func (a *attempt) watch(ctx context.Context) (stop func() bool) {
	s := a.s
	check := func() {
		if ctx.Err() != nil {
			return // the attempt is over
		}
		at := s.now().Sub(a.start)
		var wait time.Duration
		switch {
		case !a.streaming.Load() && s.connTimeout > 0:
			if at >= s.connTimeout {
				a.fail(fmt.Errorf("%w: no unit within %s of connecting", media.ErrNoMedia, s.connTimeout))
				return
			}
			wait = s.connTimeout - at
		case !a.streaming.Load():
			wait = s.readTimeout // no connect timeout: look again later
		case s.readTimeout <= 0:
			return // streaming, and nothing more to watch
		default:
			idle := at - time.Duration(a.lastUnit.Load())
			if idle >= s.readTimeout {
				a.fail(fmt.Errorf("%w: no unit for %s", media.ErrNoMedia, s.readTimeout))
				return
			}
			wait = s.readTimeout - idle
		}
		a.watchdog.Load().Reset(wait)
	}
	t := time.AfterFunc(time.Hour, check)
	a.watchdog.Store(t)
	first := s.connTimeout
	if first <= 0 {
		first = s.readTimeout
	}
	t.Reset(first) // armed once stored: check finds it
	return t.Stop
}
