package motion

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestClassOf: the simulated camera's P pictures share one class; a libx264
// stream with B-frames has P and B classes.
func TestClassOf(t *testing.T) {
	t.Parallel()
	classes := func(src Source) map[pictureClass]int {
		out := map[pictureClass]int{}
		for {
			u, err := src.Next(context.Background())
			if err != nil {
				return out
			}
			if !u.Key {
				out[classOf(u.Info.Tracks[u.Track].Codec, u.NALUs)]++
			}
		}
	}
	p := classes(newCamSource(t, t0, 5*time.Second, simcam.Schedule{}, ""))
	if len(p) != 1 || p[h264Class(0, true)] == 0 {
		t.Errorf("simulated camera classes %v, want only P reference", p)
	}
	ffmpeg := testpeer.Require(t, "ffmpeg")
	clip := x264Clip(t, ffmpeg, 6, 2, 4, "-tune", "film", "-bf", "3", "-b_strategy", "0", "-threads", "1")
	got := classes(newCamSource(t, t0, 6*time.Second, simcam.Schedule{}, clip))
	if got[h264Class(0, true)] == 0 || got[h264Class(1, false)] == 0 && got[h264Class(1, true)] == 0 {
		t.Errorf("b-frame stream classes %v, want P and B", got)
	}
	seen := map[pictureClass]bool{0: true}
	for st := range uint32(5) {
		for _, ref := range []bool{false, true} {
			if c := h264Class(st, ref); seen[c] {
				t.Errorf("slice type %d ref %v: class %d taken", st, ref, c)
			} else {
				seen[c] = true
			}
		}
	}
	if c := classOf(media.H264, [][]byte{{0x06, 0x05}}); c != 0 {
		t.Errorf("SEI only: class %d, want 0", c)
	}
}
