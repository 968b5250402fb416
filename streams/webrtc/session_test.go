package webrtc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

const (
	camA = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	camB = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
)

// TestEveryFrameFromAskedCamera: two cameras stream at once; a viewer of A
// gets only A's frames, checked by the SEI stamp of every picture.
func TestEveryFrameFromAskedCamera(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	a, b := startFeed(t, camA, 20, 20), startFeed(t, camB, 20, 20)
	a.waitInfo(t)
	b.waitInfo(t)
	ca, sa := connect(t, e, webrtc.NewHubSource(a.hub), webrtctest.Options{WantID: camA}, webrtc.SessionConfig{})
	cb, _ := connect(t, e, webrtc.NewHubSource(b.hub), webrtctest.Options{WantID: camB}, webrtc.SessionConfig{})
	for _, c := range []*webrtctest.Client{ca, cb} {
		if err := c.WaitFrames(40, 15*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for name, c := range map[string]*webrtctest.Client{"A": ca, "B": cb} {
		st := c.Stats()
		if st.WrongID != 0 || st.Keyframes < 1 {
			t.Errorf("viewer %s: %+v; want no wrong IDs and a keyframe", name, st)
		}
		t.Logf("viewer %s: %d frames checked, %d lost, %d keyframes", name, st.Frames, st.Lost, st.Keyframes)
	}
	if sa.Bytes() <= 0 || sa.Info().Video != media.H264 {
		t.Fatalf("session A: bytes %d info %+v", sa.Bytes(), sa.Info())
	}
}

// TestPictureLossAnsweredFromCache: with a GOP far longer than the test,
// the only keyframes after the first come from the hub's cache.
func TestPictureLossAnsweredFromCache(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	f := startFeed(t, camA, 20, 100000)
	f.waitInfo(t)
	c, _ := connect(t, e, webrtc.NewHubSource(f.hub), webrtctest.Options{WantID: camA}, webrtc.SessionConfig{})
	if err := c.WaitFrames(10, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // past the picture-loss throttle
	before := c.Stats().Keyframes
	if err := c.RequestKeyframe(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Stats().Keyframes == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := c.Stats()
	if st.Keyframes != before+1 || st.WrongID != 0 {
		t.Fatalf("after PLI: %+v (keyframes before %d); want one more keyframe from the cache", st, before)
	}
	// Frames go on after the restart.
	if err := c.WaitFrames(st.Frames+10, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestStalledViewerHarmless: a viewer that stops reading neither slows the
// hub nor the other viewer.
func TestStalledViewerHarmless(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	f := startFeed(t, camA, 20, 20)
	f.waitInfo(t)
	stalled, _ := connect(t, e, webrtc.NewHubSource(f.hub), webrtctest.Options{WantID: camA}, webrtc.SessionConfig{})
	healthy, _ := connect(t, e, webrtc.NewHubSource(f.hub), webrtctest.Options{WantID: camA}, webrtc.SessionConfig{})
	if err := stalled.WaitFrames(5, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := healthy.WaitFrames(5, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	stalled.Stall()
	pub0, got0 := f.published.Load(), healthy.Stats().Frames
	time.Sleep(3 * time.Second)
	pub, got := f.published.Load()-pub0, healthy.Stats().Frames-got0
	t.Logf("while one viewer stalled for 3 s: %d units published, healthy viewer got %d frames", pub, got)
	// Ingest nominally publishes 60 units in the 3 s; a publisher blocked
	// by the stalled viewer would publish a handful. The bound is loose so
	// a loaded machine (or -race) does not fail it.
	if pub < 20 || got < int(pub)*8/10 {
		t.Fatalf("published %d, healthy viewer got %d; want ingest going (nominally 60) and the viewer ≥ 80%% of it", pub, got)
	}
	if st := healthy.Stats(); st.WrongID != 0 {
		t.Fatalf("healthy viewer: %+v", st)
	}
}

// TestH265NotOffered names the codec, and the sub stream when it is H.264.
func TestH265NotOffered(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	c, err := webrtctest.New(webrtctest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	offer, err := c.Offer()
	if err != nil {
		t.Fatal(err)
	}
	// Strip H.265 from the offer, whatever the client library offers.
	var lines []string
	for _, l := range strings.Split(offer, "\r\n") {
		if !strings.Contains(strings.ToUpper(l), "H265") {
			lines = append(lines, l)
		}
	}
	src := &listSource{info: &media.StreamInfo{CameraID: camA, Tracks: []media.Track{{Codec: media.H265, ClockRate: 90000}}}}
	for _, sub := range []bool{false, true} {
		_, _, err := e.NewSession(context.Background(), webrtc.SessionConfig{Offer: strings.Join(lines, "\r\n"), Source: src, SubH264: sub})
		if !errors.Is(err, webrtc.ErrCodec) || !strings.Contains(err.Error(), "H.265") || strings.Contains(err.Error(), "sub stream") != sub {
			t.Errorf("sub H.264 %v: err = %v", sub, err)
		}
	}
	if e.Sessions() != 0 {
		t.Fatalf("%d sessions left", e.Sessions())
	}
}

// listSource plays fixed units, then io.EOF (footage ended).
type listSource struct {
	info  *media.StreamInfo
	units []*media.Unit
	mu    sync.Mutex
}

func (s *listSource) Info() *media.StreamInfo { return s.info }
func (s *listSource) Next(ctx context.Context) (*media.Unit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.units) == 0 {
		return nil, io.EOF
	}
	u := s.units[0]
	s.units = s.units[1:]
	time.Sleep(10 * time.Millisecond)
	return u, nil
}

// TestFootageEnds: io.EOF from the source ends the session cleanly and the
// viewer sees the connection close.
func TestFootageEnds(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	f := startFeed(t, camA, 20, 5)
	f.waitInfo(t)
	sub := webrtc.NewHubSource(f.hub)
	var units []*media.Unit
	for len(units) < 15 {
		u, err := sub.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, u)
	}
	sub.Close()
	ends := make(chan webrtc.End, 1)
	c, s := connect(t, e, &listSource{info: units[0].Info, units: units}, webrtctest.Options{WantID: camA},
		webrtc.SessionConfig{OnEnd: func(end webrtc.End) { ends <- end }})
	select {
	case end := <-ends:
		if end.Reason != "footage ended" || end.Err != nil || end.Bytes <= 0 {
			t.Fatalf("end = %+v", end)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end")
	}
	<-s.Done()
	select {
	case <-c.Closed():
	case <-time.After(30 * time.Second): // a hang detector, not a speed target
		t.Fatal("viewer did not see the end")
	}
	if st := c.Stats(); st.Frames < 5 || st.WrongID != 0 {
		t.Fatalf("viewer: %+v", st)
	}
}

// TestPortInUse: a taken port fails Listen with the port in the error.
func TestPortInUse(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	port := pc.LocalAddr().(*net.UDPAddr).Port
	_, err = webrtc.Listen(webrtc.Config{Port: port, IPFilter: webrtc.LoopbackOnly})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("listen on a taken port: %v", err)
	}
}
