package segment

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

const testCamID = "0123456789abcdef0123456789abcdef"

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// feedConfig describes a synthetic camera stream.
type feedConfig struct {
	Seconds int
	FPS     int
	GOP     int
	Audio   media.Codec // "", PCMU or AAC
	Width   int
	Height  int
}

// makeUnits renders a simcam stream (and optional audio) into units in
// arrival order, with wall times from epoch.
func makeUnits(t testing.TB, cfg feedConfig) (*media.StreamInfo, []*media.Unit) {
	t.Helper()
	if cfg.FPS == 0 {
		cfg.FPS = 10
	}
	if cfg.GOP == 0 {
		cfg.GOP = 25
	}
	frame := 0
	cam, err := simcam.NewCamera(simcam.CameraConfig{
		ID: testCamID, FPS: cfg.FPS, GOP: cfg.GOP, Width: cfg.Width, Height: cfg.Height,
		Now: func() time.Time { return epoch.Add(time.Duration(frame) * time.Second / time.Duration(cfg.FPS)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	c := cam.Config()
	info := &media.StreamInfo{CameraID: testCamID, Stream: "main", Tracks: []media.Track{{
		Codec: media.H264, ClockRate: 90000, Width: c.Width, Height: c.Height, FPS: float64(cfg.FPS),
		SPS: cam.SPS(), PPS: cam.PPS(),
	}}}
	var audio []*media.Unit
	switch cfg.Audio {
	case media.PCMU:
		info.Tracks = append(info.Tracks, media.Track{Codec: media.PCMU, ClockRate: 8000, SampleRate: 8000, Channels: 1})
		for i := 0; i < cfg.Seconds*50; i++ { // 20 ms packets
			p := make([]byte, 160)
			for j := range p {
				p[j] = byte(0xff - (i+j)%16)
			}
			audio = append(audio, &media.Unit{Info: info, Track: 1, PTS: int64(i * 160), DTS: int64(i * 160), Payload: [][]byte{p}})
		}
	case media.AAC:
		asc, frames := aacFrames(t, cfg.Seconds)
		info.Tracks = append(info.Tracks, media.Track{Codec: media.AAC, ClockRate: 16000, SampleRate: 16000, Channels: 1, AACConfig: asc})
		for i := 0; i+2 <= len(frames); i += 2 { // two AUs per unit, as RTP often carries
			audio = append(audio, &media.Unit{Info: info, Track: 1, PTS: int64(i * 1024), DTS: int64(i * 1024), Payload: frames[i : i+2]})
		}
	}
	var units []*media.Unit
	ai := 0
	for frame = 0; frame < cfg.Seconds*cfg.FPS; frame++ {
		au, err := cam.Next()
		if err != nil {
			t.Fatal(err)
		}
		dts := int64(frame) * 90000 / int64(cfg.FPS)
		for ai < len(audio) && audio[ai].DTS*90000/int64(info.Tracks[1].ClockRate) <= dts {
			a := audio[ai]
			a.Wall = epoch.Add(time.Duration(a.DTS) * time.Second / time.Duration(info.Tracks[1].ClockRate))
			units = append(units, a)
			ai++
		}
		units = append(units, &media.Unit{Info: info, Track: 0, PTS: dts, DTS: dts, Wall: au.Time, Key: au.IDR, NALUs: au.NALUs})
	}
	return info, units
}

var (
	aacOnce   sync.Once
	aacASC    []byte
	aacAll    [][]byte
	aacErr    error
	aacOutput string
)

// aacFrames encodes a tone with ffmpeg's AAC encoder (ADTS) and splits it
// into raw access units.
func aacFrames(t testing.TB, seconds int) ([]byte, [][]byte) {
	t.Helper()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	aacOnce.Do(func() {
		dir, err := os.MkdirTemp("", "segment-aac")
		if err != nil {
			aacErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "a.aac")
		cmd := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=120",
			"-c:a", "aac", "-b:a", "32k", "-f", "adts", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			aacErr, aacOutput = err, string(b)
			return
		}
		data, err := os.ReadFile(out)
		if err != nil {
			aacErr = err
			return
		}
		for len(data) >= 7 && data[0] == 0xff && data[1]&0xf0 == 0xf0 {
			prot := data[1]&1 == 0
			n := int(data[3]&3)<<11 | int(data[4])<<3 | int(data[5])>>5
			hdr := 7
			if prot {
				hdr = 9
			}
			if n > len(data) || n < hdr {
				break
			}
			if aacASC == nil {
				ot := (data[2] >> 6) + 1
				fi := (data[2] >> 2) & 0xf
				cc := (data[2]&1)<<2 | data[3]>>6
				v := uint16(ot)<<11 | uint16(fi)<<7 | uint16(cc)<<3
				aacASC = binary.BigEndian.AppendUint16(nil, v)
			}
			aacAll = append(aacAll, data[hdr:n])
			data = data[n:]
		}
	})
	if aacErr != nil {
		t.Fatalf("make AAC: %v\n%s", aacErr, aacOutput)
	}
	n := min(len(aacAll), seconds*16000/1024)
	return aacASC, aacAll[:n]
}

// dirFiles creates segment files in a directory with CreateFile.
type dirFiles struct {
	dir   string
	paths []string
	wrap  func(*os.File) File // optional fault injection
}

func (d *dirFiles) Create(s SegmentStart) (File, error) {
	p := filepath.Join(d.dir, strconv.FormatUint(s.Seq, 10)+".mp4")
	f, err := CreateFile(p)
	if err != nil {
		return nil, err
	}
	d.paths = append(d.paths, p)
	if d.wrap != nil {
		return d.wrap(f), nil
	}
	return f, nil
}

var _ Files = (*dirFiles)(nil)

// recording is the outcome of recordUnits.
type recording struct {
	paths  []string
	frags  map[uint64][]Fragment
	closed []Closed
}

// recordUnits writes units through a Segmenter into dir.
func recordUnits(t testing.TB, dir string, units []*media.Unit, cfg Config) recording {
	t.Helper()
	clock := clocktest.New(epoch)
	files := &dirFiles{dir: dir}
	rec := recording{frags: map[uint64][]Fragment{}}
	cfg.Files = files
	cfg.Observer = ObserverFuncs{
		OnFragment: func(f Fragment) { rec.frags[f.Segment] = append(rec.frags[f.Segment], f) },
		OnClosed:   func(c Closed) { rec.closed = append(rec.closed, c) },
	}
	cfg.Writer.Now = clock.Now
	s := NewSegmenter(cfg)
	for _, u := range units {
		clock.Set(u.Wall) // the recorder runs in real time
		if err := s.WriteUnit(u); err != nil {
			t.Fatalf("write unit: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	rec.paths = files.paths
	return rec
}

// ffprobe runs ffprobe with args on path and returns trimmed stdout.
func ffprobe(t testing.TB, path string, args ...string) string {
	t.Helper()
	bin := testpeer.Require(t, "ffprobe")
	cmd := exec.Command(bin, append(append([]string{"-v", "error"}, args...), path)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// decodeErrors decodes path with ffmpeg and returns what it reported.
func decodeErrors(t testing.TB, path string) string {
	t.Helper()
	bin := testpeer.Require(t, "ffmpeg")
	out, err := exec.Command(bin, "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return string(out) + err.Error()
	}
	return strings.TrimSpace(string(out))
}

// countFrames returns the number of decoded video frames in path.
func countFrames(t testing.TB, path string) int {
	t.Helper()
	s := ffprobe(t, path, "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0")
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("frame count %q: %v", s, err)
	}
	return n
}
