package simcam

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/streams/h264enc"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// receivedAU is an access unit as a reader saw it.
type receivedAU struct {
	nalus [][]byte
	ts    uint32 // RTP timestamp (90 kHz)
	at    time.Time
	size  int // NAL unit bytes
}

// dialFileCamera plays an H.264 or H.265 camera over TCP.
func dialFileCamera(t *testing.T, rawURL string) (<-chan receivedAU, string) {
	t.Helper()
	u, err := base.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	tcp := gortsplib.ProtocolTCP
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &tcp, ReadTimeout: 5 * time.Second}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	desc, _, err := c.Describe(u)
	if err != nil {
		t.Fatal(err)
	}
	var (
		f264   *format.H264
		f265   *format.H265
		codec  string
		decode func(*rtp.Packet) ([][]byte, error)
		forma  format.Format
	)
	medi := desc.FindFormat(&f264)
	if medi != nil {
		d, err := f264.CreateDecoder()
		if err != nil {
			t.Fatal(err)
		}
		codec, decode, forma = CodecH264, d.Decode, f264
	} else if medi = desc.FindFormat(&f265); medi != nil {
		d, err := f265.CreateDecoder()
		if err != nil {
			t.Fatal(err)
		}
		codec, decode, forma = CodecH265, d.Decode, f265
	} else {
		t.Fatal("no H.264 or H.265 track")
	}
	if _, err := c.Setup(desc.BaseURL, medi, 0, 0); err != nil {
		t.Fatal(err)
	}
	aus := make(chan receivedAU, 512)
	c.OnPacketRTP(medi, forma, func(pkt *rtp.Packet) {
		au, err := decode(pkt)
		if err != nil {
			return // fragment of a larger access unit
		}
		n := 0
		for _, nalu := range au {
			n += len(nalu)
		}
		select {
		case aus <- receivedAU{nalus: au, ts: pkt.Timestamp, at: time.Now(), size: n}:
		default: // the test fell behind; it notices the gap in frame numbers
		}
	})
	if _, err := c.Play(nil); err != nil {
		t.Fatal(err)
	}
	return aus, codec
}

// run runs a tool with a deadline and returns its stdout.
func run(t *testing.T, timeout time.Duration, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	if stderr.Len() > 0 {
		t.Fatalf("%s %s wrote errors:\n%s", name, strings.Join(args, " "), stderr.Bytes())
	}
	return out
}

