package motion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// sliceSource replays units, then returns io.EOF.
type sliceSource struct {
	units []*media.Unit
	i     int
}

func (s *sliceSource) Next(ctx context.Context) (*media.Unit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.i >= len(s.units) {
		return nil, io.EOF
	}
	s.i++
	return s.units[s.i-1], nil
}

// collect renders a source's units ahead of the measurement.
func collect(b *testing.B, src Source) []*media.Unit {
	b.Helper()
	var out []*media.Unit
	for {
		u, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, u)
	}
}

// benchClip writes a 640×360 libx264 clip at fps with motion in its middle.
// A busy clip animates the whole background too (the worst case to decode).
func benchClip(b *testing.B, ffmpeg string, fps, seconds int, busy bool) string {
	b.Helper()
	freeze := ",loop=loop=-1:size=1:start=0"
	if busy {
		freeze = ""
	}
	path := filepath.Join(b.TempDir(), "bench.ts")
	filter := fmt.Sprintf("[0:v][1:v]overlay=x='40+t*15':y=180:enable='between(t,%d,%d)':shortest=1,format=yuv420p", seconds/3, 2*seconds/3)
	cmd := exec.Command(ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=640x360:r=%d%s,noise=alls=2:allf=t", fps, freeze),
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=80x120:r=%d", fps),
		"-filter_complex", filter, "-t", fmt.Sprint(seconds),
		"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-crf", "28", "-g", fmt.Sprint(2*fps),
		"-f", "mpegts", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg clip: %v\n%s", err, out)
	}
	return path
}

// cpu returns this process's and its waited-for children's CPU time.
func cpu(b *testing.B) (self, children time.Duration) {
	b.Helper()
	var s, c syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &s); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &c); err != nil {
		b.Fatal(err)
	}
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(s.Utime) + tv(s.Stime), tv(c.Utime) + tv(c.Stime)
}

// footage returns the wall time the units span.
func footage(units []*media.Unit) time.Duration {
	return units[len(units)-1].Wall.Sub(units[0].Wall)
}

// runBench replays units through the detector b.N times and reports the
// CPU one camera costs in real time: CPU seconds per second of footage, as
// a percentage of one core (Go side and ffmpeg child separately).
func runBench(b *testing.B, newDet func() Detector, units []*media.Unit) {
	b.Helper()
	b.ReportAllocs()
	self0, kids0 := cpu(b)
	b.ResetTimer()
	for range b.N {
		err := newDet().Run(context.Background(), &sliceSource{units: units}, func(Observation) {})
		if !errors.Is(err, io.EOF) {
			b.Fatalf("run: %v", err)
		}
	}
	b.StopTimer()
	self1, kids1 := cpu(b)
	secs := footage(units).Seconds() * float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(len(units)*b.N), "ns/frame")
	b.ReportMetric(100*(self1-self0).Seconds()/secs, "%core-go/cam")
	b.ReportMetric(100*(kids1-kids0).Seconds()/secs, "%core-ffmpeg/cam")
}

// BenchmarkBitstream: the bitstream detector on the simulated camera
// (640×368, 10 fps) and on a 640×360 libx264 stream (10 fps).
func BenchmarkBitstream(b *testing.B) {
	b.Run("simcam-640x368-10fps", func(b *testing.B) {
		sched := simcam.Schedule{Start: t0, Still: 20 * time.Second, Move: 5 * time.Second}
		units := collect(b, newCamSource(b, t0, time.Minute, sched, ""))
		runBench(b, func() Detector { return NewBitstream(BitstreamConfig{}) }, units)
	})
	b.Run("x264-640x360-10fps", func(b *testing.B) {
		clip := benchClip(b, testpeer.Require(b, "ffmpeg"), 10, 60, false)
		units := collect(b, newCamSource(b, t0, time.Minute, simcam.Schedule{}, clip))
		runBench(b, func() Detector { return NewBitstream(BitstreamConfig{}) }, units)
	})
}

// BenchmarkPixel: the ffmpeg pixel detector analysing 5 fps of a 640×360
// libx264 stream sent at 10 and at 25 fps (every picture is decoded), of a
// still scene with one moving object and of a busy one (all of it moving).
func BenchmarkPixel(b *testing.B) {
	ffmpeg := testpeer.Require(b, "ffmpeg")
	for _, c := range []struct {
		fps  int
		busy bool
	}{{10, false}, {25, false}, {10, true}, {25, true}} {
		name := fmt.Sprintf("x264-640x360-%dfps", c.fps)
		if c.busy {
			name += "-busy"
		}
		b.Run(name, func(b *testing.B) {
			clip := benchClip(b, ffmpeg, c.fps, 60, c.busy)
			units := collect(b, newCamSource(b, t0, time.Minute, simcam.Schedule{}, clip))
			runBench(b, func() Detector {
				p, err := NewPixel(PixelConfig{FFmpeg: ffmpeg})
				if err != nil {
					b.Fatal(err)
				}
				return p
			}, units)
		})
	}
}
