package restream_test

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/restream"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

var cheapArgon = nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// world is two households, each with a simulated camera on loopback,
// pulled by a real ingest, served by a real restream on 127.0.0.1:0.
type world struct {
	t        testing.TB
	store    *db.DB
	dir      *nvr.Directory
	sim      *simcam.Server
	sessions *view.LiveSessions
	rs       *restream.Server
	camA     nvr.Camera // ana's household, simulated camera 1
	camB     nvr.Camera // bea's household, simulated camera 2
	ana, bea nvr.User
	tokA     string // ana's view token
	tokAInfo nvr.APIToken
	tokB     string // bea's view token
	tokAll   string // ana's all-scope token (no digest: not for RTSP)
}

func newWorld(t testing.TB, cams ...simcam.CameraConfig) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	store, err := db.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	w := &world{t: t, store: store, dir: nvr.NewDirectory(store, nil, cheapArgon)}
	hA, err := nvrtest.Operator(w.dir).AddHousehold(ctx, "Alpha")
	if err != nil {
		t.Fatal(err)
	}
	hB, err := nvrtest.Operator(w.dir).AddHousehold(ctx, "Beta")
	if err != nil {
		t.Fatal(err)
	}
	user := func(name string, h nvr.HouseholdID) nvr.User {
		u, err := nvrtest.Operator(w.dir).AddUser(ctx, nvr.NewUser{Name: name, HouseholdID: h, Role: nvr.RoleOwner, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.ana, w.bea = user("ana", hA.ID), user("bea", hB.ID)
	w.camA = w.addCamera(hA.ID, "Door")
	w.camB = w.addCamera(hB.ID, "Porch")
	if len(cams) == 0 {
		cams = []simcam.CameraConfig{
			{Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 15, GOP: 15},
			{Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 15, GOP: 15},
		}
	}
	cams[0].ID, cams[1].ID = string(w.camA.ID), string(w.camB.ID)
	w.sim, err = simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: cams})
	if err != nil {
		t.Fatal(err)
	}
	localOK := true // the admin points them at the simulator on loopback
	for i, c := range []nvr.Camera{w.camA, w.camB} {
		u := w.sim.URL(i + 1)
		if _, err := nvrtest.Operator(w.dir).EditCamera(ctx, c.ID, nvr.CameraChanges{MainURL: &u, LocalOK: &localOK}); err != nil {
			t.Fatal(err)
		}
	}
	token := func(u nvr.User, scope nvr.TokenScope) (string, nvr.APIToken) {
		tok, info, err := nvrtest.Operator(w.dir).CreateToken(ctx, u.ID, "rtsp-"+string(scope), scope, 0)
		if err != nil {
			t.Fatal(err)
		}
		return tok, info
	}
	w.tokA, w.tokAInfo = token(w.ana, nvr.ScopeView)
	w.tokB, _ = token(w.bea, nvr.ScopeView)
	w.tokAll, _ = token(w.ana, nvr.ScopeAll)

	ing := ingest.NewIngest(ingest.IngestConfig{Cameras: store, StaggerWindow: 10 * time.Millisecond, Poll: 100 * time.Millisecond})
	policy := nvr.NewPolicy(store, nil, nil)
	w.sessions = view.NewLiveSessions(policy, view.LiveConfig{})
	w.rs, err = restream.Listen(restream.Config{Addr: "127.0.0.1:0", Policy: policy, Digest: store, Hubs: ing, Sessions: w.sessions})
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { _ = w.sim.Run(ctx) })
	wg.Go(func() { _ = ing.Run(ctx) })
	wg.Go(func() { _ = w.sessions.Run(ctx) })
	wg.Go(func() { _ = w.rs.Run(ctx) })

	// Wait until both cameras stream (their hubs hold a keyframe).
	auth := nvr.NewAuth(store, nvr.AuthConfig{Argon2: cheapArgon})
	for _, c := range []struct {
		cam nvr.Camera
		tok string
	}{{w.camA, w.tokA}, {w.camB, w.tokB}} {
		p, err := auth.Authenticate(ctx, c.tok)
		if err != nil {
			t.Fatal(err)
		}
		g, err := policy.Camera(ctx, p, nvr.ActionViewLive, c.cam.ID)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, "camera streaming", func() bool {
			h, err := ing.Hub(g, "main")
			return err == nil && h.Keyframe() != nil
		})
	}
	return w
}

