package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/sei"
)

// Three segments: 0–20 s, 20–40 s, a 30 s gap, 70–90 s.
var threeSpans = []span{{0, 20}, {20 * time.Second, 20}, {70 * time.Second, 20}}

func openTest(t *testing.T, ft *footage, start time.Time, clk Clock) *Reader {
	t.Helper()
	r, err := Open(context.Background(), ft.planner(12*time.Second, nil), start, Options{CameraID: testCamID, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// check verifies a unit's identity and the recorded wall time of its frame.
func check(t *testing.T, ft *footage, u *media.Unit) sei.Stamp {
	t.Helper()
	st, ok := sei.Find(u.NALUs)
	if !ok {
		t.Fatalf("unit at %v has no SEI stamp", u.Wall)
	}
	if st.CameraID != testCamID || u.Info.CameraID != testCamID || u.CameraID() != testCamID {
		t.Fatalf("unit from camera %q (info %q), want %q", st.CameraID, u.Info.CameraID, testCamID)
	}
	// prft keeps NTP time: nanoseconds may round.
	if w := ft.frameWall[st.Frame]; w.Sub(u.Wall).Abs() > time.Microsecond {
		t.Fatalf("frame %d: unit wall %v, the camera drew %v", st.Frame, u.Wall, w)
	}
	return st
}

func TestOpenStartsAtKeyframeAtOrBefore(t *testing.T) {
	ft := record(t, threeSpans...)
	for _, tc := range []struct {
		name        string
		start, want time.Duration // want: wall of the first unit, from epoch
	}{
		{"on a keyframe", 25 * time.Second, 25 * time.Second},
		{"mid GOP", 33*time.Second + 700*time.Millisecond, 32500 * time.Millisecond},
		{"first frame", 0, 0},
		{"before the footage", -time.Hour, 0},
		{"in a gap", 55 * time.Second, 37500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := openTest(t, ft, epoch.Add(tc.start), newClock(true))
			info := r.Info()
			if info.CameraID != testCamID || len(info.Tracks) != 1 || info.Tracks[0].Codec != media.H264 || len(info.Tracks[0].SPS) == 0 || len(info.Tracks[0].PPS) == 0 {
				t.Fatalf("info %+v", info)
			}
			if tr := info.Tracks[0]; tr.Width != 512 || tr.Height != 224 {
				t.Fatalf("size %dx%d", tr.Width, tr.Height)
			}
			u, err := r.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			check(t, ft, u)
			if !u.Key {
				t.Fatal("first unit is not a keyframe")
			}
			if got := u.Wall.Sub(epoch); got != tc.want {
				t.Fatalf("first unit at %v, want %v", got, tc.want)
			}
			if tc.start >= 0 && (u.Wall.After(epoch.Add(tc.start)) || epoch.Add(tc.start).Sub(u.Wall) >= gopDur && tc.name != "in a gap") {
				t.Fatalf("first unit at %v is not the keyframe at or before %v", u.Wall.Sub(epoch), tc.start)
			}
		})
	}
}

func TestNoFootage(t *testing.T) {
	ft := record(t, span{0, 5})
	_, err := Open(context.Background(), func(context.Context, time.Time) ([]segment.ClipSource, error) { return nil, nil }, epoch, Options{CameraID: testCamID})
	if !errors.Is(err, ErrNoFootage) {
		t.Fatalf("empty plan: %v, want ErrNoFootage", err)
	}
	if _, err := Open(context.Background(), ft.planner(time.Minute, nil), epoch, Options{}); err == nil {
		t.Fatal("open without a camera ID succeeded")
	}
}

// TestPlaysToEOF reads all the footage at each speed: units are spaced at
// real time / speed on the clock, the gap takes no time, every frame comes
// exactly once in order, timestamps rise, and the end is a clean io.EOF.
func TestPlaysToEOF(t *testing.T) {
	ft := record(t, threeSpans...)
	for _, speed := range []float64{1, 2, 4} {
		t.Run(fmt.Sprintf("%gx", speed), func(t *testing.T) {
			clk := newClock(true)
			calls := 0
			r, err := Open(context.Background(), ft.planner(12*time.Second, &calls), epoch, Options{CameraID: testCamID, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := r.SetSpeed(speed); err != nil {
				t.Fatal(err)
			}
			if err := r.SetSpeed(3); !errors.Is(err, ErrSpeed) {
				t.Fatalf("SetSpeed(3): %v", err)
			}
			t0 := clk.Now()
			var prev *media.Unit
			var prevAt time.Time
			var prevFrame uint64
			n := 0
			for {
				u, err := r.Next(context.Background())
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				st := check(t, ft, u)
				now := clk.Now()
				if prev != nil {
					if st.Frame != prevFrame+1 {
						t.Fatalf("frame %d after %d", st.Frame, prevFrame)
					}
					wantGap := time.Duration(float64(frameDur) / speed)
					if gap := now.Sub(prevAt); gap != wantGap {
						t.Fatalf("unit %d came %v after the previous, want %v", n, gap, wantGap)
					}
					if d := u.DTS - prev.DTS; d != int64(9000/speed) {
						t.Fatalf("unit %d: DTS step %d, want %d", n, d, int64(9000/speed))
					}
					if u.PTS < u.DTS || u.PTS <= prev.PTS {
						t.Fatalf("unit %d: PTS %d after %d (DTS %d)", n, u.PTS, prev.PTS, u.DTS)
					}
				}
				if r.Position() != u.Wall {
					t.Fatalf("position %v, unit wall %v", r.Position(), u.Wall)
				}
				prev, prevAt, prevFrame = u, now, st.Frame
				n++
			}
			if n != ft.frames {
				t.Fatalf("read %d units, recorded %d", n, ft.frames)
			}
			// 60 s of footage (the 30 s gap skipped), last unit due after 599 frames.
			want := time.Duration(float64((ft.frames-1)*int(frameDur)) / speed)
			if got := prevAt.Sub(t0); got != want {
				t.Fatalf("playing took %v on the clock, want %v", got, want)
			}
			if calls < 3 {
				t.Fatalf("planner called %d times; the 12 s window should need replanning", calls)
			}
			if _, err := r.Next(context.Background()); !errors.Is(err, io.EOF) {
				t.Fatalf("Next after the end: %v", err)
			}
		})
	}
}
