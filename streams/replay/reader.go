package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

// Planner finds footage: the segment files and whole fragments to play from
// the keyframe at or before at, in time order, for a bounded window after
// it. An empty plan (and no error) means nothing is recorded at or after at.
// It is called from Open, Seek and Next (when a plan is used up).
type Planner func(ctx context.Context, at time.Time) ([]segment.ClipSource, error)

// Errors of a Reader.
var (
	// ErrNoFootage: nothing playable is recorded at or after the instant.
	ErrNoFootage = errors.New("no recorded footage at or after that time")
	// ErrSpeed: a speed other than 1, 2 or 4.
	ErrSpeed = errors.New("speed must be 1, 2 or 4")
	// ErrClosed: the Reader was closed.
	ErrClosed = errors.New("replay closed")
)

// Pacing limits.
const (
	// maxLate is how far the consumer may fall behind the schedule before
	// the schedule restarts from now (rather than bursting to catch up).
	maxLate = time.Second
	// seekPlanTimeout bounds the planning of a Seek, which has no context.
	seekPlanTimeout = 10 * time.Second
)

// Options configure a Reader.
type Options struct {
	// CameraID is the immutable ID of the camera the footage belongs to,
	// from the caller's authority (the grant); it is put in Info. Required.
	CameraID string
	Stream   string       // "main" (default) or "sub"
	Clock    Clock        // default: the wall clock
	Log      *slog.Logger // default: slog.Default()
}

// Reader plays recorded footage as paced access units. Next is for one
// goroutine at a time; Pause, Resume, Seek, SetSpeed, Position and Info
// may be called from any goroutine, also while Next is blocked. Close ends
// it: a blocked Next returns ErrClosed.
type Reader struct {
	plan  Planner
	opts  Options
	clock Clock
	log   *slog.Logger
	base  context.Context // for Seek planning; cancelled by Close
	stop  context.CancelFunc

	nextMu sync.Mutex // held by Next for the whole call, and by Close
	cur    cursor     // the read position: owned by the holder of nextMu
	rekey  atomic.Bool

	mu       sync.Mutex
	changed  chan struct{} // closed (and replaced) on every control change
	closed   bool
	paused   bool
	speed    float64
	seek     []segment.ClipSource // a new plan from Seek, taken by Next
	seekGen  uint64
	taken    uint64 // the seekGen Next last took
	reanchor bool   // restart the schedule at the next unit
	jumped   bool   // ... and at once (a seek), not at the previous spacing
	position time.Time
	info     *media.StreamInfo

	// Schedule (under mu; written by Next).
	anchored    bool
	anchorFoot  int64     // footage time of the anchor unit, 90 kHz
	anchorClock time.Time // when the anchor unit was due
	anchorOut   int64     // output DTS of the anchor unit
	lastOut     int64     // output DTS of the last unit returned
	lastDue     time.Time
	lastFoot    int64
	emitted     bool
}

// Open plans from start and reads the first fragment, so that Info is
// known. ErrNoFootage (wrapped) when nothing playable is recorded at or
// after start. The caller closes the Reader.
func Open(ctx context.Context, plan Planner, start time.Time, opts Options) (*Reader, error) {
	if opts.CameraID == "" {
		return nil, errors.New("open replay: no camera ID")
	}
	if opts.Stream == "" {
		opts.Stream = "main"
	}
	r := &Reader{plan: plan, opts: opts, clock: opts.Clock, log: opts.Log, speed: 1, changed: make(chan struct{}), position: start}
	if r.clock == nil {
		r.clock = realClock{}
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.base, r.stop = context.WithCancel(context.Background())
	srcs, err := plan(ctx, start)
	if err != nil {
		r.stop()
		return nil, fmt.Errorf("open replay: %w", err)
	}
	r.cur.reset(srcs)
	if err := r.cur.fill(ctx, r); err != nil {
		r.cur.close()
		r.stop()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("open replay: %w", ErrNoFootage)
		}
		return nil, fmt.Errorf("open replay: %w", err)
	}
	r.info = r.cur.info
	return r, nil
}

