package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/webrtc"
)

// benchLive sends one simulated camera (frames encoded beforehand, so the
// CPU is the server's) through a hub and the WebRTC engine to cfg.Viewers
// pion viewers in another process, and measures this process's CPU and
// the time from hub.Publish to each session's send. Then, when Chromium is
// installed, its time to first decoded frame.
//
// The camera loops an x264 sub-stream clip (what the live grid plays), not
// the simulator's own encoder: that one writes I_PCM keyframes, 350 KB at
// 640x368 where a camera's are 20-50 KB, and pacing them for 50 viewers
// measured the simulator rather than Hearth.
func benchLive(ctx context.Context, cfg benchConfig, e env) (*benchTable, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	clip, err := benchSubClipFile(ctx, cfg.Work)
	if err != nil {
		return nil, err
	}
	id := string(nvr.NewCameraID())
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: id, File: clip})
	if err != nil {
		return nil, err
	}
	c := cam.Config()
	aus := make([]simcam.AccessUnit, 10*c.FPS) // the whole 10 s clip
	gop, lastKey, keyBytes, keys := 0, -1, 0, 0
	for i := range aus {
		if aus[i], err = cam.Next(); err != nil {
			return nil, err
		}
		if aus[i].IDR {
			if lastKey >= 0 {
				gop = i - lastKey
			}
			lastKey = i
			keys++
			for _, n := range aus[i].NALUs {
				keyBytes += len(n)
			}
		}
	}
	info := &media.StreamInfo{CameraID: id, Stream: "main", Tracks: []media.Track{{Codec: media.H264,
		ClockRate: media.VideoClockRate, Width: c.Width, Height: c.Height, FPS: float64(c.FPS), SPS: cam.SPS(), PPS: cam.PPS()}}}

	eng, err := webrtc.Listen(webrtc.Config{IPFilter: webrtc.LoopbackOnly})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	h := hub.New(id, hub.Options{})
	defer h.Close()

	lat := &sendLatency{published: map[*media.Unit]time.Time{}}
	go func() {
		tick := time.NewTicker(time.Second / time.Duration(c.FPS))
		defer tick.Stop()
		for i := 0; ; i++ {
			au := aus[i%len(aus)]
			pts := int64(i) * media.VideoClockRate / int64(c.FPS)
			u := &media.Unit{Info: info, PTS: pts, DTS: pts, Wall: time.Now(), Key: au.IDR, NALUs: au.NALUs}
			lat.publish(u)
			h.Publish(u)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	ttffResult := make(chan float64, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /whep", func(w http.ResponseWriter, r *http.Request) {
		offer, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		src := webrtc.NewHubSource(h)
		_, answer, err := eng.NewSession(r.Context(), webrtc.SessionConfig{Offer: string(offer), Source: src, OnSend: lat.sent})
		if err != nil {
			src.Close()
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/sdp")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, answer)
	})
	mux.HandleFunc("GET /ttff", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, ttffPage)
	})
	mux.HandleFunc("POST /ttff", func(w http.ResponseWriter, r *http.Request) {
		var ms float64
		b, _ := io.ReadAll(io.LimitReader(r.Body, 64))
		if _, err := fmt.Sscan(string(b), &ms); err == nil {
			select {
			case ttffResult <- ms:
			default:
			}
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	// The viewers, in another process.
	cmd := e.selfCommand("bench-child", "viewers", base+"/whep", fmt.Sprint(cfg.Viewers), (cfg.LiveWindow + 2*time.Second).String(), id)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe() // closing it stops a test-binary child
	if err != nil {
		return nil, err
	}
	defer stdin.Close()
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start viewers: %w", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	var ready string
	for ready == "" && lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "ready "); ok {
			ready = v
		}
	}
	if ready == "" {
		return nil, fmt.Errorf("viewers did not connect: %s", strings.TrimSpace(stderr.String()))
	}
	if n := eng.Sessions(); n != cfg.Viewers {
		return nil, fmt.Errorf("%d sessions, want %d", n, cfg.Viewers)
	}
	lat.reset()
	bytes0 := h.Stats().Bytes
	cpu0, t0 := processCPU(), time.Now()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(cfg.LiveWindow):
	}
	cpu, wall := processCPU()-cpu0, time.Since(t0)
	streamMbits := float64(h.Stats().Bytes-bytes0) * 8 / 1e6 / wall.Seconds()
	first, last := lat.take()
	heapSnapshot(cfg)
	var result string
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "frames ") {
			result = lines.Text()
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("viewers: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var frames, wrong, lost, viewers int
	if _, err := fmt.Sscanf(result, "frames %d wrong %d lost %d viewers %d", &frames, &wrong, &lost, &viewers); err != nil {
		return nil, fmt.Errorf("viewers said %q", result)
	}
	var ttffP50, ttffMax time.Duration
	if f := strings.Fields(ready); len(f) == 2 {
		ttffP50, _ = time.ParseDuration(f[0])
		ttffMax, _ = time.ParseDuration(f[1])
	}

	share := 100 * cpu.Seconds() / wall.Seconds()
	t := &benchTable{title: fmt.Sprintf("live: one camera (x264 %dx%d %d fps ~1 Mbit/s, IDR every %d frames, %d KB) to %d WebRTC viewers for %v",
		c.Width, c.Height, c.FPS, gop, keyBytes/max(keys, 1)/1000, cfg.Viewers, cfg.LiveWindow)}
	t.add("server CPU (% of one core)", fmtPct(share), fmt.Sprintf("≤ 30 %% at 50 viewers %s", verdict(cfg.Viewers != 50 || share <= 30)))
	perViewer := share / float64(cfg.Viewers)
	t.add("server CPU per viewer", fmt.Sprintf("%.2f %%", perViewer), "≤ 0.3 % at 1 Mbit/s (re-measure on a quiet machine)")
	if streamMbits > 0 {
		t.add("server CPU per viewer-Mbit/s", fmt.Sprintf("%.2f %% (stream %.2f Mbit/s)", perViewer/streamMbits, streamMbits), "≤ 0.3 %")
	}
	t.add("sends measured", fmt.Sprint(len(last)), "")
	t.add("ingest to first packet p50", fmtMs(percentile(first, 0.5)), "")
	t.add("ingest to first packet p99", fmtMs(percentile(first, 0.99)), "≤ 20 ms "+verdict(percentile(first, 0.99) <= 20*time.Millisecond))
	t.add("ingest to last packet p50", fmtMs(percentile(last, 0.5)), "")
	t.add("ingest to last packet p99", fmtMs(percentile(last, 0.99)), "(keyframes are paced)")
	t.add("pion viewer: first frame p50 / max", fmtMs(ttffP50)+" / "+fmtMs(ttffMax), "")
	t.add("viewers' frames / foreign / lost", fmt.Sprintf("%d / %d / %d", frames, wrong, lost), "")
	if ms, err := chromiumTTFF(ctx, base+"/ttff", ttffResult); err != nil {
		t.add("Chromium: first decoded frame", "not measured: "+err.Error(), "≤ 300 ms")
	} else {
		t.add("Chromium: first decoded frame", fmt.Sprintf("%.0f ms", ms), "≤ 300 ms "+verdict(ms <= 300))
	}
	return t, nil
}

// sendLatency pairs each published unit with its sends.
type sendLatency struct {
	mu          sync.Mutex
	published   map[*media.Unit]time.Time
	first, last []time.Duration
}

func (l *sendLatency) publish(u *media.Unit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	for k, t := range l.published { // bounded: units older than 10 s are done
		if now.Sub(t) > 10*time.Second {
			delete(l.published, k)
		}
	}
	l.published[u] = now
}

func (l *sendLatency) sent(u *media.Unit, start time.Time) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.published[u]; ok && len(l.last) < 1_000_000 {
		l.first = append(l.first, start.Sub(t))
		l.last = append(l.last, now.Sub(t))
	}
}

