package h264enc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hearthnvr/hearth/streams/nal"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// testFrames returns a sequence that exercises IDR, sparse and dense P frames,
// an unchanged frame, and extreme sample values (0 and 255, which stress
// emulation prevention in PCM data).
func testFrames(w, h, n int) []*Frame {
	rng := rand.New(rand.NewPCG(1, 2))
	f := NewFrame(w, h, 0, 128, 128)
	for i := range f.Y {
		f.Y[i] = byte(i % 251)
	}
	out := []*Frame{cloneFrame(f)}
	for k := 1; k < n; k++ {
		switch k % 4 {
		case 1: // a few macroblocks change
			for j := 0; j < 5; j++ {
				paintMB(f, rng.IntN(w/16), rng.IntN(h/16), byte(rng.IntN(256)), byte(rng.IntN(256)))
			}
		case 2: // nothing changes
		case 3: // zero runs across macroblock boundaries
			paintMB(f, 0, 0, 0, 0)
			paintMB(f, 1, 0, 0, 0)
			paintMB(f, w/16-1, h/16-1, 255, 0)
		default: // every sample changes
			for i := range f.Y {
				f.Y[i] = byte(rng.IntN(256))
			}
			for i := range f.Cb {
				f.Cb[i], f.Cr[i] = byte(rng.IntN(256)), byte(rng.IntN(256))
			}
		}
		out = append(out, cloneFrame(f))
	}
	return out
}

func cloneFrame(f *Frame) *Frame {
	c := NewFrame(f.Width, f.Height, 0, 0, 0)
	c.copyFrom(f)
	return c
}

func paintMB(f *Frame, mbx, mby int, y, c byte) {
	for r := 0; r < 16; r++ {
		for x := 0; x < 16; x++ {
			f.Y[(mby*16+r)*f.Width+mbx*16+x] = y
		}
	}
	cw := f.Width / 2
	for r := 0; r < 8; r++ {
		for x := 0; x < 8; x++ {
			f.Cb[(mby*8+r)*cw+mbx*8+x] = c
			f.Cr[(mby*8+r)*cw+mbx*8+x] = 255 - c
		}
	}
}

// TestFFmpegDecodesBitExact encodes frames to an Annex-B file and checks that
// ffmpeg decodes every frame, with no error, to exactly the input samples.
func TestFFmpegDecodesBitExact(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	cases := []struct {
		name          string
		w, h, slices  int
		frames, idrAt int
	}{
		{"one-slice", 64, 48, 1, 12, 6},
		{"three-slices", 96, 64, 3, 10, 5},
		{"camera-size", 640, 368, 1, 6, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			enc, err := New(Config{Width: tc.w, Height: tc.h, FPS: 10, Slices: tc.slices})
			if err != nil {
				t.Fatal(err)
			}
			frames := testFrames(tc.w, tc.h, tc.frames)
			var stream []byte
			for i, f := range frames {
				nalus, idr, err := enc.Encode(f, i == tc.idrAt)
				if err != nil {
					t.Fatal(err)
				}
				if wantIDR := i == 0 || i == tc.idrAt; idr != wantIDR {
					t.Fatalf("frame %d: idr=%v, want %v", i, idr, wantIDR)
				}
				stream = append(stream, AnnexB(nalus)...)
			}
			for _, pixFmt := range []string{"gray", "yuvj420p"} {
				got := decode(t, ffmpeg, stream, pixFmt)
				var want []byte
				for _, f := range frames {
					want = append(want, f.Y...)
					if pixFmt == "yuvj420p" { // full range: no conversion of chroma either
						want = append(want, f.Cb...)
						want = append(want, f.Cr...)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("%s: decoded %d bytes, want %d (%d frames)", pixFmt, len(got), len(want), len(frames))
				}
				if i := firstDiff(got, want); i >= 0 {
					t.Fatalf("%s: decoded output differs at byte %d (frame %d)", pixFmt, i, i/(len(want)/len(frames)))
				}
			}
		})
	}
}

func decode(t *testing.T, ffmpeg string, stream []byte, pixFmt string) []byte {
	t.Helper()
	in := filepath.Join(t.TempDir(), "x.h264")
	if err := os.WriteFile(in, stream, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-i", in, "-f", "rawvideo", "-pix_fmt", pixFmt, "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("ffmpeg reported errors: %s", stderr.String())
	}
	return stdout.Bytes()
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Width: 0, Height: 16},
		{Width: 17, Height: 16},
		{Width: 16, Height: 24},
		{Width: 16, Height: 16, FPS: -1},
		{Width: 16, Height: 32, Slices: 3},
	} {
		t.Run(fmt.Sprintf("%+v", cfg), func(t *testing.T) {
			if _, err := New(cfg); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}

func TestEncodeRejectsWrongSize(t *testing.T) {
	t.Parallel()
	enc, err := New(Config{Width: 32, Height: 32})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := enc.Encode(NewFrame(16, 16, 0, 0, 0), false); err == nil {
		t.Fatal("Encode accepted a frame of the wrong size")
	}
}

// TestSkipOnlyPictureIsSmall checks that an unchanged frame costs a few bytes:
// the point of P_Skip.
func TestSkipOnlyPictureIsSmall(t *testing.T) {
	t.Parallel()
	enc, err := New(Config{Width: 640, Height: 368})
	if err != nil {
		t.Fatal(err)
	}
	f := NewFrame(640, 368, 50, 128, 128)
	if _, _, err := enc.Encode(f, false); err != nil {
		t.Fatal(err)
	}
	nalus, idr, err := enc.Encode(f, false)
	if err != nil {
		t.Fatal(err)
	}
	if idr || len(nalus) != 1 || len(nalus[0]) > 16 {
		t.Fatalf("unchanged frame: idr=%v, %d NAL units, first %d bytes", idr, len(nalus), len(nalus[0]))
	}
}

func TestExpGolomb(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ue   uint32
		bits string
	}{
		{0, "1"}, {1, "010"}, {2, "011"}, {3, "00100"}, {7, "0001000"}, {30, "000011111"},
	}
	for _, tc := range cases {
		w := &bitWriter{}
		w.ue(tc.ue)
		if got := bitString(w); got != tc.bits {
			t.Errorf("ue(%d) = %s, want %s", tc.ue, got, tc.bits)
		}
	}
	for v, want := range map[int32]string{0: "1", 1: "010", -1: "011", 2: "00100", -2: "00101"} {
		w := &bitWriter{}
		w.se(v)
		if got := bitString(w); got != want {
			t.Errorf("se(%d) = %s, want %s", v, got, want)
		}
	}
}

func bitString(w *bitWriter) string {
	var s []byte
	for _, b := range w.buf {
		s = fmt.Appendf(s, "%08b", b)
	}
	for i := int(w.nbits) - 1; i >= 0; i-- {
		s = append(s, '0'+(w.cur>>uint(i))&1)
	}
	return string(s)
}

func TestEmulationPrevention(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want []byte }{
		{[]byte{0, 0, 0}, []byte{0, 0, 3, 0}},
		{[]byte{0, 0, 1}, []byte{0, 0, 3, 1}},
		{[]byte{0, 0, 4}, []byte{0, 0, 4}},
		{[]byte{0, 0, 0, 0, 0}, []byte{0, 0, 3, 0, 0, 3, 0}},
		{[]byte{1, 0, 0, 3}, []byte{1, 0, 0, 3, 3}},
	}
	for _, tc := range cases {
		if got := nal.AppendEscaped(nil, tc.in); !bytes.Equal(got, tc.want) {
			t.Errorf("escape(% x) = % x, want % x", tc.in, got, tc.want)
		}
	}
}
