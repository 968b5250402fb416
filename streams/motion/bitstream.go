package motion

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Bitstream detector defaults.
const (
	DefaultSensitivity = 0.5
	// DefaultBaselineWindow is how much quiet footage the baseline holds.
	DefaultBaselineWindow = 20 * time.Second
	// DefaultSmoothing is the window the per-picture excess is averaged over.
	DefaultSmoothing = 500 * time.Millisecond
	// minBaselinePictures is how many quiet pictures the baseline needs
	// before anything can count as motion.
	minBaselinePictures = 20
	// maxBaselinePictures bounds the baseline's memory at high frame rates.
	maxBaselinePictures = 1024
	// floorBytes is the smallest smoothed excess that counts, whatever the
	// baseline: a few macroblocks of a small picture.
	floorBytes = 48
)

// BitstreamConfig configures a Bitstream detector. Zero fields take the
// defaults.
type BitstreamConfig struct {
	// Sensitivity in [0, 1]: higher reports smaller motion. Zero means
	// DefaultSensitivity; a negative value is the least sensitive (0).
	Sensitivity float64
	// BaselineWindow is how much quiet footage the baseline remembers.
	BaselineWindow time.Duration
	// Smoothing is the window over which a picture's excess over the
	// baseline is averaged before it is compared with the threshold.
	Smoothing time.Duration
	Tracker   TrackerConfig
}

// Bitstream detects motion from the size of coded non-key pictures. It runs
// no external program and decodes nothing. A Bitstream holds no state
// between calls of Run; Run may be called again (not concurrently) after it
// returns.
type Bitstream struct {
	cfg BitstreamConfig
	// k is the threshold in standard deviations of the smoothed excess,
	// rel the threshold as a fraction of the median picture.
	k, rel float64
}

var _ Detector = (*Bitstream)(nil)

// NewBitstream returns a bitstream detector.
func NewBitstream(cfg BitstreamConfig) *Bitstream {
	s := sensitivity(cfg.Sensitivity)
	if cfg.BaselineWindow <= 0 {
		cfg.BaselineWindow = DefaultBaselineWindow
	}
	if cfg.Smoothing <= 0 {
		cfg.Smoothing = DefaultSmoothing
	}
	cfg.Sensitivity = s
	return &Bitstream{cfg: cfg, k: 6 - 4*s, rel: 0.8 - 0.6*s}
}

// sensitivity applies the default and clamps.
func sensitivity(s float64) float64 {
	if s == 0 || math.IsNaN(s) {
		return DefaultSensitivity
	}
	return clamp01(s)
}

// picture is one non-key picture's excess over its class's baseline, and
// that baseline's spread.
type picture struct {
	wall   time.Time
	excess float64
	median float64
	sigma  float64
}

// maxClasses bounds the baselines of one stream (a stream uses a handful).
const maxClasses = 32

// Run reads units from src until ctx ends (returns nil) or src fails
// (returns its error, wrapped). Audio units and keyframes are skipped;
// a change of stream (a new StreamInfo) resets the baselines.
//
// Each picture's size is compared with the median of recent quiet pictures
// of its class (see pictureClass); the excess, averaged over Smoothing, is
// activity when it passes the largest of: k standard deviations of that
// average (from the MADs), rel times the median picture, and a floor.
func (b *Bitstream) Run(ctx context.Context, src Source, emit func(Observation)) error {
	tr := newTracker(b.cfg.Tracker)
	defer func() {
		if o, ok := tr.close(); ok {
			emit(o)
		}
	}()
	var (
		bases  map[pictureClass]*baseline
		info   *media.StreamInfo
		window []picture // pictures within Smoothing of the latest
	)
	for {
		u, err := src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("bitstream motion: %w", err)
		}
		if !isVideo(u) {
			continue
		}
		if u.Info != info || bases == nil {
			info = u.Info
			bases, window = map[pictureClass]*baseline{}, window[:0]
		}
		if u.Key {
			continue // intra pictures say nothing about change
		}
		codec := info.Tracks[u.Track].Codec
		class := classOf(codec, u.NALUs)
		base := bases[class]
		if base == nil {
			if len(bases) >= maxClasses {
				continue
			}
			base = newBaseline(b.baselineLen(info.Tracks[u.Track].FPS))
			bases[class] = base
		}
		size := float64(vclBytes(codec, u.NALUs))
		median, sigma := base.stats()
		ready := base.count() >= minBaselinePictures
		if !tr.busy() {
			base.add(size)
		}
		if !ready {
			continue
		}
		p := picture{wall: u.Wall, excess: size - median, median: median, sigma: sigma}
		window = append(window, p)
		for len(window) > 1 && p.wall.Sub(window[0].wall) >= b.cfg.Smoothing {
			window = window[1:]
		}
		mean, threshold := b.judge(window)
		active := mean > threshold
		wall := p.wall
		if active && !tr.busy() {
			wall = firstOver(window, threshold)
		}
		if o, ok := tr.frame(wall, active, ratioScore(mean/threshold), nil); ok {
			emit(o)
		}
		if tr.takeExpired() {
			clear(bases)
			window = window[:0]
		}
	}
}

// judge returns the window's mean excess and the threshold it must pass.
func (b *Bitstream) judge(window []picture) (mean, threshold float64) {
	var sum, variance, medians float64
	for _, p := range window {
		sum += p.excess
		variance += p.sigma * p.sigma
		medians += p.median
	}
	n := float64(len(window))
	return sum / n, max(b.k*math.Sqrt(variance)/n, b.rel*medians/n, floorBytes)
}

// baselineLen is the number of pictures the baseline window holds at fps
// (10 fps when the stream does not say).
func (b *Bitstream) baselineLen(fps float64) int {
	if fps <= 0 || fps > 240 {
		fps = 10
	}
	n := int(b.cfg.BaselineWindow.Seconds() * fps)
	return min(max(n, 2*minBaselinePictures), maxBaselinePictures)
}

// firstOver returns the wall time of the first picture of the window whose
// own excess is over the threshold (the window's newest when none is): the
// best guess at when the motion began.
func firstOver(window []picture, threshold float64) time.Time {
	for _, p := range window {
		if p.excess > threshold {
			return p.wall
		}
	}
	return window[len(window)-1].wall
}

// vclBytes counts the bytes of coded slices, leaving out parameter sets, SEI
// (the camera's stamp) and other non-picture NAL units.
func vclBytes(codec media.Codec, nalus [][]byte) int {
	n := 0
	for _, nalu := range nalus {
		if len(nalu) == 0 {
			continue
		}
		switch codec {
		case media.H264:
			if t := nalu[0] & 0x1f; t >= 1 && t <= 5 {
				n += len(nalu)
			}
		case media.H265:
			if t := (nalu[0] >> 1) & 0x3f; t <= 31 {
				n += len(nalu)
			}
		}
	}
	return n
}
