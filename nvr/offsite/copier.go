package offsite

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Defaults of the Copier.
const (
	defaultMaxSegments = 512 // about 8 hours of one camera's minute segments
	defaultMinBackoff  = time.Second
	defaultMaxBackoff  = 30 * time.Second
	defaultCatchUp     = 6 * time.Hour
	defaultOpTimeout   = time.Minute
	// minTargetRate is the slowest link a put is given time for, in
	// bytes a second (a household's upload to a friend's box): a 1 MB
	// fragment may take 16 s on top of OpTimeout.
	minTargetRate = 64 << 10
	// fragmentsPerRound bounds one segment's turn, so one camera's backlog
	// does not starve another's.
	fragmentsPerRound = 16
)

// Targets reads the households' targets (nvr.OffsiteStore).
type Targets interface {
	OffsiteTarget(ctx context.Context, h nvr.HouseholdID) (nvr.OffsiteTarget, error)
}

// Config configures a Copier. Targets is required.
type Config struct {
	Targets Targets
	// Open connects to a target (default: a DirTarget, or DialSFTP with
	// Pin).
	Open func(ctx context.Context, t nvr.OffsiteTarget) (Target, error)
	// Pin pins an SFTP target's host key on first use
	// (nvr.Offsite.PinHostKey); without it SFTP targets fail.
	Pin PinFunc
	// MaxSegments bounds each household's segments waiting to be copied;
	// a notice for a new segment beyond it is dropped and counted (the
	// local recording is untouched) and queued again from the index once
	// there is room (recoverDropped).
	MaxSegments int
	// MinBackoff and MaxBackoff bound the pause after a failed copy
	// (exponential, full jitter).
	MinBackoff, MaxBackoff time.Duration
	// OpTimeout bounds one look on the target and, with time for its
	// bytes at 64 KiB/s, one write (default 1 min). The SFTP target's
	// connection is closed when it passes. A directory target's writes
	// are system calls and cannot be interrupted: a hard-mounted NFS
	// share that hangs holds the copier (docs/offsite.md).
	OpTimeout time.Duration
	// Index and RecordingsDir let the copier catch up at start: footage
	// indexed within CatchUp before then (default 6 h) that the target
	// lacks — the backlog of a killed process, or what was recorded
	// while it was down — is sent after Ready is closed (the recorder's
	// recovery, so the index and files agree). Nil Index: no catch-up.
	Index         Index
	RecordingsDir string
	// Events, when set, lets a household that copies event footage only
	// copy a continuous camera's segments that hold some (an event, with
	// the camera's pre- and post-roll); nil: only events-only cameras'.
	Events  Events
	CatchUp time.Duration
	Ready   <-chan struct{}
	Log     *slog.Logger
	Now     func() time.Time
}

// Events finds events (nvr.EventStore), to pick the event footage of
// continuous cameras.
type Events interface {
	Events(ctx context.Context, q nvr.EventQuery) ([]nvr.Event, error)
}

// Index is the part of the recording index the catch-up reads
// (nvr.CameraLister and nvr.RecordingStore).
type Index interface {
	Cameras(ctx context.Context, h nvr.HouseholdID) ([]nvr.Camera, error)
	SegmentsBetween(ctx context.Context, cam nvr.CameraID, stream string, from, to time.Time) ([]nvr.Segment, error)
	Fragments(ctx context.Context, id nvr.SegmentID) ([]nvr.Fragment, error)
}

// Status is one household's copy as measured, for the storage page.
type Status struct {
	// Configured: the household has a target.
	Configured bool
	// Backlog is the fragments recorded and not yet copied.
	Backlog int
	// LastCopied is the capture time at the end of the newest fragment
	// copied; LastCopiedAt when it was copied. Zero: nothing yet.
	LastCopied, LastCopiedAt time.Time
	// Error is the last failure, safe to show; "" once a copy succeeds.
	Error string
	// Dropped counts segments left out of the queue because it was full,
	// until they are queued again from the index (recoverDropped).
	Dropped int
}