func (w *world) addCamera(h nvr.HouseholdID, name string) nvr.Camera {
	c, err := nvrtest.Operator(w.dir).AddCamera(context.Background(), nvr.NewCamera{HouseholdID: h, Name: name, MainURL: "rtsp://192.0.2.10/main"})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// url is the restream URL of camera id with credentials.
func (w *world) url(user, token string, id nvr.CameraID) string {
	return fmt.Sprintf("rtsp://%s:%s@%s/cam/%s", user, token, w.rs.Addr(), id)
}

// inputFile writes an ffconcat list naming url, so the credentials reach
// ffmpeg through a file (0600, in the test's directory), never its
// command line.
func inputFile(t testing.TB, url string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "input.ffconcat")
	if err := os.WriteFile(p, []byte("ffconcat version 1.0\nfile '"+url+"'\noption rtsp_transport tcp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// ffArgs are the input arguments of ffmpeg and ffprobe for a list file
// (whose option line sets the RTSP transport: TCP, as the restream
// serves).
func ffArgs(list string) []string {
	return []string{"-f", "concat", "-safe", "0",
		"-protocol_whitelist", "file,rtsp,rtp,tcp,udp", "-i", list}
}

type probe struct {
	Streams []struct {
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
}

func ffprobe(t *testing.T, list string) (probe, string, error) {
	t.Helper()
	bin := testpeer.Require(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"-v", "error"}, ffArgs(list)...)
	args = append(args, "-show_entries", "stream=codec_name,width,height", "-of", "json")
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var p probe
	if err == nil {
		err = json.Unmarshal(out, &p)
	}
	return p, stderr.String(), err
}

// TestRestreamPlaysOwnCamera: ffprobe reads the own camera's stream (codec,
// size), and ffmpeg records three seconds that decode.
func TestRestreamPlaysOwnCamera(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	list := inputFile(t, w.url("ana", w.tokA, w.camA.ID))
	p, stderr, err := ffprobe(t, list)
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, stderr)
	}
	if len(p.Streams) != 1 || p.Streams[0].CodecName != "h264" || p.Streams[0].Width != simcam.MinWidth || p.Streams[0].Height != simcam.MinHeight {
		t.Fatalf("ffprobe: %+v, want one h264 %dx%d stream", p.Streams, simcam.MinWidth, simcam.MinHeight)
	}

	ffmpeg := testpeer.Require(t, "ffmpeg")
	out := filepath.Join(t.TempDir(), "rec.mp4")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"-v", "error", "-y"}, ffArgs(list)...)
	args = append(args, "-t", "3", "-c", "copy", out)
	if b, err := exec.CommandContext(ctx, ffmpeg, args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg record: %v\n%s", err, b)
	}
	// Decode every frame of the recording; count them.
	b, err := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-i", out, "-f", "null", "-stats_period", "0.1", "-progress", "pipe:1", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg decode: %v\n%s", err, b)
	}
	m := regexp.MustCompile(`frame=(\d+)`).FindAllStringSubmatch(string(b), -1)
	if len(m) == 0 {
		t.Fatalf("no frame count in %s", b)
	}
	var frames int
	fmt.Sscan(m[len(m)-1][1], &frames)
	// 3 s at 15 fps is 45 frames; a decoder that choked would stop early.
	if frames < 30 || strings.Contains(string(b), "error") {
		t.Fatalf("decoded %d frames of a 3 s recording at 15 fps:\n%s", frames, b)
	}
	t.Logf("ffmpeg recorded and decoded %d frames", frames)
}

