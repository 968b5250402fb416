package simcam

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/h264enc"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// fakeClock steps by a fixed interval on every call, so frames get
// deterministic, distinct times.
func fakeClock(start time.Time, step time.Duration) func() time.Time {
	n := 0
	return func() time.Time {
		t := start.Add(time.Duration(n) * step)
		n++
		return t
	}
}

// TestCameraFFmpeg encodes a run of frames across a still→moving boundary,
// decodes them with ffmpeg and checks pixels, pattern, SEI and motion.
func TestCameraFFmpeg(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	sched := Schedule{Start: start.Add(-18 * time.Second)} // moving from start+2s
	const frames = 40
	step := 100 * time.Millisecond
	cam, err := NewCamera(CameraConfig{ID: testID, GOP: 15, Now: fakeClock(start, step), Schedule: sched})
	if err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	var rendered [][]byte
	for i := range frames {
		au, err := cam.Next()
		if err != nil {
			t.Fatal(err)
		}
		if au.Frame != uint64(i) || au.IDR != (i%15 == 0) {
			t.Fatalf("frame %d: got frame %d idr %v", i, au.Frame, au.IDR)
		}
		if s, ok := sei.Find(au.NALUs); !ok || s.CameraID != testID || s.Frame != uint64(i) {
			t.Fatalf("frame %d: SEI %+v, %v", i, s, ok)
		}
		rendered = append(rendered, append([]byte(nil), cam.frame.Y...))
		stream.Write(h264enc.AnnexB(au.NALUs))
	}
	size := DefaultWidth * DefaultHeight
	dir := t.TempDir()
	in := filepath.Join(dir, "cam.h264")
	if err := os.WriteFile(in, stream.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	decoded := ffmpegGray(t, ffmpeg, in, frames*size)
	moved := 0
	for i := range frames {
		y := decoded[i*size : (i+1)*size]
		if !bytes.Equal(y, rendered[i]) {
			t.Fatalf("frame %d: decoded luma differs from rendered luma", i)
		}
		id, wall, err := ReadPattern(y, DefaultWidth, DefaultHeight, DefaultWidth)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if want := start.Add(time.Duration(i) * step); id != testID || !wall.Equal(want) {
			t.Fatalf("frame %d: ReadPattern = %q, %v; want %q, %v", i, id, wall, testID, want)
		}
		if i == 0 {
			continue
		}
		prev := decoded[(i-1)*size : i*size]
		changed := !bytes.Equal(y[OverlayHeight*DefaultWidth:], prev[OverlayHeight*DefaultWidth:])
		tPrev, tNow := start.Add(time.Duration(i-1)*step), start.Add(time.Duration(i)*step)
		x0, _, _, _ := ObjectRect(DefaultWidth, DefaultHeight, sched, tPrev)
		x1, _, _, _ := ObjectRect(DefaultWidth, DefaultHeight, sched, tNow)
		if changed != (x0 != x1) {
			t.Fatalf("frame %d: scene below overlay changed=%v, object x %d -> %d", i, changed, x0, x1)
		}
		if changed && !sched.Moving(tNow) && !sched.Moving(tPrev) {
			t.Fatalf("frame %d: scene changed while the schedule says still", i)
		}
		if changed {
			moved++
		}
	}
	if moved < 10 {
		t.Fatalf("object moved in only %d frames", moved)
	}

	// Lossy: re-encode with x264 at a low quality; the pattern must survive.
	lossy := filepath.Join(dir, "lossy.mp4")
	out, err := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-i", in, "-c:v", "libx264", "-crf", "35", "-pix_fmt", "yuv420p", lossy).CombinedOutput()
	if err != nil {
		t.Fatalf("x264 re-encode: %v: %s", err, out)
	}
	decoded = ffmpegGray(t, ffmpeg, lossy, frames*size)
	for i := range frames {
		id, wall, err := ReadPattern(decoded[i*size:(i+1)*size], DefaultWidth, DefaultHeight, DefaultWidth)
		if want := start.Add(time.Duration(i) * step); err != nil || id != testID || !wall.Equal(want) {
			t.Fatalf("lossy frame %d: ReadPattern = %q, %v, %v; want %q, %v", i, id, wall, err, testID, want)
		}
	}
}

func ffmpegGray(t *testing.T, ffmpeg, in string, wantBytes int) []byte {
	t.Helper()
	cmd := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-i", in, "-f", "rawvideo", "-pix_fmt", "gray", "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg decode %s: %v: %s", in, err, stderr.String())
	}
	if stdout.Len() != wantBytes {
		t.Fatalf("ffmpeg decoded %d bytes, want %d", stdout.Len(), wantBytes)
	}
	return stdout.Bytes()
}

func TestNewCameraRejects(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]CameraConfig{
		"bad id":    {ID: "Cam-1"},
		"too small": {ID: "ab", Width: 256, Height: 256},
		"not mb":    {ID: "ab", Width: 650},
	} {
		if _, err := NewCamera(cfg); err == nil {
			t.Errorf("%s: NewCamera accepted %+v", name, cfg)
		}
	}
}
