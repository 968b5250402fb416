package segment

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// SegmentStart describes a segment about to be created.
type SegmentStart struct {
	Seq      uint64 // 1, 2, … per Segmenter
	CameraID string // from the stream itself (StreamInfo.CameraID)
	Stream   string
	Wall     time.Time // capture time of the first unit (a keyframe)
	Info     *media.StreamInfo
}

// Files creates segment files. The recorder implements it: it names the
// file, creates it with O_EXCL, fsyncs the directory and registers the
// segment as open in the index before returning (see CreateFile). Create
// is called on the Segmenter's goroutine; an error drops units up to the
// next keyframe, when Create is tried again.
type Files interface {
	Create(s SegmentStart) (File, error)
}

// Closed summarizes a segment that ended.
type Closed struct {
	Seq         uint64
	Size        int64 // valid bytes on disk (init + whole fragments)
	Fragments   int
	Duration90k int64
	Err         error // the write error that ended it early, if any
}

// Observer receives the segments' progress on the Segmenter's goroutine;
// it must not block for long (it delays recording) and must not call back
// into the Segmenter.
type Observer interface {
	// Fragment is called once the fragment is durable (fsynced).
	Fragment(f Fragment)
	// Closed is called when a segment file is finished and closed.
	Closed(c Closed)
}

// ObserverFuncs adapts functions to Observer; nil fields are no-ops.
type ObserverFuncs struct {
	OnFragment func(Fragment)
	OnClosed   func(Closed)
}

var _ Observer = ObserverFuncs{}

// Fragment implements Observer.
func (o ObserverFuncs) Fragment(f Fragment) {
	if o.OnFragment != nil {
		o.OnFragment(f)
	}
}

// Closed implements Observer.
func (o ObserverFuncs) Closed(c Closed) {
	if o.OnClosed != nil {
		o.OnClosed(c)
	}
}

// Config configures a Segmenter.
type Config struct {
	Files    Files
	Observer Observer // may be nil
	// Target is the segment duration to cut at, on the first keyframe at
	// or after it (default DefaultTargetDuration).
	Target time.Duration
	// FirstTarget, when positive, replaces Target for the first segment,
	// so cameras started together rotate at different times.
	FirstTarget time.Duration
	// Writer options for every segment (Seq and OnFragment are set by the
	// Segmenter).
	Writer WriterOptions
}

// Segmenter cuts a camera stream into segment files: it opens a segment on
// a keyframe, writes one fragment per GOP and rotates to a new segment on
// the first keyframe after Target, or at once when the stream's codec
// parameters change. It is for one goroutine at a time (Run, or WriteUnit,
// Sync and Close from the same goroutine).
type Segmenter struct {
	cfg  Config
	obs  Observer
	cur  *Writer
	seq  uint64
	info *media.StreamInfo // of the current or last segment
	// lastWall is the capture time of the latest unit written to the
	// current segment.
	lastWall time.Time
}

// maxReconnectGap is how far a new session's capture time may lie from the
// end of the open segment (forward) for the segment to go on across the
// reconnect. A longer outage, or capture time running backwards (a clock
// step, a camera that re-anchored earlier), ends the segment: one file
// then never holds fragments hours apart or out of order, which the index
// refuses (fragment starts are bounded after their segment's start), and
// the timeline shows the outage as the gap it was.
const maxReconnectGap = 10 * time.Second

// NewSegmenter returns a Segmenter; no file is created before the first
// keyframe.
func NewSegmenter(cfg Config) *Segmenter {
	if cfg.Target <= 0 {
		cfg.Target = DefaultTargetDuration
	}
	obs := cfg.Observer
	if obs == nil {
		obs = ObserverFuncs{}
	}
	return &Segmenter{cfg: cfg, obs: obs}
}

// WriteUnit records u. Errors are wrapped with the segment and operation;
// after a write error the segment is closed with its valid prefix and the
// next keyframe starts a new segment (the error is still returned, so the
// recorder can log it, back off, or stop).
func (s *Segmenter) WriteUnit(u *media.Unit) error {
	if s.cur != nil && u.Info != s.cur.Info() {
		gap := u.Wall.Sub(s.lastWall)
		if !sameParams(s.cur.Info(), u.Info) || gap < 0 || gap > maxReconnectGap {
			// New codec parameters, or a new session far from where the
			// segment's footage ended: the GOP in flight ends the segment.
			if err := s.closeCurrent(nil); err != nil {
				return err
			}
		} else {
			s.cur.info = u.Info // same init, a short reconnect; the timeline stays continuous
		}
	}
	if s.cur != nil && u.Key && s.cur.ref.video() && u.Info.Tracks[u.Track].Codec.IsVideo() {
		target := s.cfg.Target
		if s.seq == 1 && s.cfg.FirstTarget > 0 {
			target = s.cfg.FirstTarget
		}
		if time.Duration(s.cur.Duration90k())*time.Second/media.VideoClockRate+s.lastDur() >= target {
			if err := s.closeCurrent(u); err != nil {
				return err
			}
		}
	}
	if s.cur == nil {
		if !startsSegment(u) {
			return nil
		}
		if err := s.open(u); err != nil {
			return err
		}
	}
	if err := s.cur.WriteUnit(u); err != nil {
		return s.fail(err)
	}
	s.lastWall = u.Wall
	if deadline, pending := s.cur.SyncDue(); pending && !s.now().Before(deadline) {
		if err := s.cur.Sync(); err != nil {
			return s.fail(err)
		}
	}
	return nil
}

