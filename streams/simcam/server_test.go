package simcam

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os/exec"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

const (
	idA = "aaaaaaaaaaaaaaaa0000000000000001"
	idB = "bbbbbbbbbbbbbbbb0000000000000002"
)

// startServer runs a server on a loopback port 0 until the test ends.
func startServer(t *testing.T, cfg ServerConfig) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.Cameras == nil {
		cfg.Cameras = []CameraConfig{{ID: idA}, {ID: idB}}
	}
	s, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return s
}

// reader is a gortsplib client playing one camera's H.264 track over TCP.
type reader struct {
	c   *gortsplib.Client
	aus chan [][]byte
}

func dial(t *testing.T, rawURL string) (*reader, error) {
	t.Helper()
	u, err := base.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	tcp := gortsplib.ProtocolTCP
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &tcp, ReadTimeout: 5 * time.Second}
	if err := c.Start(); err != nil {
		return nil, err
	}
	r := &reader{c: c, aus: make(chan [][]byte, 256)}
	if err := r.play(u); err != nil {
		c.Close()
		return nil, err
	}
	t.Cleanup(c.Close)
	return r, nil
}

func (r *reader) play(u *base.URL) error {
	desc, _, err := r.c.Describe(u)
	if err != nil {
		return err
	}
	var forma *format.H264
	medi := desc.FindFormat(&forma)
	if medi == nil {
		return errors.New("no H.264 track")
	}
	dec, err := forma.CreateDecoder()
	if err != nil {
		return err
	}
	if _, err := r.c.Setup(desc.BaseURL, medi, 0, 0); err != nil {
		return err
	}
	r.c.OnPacketRTP(medi, forma, func(pkt *rtp.Packet) {
		au, err := dec.Decode(pkt)
		if err != nil {
			return // fragment of a larger access unit
		}
		select {
		case r.aus <- au:
		default: // the test fell behind; it notices the gap in frame numbers
		}
	})
	_, err = r.c.Play(nil)
	return err
}

// next returns the next access unit or fails the test after timeout.
func (r *reader) next(t *testing.T, timeout time.Duration) [][]byte {
	t.Helper()
	select {
	case au := <-r.aus:
		return au
	case <-time.After(timeout):
		t.Fatalf("no access unit within %v", timeout)
		return nil
	}
}

// TestServerStampsNoCrossTalk reads two cameras at once and checks that every
// access unit carries its own camera's ID with consecutive frame numbers.
func TestServerStampsNoCrossTalk(t *testing.T) {
	t.Parallel()
	s := startServer(t, ServerConfig{})
	for n, id := range map[int]string{1: idA, 2: idB} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			r, err := dial(t, s.URL(n))
			if err != nil {
				t.Fatal(err)
			}
			var last uint64
			for i := range 15 {
				au := r.next(t, 5*time.Second)
				st, ok := sei.Find(au)
				if !ok || st.CameraID != id {
					t.Fatalf("access unit %d: stamp %+v (ok=%v), want camera %s", i, st, ok, id)
				}
				if i > 0 && st.Frame != last+1 {
					t.Fatalf("access unit %d: frame %d after %d", i, st.Frame, last)
				}
				last = st.Frame
				if idr := h264.IsRandomAccess(au); idr != (st.Frame%DefaultGOP == 0) {
					t.Fatalf("frame %d: IDR=%v, want an IDR exactly every %d frames", st.Frame, idr, DefaultGOP)
				}
			}
		})
	}
}

// TestServerFFprobe checks that a third-party reader sees the H.264 and
// G.711 tracks with the right geometry.
func TestServerFFprobe(t *testing.T) {
	t.Parallel()
	ffprobe := testpeer.Require(t, "ffprobe")
	s := startServer(t, ServerConfig{Audio: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-rtsp_transport", "tcp",
		"-show_entries", "stream=codec_name,width,height,sample_rate", "-of", "json", s.URL(1)).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var probe struct {
		Streams []struct {
			CodecName  string `json:"codec_name"`
			Width      int    `json:"width"`
			Height     int    `json:"height"`
			SampleRate string `json:"sample_rate"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	if len(probe.Streams) != 2 {
		t.Fatalf("ffprobe found %d streams: %s", len(probe.Streams), out)
	}
	v, a := probe.Streams[0], probe.Streams[1]
	if v.CodecName != "h264" || v.Width != DefaultWidth || v.Height != DefaultHeight {
		t.Errorf("video stream = %+v, want h264 %dx%d", v, DefaultWidth, DefaultHeight)
	}
	if a.CodecName != "pcm_mulaw" || a.SampleRate != "8000" {
		t.Errorf("audio stream = %+v, want pcm_mulaw 8000", a)
	}
}

func TestServerAuth(t *testing.T) {
	t.Parallel()
	s := startServer(t, ServerConfig{Username: "viewer", Password: "s3cret pass"})
	withCreds := func(user, pass string) string {
		u, err := url.Parse(s.URL(2))
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(user, pass)
		return u.String()
	}
	for name, tc := range map[string]struct {
		url string
		ok  bool
	}{
		"no credentials":    {s.URL(2), false},
		"wrong password":    {withCreds("viewer", "nope"), false},
		"right credentials": {withCreds("viewer", "s3cret pass"), true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := dial(t, tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("dial err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok {
				if st, ok := sei.Find(r.next(t, 5*time.Second)); !ok || st.CameraID != idB {
					t.Fatalf("stamp %+v, %v", st, ok)
				}
			}
		})
	}
}

func TestServerNotFound(t *testing.T) {
	t.Parallel()
	s := startServer(t, ServerConfig{})
	for _, path := range []string{"/cam/0", "/cam/3", "/cam/x", "/other/1"} {
		if _, err := dial(t, "rtsp://"+s.Addr()+path); err == nil {
			t.Errorf("%s: dial succeeded", path)
		}
	}
}

// TestServerFlap checks that FlapEvery drops a connected reader.
func TestServerFlap(t *testing.T) {
	t.Parallel()
	s := startServer(t, ServerConfig{FlapEvery: 300 * time.Millisecond})
	r, err := dial(t, s.URL(1))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.c.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("client ended without error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("connection not dropped within 5s")
	}
}

// TestServerStall checks that a stalled server keeps the connection but
// sends nothing, and that media resumes with an IDR.
func TestServerStall(t *testing.T) {
	t.Parallel()
	s := startServer(t, ServerConfig{Stall: true})
	r, err := dial(t, s.URL(1))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.aus:
		t.Fatal("media flowed while stalled")
	case <-time.After(700 * time.Millisecond):
	}
	s.SetStall(false)
	au := r.next(t, 5*time.Second)
	if !h264.IsRandomAccess(au) {
		t.Fatal("first access unit after a stall is not an IDR")
	}
	if st, ok := sei.Find(au); !ok || st.CameraID != idA || st.Frame == 0 {
		t.Fatalf("stamp %+v, %v: want camera %s, frame counter still advancing while stalled", st, ok, idA)
	}
}

func TestServerCloseWithoutRun(t *testing.T) {
	t.Parallel()
	s, err := Listen(ServerConfig{Addr: "127.0.0.1:0", Cameras: []CameraConfig{{ID: idA}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	if err := s.Run(context.Background()); err == nil {
		t.Fatal("Run after Close succeeded")
	}
}