// TestFileCameraRTSP encodes one-second 720p25 files with ffmpeg (x264 with
// 4 slices per frame, x265 with B-frames, and both in MPEG-TS), serves each
// from a file camera and reads it back over RTSP for more than two loops.
func TestFileCameraRTSP(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	ffprobe := testpeer.Require(t, "ffprobe")
	x265 := []string{"-c:v", "libx265", "-x265-params", "keyint=25:log-level=error", "-b:v", "4M"}
	for _, tc := range []struct {
		name, file, codec, probe string
		args                     []string
		slices                   int // slices per picture to expect, 0: don't check
	}{
		// On a machine with few cores x264's sliced threads cap the slice
		// count at the thread count, hence threads=4.
		{"h264 slices", "x.h264", CodecH264, "h264", []string{"-c:v", "libx264", "-tune", "zerolatency",
			"-x264-params", "slices=4:threads=4", "-g", "25", "-bf", "0", "-b:v", "4M", "-f", "h264"}, 4},
		{"h265 bframes", "x.h265", CodecH265, "hevc", append(x265, "-f", "hevc"), 0},
		{"mpegts h264 bframes", "x.ts", CodecH264, "h264", []string{"-c:v", "libx264", "-g", "25", "-b:v", "4M", "-f", "mpegts"}, 0},
		{"mpegts h265", "x.ts", CodecH265, "hevc", append(x265, "-f", "mpegts"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tc.file)
			args := append([]string{"-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "1"}, tc.args...)
			run(t, 3*time.Minute, ffmpeg, append(args, path)...) // x265 on a loaded 2-core machine is slow
			src, err := LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if src.Codec() != tc.codec || src.Width() != 1280 || src.Height() != 720 || src.Frames() != 25 || src.FPS() != 25 {
				t.Fatalf("loaded %s %dx%d, %d frames at %v fps; want %s 1280x720, 25 at 25",
					src.Codec(), src.Width(), src.Height(), src.Frames(), src.FPS(), tc.codec)
			}
			if strings.HasSuffix(tc.file, ".ts") {
				checkPresentationOrder(t, ffprobe, path, src)
			}
			checkServed(t, ffmpeg, ffprobe, src, tc.probe, tc.slices)
		})
	}
}

// checkPresentationOrder compares the presentation order derived from picture
// order counts with the PTS ffmpeg's muxer wrote into the container.
func checkPresentationOrder(t *testing.T, ffprobe, path string, src *FileSource) {
	t.Helper()
	out := run(t, 10*time.Second, ffprobe, "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pts", "-of", "csv=p=0", path)
	var pts []int64
	for line := range strings.FieldsSeq(string(out)) {
		v, err := strconv.ParseInt(strings.Trim(line, ","), 10, 64)
		if err != nil {
			t.Fatalf("ffprobe pts %q: %v", line, err)
		}
		pts = append(pts, v)
	}
	if len(pts) != src.Frames() {
		t.Fatalf("ffprobe: %d packets, loaded %d access units", len(pts), src.Frames())
	}
	reordered := false
	for i, au := range src.aus {
		want := int((pts[i] - pts[0]) / 3600) // pts[0] is the IDR, presented first
		if got := i + au.shift; got != want {
			t.Fatalf("access unit %d: presentation index %d, container says %d", i, got, want)
		}
		reordered = reordered || au.shift != 0
	}
	if !reordered {
		t.Fatal("no B-frames in the file: the check proved nothing")
	}
}

// checkServed serves src from a file camera and checks what a reader gets.
func checkServed(t *testing.T, ffmpeg, ffprobe string, src *FileSource, probeCodec string, slices int) {
	t.Helper()
	s := startServer(t, ServerConfig{Cameras: []CameraConfig{{ID: idA, File: src.Path()}}})
	aus, codec := dialFileCamera(t, s.URL(1))
	if codec != src.Codec() {
		t.Fatalf("SDP codec %s, want %s", codec, src.Codec())
	}
	const n = 2*25 + 12 // more than two loops
	got := make([]receivedAU, 0, n)
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case au := <-aus:
			got = append(got, au)
		case <-deadline:
			t.Fatalf("only %d access units in 10 s", len(got))
		}
	}
	find, isKey := sei.Find, h264.IsRandomAccess
	if codec == CodecH265 {
		find, isKey = sei.FindH265, h265.IsRandomAccess
	}
	var first uint64
	for i, au := range got {
		st, ok := find(au.nalus)
		if !ok || st.CameraID != idA {
			t.Fatalf("access unit %d: stamp %+v (%v), want camera %s", i, st, ok, idA)
		}
		if i == 0 {
			first = st.Frame
		} else if st.Frame != first+uint64(i) {
			t.Fatalf("access unit %d: frame %d, want %d", i, st.Frame, first+uint64(i))
		}
		if key := isKey(au.nalus); key != (st.Frame%25 == 0) {
			t.Fatalf("frame %d: keyframe %v; the file's only keyframe starts each loop", st.Frame, key)
		}
		if slices > 0 {
			if c := countSlices(au.nalus); c != slices {
				t.Fatalf("frame %d: %d slices, want %d", st.Frame, c, slices)
			}
		}
		// Media time continues across loops: one loop later, 25 frames later.
		if i >= 25 {
			if d := au.ts - got[i-25].ts; d != 25*3600 {
				t.Fatalf("frame %d: RTP time %d after the same picture one loop earlier, want %d", st.Frame, d, 25*3600)
			}
		}
	}
	// Rates over exactly two loops (50 frames = 2 s of media time). The
	// bitrate is checked in media time, which is exact; arrival time is
	// noisy on a loaded machine, so it only has to show pictures were not
	// split into slices (4 slices would arrive at ~100/s).
	var served int
	for _, au := range got[:50] {
		served += au.size
	}
	if fps := 50 / got[50].at.Sub(got[0].at).Seconds(); fps > 25*1.5 {
		t.Errorf("%.1f access units/s arrived, want at most about 25", fps)
	}
	fileRate := float64(src.Bytes()) * 25 / float64(src.Frames())
	if rate := float64(served) / 2; rate < fileRate*0.9 || rate > fileRate*1.1 {
		t.Errorf("served %.0f B per media second, file is %.0f B/s", rate, fileRate)
	}
	checkDecodes(t, ffmpeg, got, codec)
	// ffprobe joins mid-loop, before the keyframe, so its decoder may complain
	// about missing references (as with any camera): only fatal errors count
	// here; checkDecodes covers decoding.
	out := run(t, 15*time.Second, ffprobe, "-v", "fatal", "-rtsp_transport", "tcp",
		"-show_entries", "stream=codec_name,width,height", "-of", "json", s.URL(1))
	var probe struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	if len(probe.Streams) != 1 || probe.Streams[0].CodecName != probeCodec ||
		probe.Streams[0].Width != src.Width() || probe.Streams[0].Height != src.Height() {
		t.Fatalf("ffprobe: %s, want one %s %dx%d stream", out, probeCodec, src.Width(), src.Height())
	}
}

// checkDecodes feeds what was received, from the first keyframe, to ffmpeg:
// every access unit must decode, across the loop boundaries, without errors.
func checkDecodes(t *testing.T, ffmpeg string, got []receivedAU, codec string) {
	t.Helper()
	demux := "h264"
	isKey := h264.IsRandomAccess
	if codec == CodecH265 {
		demux, isKey = "hevc", h265.IsRandomAccess
	}
	var stream []byte
	frames := 0
	for _, au := range got {
		if frames == 0 && !isKey(au.nalus) {
			continue
		}
		stream = append(stream, h264enc.AnnexB(au.nalus)...)
		frames++
	}
	path := filepath.Join(t.TempDir(), "received."+demux)
	if err := os.WriteFile(path, stream, 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(t, 30*time.Second, ffmpeg, "-v", "error", "-nostdin", "-f", demux, "-i", path, "-f", "framemd5", "-")
	decoded := 0
	for line := range strings.Lines(string(out)) {
		if !strings.HasPrefix(line, "#") {
			decoded++
		}
	}
	if decoded != frames {
		t.Fatalf("ffmpeg decoded %d of %d received frames", decoded, frames)
	}
}

func countSlices(au [][]byte) int {
	c := 0
	for _, n := range au {
		if typ := h264.NALUType(n[0] & 0x1f); typ == h264.NALUTypeIDR || typ == h264.NALUTypeNonIDR {
			c++
		}
	}
	return c
}