// lastDur is the duration of the GOP's last sample, not yet counted by
// Duration90k (a frame interval).
func (s *Segmenter) lastDur() time.Duration {
	for _, r := range s.cur.runs {
		if r.t == s.cur.ref && r.t.video() {
			return time.Duration(r.nominal) * time.Second / media.VideoClockRate
		}
	}
	return 0
}

func (s *Segmenter) now() time.Time {
	if s.cfg.Writer.Now != nil {
		return s.cfg.Writer.Now()
	}
	return time.Now()
}

// startsSegment reports whether u may be the first unit of a segment: a
// video keyframe, or any unit of a stream without video.
func startsSegment(u *media.Unit) bool {
	if u.Info.Video() < 0 {
		return true
	}
	return u.Key && u.Info.Tracks[u.Track].Codec.IsVideo()
}

func (s *Segmenter) open(u *media.Unit) error {
	s.seq++
	start := SegmentStart{Seq: s.seq, CameraID: u.Info.CameraID, Stream: u.Info.Stream, Wall: u.Wall, Info: u.Info}
	f, err := s.cfg.Files.Create(start)
	if err != nil {
		return fmt.Errorf("create segment %d: %w", s.seq, err)
	}
	opts := s.cfg.Writer
	opts.Seq = s.seq
	opts.OnFragment = s.obs.Fragment
	w, err := NewWriter(f, u.Info, opts)
	if err != nil {
		if w != nil {
			s.cur = w
			return s.fail(err)
		}
		_ = f.Close()
		return err
	}
	s.cur = w
	s.info = u.Info
	return nil
}

// fail closes the current segment after a write error, keeping its valid
// prefix, and returns err.
func (s *Segmenter) fail(err error) error {
	_ = s.closeCurrent(nil)
	return err
}

func (s *Segmenter) closeCurrent(next *media.Unit) error {
	w := s.cur
	if w == nil {
		return nil
	}
	s.cur = nil
	err := w.Close(next)
	c := Closed{Seq: w.opts.Seq, Size: w.size, Fragments: w.frags, Duration90k: w.refTime * media.VideoClockRate / int64(w.ref.timescale), Err: err}
	s.obs.Closed(c)
	if err != nil && !errors.Is(err, ErrClosed) {
		return err
	}
	return nil
}

// Sync fsyncs the current segment if fragments wait for it (see Writer.Sync).
func (s *Segmenter) Sync() error {
	if s.cur == nil {
		return nil
	}
	if err := s.cur.Sync(); err != nil {
		return s.fail(err)
	}
	return nil
}

// Close ends the current segment: its buffered GOP is written as a last
// fragment, the file is fsynced and closed.
func (s *Segmenter) Close() error { return s.closeCurrent(nil) }

// Source is what Run reads from; *hub.Subscription implements it.
type Source interface {
	Next(ctx context.Context) (*media.Unit, error)
}

// Run records units from src until ctx ends or src fails, then closes the
// current segment. While fragments wait for their fsync, Next is bounded
// by the sync deadline so an idle stream is synced on time. Run returns
// nil when ctx ended; a write error ends Run with that error (after the
// segment was closed with its valid prefix): the caller restarts it after
// a pause if it wants to.
func (s *Segmenter) Run(ctx context.Context, src Source) (err error) {
	defer func() {
		if cerr := s.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	for {
		var u *media.Unit
		if deadline, pending := s.syncDue(); pending {
			nctx, cancel := context.WithDeadline(ctx, deadline)
			u, err = src.Next(nctx)
			cancel()
			// Only the sync deadline means "idle, sync now": nctx.Err() is
			// set by cancel whatever Next returned, so the error decides.
			if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				if err := s.Sync(); err != nil {
					return err
				}
				continue
			}
		} else {
			u, err = src.Next(ctx)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("record: %w", err)
		}
		if err := s.WriteUnit(u); err != nil {
			return err
		}
	}
}

func (s *Segmenter) syncDue() (time.Time, bool) {
	if s.cur == nil {
		return time.Time{}, false
	}
	return s.cur.SyncDue()
}

// CreateFile creates path with O_EXCL (never overwriting a segment), and
// fsyncs its directory so the new name survives a crash. This is the
// storage procedure's first step; the caller registers the segment as open
// after it returns.
func CreateFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("create segment file: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, err
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open segment dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync segment dir: %w", err)
	}
	return nil
}
