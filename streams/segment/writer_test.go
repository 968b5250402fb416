package segment

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

func scanFile(t testing.TB, path string) *Layout {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	l, err := Scan(f, st.Size())
	if err != nil {
		t.Fatalf("scan %s: %v", path, err)
	}
	return l
}

// stamps returns the SEI stamps of the stored video samples of path, in
// order (the video track's data leads each mdat).
func stamps(t testing.TB, path string) []sei.Stamp {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l := scanFile(t, path)
	var out []sei.Stamp
	for _, f := range l.Fragments {
		p := data[f.mdatOff+8 : f.mdatOff+8+f.Tracks[0].DataSize]
		var au [][]byte
		for len(p) >= 4 {
			n := int(binary.BigEndian.Uint32(p))
			au = append(au, p[4:4+n])
			p = p[4+n:]
		}
		// One stamp per picture.
		for _, n := range au {
			if s, ok := sei.Parse(n); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func TestSegmentsReadByFFmpeg(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffprobe")
	testpeer.Require(t, "ffmpeg")
	for _, tc := range []struct {
		name    string
		audio   media.Codec
		streams string
	}{
		{"video", "", "video"},
		{"pcmu", media.PCMU, "video,audio"},
		{"aac", media.AAC, "video,audio"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info, units := makeUnits(t, feedConfig{Seconds: 30, Audio: tc.audio})
			_ = info
			rec := recordUnits(t, t.TempDir(), units, Config{Target: 10 * time.Second})
			if len(rec.paths) != 3 {
				t.Fatalf("segments = %d, want 3 (30 s cut at 10 s)", len(rec.paths))
			}
			frames, nextStamp := 0, uint64(0)
			for i, p := range rec.paths {
				seq := uint64(i + 1)
				got := ffprobe(t, p, "-show_entries", "stream=codec_type", "-of", "csv=p=0")
				if strings.ReplaceAll(got, "\n", ",") != tc.streams {
					t.Errorf("%s: streams %q, want %q", p, got, tc.streams)
				}
				if e := decodeErrors(t, p); e != "" {
					t.Errorf("%s: ffmpeg decode errors:\n%s", p, e)
				}
				n := countFrames(t, p)
				frames += n
				if n != 100 {
					t.Errorf("%s: %d frames, want 100", p, n)
				}
				// Every stored picture carries this camera's stamp, in order.
				for _, s := range stamps(t, p) {
					if s.CameraID != testCamID || s.Frame != nextStamp {
						t.Fatalf("%s: stamp %+v, want camera %s frame %d", p, s, testCamID, nextStamp)
					}
					nextStamp++
				}
				// The reports match what a scan of the file finds.
				l := scanFile(t, p)
				if l.TailErr != nil || l.ValidSize != l.Size {
					t.Errorf("%s: tail %v, valid %d of %d", p, l.TailErr, l.ValidSize, l.Size)
				}
				if l.Init.CameraID != testCamID || l.Init.Stream != "main" {
					t.Errorf("%s: identity %q/%q", p, l.Init.CameraID, l.Init.Stream)
				}
				if v := l.Init.Tracks[0]; v.Handler != "vide" || v.Width == 0 || v.Width%16 != 0 || v.Height == 0 || v.Height%16 != 0 {
					t.Errorf("%s: video track %+v, want the stream's dimensions", p, v)
				}
				reported := rec.frags[seq]
				if len(reported) != len(l.Fragments) || len(reported) != 4 {
					t.Fatalf("%s: %d reported, %d scanned fragments, want 4 each", p, len(reported), len(l.Fragments))
				}
				for j, f := range reported {
					s := l.Fragments[j]
					if f.Index != j || f.Offset != s.Offset || f.Length != s.Length || f.Start90k != s.Start90k ||
						f.Duration90k != s.Duration90k || !f.Key || !s.Key || !f.Wall.Equal(s.Wall) {
						t.Errorf("%s fragment %d: reported %+v, scanned %+v", p, j, f, s)
					}
					wantWall := epoch.Add(time.Duration(i*10)*time.Second + time.Duration(j)*2500*time.Millisecond)
					if !f.Wall.Equal(wantWall) || f.Duration90k != 225000 || f.Start90k != int64(j)*225000 {
						t.Errorf("%s fragment %d: wall %v start %d dur %d, want %v %d %d", p, j, f.Wall, f.Start90k, f.Duration90k, wantWall, j*225000, 225000)
					}
					if tc.audio != "" && (len(s.Tracks) != 2 || s.Tracks[1].Samples == 0) {
						t.Errorf("%s fragment %d: no audio samples: %+v", p, j, s.Tracks)
					}
				}
				c := rec.closed[i]
				if c.Seq != seq || c.Err != nil || c.Size != l.Size || c.Fragments != 4 || c.Duration90k != 900000 {
					t.Errorf("closed %+v, want seq %d size %d 4 fragments 900000", c, seq, l.Size)
				}
			}
			if frames != 300 || nextStamp != 300 {
				t.Errorf("decoded %d frames, %d stamps; want 300", frames, nextStamp)
			}
		})
	}
}

// TestFirstTargetStaggers: the first segment is cut at FirstTarget, the
// others at Target.
func TestFirstTargetStaggers(t *testing.T) {
	t.Parallel()
	_, units := makeUnits(t, feedConfig{Seconds: 30})
	rec := recordUnits(t, t.TempDir(), units, Config{Target: 10 * time.Second, FirstTarget: 5 * time.Second})
	var got []int64
	for _, c := range rec.closed {
		got = append(got, c.Duration90k/90000*10+c.Duration90k%90000/9000)
	}
	want := []int64{50, 100, 100, 50} // tenths of seconds
	if len(got) != len(want) {
		t.Fatalf("durations %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("durations (0.1 s) %v, want %v", got, want)
		}
	}
}

// TestParamsChangeCutsSegment: a StreamInfo with other codec parameters
// starts a new segment at once; one with the same parameters does not.
func TestParamsChangeCutsSegment(t *testing.T) {
	t.Parallel()
	_, a := makeUnits(t, feedConfig{Seconds: 5})
	_, same := makeUnits(t, feedConfig{Seconds: 5}) // new pointer, same SPS
	_, other := makeUnits(t, feedConfig{Seconds: 5, Width: 640, Height: 480})
	var units []*media.Unit
	units = append(units, a...)
	for _, part := range [][]*media.Unit{same, other} {
		base := units[len(units)-1]
		for _, u := range part {
			v := *u
			v.DTS += base.DTS + 9000
			v.PTS = v.DTS
			v.Wall = base.Wall.Add(100*time.Millisecond + u.Wall.Sub(epoch))
			units = append(units, &v)
		}
	}
	dir := t.TempDir()
	rec := recordUnits(t, dir, units, Config{Target: time.Minute})
	if len(rec.paths) != 2 {
		t.Fatalf("segments = %d, want 2", len(rec.paths))
	}
	if d := rec.closed[0].Duration90k; d != 10*90000 {
		t.Errorf("first segment %d (90k), want 10 s", d)
	}
	for _, p := range rec.paths {
		if e := decodeErrors(t, p); e != "" {
			t.Errorf("%s: %s", p, e)
		}
	}
	if n := countFrames(t, rec.paths[1]); n != 50 {
		t.Errorf("second segment frames %d, want 50", n)
	}
}

func TestCreateFileExclusive(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "x.mp4")
	f, err := CreateFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := CreateFile(p); !os.IsExist(unwrapAll(err)) {
		t.Fatalf("second create: %v, want exists", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		if n := u.Unwrap(); n != nil {
			err = n
		} else {
			return err
		}
	}
}

// TestLongOutageCutsSegment: a camera that comes back (a new session,
// same codec parameters) after a long outage, or with capture time behind
// where the segment ended, starts a new segment; one back within seconds
// continues it. A segment holding fragments hours apart was refused by the
// index, left open, and then failed recovery for every camera.
func TestLongOutageCutsSegment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		gap  time.Duration // from the last unit of the first session
		want int
	}{
		{"back within seconds", 3 * time.Second, 1},
		{"back after two hours", 2 * time.Hour, 2},
		{"capture time behind", -30 * time.Second, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, a := makeUnits(t, feedConfig{Seconds: 5})
			_, again := makeUnits(t, feedConfig{Seconds: 5}) // new session: new pointer, same SPS
			units := append([]*media.Unit(nil), a...)
			base := units[len(units)-1]
			for _, u := range again {
				v := *u
				v.DTS += base.DTS + 9000
				v.PTS = v.DTS
				v.Wall = base.Wall.Add(tc.gap + u.Wall.Sub(epoch))
				units = append(units, &v)
			}
			rec := recordUnits(t, t.TempDir(), units, Config{Target: time.Hour})
			if len(rec.paths) != tc.want {
				t.Fatalf("segments = %d, want %d", len(rec.paths), tc.want)
			}
			for i, c := range rec.closed {
				frags := rec.frags[c.Seq]
				for j := 1; j < len(frags); j++ {
					if d := frags[j].Wall.Sub(frags[j-1].Wall); d < 0 || d > time.Minute {
						t.Errorf("segment %d: fragment %d starts %v after the one before", i, j, d)
					}
				}
			}
		})
	}
}
