package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Source is one camera stream's connection, as the supervisor needs it.
//
// Run connects and delivers access units through publish until ctx ends or
// the stream fails, and returns why it stopped: an error wrapping one of
// media's classes (media.ErrAuth, media.ErrUnreachable,
// media.ErrUnsupported, media.ErrNoMedia, media.ErrProtocol) with
// credentials already redacted. After ctx ends it must return promptly,
// and it must not call publish after it has returned. publish is safe for
// concurrent use and runs Config.Publish on the caller's goroutine.
type Source interface {
	Run(ctx context.Context, publish func(*media.Unit)) error
}

// ReadySource is a Source that can tell when its handshake is done (for
// RTSP: PLAY answered). The supervisor then frees the admission slot at
// once instead of at the first unit, which may wait for a keyframe several
// seconds away: the limit is on handshakes, and holding slots through GOP
// waits would make a site-wide reconnect crawl.
type ReadySource interface {
	Source
	// RunReady is Run, calling ready (at most once, from any goroutine)
	// when the handshake has succeeded.
	RunReady(ctx context.Context, publish func(*media.Unit), ready func()) error
}

// Defaults of Config's timeouts.
const (
	DefaultReadTimeout    = 10 * time.Second
	DefaultConnectTimeout = 30 * time.Second
)

// Config describes one supervised camera stream. Only Source and Publish
// are required.
type Config struct {
	// CameraID is the camera's immutable ID. It labels logs and Status,
	// and when set, a unit whose Info carries another ID is never
	// forwarded: the attempt fails with media.ErrProtocol.
	CameraID string
	// Name is a human label for logs (e.g. "front door/main"); optional.
	Name string

	// Source is the stream's connection; it is run again after each failure.
	Source Source
	// Publish receives every unit of the stream. It may be called from the
	// source's goroutines; it must not block for long. A panic in it is
	// recovered and fails the attempt.
	Publish func(*media.Unit)

	// Admission is the limit on simultaneous connection attempts shared by
	// all supervisors of the process. Nil means no limit beyond this
	// supervisor's own single attempt: production wiring must share one.
	Admission *Admission
	// Backoff paces retries; zero fields take their defaults.
	Backoff Backoff
	// ReadTimeout: when a streaming source delivers no unit for this long,
	// its context is cancelled and the attempt fails with
	// media.ErrNoMedia. Zero means DefaultReadTimeout; negative disables
	// the check.
	ReadTimeout time.Duration
	// ConnectTimeout bounds the time from the start of an attempt to its
	// first unit, in the same way (media.ErrNoMedia). It is longer than
	// ReadTimeout because the first unit waits for a key picture, and
	// cameras with "smart" codecs send one every 10 s or more; it also
	// bounds how long a hung source can hold an admission slot. Zero
	// means DefaultConnectTimeout; negative disables the check.
	ConnectTimeout time.Duration
	// StartDelay postpones the first attempt, to stagger a whole site's
	// start; the caller computes it, e.g. with the StartDelay function.
	StartDelay time.Duration
	// Disabled makes Run report StateDisabled and wait for its context
	// without ever connecting.
	Disabled bool

	// OnChange, when set, is called with every new Status, in order, from
	// the goroutine that made the change (Run's, or the source's for the
	// first unit). It must return promptly and must not call into this
	// supervisor except Status.
	OnChange func(Status)

	// Now is the clock (default time.Now). Replace Now and Sleep together.
	// The read and connect timeouts measure with Now but wait on time's
	// own timers (the watchdog is a timer, not a goroutine), so a fake Now
	// needs the timeouts disabled, or a testing/synctest bubble, whose
	// clock fakes both.
	Now func() time.Time
	// Sleep waits for d on the same clock as Now, or until ctx ends, and
	// returns ctx.Err() in that case (default: a real timer): the pauses
	// before attempts. It must block: a Sleep that returns at once without
	// time passing makes the backoff loop spin.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand is the source of jitter (default: a PCG seeded at random, one
	// per supervisor). Only Run's goroutine uses it.
	Rand rand.Source
	// Logger receives state changes and failures (default: discarded).
	Logger *slog.Logger
}

// Supervisor keeps one Source running; see the package documentation.
// Status is safe for concurrent use; Run must be called by one goroutine
// at a time, and whoever calls it owns it.
type Supervisor struct {
	cfg         Config
	backoff     Backoff
	readTimeout time.Duration
	connTimeout time.Duration
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	rng         *rand.Rand // Run's goroutine only
	log         *slog.Logger
	running     atomic.Bool
	lastWarned  string // Run's goroutine only: last failure text logged at Warn

	mu sync.Mutex // guards st
	st Status
	// notifyMu keeps OnChange calls in the order of the changes; taken
	// before mu is released, so Status never waits for a callback.
	notifyMu sync.Mutex
}

