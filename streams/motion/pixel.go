package motion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Pixel detector defaults and bounds.
const (
	DefaultPixelWidth = 160 // analysis frame width in pixels
	MaxPixelFPS       = 5   // analysed frames per second, at most
	minPixelWidth     = 32
	maxPixelWidth     = 640
	stderrTail        = 2048 // bytes of ffmpeg's stderr kept for an error
	ffmpegWaitDelay   = 2 * time.Second
)

// ErrNoFFmpeg means the ffmpeg program was not found.
var ErrNoFFmpeg = errors.New("ffmpeg not found")

// PixelConfig configures a Pixel detector. Zero fields take the defaults.
type PixelConfig struct {
	// FFmpeg is the ffmpeg program: a path, or a name looked up on PATH
	// (default "ffmpeg").
	FFmpeg string
	// Width is the analysis frame width (default DefaultPixelWidth, 32..640);
	// the height follows the picture's aspect ratio.
	Width int
	// FPS is how many frames per second are analysed (default and at most
	// MaxPixelFPS).
	FPS float64
	// Sensitivity in [0, 1]: higher counts smaller changes and smaller
	// areas. Zero means DefaultSensitivity; negative is the least sensitive.
	Sensitivity float64
	// Zones, when set, restrict detection to them and name the ones hit.
	Zones []Zone
	// Masks are areas where change never counts (a clock overlay, a road,
	// a tree).
	Masks   [][]Point
	Tracker TrackerConfig
}

// Pixel detects motion by differencing decoded frames. Run starts one
// ffmpeg process that decodes the units it is given on stdin; the camera is
// never contacted again and nothing from it or from the configuration
// (other than numbers) is on ffmpeg's command line.
//
// Restart policy: Run restarts ffmpeg itself when the stream changes (a new
// StreamInfo: reconnect, new parameter sets), after draining the old
// process. When ffmpeg exits by itself or fails, Run returns an error that
// carries the tail of its stderr; the caller's supervisor decides when to
// call Run again. ffmpeg is killed when ctx ends and always waited for.
//
// A Pixel holds no state between calls of Run; Run may be called again (not
// concurrently) after it returns.
type Pixel struct {
	cfg     PixelConfig
	path    string
	noise   int
	minArea float64
	// frameHook, when set (tests), sees every decoded frame with the wall
	// time it was mapped to, before the rate limit picks frames.
	frameHook func(wall time.Time, frame []byte)
}

var _ Detector = (*Pixel)(nil)

// NewPixel validates cfg and finds ffmpeg. It returns an error wrapping
// ErrNoFFmpeg when the program is missing.
func NewPixel(cfg PixelConfig) (*Pixel, error) {
	if cfg.FFmpeg == "" {
		cfg.FFmpeg = "ffmpeg"
	}
	path, err := exec.LookPath(cfg.FFmpeg)
	if err != nil {
		return nil, fmt.Errorf("pixel motion: %w (install ffmpeg or use the bitstream detector): %w", ErrNoFFmpeg, err)
	}
	if cfg.Width == 0 {
		cfg.Width = DefaultPixelWidth
	}
	if cfg.Width < minPixelWidth || cfg.Width > maxPixelWidth {
		return nil, fmt.Errorf("pixel motion: width %d outside %d..%d", cfg.Width, minPixelWidth, maxPixelWidth)
	}
	if cfg.FPS <= 0 || cfg.FPS > MaxPixelFPS {
		cfg.FPS = MaxPixelFPS
	}
	if err := validateZones(cfg.Zones, cfg.Masks); err != nil {
		return nil, fmt.Errorf("pixel motion: %w", err)
	}
	s := sensitivity(cfg.Sensitivity)
	cfg.Sensitivity = s
	return &Pixel{
		cfg:     cfg,
		path:    path,
		noise:   8 + int(24*(1-s)),
		minArea: 0.001 + 0.02*(1-s)*(1-s),
	}, nil
}

// Run feeds units from src to ffmpeg and analyses the frames it returns,
// until ctx ends (returns nil), src fails (returns its error, wrapped) or
// ffmpeg fails (returns an error with its stderr's tail). Units before the
// first keyframe are skipped; audio is ignored.
func (p *Pixel) Run(ctx context.Context, src Source, emit func(Observation)) error {
	tr := newTracker(p.cfg.Tracker)
	defer func() {
		if o, ok := tr.close(); ok {
			emit(o)
		}
	}()
	var first *media.Unit
	for {
		if first == nil {
			var err error
			if first, err = nextKey(ctx, src); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("pixel motion: %w", err)
			}
		}
		next, err := p.session(ctx, src, first, tr, emit)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("pixel motion: %w", err)
		}
		first = next
		if !first.Key {
			first = nil // wait for a keyframe of the new stream
		}
	}
}