// rtspDescribe sends DESCRIBE for path on a fresh connection: first
// without credentials (to learn the nonce), then with a digest response
// for user and token. It returns the second answer's status line and
// header names, and the challenge's status line.
func rtspDescribe(t *testing.T, addr, path, user, token string) (challenge, status string, headers []string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	uri := "rtsp://" + addr + path
	send := func(cseq int, auth string) (string, map[string]string) {
		req := fmt.Sprintf("DESCRIBE %s RTSP/1.0\r\nCSeq: %d\r\nAccept: application/sdp\r\n", uri, cseq)
		if auth != "" {
			req += "Authorization: " + auth + "\r\n"
		}
		if _, err := c.Write([]byte(req + "\r\n")); err != nil {
			t.Fatal(err)
		}
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		hdr := map[string]string{}
		n := 0
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			l = strings.TrimRight(l, "\r\n")
			if l == "" {
				break
			}
			k, v, _ := strings.Cut(l, ":")
			hdr[strings.ToLower(k)] = strings.TrimSpace(v)
			if strings.EqualFold(k, "Content-Length") {
				fmt.Sscan(strings.TrimSpace(v), &n)
			}
		}
		if n > 0 {
			buf := make([]byte, n)
			if _, err := r.Read(buf); err != nil {
				t.Fatal(err)
			}
		}
		return strings.TrimSpace(line), hdr
	}
	challenge, hdr := send(1, "")
	m := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(hdr["www-authenticate"])
	if m == nil {
		t.Fatalf("no digest challenge: %q %v", challenge, hdr)
	}
	nonce := m[1]
	md := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	resp := md(md(user+":"+nvr.DigestRealm+":"+token) + ":" + nonce + ":" + md("DESCRIBE:"+uri))
	status, hdr = send(2, fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`,
		user, nvr.DigestRealm, nonce, uri, resp))
	for k := range hdr {
		if k != "cseq" {
			headers = append(headers, k)
		}
	}
	sort.Strings(headers)
	return challenge, status, headers
}

// TestRestreamRefusals: another household's camera, a missing camera, a
// wrong token, a revoked token and a token of another scope all get the
// same answer as one another (401 with a fresh challenge, the same
// headers), through a raw client and through ffprobe; the own camera is
// answered 200.
func TestRestreamRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	revoked, info, err := nvrtest.Operator(w.dir).CreateToken(ctx, w.ana.ID, "to-revoke", nvr.ScopeView, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := nvrtest.Operator(w.dir).RevokeToken(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	addr := w.rs.Addr().String()
	_, ok, _ := rtspDescribe(t, addr, "/cam/"+string(w.camA.ID), "ana", w.tokA)
	if !strings.Contains(ok, "200") {
		t.Fatalf("own camera: %q", ok)
	}
	cases := []struct {
		name, path, user, token string
	}{
		{"foreign camera", "/cam/" + string(w.camB.ID), "ana", w.tokA},
		{"missing camera", "/cam/" + string(nvr.NewCameraID()), "ana", w.tokA},
		{"wrong token", "/cam/" + string(w.camA.ID), "ana", w.tokB},
		{"revoked token", "/cam/" + string(w.camA.ID), "ana", revoked},
		{"all-scope token", "/cam/" + string(w.camA.ID), "ana", w.tokAll},
		{"other user's name", "/cam/" + string(w.camA.ID), "bea", w.tokA},
		{"malformed path", "/cam/porch", "ana", w.tokA},
	}
	var first string
	for _, tc := range cases {
		challenge, status, hdrs := rtspDescribe(t, addr, tc.path, tc.user, tc.token)
		got := status + " " + strings.Join(hdrs, ",")
		t.Logf("%s: %s (challenge %s)", tc.name, got, challenge)
		if !strings.Contains(status, "401") {
			t.Errorf("%s: %q, want 401", tc.name, status)
		}
		if challenge != status {
			t.Errorf("%s: refusal %q differs from the unauthenticated challenge %q", tc.name, status, challenge)
		}
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("%s: %q, the first refusal was %q", tc.name, got, first)
		}
	}
	// A real client sees the same: ffprobe fails with 401 for each. (Its
	// message echoes the URL it was given, credentials and all: that is
	// the client's own input, not something Hearth sent.)
	for _, tc := range cases[:4] {
		list := inputFile(t, fmt.Sprintf("rtsp://%s:%s@%s%s", tc.user, tc.token, addr, tc.path))
		_, stderr, err := ffprobe(t, list)
		if err == nil || !strings.Contains(stderr, "401") {
			t.Errorf("ffprobe %s: err %v, stderr %q; want a 401 failure", tc.name, err, stderr)
		}
	}
}

// startFFmpeg plays the restream into the null muxer until killed; done
// closes when it exits.
func startFFmpeg(t testing.TB, list string) (done <-chan struct{}) {
	t.Helper()
	bin := testpeer.Require(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	args := append([]string{"-v", "error"}, ffArgs(list)...)
	args = append(args, "-c", "copy", "-f", "null", "-")
	cmd := exec.CommandContext(ctx, bin, args...)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	ch := make(chan struct{})
	go func() { _ = cmd.Wait(); cancel(); close(ch) }()
	t.Cleanup(func() { cancel(); <-ch })
	return ch
}

// TestRestreamRevocationAndOneIngest: two ffmpeg clients of one camera
// leave the camera with one upstream session; revoking one client's token
// ends its session within 1 s (and ffmpeg exits), the other plays on; the
// privacy shutter closing ends the other.
func TestRestreamRevocationAndOneIngest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	tok2, info2, err := nvrtest.Operator(w.dir).CreateToken(ctx, w.ana.ID, "second", nvr.ScopeView, 0)
	if err != nil {
		t.Fatal(err)
	}
	plays := w.sim.Plays(1)
	done1 := startFFmpeg(t, inputFile(t, w.url("ana", w.tokA, w.camA.ID)))
	done2 := startFFmpeg(t, inputFile(t, w.url("ana", tok2, w.camA.ID)))
	waitFor(t, 20*time.Second, "two restream sessions", func() bool { return w.sessions.Count() == 2 })
	time.Sleep(2 * time.Second) // both play a while
	if got := w.sim.Plays(1); got != plays {
		t.Fatalf("the camera was played %d more times for two restream clients, want 0 (one ingest session)", got-plays)
	}
	if plays != 1 {
		t.Fatalf("the camera was played %d times before the clients, want 1 (ingest)", plays)
	}

	start := time.Now()
	if err := nvrtest.Operator(w.dir).RevokeToken(ctx, info2.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "revoked session ends", func() bool { return w.sessions.Count() == 1 })
	clocktest.Promptly(t, "restream session ended at the revocation", time.Since(start), time.Second)
	select {
	case <-done2:
		t.Logf("ffmpeg exited %v after the revocation", time.Since(start).Round(time.Millisecond))
	case <-time.After(15 * time.Second):
		t.Fatal("ffmpeg still running 15 s after its session ended")
	}
	select {
	case <-done1:
		t.Fatal("the other client's ffmpeg ended too")
	default:
	}

	// The shutter closes: the remaining session ends.
	start = time.Now()
	closed := true
	if _, err := nvrtest.Operator(w.dir).Admin().SwitchShutter(ctx, w.camA.ID, nvr.ShutterChange{Closed: &closed}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "session ends at shutter close", func() bool { return w.sessions.Count() == 0 })
	clocktest.Promptly(t, "restream session ended at the shutter's close", time.Since(start), time.Second)
	select {
	case <-done1:
	case <-time.After(15 * time.Second):
		t.Fatal("ffmpeg still running 15 s after the shutter closed")
	}
	// While closed, the owner is refused like anyone.
	if _, status, _ := rtspDescribe(t, w.rs.Addr().String(), "/cam/"+string(w.camA.ID), "ana", w.tokA); !strings.Contains(status, "401") {
		t.Fatalf("DESCRIBE while the shutter is closed: %q", status)
	}
}

func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRestreamCameraMove: moving a camera to another household ends its
// former household's restream session within 1 s.
func TestRestreamCameraMove(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	done := startFFmpeg(t, inputFile(t, w.url("ana", w.tokA, w.camA.ID)))
	waitFor(t, 20*time.Second, "session playing", func() bool { return w.sessions.Count() == 1 })
	start := time.Now()
	if err := nvrtest.Operator(w.dir).MoveCamera(context.Background(), w.camA.ID, w.camB.HouseholdID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "session ends at the move", func() bool { return w.sessions.Count() == 0 })
	clocktest.Promptly(t, "restream session ended at the move", time.Since(start), time.Second)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("ffmpeg still running 15 s after the move")
	}
}

// TestRestreamSequenceAcrossReconnect: the camera drops its connection
// and ingest reconnects (a new stream description on the same hub); the
// client's RTP sequence numbers go on without a gap, where a fresh encoder's
// random start would read as thousands of packets lost.
func TestRestreamSequenceAcrossReconnect(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u, err := base.ParseURL(w.url("ana", w.tokA, w.camA.ID))
	if err != nil {
		t.Fatal(err)
	}
	tcp := gortsplib.ProtocolTCP
	var mu sync.Mutex
	var seqs []uint16
	var lost uint64
	c := gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &tcp,
		OnPacketsLost: func(n uint64) { mu.Lock(); lost += n; mu.Unlock() }}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	desc, _, err := c.Describe(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Setup(desc.BaseURL, desc.Medias[0], 0, 0); err != nil {
		t.Fatal(err)
	}
	c.OnPacketRTPAny(func(_ *description.Media, _ format.Format, p *rtp.Packet) {
		mu.Lock()
		defer mu.Unlock()
		if len(seqs) < 100000 {
			seqs = append(seqs, p.SequenceNumber)
		}
	})
	if _, err := c.Play(nil); err != nil {
		t.Fatal(err)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seqs) }
	waitFor(t, 15*time.Second, "packets before the reconnect", func() bool { return count() >= 20 })
	before, plays := count(), w.sim.Plays(1)
	w.sim.DropClients()
	waitFor(t, 30*time.Second, "ingest played the camera again", func() bool { return w.sim.Plays(1) > plays })
	waitFor(t, 30*time.Second, "packets after the reconnect", func() bool { return count() >= before+40 })
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Fatalf("packet %d: sequence %d after %d (of %d packets, %d before the reconnect)", i, seqs[i], seqs[i-1], len(seqs), before)
		}
	}
	if lost != 0 {
		t.Fatalf("the client counted %d packets lost", lost)
	}
}
