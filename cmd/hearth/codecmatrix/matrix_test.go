// Package codecmatrix runs the real hearth binary against real RTSP peers
// (GStreamer's RTSP server with x264/x265 and audio encoders, and simcam)
// for every recorded codec pair, and checks each viewing path: recording,
// clip.mp4 (decoded by ffmpeg), WebRTC live and playback (a pion client),
// and MSE live. The table it prints is docs/codecs.md's.
//
// It is a package of its own because cmd/hearth's tests already use most
// of their time budget; it builds the binary (without -race) once. Knobs:
// HEARTH_CODECMATRIX_ONLY=h264+aac,h265 runs only those cells;
// HEARTH_CODECMATRIX_FOOTAGE=70s records that much before the checks.
package codecmatrix

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
	"github.com/hearthnvr/hearth/ui/browsertest"
)

const password = "a long enough passphrase"

// cell is one codec pair of the matrix and its source.
type cell struct {
	name  string // "h264+pcmu"
	video string // "h264" or "h265"
	audio string // "", "aac", "pcmu", "pcma", "opus"
	sim   bool   // served by simcam (the demo's cameras: H.264 and a G.711 tone), not GStreamer
	url   string // the camera's RTSP URL, once its peer runs
	id    string // Hearth's camera ID
}

// gstVideo and gstAudio are the GStreamer launch fragments of each codec:
// small pictures at 10 fps and one-second GOPs, so a loaded machine keeps
// up with ten cameras and footage is whole fragments within seconds.
var gstVideo = map[string]string{
	"h264": "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=10/1 ! " +
		"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! rtph264pay name=pay0 pt=96 config-interval=-1",
	"h265": "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=10/1 ! " +
		"x265enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! h265parse ! rtph265pay name=pay0 pt=96 config-interval=-1",
}

var gstAudio = map[string]string{
	"aac": "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! audio/x-raw,rate=16000,channels=1 ! " +
		"voaacenc ! aacparse ! rtpmp4gpay name=pay1 pt=97",
	"pcmu": "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! " +
		"mulawenc ! rtppcmupay name=pay1",
	"pcma": "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! " +
		"alawenc ! rtppcmapay name=pay1",
	"opus": "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! " +
		"opusenc ! rtpopuspay name=pay1 pt=97",
}

// ffprobe's codec_name of each codec.
var ffName = map[string]string{"h264": "h264", "h265": "hevc", "aac": "aac", "pcmu": "pcm_mulaw", "pcma": "pcm_alaw", "opus": "opus"}

// webrtcAudio is the MIME type WebRTC carries each audio codec as; AAC has
// none (browsers do not play AAC over WebRTC).
var webrtcAudio = map[string]string{"pcmu": "audio/PCMU", "pcma": "audio/PCMA", "opus": "audio/opus"}

// result is one path of one cell.
type result struct {
	ok  bool
	why string
}

// matrix collects results for the table.
type matrix struct {
	mu   sync.Mutex
	rows map[string]map[string]result
}

func (m *matrix) set(cell, path string, ok bool, why string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows[cell] == nil {
		m.rows[cell] = map[string]result{}
	}
	m.rows[cell][path] = result{ok, why}
}

var paths = []string{"record", "clip.mp4", "webrtc live", "webrtc playback", "mse live", "chromium"}

