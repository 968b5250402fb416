package webrtc_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// recordedGOPs encodes n frames of a default simulated camera (640×368,
// 10 fps, an IDR every 25) once, so a benchmark's CPU is the server's, not
// the camera's encoder.
func recordedGOPs(tb testing.TB, id string, n int) (*media.StreamInfo, []simcam.AccessUnit) {
	tb.Helper()
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: id})
	if err != nil {
		tb.Fatal(err)
	}
	aus := make([]simcam.AccessUnit, n)
	for i := range aus {
		if aus[i], err = cam.Next(); err != nil {
			tb.Fatal(err)
		}
	}
	c := cam.Config()
	info := &media.StreamInfo{CameraID: id, Stream: "main", Tracks: []media.Track{{Codec: media.H264,
		ClockRate: media.VideoClockRate, Width: c.Width, Height: c.Height, FPS: float64(c.FPS), SPS: cam.SPS(), PPS: cam.PPS()}}}
	return info, aus
}

// replay publishes the recorded frames in a loop at fps until ctx ends,
// calling onPublish (if set) just before each Publish.
func replay(ctx context.Context, h *hub.Hub, info *media.StreamInfo, aus []simcam.AccessUnit, fps int, onPublish func(*media.Unit)) {
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	for i := 0; ; i++ {
		au := aus[i%len(aus)]
		pts := int64(i) * media.VideoClockRate / int64(fps)
		u := &media.Unit{Info: info, PTS: pts, DTS: pts, Wall: time.Now(), Key: au.IDR, NALUs: au.NALUs}
		if onPublish != nil {
			onPublish(u)
		}
		h.Publish(u)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// BenchmarkIngestToSend measures the time from hub.Publish to the session
// handing the unit's packets to the socket, for 8 viewers of one camera at
// 25 fps: "first" to the first packet, "last" to the last one (a keyframe
// is paced, see pace.go). Run: go test ./streams/webrtc -run '^$'
// -bench IngestToSend -benchtime 250x
func BenchmarkIngestToSend(b *testing.B) {
	const viewers, fps = 8, 25
	e := newEngine(b)
	info, aus := recordedGOPs(b, camA, 50)
	h := hub.New(camA, hub.Options{})
	defer h.Close()

	var mu sync.Mutex
	published := map[*media.Unit]time.Time{}
	var first, last []time.Duration
	onSend := func(u *media.Unit, start time.Time) {
		now := time.Now()
		mu.Lock()
		if t, ok := published[u]; ok {
			first = append(first, start.Sub(t))
			last = append(last, now.Sub(t))
		}
		mu.Unlock()
	}
	// Prime the cache, then connect the viewers.
	h.Publish(&media.Unit{Info: info, Key: true, NALUs: aus[0].NALUs})
	var clients []*webrtctest.Client
	for range viewers {
		c, _ := connect(b, e, webrtc.NewHubSource(h), webrtctest.Options{WantID: camA, NoNACK: true}, webrtc.SessionConfig{OnSend: onSend})
		clients = append(clients, c)
	}
	b.ResetTimer()
	tick := time.NewTicker(time.Second / fps)
	defer tick.Stop()
	for i := 0; b.Loop(); i++ {
		au := aus[i%len(aus)]
		pts := int64(i+1) * media.VideoClockRate / fps
		u := &media.Unit{Info: info, PTS: pts, DTS: pts, Wall: time.Now(), Key: au.IDR, NALUs: au.NALUs}
		mu.Lock()
		published[u] = time.Now()
		mu.Unlock()
		h.Publish(u)
		<-tick.C
	}
	b.StopTimer()
	time.Sleep(200 * time.Millisecond) // the last sends
	mu.Lock()
	defer mu.Unlock()
	if len(last) < b.N*viewers/2 {
		b.Fatalf("only %d sends measured for %d units × %d viewers", len(last), b.N, viewers)
	}
	for _, c := range clients {
		if st := c.Stats(); st.WrongID != 0 {
			b.Fatalf("viewer got foreign frames: %+v", st)
		}
	}
	p := func(d []time.Duration, q float64) float64 {
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(p(first, 0.50), "first-p50-ms")
	b.ReportMetric(p(first, 0.99), "first-p99-ms")
	b.ReportMetric(p(last, 0.50), "last-p50-ms")
	b.ReportMetric(p(last, 0.99), "last-p99-ms")
	b.ReportMetric(p(last, 1), "last-max-ms")
	b.Logf("ingest to send over %d sends: first packet p50 %.2f ms p99 %.2f ms; last packet p50 %.2f ms p99 %.2f ms max %.2f ms",
		len(last), p(first, .5), p(first, .99), p(last, .5), p(last, .99), p(last, 1))
}

// BenchmarkFanout50 measures the server's CPU for one camera (640×368,
// 10 fps, ~1.6 Mbit/s) sent to 50 WebRTC viewers. The viewers run in a
// child process (this test binary, TestViewerProcess), so their decryption
// and depacketizing are not counted; the camera's frames are encoded before
// the measurement. The viewers request no retransmissions: on this shared
// 2-core machine the child process is starved and would otherwise measure
// NACK storms, not fan-out. The figure is this process's CPU time (getrusage) over
// the wall time of the window: hub, 50 sessions, pion (SRTP, interceptors)
// and the sockets. Run: go test ./streams/webrtc -run '^$' -bench Fanout50
// -benchtime 1x
func BenchmarkFanout50(b *testing.B) {
	const viewers, fps = 50, 10
	window := 5 * time.Second
	e := newEngine(b)
	info, aus := recordedGOPs(b, camA, 50)
	h := hub.New(camA, hub.Options{})
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go replay(ctx, h, info, aus, fps, nil)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /whep", func(w http.ResponseWriter, r *http.Request) {
		offer, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		src := webrtc.NewHubSource(h)
		_, answer, err := e.NewSession(r.Context(), webrtc.SessionConfig{Offer: string(offer), Source: src})
		if err != nil {
			src.Close()
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, answer)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()

	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestViewerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "HEARTH_VIEWERS_URL="+ts.URL+"/whep", "HEARTH_VIEWERS="+strconv.Itoa(viewers),
			"HEARTH_VIEWERS_FOR="+(window+3*time.Second).String())
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		ready := false
		var said []string
		for !ready && lines.Scan() {
			ready = strings.HasPrefix(lines.Text(), "ready")
			said = append(said, lines.Text())
		}
		if !ready {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			b.Fatalf("viewer process did not get ready: %s", strings.Join(said, "\n"))
		}
		if n := e.Sessions(); n != viewers {
			b.Fatalf("%d sessions, want %d", n, viewers)
		}
		cpu0, t0 := cpuTime(b), time.Now()
		time.Sleep(window)
		cpu, wall := cpuTime(b)-cpu0, time.Since(t0)
		var result string
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "frames") {
				result = lines.Text()
			}
		}
		if err := cmd.Wait(); err != nil {
			b.Fatalf("viewer process: %v", err)
		}
		share := 100 * cpu.Seconds() / wall.Seconds()
		b.ReportMetric(share, "%cpu-of-one-core")
		b.Logf("one camera to %d viewers: server CPU %.1f%% of one core over %v; viewers: %s", viewers, share, wall.Round(time.Millisecond), result)
		if !strings.Contains(result, " wrong 0 ") {
			b.Fatalf("viewers: %q", result)
		}
	}
}

