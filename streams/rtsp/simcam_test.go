package rtsp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// TestSimcamIdentity reads two simulated cameras at once, one with three
// slices per picture, and checks that every unit is a whole picture of the
// configured camera: its SEI stamp has this client's camera ID and
// consecutive frame counters, keys come every GOP and the size is right.
func TestSimcamIdentity(t *testing.T) {
	t.Parallel()
	const gop = 10
	srv := startSimcam(t, simcam.ServerConfig{
		Cameras: []simcam.CameraConfig{
			{ID: idA, FPS: 25, GOP: gop, Slices: 3},
			{ID: idB, FPS: 25, GOP: gop, Width: 512, Height: 288},
		},
		Audio: true,
	})
	cases := []struct {
		n             int
		id            string
		width, height int
	}{
		{1, idA, simcam.DefaultWidth, simcam.DefaultHeight},
		{2, idB, 512, 288},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			const want = 35 // video units: 3+ GOPs
			col := newCollector(func(us []*media.Unit) bool { return len(videoUnits(us)) >= want })
			runUntil(t, Config{CameraID: tc.id, URL: srv.URL(tc.n), ReadTimeout: 3 * time.Second}, col, 10*time.Second)
			units := col.snapshot()
			video := videoUnits(units)
			if len(video) < want {
				t.Fatalf("got %d video units", len(video))
			}
			first, _ := sei.Find(video[0].NALUs)
			audio := 0
			for _, u := range units {
				if u.CameraID() != tc.id {
					t.Fatalf("unit camera %q, want %q", u.CameraID(), tc.id)
				}
				if u.Info != units[0].Info {
					t.Errorf("StreamInfo changed without a parameter change")
				}
				if u.Track == audioTrack {
					audio++
				}
			}
			info := video[0].Info
			if len(info.Tracks) != 2 || info.Tracks[audioTrack].Codec != media.PCMU || info.Tracks[audioTrack].ClockRate != 8000 {
				t.Errorf("tracks = %+v, want h264 + pcmu/8000", info.Tracks)
			}
			if audio == 0 {
				t.Error("no audio unit")
			}
			vt := info.Tracks[videoTrack]
			if vt.Codec != media.H264 || vt.Width != tc.width || vt.Height != tc.height || vt.SPS == nil || vt.PPS == nil {
				t.Errorf("video track = %v %dx%d, want h264 %dx%d with SPS/PPS", vt.Codec, vt.Width, vt.Height, tc.width, tc.height)
			}
			if !video[0].Key {
				t.Error("first unit is not a key")
			}
			slices := 0
			for i, u := range video {
				st, ok := sei.Find(u.NALUs)
				if !ok {
					t.Fatalf("unit %d has no SEI stamp", i)
				}
				if st.CameraID != tc.id {
					t.Fatalf("unit %d stamp camera %q, want %q", i, st.CameraID, tc.id)
				}
				if st.Frame != first.Frame+uint64(i) {
					t.Fatalf("unit %d frame %d, want %d (not consecutive)", i, st.Frame, first.Frame+uint64(i))
				}
				if isKey := st.Frame%gop == 0; u.Key != isKey {
					t.Errorf("frame %d key = %v, want %v", st.Frame, u.Key, isKey)
				}
				// Whole frame slots of the capture clock: 3600, or a multiple
				// when the simulator fell behind on a loaded machine.
				if i > 0 {
					if step := u.PTS - video[i-1].PTS; step <= 0 || step%(90000/25) != 0 {
						t.Errorf("frame %d PTS step %d, want a positive multiple of 3600", st.Frame, step)
					}
				}
				if u.DTS != u.PTS {
					t.Errorf("frame %d DTS %d != PTS %d", st.Frame, u.DTS, u.PTS)
				}
				if u.Key && (!hasNALU(u.NALUs, 7) || !hasNALU(u.NALUs, 8)) {
					t.Errorf("key frame %d lacks SPS/PPS", st.Frame)
				}
				if i == 0 {
					slices = countSlices(u.NALUs)
				}
			}
			wantSlices := 1
			if tc.n == 1 {
				wantSlices = 3
			}
			if slices != wantSlices {
				t.Errorf("first picture has %d slices, want %d", slices, wantSlices)
			}
			// Wall time follows media time.
			d := video[len(video)-1].Wall.Sub(video[0].Wall)
			if want := time.Duration(video[len(video)-1].PTS-video[0].PTS) * time.Second / 90000; d < want-5*time.Millisecond || d > want+5*time.Millisecond {
				t.Errorf("wall span %v, want %v (the media time span)", d, want)
			}
		})
	}
}

