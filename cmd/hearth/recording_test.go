package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// recordingSite is a data directory with one household, its owner and
// simulated cameras served from this test process.
type recordingSite struct {
	data string
	sim  *simcam.Server
	cams []string // camera IDs, as Hearth assigned them
}

const sitePassword = "a long enough passphrase"

func newRecordingSite(t *testing.T, cameras int) *recordingSite {
	t.Helper()
	s := &recordingSite{data: t.TempDir()}
	mustCLI(t, "", "household", "add", "Alpha", "--data", s.data)
	mustCLI(t, sitePassword+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", s.data)
	for i := range cameras {
		s.cams = append(s.cams, addCamera(t, s.data, "Alpha", fmt.Sprintf("cam %d", i), "rtsp://127.0.0.1:9/unset"))
	}
	// One-second GOPs: a crash may lose the GOP in flight, so this bounds it.
	// The object stays still for the whole test: by default it moves 5 s in
	// every 25 s of wall clock, and a motion event would be one more event
	// than a test made. Motion tests have their own schedules.
	still := simcam.Schedule{Start: time.Now(), Still: 1000 * time.Hour}
	var cfgs []simcam.CameraConfig
	for _, id := range s.cams {
		cfgs = append(cfgs, simcam.CameraConfig{ID: id, FPS: 10, GOP: 10, Width: simcam.MinWidth, Height: simcam.MinHeight, Schedule: still})
	}
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: cfgs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sim.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	s.sim = sim
	for i, id := range s.cams {
		mustCLI(t, "", "camera", "edit", id, "--main", sim.URL(i+1), "--data", s.data)
	}
	return s
}

// segmentsOf reads the index directly (another handle on the same file).
func segmentsOf(t *testing.T, data string) []nvr.Segment {
	t.Helper()
	store, err := db.Open(context.Background(), filepath.Join(data, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	segs, err := store.AllSegments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// recordedUntil is, per camera, the end of the newest indexed footage.
func recordedUntil(segs []nvr.Segment) map[nvr.CameraID]time.Time {
	out := map[nvr.CameraID]time.Time{}
	for _, s := range segs {
		if s.End.After(out[s.CameraID]) {
			out[s.CameraID] = s.End
		}
	}
	return out
}

// waitRecorded waits until every camera has at least d of footage indexed
// in segments that started after since (a new run's own footage).
func waitRecorded(t *testing.T, data string, cams []string, since time.Time, d, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		segs := segmentsOf(t, data)
		until := recordedUntil(segs)
		ok := true
		for _, id := range cams {
			var have time.Duration
			for _, s := range segs {
				if s.CameraID == nvr.CameraID(id) && s.Start.After(since) {
					have += s.End.Sub(s.Start)
				}
			}
			if have < d {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var spans []string
			for _, s := range segs {
				spans = append(spans, fmt.Sprintf("%s %s–%s", s.CameraID, s.Start.Format("15:04:05.000"), s.End.Format("15:04:05.000")))
			}
			t.Fatalf("footage since %s not indexed within %v: recorded until %v; segments: %s",
				since.Format("15:04:05.000"), limit, until, strings.Join(spans, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func ffmpegDecodes(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("ffmpeg decoding %s: %v: %s", filepath.Base(path), err, out)
	}
}

// TestRecordingAndClips records simulated cameras through the real server
// and reads them back through the API: covered ranges, an MP4 clip that
// ffmpeg decodes, Range requests, and 400/404 for bad or empty ranges.
func TestRecordingAndClips(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	site := newRecordingSite(t, 1)
	start := time.Now()
	srv := startServer(t, site.data)
	waitRecorded(t, site.data, site.cams, start, 6*time.Second, 30*time.Second)

	c := newClient(t, srv.url)
	c.login("ana", sitePassword)
	cam := site.cams[0]
	q := func(a, b time.Time) string {
		return "start=" + a.UTC().Format(time.RFC3339Nano) + "&end=" + b.UTC().Format(time.RFC3339Nano)
	}
	now := time.Now()
	code, body := c.call("GET", "/api/cameras/"+cam+"/recordings?"+q(now.Add(-time.Hour), now), "")
	var rr struct {
		Ranges []struct{ Start, End time.Time } `json:"ranges"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &rr) != nil || len(rr.Ranges) == 0 {
		t.Fatalf("recordings: %d %s", code, body)
	}
	last := rr.Ranges[len(rr.Ranges)-1]
	if last.End.Sub(last.Start) < 5*time.Second {
		t.Fatalf("covered range %v too short", last)
	}

	// A 3 s clip from inside the recording.
	from, to := last.Start.Add(time.Second), last.Start.Add(4*time.Second)
	resp, err := c.hc.Get(srv.url + "/api/cameras/" + cam + "/clip.mp4?" + q(from, to))
	if err != nil {
		t.Fatal(err)
	}
	clip, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" ||
		resp.Header.Get("Content-Length") != strconv.Itoa(len(clip)) || resp.Header.Get("ETag") == "" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("clip: %d %v (%d bytes)", resp.StatusCode, resp.Header, len(clip))
	}
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, clip, 0o600); err != nil {
		t.Fatal(err)
	}
	ffmpegDecodes(t, path)
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	dur, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if dur < 3-0.2 || dur > 3+1.2 { // within one 1 s GOP of the request
		t.Fatalf("clip lasts %.2f s, want about 3", dur)
	}

	// Range requests reassemble to the same bytes.
	var joined []byte
	for off := 0; off < len(clip); off += 7000 {
		req, _ := http.NewRequest("GET", srv.url+"/api/cameras/"+cam+"/clip.mp4?"+q(from, to), nil)
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, min(off+6999, len(clip)-1)))
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent {
			t.Fatalf("range %d: %d", off, resp.StatusCode)
		}
		joined = append(joined, part...)
	}
	if sha256.Sum256(joined) != sha256.Sum256(clip) {
		t.Fatalf("ranges reassemble to different bytes (%d vs %d)", len(joined), len(clip))
	}

	for _, tc := range []struct {
		query string
		code  int
		want  string
	}{
		{q(to, from), 400, "end must be after start"},
		{q(from, from.Add(25*time.Hour)), 400, "at most"},
		{"start=yesterday&end=today", 400, "RFC 3339"},
		{"", 400, "required"},
		{q(now.Add(-48*time.Hour), now.Add(-47*time.Hour)), 404, "not found"},
	} {
		if code, body := c.call("GET", "/api/cameras/"+cam+"/clip.mp4?"+tc.query, ""); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("clip?%s: %d %s, want %d %q", tc.query, code, body, tc.code, tc.want)
		}
	}
	// Another household's user gets the same 404 as for a missing camera.
	mustCLI(t, "", "household", "add", "Beta", "--data", site.data)
	mustCLI(t, sitePassword+"\n", "user", "add", "bea", "--household", "Beta", "--role", "owner", "--data", site.data)
	b := newClient(t, srv.url)
	b.login("bea", sitePassword)
	if code, body := b.call("GET", "/api/cameras/"+cam+"/clip.mp4?"+q(from, to), ""); code != 404 || strings.Contains(body, "ftyp") {
		t.Fatalf("other household's clip: %d", code)
	}

	// Moving the camera to Beta gives Beta its future, not Alpha's past.
	movedAt := time.Now()
	if out := mustCLI(t, "", "camera", "move", cam, "--household", "Beta", "--data", site.data); !strings.Contains(out, "no household can play them back") {
		t.Errorf("camera move does not say the footage before it stays unseen: %s", out)
	}
	if code, _ := c.call("GET", "/api/cameras/"+cam+"/clip.mp4?"+q(from, to), ""); code != 404 {
		t.Fatalf("old household after the move: %d", code)
	}
	if code, body := b.call("GET", "/api/cameras/"+cam+"/clip.mp4?"+q(from, to), ""); code != 404 || strings.Contains(body, "ftyp") {
		t.Fatalf("new household got footage from before the move: %d", code)
	}
	code, body = b.call("GET", "/api/cameras/"+cam+"/recordings?"+q(now.Add(-time.Hour), time.Now().Add(time.Minute)), "")
	rr.Ranges = nil
	if code != 200 || json.Unmarshal([]byte(body), &rr) != nil {
		t.Fatalf("new household's ranges: %d %s", code, body)
	}
	for _, r := range rr.Ranges {
		if r.Start.Before(movedAt.Add(-time.Second)) {
			t.Fatalf("new household sees footage from %v, before the move at %v", r.Start, movedAt)
		}
	}
}

// TestCrashRecovery kills the real server with SIGKILL at random moments
// while it records: after every restart `hearth check` is clean, every
// indexed segment decodes, and no camera loses more than 2 s of footage.
func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	rounds := 50
	if testing.Short() || raceEnabled {
		rounds = 4 // make test also runs the 50 rounds without -race
	}
	if v := os.Getenv("HEARTH_CRASH_ROUNDS"); v != "" {
		rounds, _ = strconv.Atoi(v)
	}
	maxLoss := 2 * time.Second
	if raceEnabled {
		maxLoss = 5 * time.Second
	}
	site := newRecordingSite(t, 2)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var worstLoss time.Duration
	started := time.Now()
	proc := startServeProcess(t, site.data)
	waitRecorded(t, site.data, site.cams, started, time.Second, 30*time.Second)
	for round := range rounds {
		time.Sleep(time.Duration(rng.Int64N(int64(2 * time.Second))))
		killedAt := time.Now()
		if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = proc.Wait()

		// The next start recovers, then records again; check next to it
		// must be clean.
		proc = startServeProcess(t, site.data)
		waitRecorded(t, site.data, site.cams, killedAt, time.Second, 30*time.Second)
		if out, errs, code := cli(t, "", "check", "--data", site.data); code != 0 {
			t.Fatalf("round %d: check after restart: exit %d\n%s%s", round, code, out, errs)
		}
		// What was durable before the kill ends at most 2 s before it (the
		// GOP in flight). Under -race the server runs about ten times slower
		// and falls behind real time, so only the full-speed run holds it to 2 s.
		for id, end := range recordedBefore(segmentsOf(t, site.data), killedAt) {
			loss := killedAt.Sub(end)
			worstLoss = max(worstLoss, loss)
			if loss > maxLoss {
				t.Fatalf("round %d: camera %s lost %v of footage", round, id, loss)
			}
		}
		if round%10 == 9 {
			t.Logf("round %d: worst loss so far %v", round+1, worstLoss)
		}
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	// Final recovery by check --repair (no server running), then decode all.
	if out, errs, code := cli(t, "", "check", "--repair", "--data", site.data); code != 0 {
		t.Fatalf("final repair: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := cli(t, "", "check", "--data", site.data); code != 0 {
		t.Fatalf("final check: exit %d\n%s%s", code, out, errs)
	}
	segs := segmentsOf(t, site.data)
	for _, s := range segs {
		ffmpegDecodes(t, filepath.Join(site.data, recordstore.RecordingsDirName, filepath.FromSlash(s.Path)))
	}
	t.Logf("crash test: %d SIGKILL rounds, %d segments indexed and decoded, worst footage loss %v", rounds, len(segs), worstLoss.Round(time.Millisecond))
}

// recordedBefore is, per camera, the end of the newest footage that
// started before t (what the killed run left).
func recordedBefore(segs []nvr.Segment, t time.Time) map[nvr.CameraID]time.Time {
	out := map[nvr.CameraID]time.Time{}
	for _, s := range segs {
		if s.Start.Before(t) && s.End.After(out[s.CameraID]) && !s.End.After(t.Add(time.Second)) {
			out[s.CameraID] = s.End
		}
	}
	return out
}

// startServeProcess runs "hearth serve" as a child process (this test
// binary re-executed), so it can be killed with SIGKILL.
func startServeProcess(t *testing.T, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_SUBCOMMAND=serve --data "+data+" --listen 127.0.0.1:0 --webrtc-udp-port 0 --log-level warn")
	// Closing stdin would stop it gracefully; the test kills it instead,
	// and keeps the pipe open until then.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close() })
	logf, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = io.Discard, logf
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("serve log:\n%s", b)
		}
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}
