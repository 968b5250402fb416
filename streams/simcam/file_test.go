package simcam

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/hearthnvr/hearth/streams/h264enc"
	"github.com/hearthnvr/hearth/streams/sei"
)

// writeSynthetic writes frames of a synthetic multi-slice camera (stamped
// with oldID) as an Annex-B file, without needing ffmpeg.
func writeSynthetic(t *testing.T, frames, slices, gop int, name string) string {
	t.Helper()
	cam, err := NewCamera(CameraConfig{ID: "0123", FPS: 10, GOP: gop, Slices: slices,
		Now: fakeClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 100*time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for range frames {
		au, err := cam.Next()
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, h264enc.AnnexB(au.NALUs)...)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFileCameraLoop loops a 3-slice file across two loop boundaries: slices
// stay together, the file's own stamps give way to the camera's, and frame
// counter and media time keep increasing.
func TestFileCameraLoop(t *testing.T) {
	t.Parallel()
	const frames, slices = 12, 3
	path := writeSynthetic(t, frames, slices, 6, "cam.bin") // sniffed, not by extension
	cam, err := NewCamera(CameraConfig{ID: idA, File: path, FPS: 20})
	if err != nil {
		t.Fatal(err)
	}
	src := cam.Source()
	if src.Codec() != CodecH264 || src.Frames() != frames || src.Width() != DefaultWidth || src.Height() != DefaultHeight {
		t.Fatalf("source: %s %d frames %dx%d", src.Codec(), src.Frames(), src.Width(), src.Height())
	}
	// The SPS timing info (10 fps) wins over the camera's FPS.
	if src.FPS() != 10 || cam.Config().FPS != 10 || cam.frameInterval() != 100*time.Millisecond {
		t.Fatalf("fps: file %v, camera %d, interval %v; want 10 from the SPS", src.FPS(), cam.Config().FPS, cam.frameInterval())
	}
	for i := range 2*frames + 3 {
		au, err := cam.Next()
		if err != nil {
			t.Fatal(err)
		}
		st, ok := sei.Find(au.NALUs)
		if !ok || st.CameraID != idA || st.Frame != uint64(i) || au.Frame != uint64(i) {
			t.Fatalf("access unit %d: stamp %+v (%v), frame %d", i, st, ok, au.Frame)
		}
		var stamps, sl int
		for _, n := range au.NALUs {
			if _, ok := sei.Parse(n); ok {
				stamps++
			}
			if typ := h264.NALUType(n[0] & 0x1f); typ == h264.NALUTypeIDR || typ == h264.NALUTypeNonIDR {
				sl++
			}
		}
		if stamps != 1 || sl != slices {
			t.Fatalf("access unit %d: %d stamps, %d slices; want 1, %d", i, stamps, sl, slices)
		}
		if want := i%6 == 0; au.IDR != want || h264.IsRandomAccess(au.NALUs) != want {
			t.Fatalf("access unit %d: IDR %v", i, au.IDR)
		}
		if want := time.Duration(i) * 100 * time.Millisecond; au.PTS != want {
			t.Fatalf("access unit %d: PTS %v, want %v", i, au.PTS, want)
		}
	}
	cam.RequestIDR() // at file position 3: skips to the keyframe at 6
	au, err := cam.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !au.IDR || au.Frame != 2*frames+3 {
		t.Fatalf("after RequestIDR: IDR %v frame %d", au.IDR, au.Frame)
	}
}

func TestLoadFileRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := filepath.Join(dir, "huge.h264")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, MaxFileSize+1); err != nil { // sparse: no disk, no read
		t.Fatal(err)
	}
	noIDR := writeSynthetic(t, 3, 1, 100, "x.264")
	data, err := os.ReadFile(noIDR)
	if err != nil {
		t.Fatal(err)
	}
	var cut [][]byte // parameter sets and P slices, no IDR slice
	for _, n := range splitAnnexB(data) {
		if typ := n[0] & 0x1f; typ != 5 {
			cut = append(cut, n)
		}
	}
	for name, path := range map[string]string{
		"too large":  huge,
		"missing":    filepath.Join(dir, "nope.h264"),
		"empty":      write("empty.h265", nil),
		"garbage":    write("garbage.bin", []byte("hello, world")),
		"ts no sync": write("bad.ts", make([]byte, 400)),
		"no IDR":     write("noidr.h264", h264enc.AnnexB(cut)),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := LoadFile(path); err == nil {
				t.Fatal("LoadFile succeeded")
			}
		})
	}
}

func TestFileKind(t *testing.T) {
	t.Parallel()
	ts := make([]byte, 400)
	ts[0], ts[188] = tsSync, tsSync
	for _, tc := range []struct {
		path string
		data []byte
		want string
	}{
		{"a.H264", nil, CodecH264},
		{"a.hevc", nil, CodecH265},
		{"a.265", nil, CodecH265},
		{"a.ts", nil, "ts"},
		{"a.bin", ts, "ts"},
		{"a.bin", []byte{0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67}, CodecH264},       // AUD
		{"a.bin", []byte{0, 0, 0, 1, 0x40, 0x01, 0x0c, 0, 0, 1, 0x42}, CodecH265}, // VPS
		{"a.bin", []byte{0, 0, 0, 1, 0x46, 0x01, 0x50}, CodecH265},                // AUD
		{"a.bin", []byte("plain text"), ""},
	} {
		if got := fileKind(tc.path, tc.data); got != tc.want {
			t.Errorf("fileKind(%s, % x) = %q, want %q", tc.path, tc.data, got, tc.want)
		}
	}
}

func TestSplitAnnexB(t *testing.T) {
	t.Parallel()
	in := []byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 1, 0x65, 0, 0, 3, 1, 0}
	got := splitAnnexB(in)
	want := [][]byte{{0x67, 1, 2}, {0x68, 3}, {0x65, 0, 0, 3, 1}}
	if len(got) != len(want) {
		t.Fatalf("got %d NAL units: % x", len(got), got)
	}
	for i := range want {
		if string(got[i]) != string(want[i]) {
			t.Errorf("NAL unit %d = % x, want % x", i, got[i], want[i])
		}
	}
}

func TestFileSharedByCameras(t *testing.T) {
	t.Parallel()
	path := writeSynthetic(t, 4, 1, 4, "shared.h264")
	same := filepath.Join(filepath.Dir(path), ".", filepath.Base(path))
	s, err := Listen(ServerConfig{Addr: "127.0.0.1:0", Cameras: []CameraConfig{
		{ID: idA, File: path}, {ID: idB, File: same}, {ID: idA},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if a, b := s.Camera(1).Source(), s.Camera(2).Source(); a == nil || a != b {
		t.Fatalf("cameras 1 and 2 loaded the file separately: %p, %p", a, b)
	}
	if s.Camera(3).Source() != nil || s.Camera(3).Codec() != CodecH264 {
		t.Fatal("camera 3 is not synthetic")
	}
}