// nextKey returns the next video keyframe from src.
func nextKey(ctx context.Context, src Source) (*media.Unit, error) {
	for {
		u, err := src.Next(ctx)
		if err != nil {
			return nil, err
		}
		if isVideo(u) && u.Key {
			return u, nil
		}
	}
}

// session runs one ffmpeg process for one StreamInfo, starting with the
// keyframe first. It returns the first unit of a new stream when the
// stream changes, or an error.
func (p *Pixel) session(ctx context.Context, src Source, first *media.Unit, tr *tracker, emit func(Observation)) (*media.Unit, error) {
	info := first.Info
	track := info.Tracks[first.Track]
	pw, ph, err := pictureSize(track)
	if err != nil {
		return nil, err
	}
	w, h := analysisSize(pw, ph, p.cfg.Width)

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(sctx, p.path, ffmpegArgs(track.Codec, w, h)...)
	cmd.Env = []string{} // nothing of Hearth's environment
	cmd.WaitDelay = ffmpegWaitDelay
	stderr := &tail{max: stderrTail}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("ffmpeg stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("ffmpeg stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ffmpeg: %w", err)
	}

	var (
		q       pending
		next    *media.Unit // first unit of a new stream
		feedErr error
		wg      sync.WaitGroup
	)
	wg.Go(func() {
		defer stdin.Close() // ffmpeg flushes its last frames and exits
		next, feedErr = feed(sctx, src, first, &q, stdin)
	})

	readErr := p.analyse(stdout, w, h, &q, tr, emit)
	if readErr != nil {
		cancel() // stop ffmpeg; the feeder may be blocked on a full pipe
	}
	_, _ = io.Copy(io.Discard, stdout) // let ffmpeg finish writing if it still is
	cancel()                           // ffmpeg has finished: unblock a feeder waiting on src
	wg.Wait()
	waitErr := cmd.Wait()

	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case feedErr != nil && !errors.Is(feedErr, context.Canceled) && !errors.Is(feedErr, errPipe):
		return nil, feedErr
	case readErr != nil:
		return nil, fmt.Errorf("ffmpeg output: %w; stderr: %q", readErr, stderr.String())
	case next != nil:
		return next, nil
	case waitErr != nil:
		return nil, fmt.Errorf("ffmpeg: %w; stderr: %q", waitErr, stderr.String())
	}
	return nil, fmt.Errorf("ffmpeg exited early; stderr: %q", stderr.String())
}

// errPipe means ffmpeg stopped reading (it exited).
var errPipe = errors.New("ffmpeg closed its input")

// feed writes units to ffmpeg from first on, until the stream changes
// (returns the new stream's first unit), src fails or ctx ends.
func feed(ctx context.Context, src Source, first *media.Unit, q *pending, w io.Writer) (*media.Unit, error) {
	info := first.Info
	track := info.Tracks[first.Track]
	var buf []byte
	for u := first; ; {
		if u.Info != info {
			return u, nil
		}
		if isVideo(u) && u.Track == first.Track {
			if err := q.push(u.PTS, u.Wall); err != nil {
				return nil, err
			}
			buf = annexB(buf[:0], track, u)
			if _, err := w.Write(buf); err != nil {
				return nil, fmt.Errorf("%w: %w", errPipe, err)
			}
		}
		var err error
		if u, err = src.Next(ctx); err != nil {
			return nil, err
		}
	}
}

// analyse reads frames from ffmpeg until it closes its output, picks at
// most FPS frames per second by their pictures' wall times and feeds their
// differences to the tracker.
func (p *Pixel) analyse(r io.Reader, w, h int, q *pending, tr *tracker, emit func(Observation)) error {
	d := newDiffer(newRaster(w, h, p.cfg.Zones, p.cfg.Masks), p.cfg.Zones, p.noise, p.minArea)
	interval := time.Duration(float64(time.Second)/p.cfg.FPS) - 2*time.Millisecond
	bufs := [2][]byte{make([]byte, w*h), make([]byte, w*h)}
	var last time.Time
	for i := 0; ; i++ {
		buf := bufs[i%2]
		if _, err := io.ReadFull(r, buf); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return err
		}
		wall, ok := q.pop()
		if !ok {
			return errors.New("more frames than pictures given")
		}
		if p.frameHook != nil {
			p.frameHook(wall, buf)
		}
		if !last.IsZero() && wall.Sub(last) < interval && wall.After(last) {
			i-- // skipped: reuse this buffer, keep the previous frame
			continue
		}
		last = wall
		active, score, zones := d.frame(buf)
		if o, ok := tr.frame(wall, active, score, zones); ok {
			emit(o)
		}
	}
}