// Info returns the stream description of the footage being played: the
// caller's camera ID and the parameter sets of the current segment. A new
// pointer means new parameters (units carry theirs too).
func (r *Reader) Info() *media.StreamInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.info
}

// Position returns the wall time of the last unit returned by Next, or the
// requested instant after Open or Seek until a unit is returned.
func (r *Reader) Position() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.position
}

// notify wakes a Next blocked in pacing. Called with mu held.
func (r *Reader) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Pause stops the flow of units until Resume; Next blocks meanwhile.
func (r *Reader) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.paused {
		r.paused = true
		r.notify()
	}
}

// Resume continues after Pause: the next unit is due at once, and the
// output timestamps jump ahead by the time spent paused.
func (r *Reader) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.paused {
		r.paused = false
		r.reanchor = true
		r.notify()
	}
}

// SetSpeed sets the playback rate: 1, 2 or 4 (ErrSpeed otherwise).
func (r *Reader) SetSpeed(x float64) error {
	if x != 1 && x != 2 && x != 4 {
		return fmt.Errorf("set speed %v: %w", x, ErrSpeed)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if r.speed != x {
		r.speed = x
		r.reanchor = true
		r.notify()
	}
	return nil
}

// Seek continues playback from the keyframe at or before t. It plans
// through the Planner first; on error (ErrNoFootage when nothing is
// recorded at or after t) playback goes on where it was. A Next blocked in
// pacing wakes up and returns the new position's first keyframe.
func (r *Reader) Seek(t time.Time) error {
	ctx, cancel := context.WithTimeout(r.base, seekPlanTimeout)
	defer cancel()
	srcs, err := r.plan(ctx, t)
	if err != nil {
		return fmt.Errorf("seek: %w", err)
	}
	if len(srcs) == 0 {
		return fmt.Errorf("seek: %w", ErrNoFootage)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.seek = srcs
	r.seekGen++
	r.position = t
	r.reanchor, r.jumped = true, true
	r.notify()
	return nil
}

// SeekTaken waits, at most limit, until Next has taken the latest Seek:
// every unit of the old position was returned before, and its caller
// (one goroutine sending what Next returns) has sent it. A seek's answer
// sent after SeekTaken is thus behind the old footage on the wire, and a
// receiver may take every frame after the answer for the new position.
// It returns at once while paused (Next takes the seek at Resume and
// returns nothing before) and when closed.
func (r *Reader) SeekTaken(limit time.Duration) {
	// A bound on a wait, not a schedule: the wall clock, whatever Clock
	// the schedule runs on.
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		done := r.taken == r.seekGen || r.paused || r.closed
		changed := r.changed
		r.mu.Unlock()
		if done {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			return
		}
	}
}

// RequestKeyframe answers a receiver's picture-loss report: the next Next
// goes back to the keyframe that began the GOP being played (up to a GOP is
// sent again, with new timestamps), so the receiver can decode at once. It
// does nothing right after a keyframe. It does not block.
func (r *Reader) RequestKeyframe() { r.rekey.Store(true) }

// Close ends the Reader: a blocked Next returns ErrClosed, and the open
// segment file is closed once Next has returned. It may be called from any
// goroutine, more than once.
func (r *Reader) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.notify()
	r.mu.Unlock()
	r.stop()
	r.nextMu.Lock()
	r.cur.close()
	r.nextMu.Unlock()
}

