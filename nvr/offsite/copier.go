package offsite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/hearthnvr/hearth/nvr"
)

// Defaults of the Copier.
const (
	defaultMaxSegments = 512 // about 8 hours of one camera's minute segments
	defaultMinBackoff  = time.Second
	defaultMaxBackoff  = 30 * time.Second
	defaultCatchUp     = 6 * time.Hour
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
	// MaxSegments bounds the segments waiting to be copied; a notice for a
	// new segment beyond it is dropped and counted (the local recording
	// is untouched).
	MaxSegments int
	// MinBackoff and MaxBackoff bound the pause after a failed copy
	// (exponential, full jitter).
	MinBackoff, MaxBackoff time.Duration
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
	// Dropped counts segments not copied because the queue was full.
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

// parkFor is how long a continuous segment without event footage waits
// before it is looked at again; eventGrace is how long after its end plus
// the pre-roll it may still be claimed by an event being recorded.
const (
	parkFor    = 2 * time.Second
	eventGrace = 30 * time.Second
)

type householdState struct {
	Status
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
		p.n = n
	case len(c.pending) >= c.cfg.MaxSegments:
		h := c.home(n.Household)
		h.Dropped++
		if h.Dropped == 1 {
			c.cfg.Log.Warn("off-site queue full: a segment stays local only", "household", n.Household, "segment", n.Segment.ID)
		}
	default:
		c.arrived++
		c.pending[n.Segment.ID] = &pendingSeg{n: n, arrived: c.arrived}
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
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

// catchUp queues the indexed footage of the last CatchUp of every camera
// whose household has a target, marked to look on the target before
// sending. Bounded by MaxSegments like any notice.
func (c *Copier) catchUp(ctx context.Context) {
	cams, err := c.cfg.Index.Cameras(ctx, 0)
	if err != nil {
		if ctx.Err() == nil {
			c.cfg.Log.Warn("off-site catch-up: read cameras", "err", err)
		}
		return
	}
	now := c.cfg.Now()
	queued := 0
	for _, cam := range cams {
		if ctx.Err() != nil {
			return
		}
		if cam.HouseholdID == 0 {
			continue
		}
		if _, err := c.cfg.Targets.OffsiteTarget(ctx, cam.HouseholdID); err != nil {
			continue // no target (or none readable now): nothing to catch up
		}
		segs, err := c.cfg.Index.SegmentsBetween(ctx, cam.ID, "main", now.Add(-c.cfg.CatchUp), now)
		if err != nil {
			c.cfg.Log.Warn("off-site catch-up: read segments", "camera", cam.ID, "err", err)
			continue
		}
		for _, s := range segs {
			if s.State == nvr.SegmentDeleting {
				continue
			}
			frags, err := c.cfg.Index.Fragments(ctx, s.ID)
			if err != nil || len(frags) == 0 {
				continue
			}
			c.mu.Lock()
			if c.pending[s.ID] == nil && len(c.pending) < c.cfg.MaxSegments {
				c.arrived++
				c.pending[s.ID] = &pendingSeg{arrived: c.arrived, resume: true, n: nvr.DurableFragments{
					Household: cam.HouseholdID, Segment: s, File: filepath.Join(c.cfg.RecordingsDir, filepath.FromSlash(s.Path)),
					Fragments: frags, Closed: s.State == nvr.SegmentClosed, PreRoll: cam.PreRoll, PostRoll: cam.PostRoll}}
				queued++
			}
			c.mu.Unlock()
		}
	}
	if queued > 0 {
		c.cfg.Log.Info("off-site catch-up: segments to check against the targets", "segments", queued)
	}
}

// next picks the oldest pending segment whose household is not pausing
// after a failure, or says how long to wait.
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
				delete(c.pending, p.n.Segment.ID)
			}
			continue // everything known is copied; wait for more
		}
		if best == nil || p.arrived < best.arrived {
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

// copyRound sends up to fragmentsPerRound of p's fragments and its index.
func (c *Copier) copyRound(ctx context.Context, p *pendingSeg) {
	hid := p.n.Household
	conf, err := c.cfg.Targets.OffsiteTarget(ctx, hid)
	if errors.Is(err, nvr.ErrNotFound) {
		// No target (removed, or never set): nothing to do.
		c.forget(p.n.Segment.ID)
		return
	}
	if err != nil {
		c.failed(hid, fmt.Errorf("read target: %w", err))
		return
	}
	if !p.n.Segment.Event && !conf.Continuous && !p.eventFootage {
		if !c.holdsEvent(ctx, p) {
			return
		}
	}
	t, err := c.target(ctx, hid, conf)
	if err != nil {
		c.failed(hid, err)
		return
	}
	// target may have started the segment over (a new place): take its
	// progress now.
	c.mu.Lock()
	if q := c.pending[p.n.Segment.ID]; q != nil {
		p.sent, p.indexed, p.sentInit, p.closedIndexed, p.resume = q.sent, q.indexed, q.sentInit, q.closedIndexed, q.resume
	}
	c.mu.Unlock()
	rcpt, err := parseRecipient(conf.Recipient)
	if err != nil {
		c.failed(hid, err)
		return
	}
	sent, indexed, sentInit, err := c.send(ctx, t, rcpt, p)
	c.mu.Lock()
	if q := c.pending[p.n.Segment.ID]; q != nil {
		q.sent, q.indexed, q.sentInit = sent, indexed, sentInit
		q.resume = q.resume && sent == 0
		q.closedIndexed = err == nil && p.n.Closed && sent == len(p.n.Fragments)
	}
	h := c.home(hid)
	if err == nil {
		h.Error, h.fails, h.nextTry = "", 0, time.Time{}
		// The catch-up copies older footage after newer: the figure
		// stays the newest footage copied.
		if sent > 0 {
			if end := p.n.Fragments[sent-1].End(); end.After(h.LastCopied) {
				h.LastCopied = end
			}
			h.LastCopiedAt = c.cfg.Now()
		}
	}
	c.mu.Unlock()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && ctx.Err() == nil {
			// The local file is gone (retention deleted it before it
			// could be copied): nothing left to send.
			c.cfg.Log.Warn("off-site copy: local segment gone", "segment", p.n.Segment.ID)
			c.forget(p.n.Segment.ID)
			return
		}
		c.failed(hid, err)
	}
}