func (m *matrix) table() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("| cell | " + strings.Join(paths, " | ") + " |\n|---|" + strings.Repeat("---|", len(paths)) + "\n")
	names := make([]string, 0, len(m.rows))
	for n := range m.rows {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString("| " + n + " |")
		for _, p := range paths {
			r, ok := m.rows[n][p]
			switch {
			case !ok:
				b.WriteString(" - |")
			case r.ok:
				b.WriteString(" ok " + r.why + " |")
			default:
				b.WriteString(" FAIL " + r.why + " |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestCodecMatrix records every cell from its real peer and checks every
// path. A path a browser cannot take for a codec (AAC over WebRTC) must be
// explained by the note the UI shows; anything else must work.
func TestCodecMatrix(t *testing.T) {
	ffprobe := testpeer.Require(t, "ffprobe")
	ffmpeg := testpeer.Require(t, "ffmpeg")
	requireGst(t)

	var cells []*cell
	for _, v := range []string{"h264", "h265"} {
		for _, a := range []string{"", "aac", "pcmu", "pcma", "opus"} {
			name := v
			if a != "" {
				name += "+" + a
			}
			cells = append(cells, &cell{name: name, video: v, audio: a})
		}
	}
	cells = append(cells, &cell{name: "simcam h264+pcmu", video: "h264", audio: "pcmu", sim: true})
	if f := os.Getenv("HEARTH_CODECMATRIX_ONLY"); f != "" {
		cells = slicesFilter(cells, func(c *cell) bool { return strings.Contains(","+f+",", ","+c.name+",") })
	}

	bin := buildHearth(t)
	data := t.TempDir()
	run(t, bin, "", "household", "add", "Alpha", "--data", data)
	run(t, bin, password+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	idRe := regexp.MustCompile(`camera ([0-9a-f]{32}) `)
	var peers sync.WaitGroup
	for _, c := range cells {
		if c.sim {
			c.url = startSimcam(t)
			continue
		}
		peers.Go(func() {
			pipe := gstVideo[c.video]
			if c.audio != "" {
				pipe += " " + gstAudio[c.audio]
			}
			c.url = startGst(t, pipe)
		})
	}
	peers.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, c := range cells {
		out := run(t, bin, "", "camera", "add", c.name, "--household", "Alpha", "--main", c.url, "--data", data)
		m := idRe.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no camera ID in %q", out)
		}
		c.id = m[1]
	}

	srv := startHearth(t, bin, data)
	cl := newClient(t, srv)
	cl.login()

	mx := &matrix{rows: map[string]map[string]result{}}
	t.Cleanup(func() { t.Logf("codec matrix:\n%s", mx.table()) })
	since := time.Now()
	for _, c := range cells {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			checkCell(t, cl, c, since, mx, ffprobe, ffmpeg)
		})
	}
}

func slicesFilter[T any](s []T, keep func(T) bool) []T {
	var out []T
	for _, v := range s {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// checkCell runs every path of one cell, recording each in mx; a failing
// path fails the subtest and the others still run.
func checkCell(t *testing.T, cl *client, c *cell, since time.Time, mx *matrix, ffprobe, ffmpeg string) {
	step := func(path string, f func() (string, error)) bool {
		why, err := f()
		if err != nil {
			t.Errorf("%s %s: %v", c.name, path, err)
			mx.set(c.name, path, false, err.Error())
			return false
		}
		mx.set(c.name, path, true, why)
		return true
	}
	// The short run checks a few seconds of one open segment; with
	// HEARTH_CODECMATRIX_FOOTAGE=70s, say, the footage spans a segment cut
	// (about 60 s), which clip.mp4 (the whole range) then crosses.
	footage := 4 * time.Second
	if v := os.Getenv("HEARTH_CODECMATRIX_FOOTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Hour {
			t.Fatalf("HEARTH_CODECMATRIX_FOOTAGE=%q: want a duration up to 1h", v)
		}
		footage = d
	}
	var from, to time.Time
	recorded := step("record", func() (string, error) {
		var err error
		from, to, err = cl.waitFootage(c.id, since, footage, footage+90*time.Second)
		return "", err
	})
	step("webrtc live", func() (string, error) { return cl.whep(c, "") })
	if !recorded {
		return
	}
	step("clip.mp4", func() (string, error) { return cl.clip(t, c, from, to, ffprobe, ffmpeg) })
	step("webrtc playback", func() (string, error) { return cl.whep(c, from.Format(time.RFC3339Nano)) })
	step("mse live", func() (string, error) { return cl.mse(c) })
	// Chromium for two cells (a browser each keeps the matrix short): H.265,
	// which this browser cannot play and must say why, and G.711 recorded
	// playback from the timeline, with its audio. H.264+AAC over MSE in
	// Chromium is ui's TestMSEAudioInChromium.
	switch c.name {
	case "h265":
		b := browsertest.Start(t)
		step("chromium", func() (string, error) { return cl.chromiumH265(b, c) })
	case "h264+pcmu":
		b := browsertest.Start(t)
		step("chromium", func() (string, error) { return cl.chromiumG711(b, c) })
	}
}

// requireGst ends the test unless GStreamer's RTSP server and every
// encoder of the matrix load in /usr/bin/python3.
func requireGst(t *testing.T) {
	t.Helper()
	testpeer.Require(t, "/usr/bin/python3")
	check := `import gi; gi.require_version("Gst","1.0"); gi.require_version("GstRtspServer","1.0")
from gi.repository import Gst, GstRtspServer
Gst.init(None)
missing = [e for e in ["x264enc","x265enc","h265parse","voaacenc","aacparse","mulawenc","alawenc","opusenc","rtpmp4gpay","rtpopuspay"] if not Gst.ElementFactory.find(e)]
assert not missing, missing`
	if out, err := exec.Command("/usr/bin/python3", "-c", check).CombinedOutput(); err != nil {
		testpeer.Missing(t, "GStreamer RTSP server or an encoder: %v: %s", err, out)
	}
}

// startGst serves pipeline with the RTSP server script of streams/rtsp's
// tests and returns its URL; the server stops with the test.
func startGst(t *testing.T, pipeline string) string {
	t.Helper()
	script, err := filepath.Abs("../../../streams/rtsp/testdata/gst_rtsp_server.py")
	if err != nil {
		t.Error(err)
		return ""
	}
	var lastErr error
	for range 5 {
		port := freePort(t)
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, "/usr/bin/python3", script, fmt.Sprint(port), "/cam", pipeline)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.WaitDelay = 2 * time.Second
		if err := cmd.Start(); err != nil {
			cancel()
			t.Error(err)
			return ""
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			ready <- sc.Scan() && sc.Text() == "READY"
			for sc.Scan() {
			}
		}()
		var ok bool
		select {
		case ok = <-ready:
		case <-time.After(20 * time.Second):
		}
		if ok {
			t.Cleanup(func() { stdin.Close(); cancel(); _ = cmd.Wait() })
			return fmt.Sprintf("rtsp://127.0.0.1:%d/cam", port)
		}
		stdin.Close()
		cancel()
		_ = cmd.Wait()
		lastErr = fmt.Errorf("gst server on port %d: %s", port, stderr.String())
	}
	t.Error(lastErr)
	return ""
}

// startSimcam serves one simulated camera with its G.711 tone until the
// test ends and returns its URL.
func startSimcam(t *testing.T) string {
	t.Helper()
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Audio: true, Cameras: []simcam.CameraConfig{{
		ID: "c0dec0dec0dec0dec0dec0dec0dec0de", FPS: 10, GOP: 10, Width: simcam.MinWidth, Height: simcam.MinHeight}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sim.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return sim.URL(1)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// buildHearth builds the binary (without -race: the matrix tests the
// binary, not itself) into the test's temporary directory.
func buildHearth(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hearth")
	cmd := exec.Command("go", "build", "-o", bin, "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hearth: %v\n%s", err, out)
	}
	return bin
}

// run runs one admin command line of the binary.
func run(t *testing.T, bin, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hearth %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// startHearth runs "hearth serve" on a free loopback port until the test
// ends, and returns its base URL once /healthz answers.
func startHearth(t *testing.T, bin, data string) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--data", data, "--listen", addr, "--webrtc-udp-port", "0")
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("hearth log (tail):\n%s", tail(log.String(), 8000))
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("hearth serve exited: %v\n%s", err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hearth serve did not answer /healthz within 30 s\n%s", log.String())
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer = testpeer.SyncBuffer

// client is a logged-in API client.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (c *client) login() {
	c.t.Helper()
	resp, err := c.hc.Post(c.base+"/api/login", "application/json",
		strings.NewReader(`{"username":"ana","password":"`+password+`"}`))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		c.t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
}

// cookies returns the session cookie as a request header.
func (c *client) cookies() http.Header {
	u, _ := url.Parse(c.base)
	h := http.Header{}
	for _, ck := range c.hc.Jar.Cookies(u) {
		h.Add("Cookie", ck.String())
	}
	return h
}

// waitFootage waits until camera id has at least d of footage indexed after
// since, and returns the first such range.
func (c *client) waitFootage(id string, since time.Time, d, limit time.Duration) (time.Time, time.Time, error) {
	deadline := time.Now().Add(limit)
	var last string
	for {
		q := url.Values{"start": {since.Add(-time.Minute).UTC().Format(time.RFC3339)}, "end": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339)}}
		resp, err := c.hc.Get(c.base + "/api/cameras/" + id + "/recordings?" + q.Encode())
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = string(b)
		var v struct {
			Ranges []struct{ Start, End time.Time }
		}
		if resp.StatusCode == http.StatusOK && json.Unmarshal(b, &v) == nil {
			for _, r := range v.Ranges {
				if r.End.Sub(r.Start) >= d {
					return r.Start, r.End, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, time.Time{}, fmt.Errorf("no %v of footage within %v: %d %s", d, limit, resp.StatusCode, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