func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestViewerProcess is the viewers of BenchmarkFanout50 when run as its
// child process; run directly it has nothing to do and returns.
func TestViewerProcess(t *testing.T) {
	url := os.Getenv("HEARTH_VIEWERS_URL")
	if url == "" {
		return
	}
	n, _ := strconv.Atoi(os.Getenv("HEARTH_VIEWERS"))
	hold, _ := time.ParseDuration(os.Getenv("HEARTH_VIEWERS_FOR"))
	clients := make([]*webrtctest.Client, 0, n)
	for range n {
		c, err := webrtctest.New(webrtctest.Options{WantID: camA, NoNACK: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		status, _, body, err := c.WHEP(context.Background(), http.DefaultClient, url, nil)
		if err != nil || status != http.StatusCreated {
			t.Fatalf("whep: %d %s %v", status, body, err)
		}
		clients = append(clients, c)
	}
	for _, c := range clients {
		if err := c.WaitFrames(1, 20*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("ready")
	time.Sleep(hold)
	frames, wrong, lost := 0, 0, 0
	for _, c := range clients {
		st := c.Stats()
		frames, wrong, lost = frames+st.Frames, wrong+st.WrongID, lost+st.Lost
	}
	fmt.Printf("frames %d wrong %d lost %d viewers %d\n", frames, wrong, lost, n)
}