// holdsEvent decides whether continuous segment p holds event footage: an
// event overlapping it once widened by the camera's pre- and post-roll.
// Without one it is parked and looked at again, until no event can claim
// it any more (closed, and past its end plus the pre-roll and a grace),
// then forgotten.
func (c *Copier) holdsEvent(ctx context.Context, p *pendingSeg) bool {
	id := p.n.Segment.ID
	if c.cfg.Events == nil {
		c.forget(id)
		return false
	}
	last := p.n.Fragments[len(p.n.Fragments)-1]
	from, to := p.n.Segment.Start.Add(-p.n.PostRoll), last.End().Add(p.n.PreRoll)
	evs, err := c.cfg.Events.Events(ctx, nvr.EventQuery{Cameras: []nvr.EventScope{{CameraID: p.n.Segment.CameraID}},
		Start: from, End: to, Limit: 1})
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.pending[id]
	if q == nil {
		return false
	}
	switch {
	case err == nil && len(evs) > 0:
		q.eventFootage, q.parkedUntil = true, time.Time{}
		return true
	case err == nil && q.n.Closed && now.After(to.Add(eventGrace)):
		delete(c.pending, id)
	default:
		if err != nil && ctx.Err() == nil {
			c.cfg.Log.Warn("off-site: read events", "camera", p.n.Segment.CameraID, "err", err)
		}
		q.parkedUntil = now.Add(parkFor)
	}
	return false
}

// send writes the init, fragments and the index; it returns the progress
// made, even on error.
func (c *Copier) send(ctx context.Context, t Target, r age.Recipient, p *pendingSeg) (sent, indexed int, sentInit bool, err error) {
	sent, indexed, sentInit = p.sent, p.indexed, p.sentInit
	f, err := os.Open(p.n.File)
	if err != nil {
		return sent, indexed, sentInit, fmt.Errorf("open local segment: %w", err)
	}
	defer f.Close()
	dir := segmentDir(p.n.Segment.Path)
	if p.resume && sent == 0 {
		// What an earlier run copied is whole on the target (rename):
		// skip the init and the fragments already there, in order.
		has, err := t.Has(ctx, path.Join(dir, initName))
		if err != nil {
			return sent, indexed, sentInit, err
		}
		sentInit = has
		for has && sent < len(p.n.Fragments) {
			if has, err = t.Has(ctx, path.Join(dir, fragmentName(sent+1))); err != nil {
				return sent, indexed, sentInit, err
			}
			if has {
				sent++
			}
		}
	}
	if !sentInit {
		b, err := readAt(f, 0, p.n.Fragments[0].Offset)
		if err != nil {
			return sent, indexed, sentInit, err
		}
		if err := c.put(ctx, t, r, path.Join(dir, initName), b); err != nil {
			return sent, indexed, sentInit, err
		}
		sentInit = true
	}
	for i := 0; i < fragmentsPerRound && sent < len(p.n.Fragments); i++ {
		fr := p.n.Fragments[sent]
		b, err := readAt(f, fr.Offset, fr.Length)
		if err != nil {
			return sent, indexed, sentInit, err
		}
		if err := c.put(ctx, t, r, path.Join(dir, fragmentName(sent+1)), b); err != nil {
			return sent, indexed, sentInit, err
		}
		sent++
	}
	x := index{Camera: string(p.n.Segment.CameraID), Segment: path.Base(dir), Start: p.n.Segment.Start,
		Codec: p.n.Segment.Codec, Event: p.n.Segment.Event, Closed: p.n.Closed && sent == len(p.n.Fragments)}
	for i, fr := range p.n.Fragments[:sent] {
		x.Fragments = append(x.Fragments, indexFragment{N: i + 1, Start: fr.Start, Duration90k: fr.Duration90k, Key: fr.Key, Bytes: fr.Length})
	}
	b, err := encodeIndex(x)
	if err != nil {
		return sent, indexed, sentInit, err
	}
	if err := c.put(ctx, t, r, path.Join(dir, indexName), b); err != nil {
		return sent, indexed, sentInit, err
	}
	return sent, sent, sentInit, nil
}

