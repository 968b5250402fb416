package household

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// hearthBin is the hearth binary the simulation drives: `serve` as a
// child process, and the admin commands.
type hearthBin struct{ path string }

// buildHearth builds cmd/hearth into dir.
func buildHearth(dir string) (hearthBin, error) {
	out := filepath.Join(dir, "hearth")
	cmd := exec.Command("go", "build", "-o", out, "github.com/hearthnvr/hearth/cmd/hearth")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return hearthBin{}, fmt.Errorf("go build hearth: %w: %s", err, b)
	}
	return hearthBin{path: out}, nil
}

// cli runs one hearth command line and returns stdout, stderr and the
// exit code. Bounded: a hung command fails the step, not the suite.
func (b hearthBin) cli(stdin string, args ...string) (string, string, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0, nil
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode(), nil
	}
	return out.String(), errb.String(), -1, fmt.Errorf("hearth %s: %w", strings.Join(args, " "), err)
}

// mustCLI runs a command that must succeed.
func (b hearthBin) mustCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errs, code, err := b.cli(stdin, args...)
	if err != nil || code != 0 {
		t.Fatalf("hearth %s: exit %d, %v: %s", strings.Join(args, " "), code, err, errs)
	}
	return out
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer = testpeer.SyncBuffer

// serverProc is one running `hearth serve` child process.
type serverProc struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan struct{} // closed when the process has been reaped
}

var servingRe = regexp.MustCompile(`msg="hearth serving".* url=(http://\S+)`)

// startServe starts `hearth serve` on the data dir and waits until it
// listens. The caller owns the process and ends it with stop or kill.
func (b hearthBin) startServe(data string) (*serverProc, error) {
	p := &serverProc{stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(b.path, "serve", "--data", data, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0")
	p.cmd.Stdout = io.Discard
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start serve: %w", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRe.FindStringSubmatch(p.stderr.String()); m != nil {
			p.url = m[1]
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("serve exited at start: %s", p.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	p.kill()
	return nil, fmt.Errorf("serve did not listen within 30 s: %s", p.stderr.String())
}

// stop ends the server gracefully (SIGTERM) and reports whether it left
// within the documented 5 s (with a margin for a loaded machine).
func (p *serverProc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if c := p.cmd.ProcessState.ExitCode(); c != 0 {
			return fmt.Errorf("serve exit code %d after SIGTERM", c)
		}
		return nil
	case <-time.After(30 * time.Second):
		p.kill()
		return errors.New("serve did not stop within 30 s of SIGTERM")
	}
}

// kill is kill -9, and waits for the process to be reaped.
func (p *serverProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// cpuTicks reads utime+stime of the process from /proc, in clock ticks.
func (p *serverProc) cpuTicks() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("cpu time: %w", err)
	}
	// The command name (field 2) may hold spaces: count from its ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("cpu time: malformed stat %q", s)
	}
	f := strings.Fields(s[i+1:])
	// After ")" fields start at 3 (state); utime is 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("cpu time: short stat %q", s)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("cpu time: stat fields %q %q", f[11], f[12])
	}
	return ut + st, nil
}

// api is an HTTP client of one principal: a session cookie or a bearer
// token (or neither).
type api struct {
	base   string
	cookie string
	token  string
	hc     *http.Client
}

func newHTTP() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

// do sends a request and returns status, content type and body (bounded).
func (a *api) do(method, path string, body any) (int, string, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, "", nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return 0, "", nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.cookie != "" {
		req.Header.Set("Cookie", a.cookie)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, "", nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, "", nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b, nil
}

// login returns a session cookie for the user.
func login(hc *http.Client, base, user, pw string) (string, error) {
	body := `{"username":"` + user + `","password":"` + pw + `"}`
	resp, err := hc.Post(base+"/api/login", "application/json", strings.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("login %s: %w", user, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == "hearth_session" && resp.StatusCode == 200 {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("login %s: status %d", user, resp.StatusCode)
}