func (l *sendLatency) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.first, l.last = nil, nil
}

func (l *sendLatency) take() (first, last []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	first, last = l.first, l.last
	l.first, l.last = nil, nil
	return first, last
}

// chromiumBin is Debian's browser; the harness never downloads one.
const chromiumBin = "/usr/bin/chromium"

// chromiumTTFF loads the TTFF page in a headless Chromium and waits for
// the milliseconds it posts back: from creating the offer to the first
// decoded frame (requestVideoFrameCallback).
func chromiumTTFF(ctx context.Context, url string, result <-chan float64) (float64, error) {
	if _, err := os.Stat(chromiumBin); err != nil {
		return 0, errors.New("chromium is not installed")
	}
	profile, err := os.MkdirTemp("", "hearth-bench-chromium-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(profile)
	cmd := exec.Command(chromiumBin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
		"--autoplay-policy=no-user-gesture-required", "--user-data-dir="+profile, url)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start chromium: %w", err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the browser and its helpers
		_ = cmd.Wait()
	}()
	select {
	case ms := <-result:
		return ms, nil
	case <-time.After(30 * time.Second):
		return 0, errors.New("no decoded frame within 30 s")
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// ttffPage negotiates WHEP with the bench server and posts the time to
// the first decoded frame back to it. Like the web UI's player it sends the
// offer at once, without waiting for its ICE candidates (the UI trickles
// them; this bench server takes none: on loopback the browser's own checks
// to the answer's candidates connect).
const ttffPage = `<!doctype html><html><body><video id="v" muted autoplay playsinline></video><script>
(async () => {
  const v = document.getElementById("v");
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", {direction: "recvonly"});
  pc.ontrack = (e) => { if (e.track.kind === "video") v.srcObject = new MediaStream([e.track]); };
  const t0 = performance.now();
  await pc.setLocalDescription(await pc.createOffer());
  const r = await fetch("/whep", {method: "POST", headers: {"Content-Type": "application/sdp"}, body: pc.localDescription.sdp});
  await pc.setRemoteDescription({type: "answer", sdp: await r.text()});
  v.requestVideoFrameCallback(() => {
    fetch("/ttff", {method: "POST", body: String(performance.now() - t0)});
  });
})();
</script></body></html>`