// New returns a supervisor for cfg. It panics when cfg.Source or
// cfg.Publish is nil: that is a wiring bug, not a runtime condition.
func New(cfg Config) *Supervisor {
	if cfg.Source == nil {
		panic("supervisor: Config.Source is nil")
	}
	if cfg.Publish == nil {
		panic("supervisor: Config.Publish is nil")
	}
	s := &Supervisor{cfg: cfg, backoff: cfg.Backoff.withDefaults(), readTimeout: cfg.ReadTimeout}
	if s.readTimeout == 0 {
		s.readTimeout = DefaultReadTimeout
	}
	s.connTimeout = cfg.ConnectTimeout
	if s.connTimeout == 0 {
		s.connTimeout = DefaultConnectTimeout
	}
	s.now = cfg.Now
	if s.now == nil {
		s.now = time.Now
	}
	s.sleep = cfg.Sleep
	if s.sleep == nil {
		s.sleep = sleepTimer
	}
	src := cfg.Rand
	if src == nil {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	s.rng = rand.New(src)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	attrs := []any{"camera", cfg.CameraID}
	if cfg.Name != "" {
		attrs = append(attrs, "name", cfg.Name)
	}
	s.log = log.With(attrs...)
	s.st = Status{CameraID: cfg.CameraID, State: StateStopped, Since: s.now()}
	return s
}

// Status returns the current state. Safe for concurrent use.
func (s *Supervisor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// errRunning is returned by a second, concurrent Run.
var errRunning = errors.New("supervisor: Run is already running")

// Run keeps the source running until ctx ends, then cancels the source's
// context, waits for it to return and returns nil. It returns early only
// when called while another Run of the same supervisor is running.
func (s *Supervisor) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errRunning
	}
	defer s.running.Store(false)
	defer s.enter(StateStopped, time.Time{})
	s.log.Debug("supervisor running")

	if s.cfg.Disabled {
		s.enter(StateDisabled, time.Time{})
		<-ctx.Done()
		return nil
	}
	if d := s.cfg.StartDelay; d > 0 {
		s.enter(StateStarting, s.now().Add(d))
		if s.sleep(ctx, d) != nil {
			return nil
		}
	}
	for {
		s.enter(StateQueued, time.Time{})
		release := func() {}
		if s.cfg.Admission != nil {
			r, err := s.cfg.Admission.Acquire(ctx)
			if err != nil {
				return nil
			}
			release = r
		} else if ctx.Err() != nil {
			return nil
		}
		err := s.attempt(ctx, release)
		if ctx.Err() != nil {
			return nil
		}
		if s.sleep(ctx, s.fail(err)) != nil {
			return nil
		}
	}
}

// fail records a failed attempt and returns the pause before the next.
func (s *Supervisor) fail(err error) time.Duration {
	msg := redact(err.Error())
	failures := s.Status().ConsecutiveFailures + 1
	state, d := s.backoff.pause(err, failures, s.rng)
	var st Status
	s.update(func(x *Status) bool {
		x.State, x.LastError, x.ConsecutiveFailures, x.NextAttempt = state, msg, failures, s.now().Add(d)
		st = *x
		return true
	})
	level := slog.LevelDebug
	if msg != s.lastWarned {
		// A camera that stays down logs its failure once, not every pause.
		level, s.lastWarned = slog.LevelWarn, msg
	}
	s.log.Log(context.Background(), level, "stream failed", "state", string(state), "error", msg,
		"attempts", st.Attempts, "failures", failures, "retry_in", d)
	return d
}

// enter moves to state; next is when a pause ends (zero when none).
func (s *Supervisor) enter(state State, next time.Time) {
	s.update(func(st *Status) bool {
		st.State, st.NextAttempt = state, next
		return true
	})
}

// update applies f to the status; when f reports a change, it stamps Since
// if the state changed and tells OnChange.
func (s *Supervisor) update(f func(*Status) bool) {
	s.mu.Lock()
	old := s.st.State
	if !f(&s.st) {
		s.mu.Unlock()
		return
	}
	if s.st.State != old {
		s.st.Since = s.now()
	}
	st := s.st
	if s.cfg.OnChange == nil {
		s.mu.Unlock()
		return
	}
	s.notifyMu.Lock()
	s.mu.Unlock()
	defer s.notifyMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("OnChange panicked", "panic", redact(fmt.Sprint(r)), "stack", string(debug.Stack()))
		}
	}()
	s.cfg.OnChange(st)
}

// sleepTimer is the default Config.Sleep.
func sleepTimer(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