type pendingSeg struct {
	n        nvr.DurableFragments
	arrived  uint64
	sentInit bool
	sent     int // fragments on the target
	indexed  int // fragments named by the index on the target
	// closedIndexed: the index on the target says the segment is closed.
	closedIndexed bool
	// resume: the target may hold some of it already (the catch-up);
	// the first round looks before sending.
	resume bool
	// eventFootage: a continuous segment found to hold event footage;
	// parkedUntil: one not (yet), looked at again then.
	eventFootage bool
	parkedUntil  time.Time
}

type householdState struct {
	Status
	// behindSince is the start of the earliest segment a full queue
	// dropped and recoverDropped has not queued again; zero: none.
	behindSince time.Time
	// queued counts its segments in the queue: the bound is per
	// household, so one whose target is away (its segments waiting)
	// never crowds out another's.
	queued  int
	nextTry time.Time
	fails   int
	target  Target
	conf    nvr.OffsiteTarget
}

// Copier is the recorder's nvr.FragmentSink: it copies durable fragments
// to their household's target. Run owns its one worker goroutine. Durable
// never blocks. Safe for concurrent use.
type Copier struct {
	cfg  Config
	wake chan struct{}

	mu      sync.Mutex
	arrived uint64
	pending map[nvr.SegmentID]*pendingSeg
	homes   map[nvr.HouseholdID]*householdState
}

var _ nvr.FragmentSink = (*Copier)(nil)

