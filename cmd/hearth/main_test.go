package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// cli runs one hearth command line in-process and returns its output and
// exit code.
func cli(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	// Bounded: a command that should fail fast must not hang the suite.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, args, env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return out.String(), errb.String(), code
}

// mustCLI runs a command that must succeed.
func mustCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errs, code := cli(t, stdin, args...)
	if code != 0 {
		t.Fatalf("hearth %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// server is a running "hearth serve" on 127.0.0.1:0.
type server struct {
	url    string
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer = testpeer.SyncBuffer

// serveStartLimit bounds the wait for serve or demo to listen. A quiet
// machine takes well under a second; a CI machine with two race-enabled
// packages and Chromium sharing two cores took more than 10 s.
const serveStartLimit = 60 * time.Second

func startServer(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	s := &server{stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	args := append([]string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0"}, extra...)
	go func() {
		s.done <- run(ctx, args, env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: s.stderr,
			onListen: func(a string) { addr <- a }})
	}()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case code := <-s.done:
		t.Fatalf("serve exited %d: %s", code, s.stderr.String())
	case <-time.After(serveStartLimit):
		t.Fatalf("serve did not start within %v: %s", serveStartLimit, s.stderr.String())
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop sends the equivalent of SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case code := <-s.done:
		if code != 0 {
			t.Errorf("serve exit code %d: %s", code, s.stderr.String())
		}
	case <-time.After(30 * time.Second): // its own shutdown is bounded at a few seconds; this is the load margin
		t.Errorf("serve did not stop within 30 s")
	}
}

type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (c *client) call(method, path, body string, hdr ...string) (int, string) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) login(user, pw string) {
	c.t.Helper()
	if code, body := c.call("POST", "/api/login", `{"username":"`+user+`","password":"`+pw+`"}`); code != 200 {
		c.t.Fatalf("login %s: %d %s", user, code, body)
	}
}

func (c *client) cameraNames() []string {
	c.t.Helper()
	code, body := c.call("GET", "/api/cameras", "")
	if code != 200 {
		c.t.Fatalf("cameras: %d %s", code, body)
	}
	var v struct {
		Cameras []struct {
			Name string `json:"name"`
		} `json:"cameras"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		c.t.Fatal(err)
	}
	var names []string
	for _, cam := range v.Cameras {
		names = append(names, cam.Name)
	}
	slices.Sort(names)
	return names
}

var cameraIDRe = regexp.MustCompile(`camera ([0-9a-f]{32}) `)

// tokenIDRe finds the first token's public ID in `hearth token list`.
var tokenIDRe = regexp.MustCompile(`(?m)^([0-9a-f]{32})\s`)

func addCamera(t *testing.T, data, household, name, url string) string {
	t.Helper()
	out := mustCLI(t, "", "camera", "add", name, "--household", household, "--main", url, "--data", data)
	m := cameraIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no camera ID in %q", out)
	}
	return m[1]
}

// addCameraUser adds a camera whose password is read from standard input
// (--rtsp-user), the way a camera password reaches the CLI.
func addCameraUser(t *testing.T, data, household, name, url, user, password string) string {
	t.Helper()
	out := mustCLI(t, password+"\n", "camera", "add", name, "--household", household, "--main", url, "--rtsp-user", user, "--data", data)
	m := cameraIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no camera ID in %q", out)
	}
	return m[1]
}

// TestEndToEnd runs the real server with a temp data dir and the real admin
// commands against it: two households, owners, a viewer, cameras.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const pw = "a long enough passphrase"
	canary := "CANARY-e2e-!"

	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, "", "household", "add", "Beta", "--data", data)
	mustCLI(t, pw+"\n", "user", "add", "root", "--admin", "--data", data)
	mustCLI(t, pw+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	mustCLI(t, pw+"\n", "user", "add", "vic", "--household", "Alpha", "--role", "viewer", "--data", data)
	mustCLI(t, pw+"\n", "user", "add", "bea", "--household", "Beta", "--role", "owner", "--data", data)
	front := addCameraUser(t, data, "Alpha", "Front door", "rtsp://192.0.2.10:554/main", "admin", canary)
	addCamera(t, data, "Alpha", "Garden", "rtsp://192.0.2.11/main")
	porch := addCamera(t, data, "Beta", "Porch", "rtsp://192.0.2.20/main")
	mustCLI(t, "", "user", "assign", "vic", front, "--data", data)

	srv := startServer(t, data)

	ana := newClient(t, srv.url)
	ana.login("ana", pw)
	if got := ana.cameraNames(); !slices.Equal(got, []string{"Front door", "Garden"}) {
		t.Fatalf("ana sees %v", got)
	}
	codeB, bodyB := ana.call("GET", "/api/cameras/"+porch, "")
	codeX, bodyX := ana.call("GET", "/api/cameras/0123456789abcdef0123456789abcdef", "")
	if codeB != 404 || codeX != 404 || bodyB != bodyX {
		t.Fatalf("other household's camera %d %q vs never-existed %d %q", codeB, bodyB, codeX, bodyX)
	}

	vic := newClient(t, srv.url)
	vic.login("vic", pw)
	if got := vic.cameraNames(); !slices.Equal(got, []string{"Front door"}) {
		t.Fatalf("viewer sees %v", got)
	}
	bea := newClient(t, srv.url)
	bea.login("bea", pw)
	if got := bea.cameraNames(); !slices.Equal(got, []string{"Porch"}) {
		t.Fatalf("bea sees %v", got)
	}

	// Admin commands work on the data dir while serve runs.
	mustCLI(t, "", "user", "remove", "vic", "--data", data)
	if code, _ := vic.call("GET", "/api/cameras", ""); code != 401 {
		t.Fatalf("removed user's session: %d, want 401", code)
	}

	// A token works until revoked.
	token := strings.TrimSpace(mustCLI(t, "", "token", "create", "--user", "bea", "--scope", "view", "--data", data))
	anon := newClient(t, srv.url)
	if code, body := anon.call("GET", "/api/cameras", "", "Authorization", "Bearer "+token); code != 200 || !strings.Contains(body, "Porch") {
		t.Fatalf("token: %d %s", code, body)
	}
	tokenID := tokenIDRe.FindStringSubmatch(mustCLI(t, "", "token", "list", "--user", "bea", "--data", data))
	if tokenID == nil {
		t.Fatal("no token in `token list`")
	}
	mustCLI(t, "", "token", "revoke", tokenID[1], "--data", data)
	if code, _ := anon.call("GET", "/api/cameras", "", "Authorization", "Bearer "+token); code != 401 {
		t.Fatalf("revoked token: %d", code)
	}

	// The camera password never comes back: not from the CLI, the API or the logs.
	root := newClient(t, srv.url)
	root.login("root", pw)
	_, adminCams := root.call("GET", "/api/admin/cameras", "")
	list := mustCLI(t, "", "camera", "list", "--data", data)
	for name, text := range map[string]string{"api": adminCams, "cli": list, "log": srv.stderr.String()} {
		if strings.Contains(text, "CANARY") || strings.Contains(text, pw) || strings.Contains(text, token) {
			t.Errorf("%s output leaks a secret: %s", name, text)
		}
	}
	if !strings.Contains(list, "credentials stored") {
		t.Errorf("camera list should note stored credentials: %s", list)
	}

	if code, body := anon.call("GET", "/healthz", ""); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	start := time.Now()
	srv.stop(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // parallel subtests run after this function returns
	// A UDP port taken on every address: the WebRTC port of the next case.
	busyPC, err := net.ListenPacket("udp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busyPC.Close() })
	busyUDP := busyPC.LocalAddr().(*net.UDPAddr).Port

	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	corrupt := t.TempDir()
	if err := os.WriteFile(filepath.Join(corrupt, databaseFile), bytes.Repeat([]byte("not a database "), 512), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"port in use", []string{"serve", "--data", t.TempDir(), "--listen", busy.Addr().String()}, 1, "address already in use"},
		{"webrtc port in use", []string{"serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--webrtc-udp-port", strconv.Itoa(busyUDP)}, 1, "webrtc: listen udp port"},
		{"data dir is a file", []string{"serve", "--data", notDir, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0"}, 1, "data directory"},
		{"data dir under a file", []string{"serve", "--data", filepath.Join(notDir, "sub"), "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0"}, 1, "data directory"},
		{"corrupt database", []string{"serve", "--data", corrupt, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0"}, 1, "not a database"},
		{"bad listen", []string{"serve", "--listen", "nonsense"}, 2, "--listen"},
		{"unknown flag", []string{"serve", "--nope"}, 2, "flag provided but not defined"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"no command", nil, 2, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, errs, code := cli(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d containing %q", code, errs, tt.code, tt.want)
			}
			if tt.code == 1 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Fatalf("start failure should be one line: %q", errs)
			}
		})
	}
}

func TestAdminCommandErrors(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"duplicate household", "", []string{"household", "add", "Alpha"}, 1, "already exists"},
		{"unknown household", "p4ssword-long\n", []string{"user", "add", "x", "--household", "Nope"}, 1, "not found"},
		{"short password", "short\n", []string{"user", "add", "x", "--household", "Alpha"}, 1, "at least 8"},
		{"no password", "", []string{"user", "add", "x", "--household", "Alpha"}, 1, "no password"},
		{"bad role", "", []string{"user", "add", "x", "--household", "Alpha", "--role", "god"}, 2, "role"},
		{"http camera", "", []string{"camera", "add", "c", "--household", "Alpha", "--main", "http://192.0.2.1/"}, 1, "rtsp://"},
		{"camera missing main", "", []string{"camera", "add", "c", "--household", "Alpha"}, 2, "--main"},
		{"remove unknown camera", "", []string{"camera", "remove", "zz"}, 1, "not found"},
		{"revoke bad id", "", []string{"token", "revoke", "abc"}, 2, "32-character"},
		{"revoke by row number", "", []string{"token", "revoke", "1"}, 2, "32-character"},
		{"remove last admin", "", []string{"user", "remove", "root"}, 1, "only appliance admin"},
	}
	mustCLI(t, "p4ssword-long\n", "user", "add", "root", "--admin", "--data", data)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := cli(t, tt.stdin, append(tt.args, "--data", data)...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Fatalf("exit %d, stdout %q stderr %q; want %d containing %q", code, out, errs, tt.code, tt.want)
			}
		})
	}
	// A camera password given in a URL is refused, and never shows in the
	// error either.
	_, errs, _ := cli(t, "", "camera", "add", "c", "--household", "Nope", "--main", "rtsp://u:CANARY-x@192.0.2.1/", "--data", data)
	if strings.Contains(errs, "CANARY") {
		t.Fatalf("error leaks the camera password: %s", errs)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	out := mustCLI(t, "", "version")
	if !strings.HasPrefix(out, "hearth ") {
		t.Fatalf("version output %q", out)
	}
}

// TestFirstRunSetup: a fresh data directory has no admin; serve prints a
// one-time link whose token creates the admin once.
func TestFirstRunSetup(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	addr := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0"},
			env{stdin: strings.NewReader(""), stdout: out, stderr: io.Discard, onListen: func(a string) { addr <- a }})
	}()
	defer func() { cancel(); <-done }()
	base := "http://" + <-addr
	m := regexp.MustCompile(`/setup\?token=(hsetup_[A-Za-z0-9_-]{43})`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no setup link printed: %q", out.String())
	}
	c := newClient(t, base)
	if code, body := c.call("GET", "/setup?token="+m[1], ""); code != 200 || !strings.Contains(body, `data-testid="setup-form"`) {
		t.Fatalf("setup page: %d", code)
	}
	req := `{"token":"` + m[1] + `","username":"root","password":"a long enough passphrase"}`
	if code, body := c.call("POST", "/api/setup", req); code != 201 {
		t.Fatalf("setup: %d %s", code, body)
	}
	if code, _ := c.call("POST", "/api/setup", req); code != 404 {
		t.Fatalf("second use: %d", code)
	}
	c.login("root", "a long enough passphrase")
	if code, _ := c.call("GET", "/api/admin/users", ""); code != 200 {
		t.Fatalf("admin after setup: %d", code)
	}
}