func hasNALU(nalus [][]byte, typ byte) bool {
	for _, n := range nalus {
		if len(n) > 0 && n[0]&0x1f == typ {
			return true
		}
	}
	return false
}

func countSlices(nalus [][]byte) int {
	n := 0
	for _, b := range nalus {
		if len(b) > 0 && b[0]&0x1f >= 1 && b[0]&0x1f <= 5 {
			n++
		}
	}
	return n
}

// TestSimcamAuth: the right credentials play; wrong ones give ErrAuth, and
// the canary password appears in no error string.
func TestSimcamAuth(t *testing.T) {
	t.Parallel()
	const canary = "Canary-s3cr3t-PW"
	srv := startSimcam(t, simcam.ServerConfig{
		Cameras:  []simcam.CameraConfig{{ID: idA, FPS: 25}},
		Username: "admin", Password: canary,
	})
	t.Run("right", func(t *testing.T) {
		t.Parallel()
		col := newCollector(func(us []*media.Unit) bool { return len(us) >= 3 })
		runUntil(t, Config{CameraID: idA, URL: srv.URL(1), Username: "admin", Password: canary}, col, 10*time.Second)
	})
	for _, pw := range []string{"", "wrong-" + canary} {
		t.Run("wrong", func(t *testing.T) {
			t.Parallel()
			user := "admin"
			if pw == "" {
				user = ""
			}
			_, err := runErr(t, Config{CameraID: idA, URL: srv.URL(1), Username: user, Password: pw}, 10*time.Second)
			requireKind(t, err, media.ErrAuth)
			if strings.Contains(err.Error(), canary) {
				t.Fatalf("error leaks the password: %q", err)
			}
			t.Logf("error: %v", err)
		})
	}
}

// TestSimcamStall: a camera that answers RTSP but sends no media gives
// ErrNoMedia within about ReadTimeout.
func TestSimcamStall(t *testing.T) {
	t.Parallel()
	srv := startSimcam(t, simcam.ServerConfig{Cameras: []simcam.CameraConfig{{ID: idA}}, Stall: true})
	const timeout = 700 * time.Millisecond
	took, err := runErr(t, Config{CameraID: idA, URL: srv.URL(1), ReadTimeout: timeout}, 10*time.Second)
	requireKind(t, err, media.ErrNoMedia)
	if took > 6*timeout { // generous: a loaded machine is slow; a hang would hit the 10 s limit
		t.Errorf("took %v, want about %v", took, timeout)
	}
	t.Logf("error after %v: %v", took, err)
}

// TestSimcamUnknownPath: a path the camera does not have (404) is its own
// class, not a protocol, auth or reachability one: the URL is wrong.
func TestSimcamUnknownPath(t *testing.T) {
	t.Parallel()
	srv := startSimcam(t, simcam.ServerConfig{Cameras: []simcam.CameraConfig{{ID: idA}}})
	_, err := runErr(t, Config{CameraID: idA, URL: "rtsp://" + srv.Addr() + "/cam/9"}, 10*time.Second)
	requireKind(t, err, media.ErrNotFound)
}

// TestRunReadySignalsHandshake: ready is called once PLAY is answered, even
// when no media follows (a stalled camera), so a supervisor can free its
// admission slot before the first keyframe.
func TestRunReadySignalsHandshake(t *testing.T) {
	t.Parallel()
	srv := startSimcam(t, simcam.ServerConfig{Cameras: []simcam.CameraConfig{{ID: idA}}, Stall: true})
	c, err := New(Config{CameraID: idA, URL: srv.URL(1), ReadTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	readyc := make(chan struct{}, 2)
	errc := make(chan error, 1)
	go func() { errc <- c.RunReady(ctx, func(*media.Unit) {}, func() { readyc <- struct{}{} }) }()
	select {
	case <-readyc:
	case err := <-errc:
		t.Fatalf("run ended before ready: %v", err)
	}
	err = <-errc
	requireKind(t, err, media.ErrNoMedia)
	if len(readyc) != 0 {
		t.Fatalf("ready called more than once")
	}
}