// Next returns the next access unit when it is due: at real time × speed
// after the previous one. It blocks while paused. io.EOF after the last
// fragment of the footage; ErrClosed after Close; ctx.Err() when ctx ends.
func (r *Reader) Next(ctx context.Context) (*media.Unit, error) {
	r.nextMu.Lock()
	defer r.nextMu.Unlock()
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, ErrClosed
		}
		if r.seek != nil {
			r.cur.close()
			r.cur.reset(r.seek)
			r.seek = nil
			r.taken = r.seekGen
			r.notify() // wakes SeekTaken
		}
		if r.rekey.Swap(false) && r.cur.rewind() {
			r.reanchor, r.jumped = true, true
		}
		gen, paused, changed := r.seekGen, r.paused, r.changed
		r.mu.Unlock()
		if paused {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-changed:
				continue
			}
		}
		if err := r.cur.fill(ctx, r); err != nil {
			return nil, err
		}
		s := r.cur.peek()
		now := r.clock.Now()
		r.mu.Lock()
		if r.closed || r.paused || r.seekGen != gen {
			r.mu.Unlock()
			continue // a control changed while reading
		}
		if s.track != 0 && (r.speed != 1 || r.cur.at < r.cur.resent) {
			// Audio plays at 1× only (faster it would be noise), and the
			// GOP sent again for a keyframe request is not heard twice.
			r.mu.Unlock()
			r.cur.advance()
			continue
		}
		due := r.dueLocked(s.foot, now)
		if wait := due.Sub(now); wait > 0 {
			changed = r.changed
			r.mu.Unlock()
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-changed:
			case <-r.clock.After(wait):
			}
			continue
		}
		u := r.emitLocked(s, due)
		r.mu.Unlock()
		r.cur.advance()
		return u, nil
	}
}

// dueLocked returns when the unit at footage time foot is due, anchoring
// the schedule first when needed.
func (r *Reader) dueLocked(foot int64, now time.Time) time.Time {
	if r.anchored && !r.reanchor {
		due := r.anchorClock.Add(r.scaled(foot - r.anchorFoot))
		if now.Sub(due) <= maxLate {
			return due
		}
	}
	// Restart the schedule: keep the spacing from the previous unit when
	// that is still ahead (a speed change), else start now.
	at := now
	if r.emitted && !r.jumped && foot > r.lastFoot {
		if next := r.lastDue.Add(r.scaled(foot - r.lastFoot)); next.After(now) {
			at = next
		}
	}
	r.anchored, r.reanchor, r.jumped = true, false, false
	r.anchorFoot, r.anchorClock = foot, at
	r.anchorOut = 0
	if r.emitted {
		r.anchorOut = r.lastOut + max(1, int64(at.Sub(r.lastDue))*media.VideoClockRate/int64(time.Second))
	}
	return at
}

// scaled converts a footage duration (90 kHz) to a wall duration at the
// current speed.
func (r *Reader) scaled(d int64) time.Duration {
	return time.Duration(float64(d) * float64(time.Second) / media.VideoClockRate / r.speed)
}

// emitLocked builds the output unit for s, due at due.
func (r *Reader) emitLocked(s *pending, due time.Time) *media.Unit {
	dts := r.anchorOut + int64(float64(s.foot-r.anchorFoot)/r.speed)
	if r.emitted && dts <= r.lastOut {
		dts = r.lastOut + 1
	}
	pts := dts + int64(float64(s.cto)/r.speed)
	r.lastOut, r.lastDue, r.lastFoot, r.emitted = dts, due, s.foot, true
	r.info = s.info
	if s.track != 0 {
		// Audio: the same output instant in the track's clock.
		rate := int64(s.info.Tracks[s.track].ClockRate)
		ts := dts * rate / media.VideoClockRate
		return &media.Unit{Info: s.info, Track: s.track, PTS: ts, DTS: ts, Wall: s.wall, Payload: [][]byte{s.payload}}
	}
	r.position = s.wall
	return &media.Unit{Info: s.info, Track: 0, PTS: pts, DTS: dts, Wall: s.wall, Key: s.key, NALUs: s.nalus}
}

// sameTrack reports whether two tracks have the same parameters.
func sameTrack(a, b media.Track) bool {
	return a.Codec == b.Codec && a.ClockRate == b.ClockRate && a.Channels == b.Channels &&
		bytes.Equal(a.SPS, b.SPS) && bytes.Equal(a.PPS, b.PPS) && bytes.Equal(a.VPS, b.VPS)
}
