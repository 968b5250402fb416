package motion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// camID is the simulated camera's ID in these tests.
const camID = "0123456789abcdef0123456789abcdef"

// camSource turns a simulated camera into a Source, frame by frame, with a
// simulated clock: it runs as fast as the detector reads, not in real time.
// After frames units it returns io.EOF.
type camSource struct {
	cam    *simcam.Camera
	info   *media.StreamInfo
	n      int // frames produced
	frames int
	step   time.Duration
	start  time.Time
}

var _ Source = (*camSource)(nil)

// newCamSource returns a source of a rendering camera (file == "") or of a
// camera looping file, starting at start, for the given duration.
func newCamSource(t testing.TB, start time.Time, d time.Duration, sched simcam.Schedule, file string) *camSource {
	t.Helper()
	s := &camSource{start: start}
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: camID, Schedule: sched, File: file, Now: s.now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := cam.Config()
	s.cam = cam
	s.step = time.Second / time.Duration(cfg.FPS)
	if src := cam.Source(); src != nil && src.FPS() > 0 {
		s.step = time.Duration(float64(time.Second) / src.FPS())
	}
	s.frames = int(d / s.step)
	codec := media.H264
	if cam.Codec() == simcam.CodecH265 {
		codec = media.H265
	}
	s.info = &media.StreamInfo{CameraID: camID, Stream: "sub", Tracks: []media.Track{{
		Codec: codec, ClockRate: media.VideoClockRate, Width: cfg.Width, Height: cfg.Height,
		FPS: float64(time.Second) / float64(s.step), VPS: cam.VPS(), SPS: cam.SPS(), PPS: cam.PPS(),
	}}}
	return s
}

func (s *camSource) now() time.Time { return s.start.Add(time.Duration(s.n) * s.step) }

// Next returns the next frame, or io.EOF after the last.
func (s *camSource) Next(ctx context.Context) (*media.Unit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.n >= s.frames {
		return nil, io.EOF
	}
	au, err := s.cam.Next()
	if err != nil {
		return nil, err
	}
	s.n++
	pts := au.PTS.Nanoseconds() * 9 / 100000
	return &media.Unit{Info: s.info, PTS: pts, DTS: int64(au.Frame) * s.step.Nanoseconds() * 9 / 100000,
		Wall: au.Time, Key: au.IDR, NALUs: au.NALUs}, nil
}

// recorder collects observations; emit is called from Run's goroutine only,
// but the mutex keeps the race detector honest if that ever changes.
type recorder struct {
	mu  sync.Mutex
	obs []Observation
}

func (r *recorder) emit(o Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs = append(r.obs, o)
}

func (r *recorder) all() []Observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Observation(nil), r.obs...)
}

// runToEOF runs d over src until the source ends and returns what it saw.
func runToEOF(t *testing.T, d Detector, src Source) []Observation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var r recorder
	err := d.Run(ctx, src, r.emit)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("run: %v, want the source's io.EOF", err)
	}
	return r.all()
}

// motion is one start–stop pair of observations.
type motion struct{ start, stop Observation }

// pairs checks the observations' shape (start, repeats at most a second
// apart, stop; walls in order) and returns the motions.
func pairs(t *testing.T, obs []Observation) []motion {
	t.Helper()
	var out []motion
	var cur *motion
	var last time.Time
	for i, o := range obs {
		switch {
		case o.Moving && cur == nil:
			out = append(out, motion{start: o})
			cur = &out[len(out)-1]
		case o.Moving:
			if gap := o.Wall.Sub(last); gap > time.Second || gap < 0 {
				t.Errorf("observation %d: repeat %v after the previous one, want ≤ 1s", i, gap)
			}
		case cur == nil:
			t.Fatalf("observation %d: a stop without a start", i)
		default:
			if o.Wall.Before(cur.start.Wall) {
				t.Errorf("observation %d: stop %v before its start %v", i, o.Wall, cur.start.Wall)
			}
			if o.Score < cur.start.Score {
				t.Errorf("observation %d: stop score %v under the start's %v (should be the peak)", i, o.Score, cur.start.Score)
			}
			cur.stop = o
			cur = nil
		}
		if o.Score < 0 || o.Score > 1 {
			t.Errorf("observation %d: score %v outside 0..1", i, o.Score)
		}
		last = o.Wall
	}
	if cur != nil {
		t.Fatalf("motion starting %v never stopped", cur.start.Wall)
	}
	return out
}

// checkStarts asserts one motion per expected start, each within ±1 s of it.
func checkStarts(t *testing.T, got []motion, want []time.Time) {
	t.Helper()
	if len(got) != len(want) {
		for _, m := range got {
			t.Logf("motion %v .. %v score %.2f", m.start.Wall.Format("15:04:05.000"), m.stop.Wall.Format("15:04:05.000"), m.stop.Score)
		}
		t.Fatalf("%d motions, want %d (starts %v)", len(got), len(want), want)
	}
	for i, m := range got {
		if d := m.start.Wall.Sub(want[i]); d < -time.Second || d > time.Second {
			t.Errorf("motion %d starts %v, want within ±1s of %v (off by %v)", i, m.start.Wall, want[i], d)
		}
	}
}

// scheduledStarts lists the schedule's movement starts in (from, to].
func scheduledStarts(s simcam.Schedule, from, to time.Time) []time.Time {
	var out []time.Time
	for t := from; ; {
		start, _ := s.NextMove(t)
		if start.After(to) {
			return out
		}
		out = append(out, start)
		t = start
	}
}

// x264Clip writes a realistic 640×360 H.264 clip with ffmpeg and libx264
// (zerolatency: several slices per picture) as MPEG-TS: a frozen testsrc2
// background with mild temporal noise, and a textured, animated patch that
// appears and crosses the picture during [moveFrom, moveTo) seconds only.
// Extra arguments go to the encoder (e.g. B-frames, which zerolatency
// turns off: put "-tune", "film" after it to undo).
func x264Clip(t testing.TB, ffmpeg string, seconds, moveFrom, moveTo int, extra ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip.ts")
	filter := fmt.Sprintf("[0:v][1:v]overlay=x='40+(t-%d)*100':y=180:enable='between(t,%d,%d-0.05)':shortest=1,format=yuv420p",
		moveFrom, moveFrom, moveTo)
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=s=640x360:r=10,loop=loop=-1:size=1:start=0,noise=alls=2:allf=t",
		"-f", "lavfi", "-i", "testsrc2=s=80x120:r=10",
		"-filter_complex", filter, "-t", fmt.Sprint(seconds),
		"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-crf", "28", "-g", "25",
		"-threads", "4"}
	args = append(append(args, extra...), "-f", "mpegts", path)
	cmd := exec.Command(ffmpeg, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg clip: %v\n%s", err, out)
	}
	return path
}