func (c *Copier) put(ctx context.Context, t Target, r age.Recipient, name string, plain []byte) error {
	sealed, err := seal(r, plain)
	if err != nil {
		return err
	}
	return t.Put(ctx, name, sealed)
}

// readAt reads n bytes at off of the local segment (durable: the recorder
// reports fragments only after their fsync).
func readAt(f *os.File, off, n int64) ([]byte, error) {
	if off < 0 || n <= 0 || n > maxFileBytes {
		return nil, fmt.Errorf("local segment: bad range %d+%d", off, n)
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("local segment shorter than its index: %w", err)
		}
		return nil, fmt.Errorf("read local segment: %w", err)
	}
	return b, nil
}

// target returns h's open target, reopening it when its settings changed.
// A target in a new place (or for a new key) starts every pending segment
// of h over there, looking first at what it holds (resume), so no segment
// on it lacks its init or its first fragments.
func (c *Copier) target(ctx context.Context, h nvr.HouseholdID, conf nvr.OffsiteTarget) (Target, error) {
	c.mu.Lock()
	s := c.home(h)
	t, old := s.target, s.conf
	if old.Kind != "" && !samePlace(old, conf) {
		for _, p := range c.pending {
			if p.n.Household == h {
				p.sent, p.indexed, p.sentInit, p.closedIndexed, p.resume = 0, 0, false, false, true
			}
		}
	}
	c.mu.Unlock()
	if t != nil && sameTarget(old, conf) {
		return t, nil
	}
	if t != nil {
		_ = t.Close()
	}
	t, err := c.cfg.Open(ctx, conf)
	if err != nil {
		return nil, fmt.Errorf("open target: %w", err)
	}
	c.mu.Lock()
	s.target, s.conf = t, conf
	c.mu.Unlock()
	return t, nil
}

// samePlace: the same files on the same target, for the same key.
func samePlace(a, b nvr.OffsiteTarget) bool {
	return a.Kind == b.Kind && a.Path == b.Path && a.SFTPAddr == b.SFTPAddr && a.SFTPUser == b.SFTPUser && a.Recipient == b.Recipient
}

func sameTarget(a, b nvr.OffsiteTarget) bool {
	return a.Kind == b.Kind && a.Path == b.Path && a.SFTPAddr == b.SFTPAddr && a.SFTPUser == b.SFTPUser &&
		a.SFTPHostKey == b.SFTPHostKey && a.SFTPKey.Reveal() == b.SFTPKey.Reveal()
}

// failed records err for h and pauses its copies (exponential backoff,
// full jitter); the open target is dropped so the next try reconnects.
func (c *Copier) failed(h nvr.HouseholdID, err error) {
	c.mu.Lock()
	s := c.home(h)
	s.fails++
	d := c.cfg.MinBackoff << min(s.fails-1, 16)
	d = min(d, c.cfg.MaxBackoff)
	d = c.cfg.MinBackoff/2 + time.Duration(rand.Int64N(int64(d)))
	s.nextTry = c.cfg.Now().Add(d)
	first := s.Error == ""
	s.Error = err.Error()
	t := s.target
	s.target = nil
	c.mu.Unlock()
	if t != nil {
		_ = t.Close()
	}
	if first {
		c.cfg.Log.Warn("off-site copy failed; retrying with backoff", "household", h, "err", err)
	}
}

func (c *Copier) forget(id nvr.SegmentID) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *Copier) closeTargets() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.homes {
		if s.target != nil {
			_ = s.target.Close()
			s.target = nil
		}
	}
}

// OpenTarget connects to t: a directory, or an SFTP server (pinning its
// host key through pin on first use).
func OpenTarget(ctx context.Context, t nvr.OffsiteTarget, pin PinFunc) (Target, error) {
	switch t.Kind {
	case nvr.OffsiteDir:
		return &DirTarget{Root: t.Path}, nil
	case nvr.OffsiteSFTP:
		return DialSFTP(ctx, t, pin)
	}
	return nil, fmt.Errorf("unknown target kind %q", t.Kind)
}
