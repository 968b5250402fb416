package motion

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/h264enc"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestPixelWallMapping: every frame ffmpeg returns is mapped to the wall
// time of the very picture it shows. At full width the simulated camera's
// pattern (which carries the frame's wall clock) is readable from the gray
// frames; the stream is the camera's own, and a libx264 re-encode with
// B-frames (presentation order differs from decode order). The file camera
// shifts presentation times by the file's reorder delay, so there the
// offset between pattern and wall must be constant (a whole number of
// frames, at most the B-frame depth) rather than zero.
func TestPixelWallMapping(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	sched := simcam.Schedule{Start: t0}
	const d = 12 * time.Second

	// The re-encode: the camera's frames through libx264 with B-frames,
	// looped by a file camera on the same clock.
	var raw []byte
	orig := newCamSource(t, t0, d, sched, "")
	for range orig.frames {
		au, err := orig.cam.Next()
		if err != nil {
			t.Fatal(err)
		}
		orig.n++
		raw = append(raw, h264enc.AnnexB(au.NALUs)...)
	}
	bframes := filepath.Join(t.TempDir(), "bframes.h264")
	cmd := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-r", "10", "-f", "h264", "-i", "pipe:0",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-bf", "3", "-g", "30", "-f", "h264", bframes)
	cmd.Stdin = bytes.NewReader(raw)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libx264: %v\n%s", err, out)
	}
	if fi, err := os.Stat(bframes); err != nil || fi.Size() == 0 {
		t.Fatalf("re-encode: %v", err)
	}

	for name, file := range map[string]string{"simcam": "", "x264 b-frames": bframes} {
		src := newCamSource(t, t0, d, sched, file)
		p := newTestPixel(t, PixelConfig{Width: 640})
		seen, bad := 0, 0
		var offset time.Duration
		p.frameHook = func(wall time.Time, frame []byte) {
			seen++
			_, at, err := simcam.ReadPattern(frame, 640, 368, 640)
			if seen == 1 && err == nil && file != "" {
				offset = wall.Sub(at)
				if offset < 0 || offset > 3*100*time.Millisecond || offset%(100*time.Millisecond) != 0 {
					t.Errorf("%s: offset %v is no reorder delay", name, offset)
				}
			}
			if err != nil || !at.Add(offset).Equal(wall) {
				if bad++; bad <= 3 {
					t.Errorf("%s: frame %d mapped to %v shows %v (%v)", name, seen, wall.Format("15:04:05.000"), at.Format("15:04:05.000"), err)
				}
			}
		}
		runToEOF(t, p, src)
		if seen < src.frames-1 || bad > 0 {
			t.Errorf("%s: %d frames back of %d given, %d mapped wrong", name, seen, src.frames, bad)
		}
	}
}