// NewCopier returns a Copier; call Run.
func NewCopier(cfg Config) *Copier {
	if cfg.Pin == nil {
		cfg.Pin = func(context.Context, nvr.HouseholdID, string) error {
			return errors.New("no place to pin the SFTP host key")
		}
	}
	if cfg.Open == nil {
		pin := cfg.Pin
		cfg.Open = func(ctx context.Context, t nvr.OffsiteTarget) (Target, error) { return OpenTarget(ctx, t, pin) }
	}
	if cfg.MaxSegments <= 0 {
		cfg.MaxSegments = defaultMaxSegments
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = defaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(defaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = defaultOpTimeout
	}
	if cfg.CatchUp <= 0 {
		cfg.CatchUp = defaultCatchUp
	}
	return &Copier{cfg: cfg, wake: make(chan struct{}, 1),
		pending: map[nvr.SegmentID]*pendingSeg{}, homes: map[nvr.HouseholdID]*householdState{}}
}

// Durable implements nvr.FragmentSink: it records the notice and wakes
// the worker, never waiting on it.
func (c *Copier) Durable(n nvr.DurableFragments) {
	if n.Household == 0 || len(n.Fragments) == 0 {
		return
	}
	c.mu.Lock()
	p := c.pending[n.Segment.ID]
	switch {
	case p != nil:
		if p.n.Household != n.Household { // the camera moved mid-segment
			c.home(p.n.Household).queued--
			c.home(n.Household).queued++
		}
		p.n = n
	case c.home(n.Household).queued >= c.cfg.MaxSegments:
		h := c.home(n.Household)
		h.Dropped++
		if h.behindSince.IsZero() || n.Segment.Start.Before(h.behindSince) {
			h.behindSince = n.Segment.Start
		}
		if h.Dropped == 1 {
			c.cfg.Log.Warn("off-site queue full: segments wait for room (read again from the index)", "household", n.Household, "segment", n.Segment.ID)
		}
	default:
		c.enqueue(&pendingSeg{n: n})
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue adds p to the queue, in arrival order; c.mu is held.
func (c *Copier) enqueue(p *pendingSeg) {
	c.arrived++
	p.arrived = c.arrived
	c.pending[p.n.Segment.ID] = p
	c.home(p.n.Household).queued++
}

// unqueue removes segment id from the queue; c.mu is held.
func (c *Copier) unqueue(id nvr.SegmentID) {
	if p := c.pending[id]; p != nil {
		delete(c.pending, id)
		c.home(p.n.Household).queued--
	}
}

// home returns h's state; c.mu is held.
func (c *Copier) home(h nvr.HouseholdID) *householdState {
	s := c.homes[h]
	if s == nil {
		s = &householdState{}
		c.homes[h] = s
	}
	return s
}

// Status reports the granted household's copy (its owner's grant).
func (c *Copier) Status(ctx context.Context, g nvr.OffsiteGrant) (Status, error) {
	if !g.Valid() {
		return Status{}, nvr.ErrNotFound
	}
	return c.StatusOf(ctx, g.HouseholdID())
}

// adminProblem stands for a copy's problem on the admin's page: its text
// names the household's target, which is the household's business.
const adminProblem = "a problem (its owner's page says which)"

// Figures reports household h's copy to the appliance admin, for the
// storage page: whether it is set, the backlog, the times, and whether
// something is wrong, never what (the text names the target).
func (c *Copier) Figures(ctx context.Context, g nvr.AdminGrant, h nvr.HouseholdID) (Status, error) {
	if !g.Valid() {
		return Status{}, nvr.ErrNotFound
	}
	st, err := c.StatusOf(ctx, h)
	if st.Error != "" {
		st.Error = adminProblem
	}
	return st, err
}

// StatusOf reports household h's copy, for the appliance's own use (tests,
// the CLI); a request's answer goes through Status and its grant.
func (c *Copier) StatusOf(ctx context.Context, h nvr.HouseholdID) (Status, error) {
	conf, err := c.cfg.Targets.OffsiteTarget(ctx, h)
	if err != nil && !errors.Is(err, nvr.ErrNotFound) {
		return Status{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var st Status
	if s := c.homes[h]; s != nil {
		st = s.Status
	}
	st.Configured = err == nil
	st.Backlog = 0
	for _, p := range c.pending {
		// A continuous segment not known to hold event footage is not
		// owed to a household that copies events only.
		owed := p.n.Segment.Event || p.eventFootage || conf.Continuous
		if p.n.Household == h && owed {
			st.Backlog += len(p.n.Fragments) - p.sent
		}
	}
	return st, nil
}

// Run copies until ctx ends; then it closes its targets. Fragments not
// copied by then stay on local disk only, until the next start's catch-up.
func (c *Copier) Run(ctx context.Context) error {
	defer c.closeTargets()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	ready := c.cfg.Ready
	if c.cfg.Index == nil {
		ready = nil
	} else if ready == nil {
		c.catchUp(ctx)
	}
	for {
		select {
		case <-ready:
			ready = nil
			c.catchUp(ctx)
		default:
		}
		p, wait := c.next()
		// Idle: what a full queue dropped comes next (after the recorder's
		// recovery, like the catch-up).
		if p == nil && ready == nil && c.recoverDropped(ctx) > 0 {
			continue
		}
		if p != nil {
			c.copyRound(ctx, p)
			if ctx.Err() != nil {
				return nil
			}
			continue
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-c.wake:
		case <-timer.C:
		case <-ready:
		}
	}
}

// next picks the segment to copy — live ones before the catch-up's, the
// oldest first — among those whose household is not pausing after a
// failure, or says how long to wait.
func (c *Copier) next() (*pendingSeg, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	var best *pendingSeg
	wait := time.Hour
	for _, p := range c.pending {
		h := c.home(p.n.Household)
		if d := h.nextTry.Sub(now); d > 0 {
			wait = min(wait, d)
			continue
		}
		if d := p.parkedUntil.Sub(now); d > 0 {
			wait = min(wait, d)
			continue
		}
		if p.sent == len(p.n.Fragments) && p.indexed == p.sent && p.closedIndexed == p.n.Closed {
			if p.n.Closed {
				c.unqueue(p.n.Segment.ID)
			}
			continue // everything known is copied; wait for more
		}
		// Live footage first (what a burglar would take next), then the
		// catch-up's; each in arrival order.
		if best == nil || (best.resume && !p.resume) || (best.resume == p.resume && p.arrived < best.arrived) {
			best = p
		}
	}
	if best == nil {
		return nil, wait
	}
	// A copy of the notice: Durable may replace it meanwhile.
	cp := *best
	cp.n.Fragments = append([]nvr.Fragment(nil), best.n.Fragments...)
	return &cp, 0
}
