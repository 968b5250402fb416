package motion

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// TestExpGolomb: codes are read across an emulation-prevention byte.
func TestExpGolomb(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   []byte
		want []uint32
	}{
		{[]byte{0b1_010_011_0, 0b0100_0000}, []uint32{0, 1, 2, 3}},
		// 00 00 03 01: the 03 is dropped, so 23 zeros, a one, then 23 ones.
		{[]byte{0, 0, 3, 1, 0xff, 0xff, 0xff}, []uint32{1<<24 - 2}},
	} {
		r := expGolomb{b: c.in}
		for i, w := range c.want {
			if got, ok := r.ue(); !ok || got != w {
				t.Errorf("% x: code %d = %d (%v), want %d", c.in, i, got, ok, w)
			}
		}
	}
	r := expGolomb{b: []byte{0, 0}}
	if _, ok := r.ue(); ok {
		t.Error("a code past the end was read")
	}
}

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
	ffmpeg := requireTool(t, "ffmpeg")
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
