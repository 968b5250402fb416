package replay

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestPixelsShowTheRequestedTime decodes what the Reader returns with
// ffmpeg and reads the simulated camera's pattern back from the pixels:
// the camera is the one asked for, and the clock drawn into the first
// picture is the keyframe at or before the requested start, within a GOP.
func TestPixelsShowTheRequestedTime(t *testing.T) {
	ffmpeg := testpeer.Require(t, "ffmpeg")
	ft := record(t, threeSpans...)
	start := epoch.Add(71*time.Second + 300*time.Millisecond)
	r := openTest(t, ft, start, newClock(true))
	var annexB bytes.Buffer
	for range 5 {
		u, err := r.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range u.NALUs {
			annexB.Write([]byte{0, 0, 0, 1})
			annexB.Write(n)
		}
	}
	in := filepath.Join(t.TempDir(), "replay.h264")
	if err := os.WriteFile(in, annexB.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-f", "h264", "-i", in, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	w, h := 512, 224
	if len(out) != w*h {
		t.Fatalf("decoded %d bytes, want one %dx%d gray frame", len(out), w, h)
	}
	id, clock, err := simcam.ReadPattern(out, w, h, w)
	if err != nil {
		t.Fatal(err)
	}
	if id != testCamID {
		t.Fatalf("the picture shows camera %q, want %q", id, testCamID)
	}
	if clock.After(start) || start.Sub(clock) >= gopDur {
		t.Fatalf("the picture's clock %v is not within a GOP at or before %v", clock, start)
	}
	t.Logf("asked for %v, the first picture shows %v", start.Format(time.TimeOnly+".000"), clock.Format(time.TimeOnly+".000"))
}
