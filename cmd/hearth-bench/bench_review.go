package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

// benchReview measures what a person reviewing footage waits for: the time
// from a click on the camera page's timeline to the first recorded frame
// painted, in headless Chromium against a real "hearth demo" (simulated
// cameras, recording) once it holds cfg.ReviewFootage of footage. Of
// cfg.ReviewClicks clicks at random recorded moments, every other one
// starts from live (a new WebRTC playback session) and the others move a
// session already playing (a seek on its data channel), as a person
// clicking around does.
//
// The click time is the pointerup event's timestamp in the page; the frame
// time is the requestVideoFrameCallback time of the first frame of the
// chosen moment (recorded.js: data-first-frame-at), both on the page's
// performance clock, so no CDP round trip is counted.
func benchReview(ctx context.Context, cfg benchConfig, e env) (*benchTable, error) {
	if _, err := os.Stat(chromiumBin); err != nil {
		return nil, errors.New("chromium is not installed")
	}
	hearth, err := hearthBinary(cfg.Hearth)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	demo, err := startDemo(ctx, hearth)
	if err != nil {
		return nil, err
	}
	defer demo.stop()
	fmt.Fprintf(e.stderr, "review: demo at %s; waiting for %v of footage\n", demo.base, cfg.ReviewFootage)
	cam, err := demo.waitFootage(ctx, cfg.ReviewFootage)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, demo.log.String())
	}

	profile, err := os.MkdirTemp("", "hearth-bench-chromium-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumBin), chromedp.UserDataDir(profile),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true), chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelB := chromedp.NewContext(alloc)
	defer cancelB()
	// The browser starts with the first action and lives as long as the
	// context of that one: run it on bctx itself, not on a bounded child.
	if _, err := chromedp.Run(bctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		return nil, fmt.Errorf("start chromium: %w", err)
	}
	step := func(what string, a chromedp.Action[chromedp.Void]) error {
		c, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(c, a); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	eval := func(js string, out any) error {
		c, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Evaluate[json.RawMessage](js))
		if err != nil {
			return fmt.Errorf("%.60s: %w", js, err)
		}
		return json.Unmarshal(v, out)
	}
	for _, s := range []struct {
		what string
		a    chromedp.Action[chromedp.Void]
	}{
		{"login page", chromedp.Navigate(demo.base + "/login")},
		{"user", chromedp.SendKeys(chromedp.CSS(`input[name=username]`), demo.user)},
		{"password", chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demo.pass)},
		{"sign in", chromedp.Submit(chromedp.CSS(`input[name=password]`))},
		{"grid", chromedp.WaitVisible(chromedp.CSS(`[data-testid="grid"]`))},
		{"camera page", chromedp.Navigate(demo.base + "/cameras/" + cam)},
		{"timeline", chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"][data-ranges]`))},
		// Ten minutes or so in view, as a person looking for a moment zooms.
		{"zoom", chromedp.Click(chromedp.CSS(`[data-testid="zoom-in"]`))},
		{"zoom", chromedp.Click(chromedp.CSS(`[data-testid="zoom-in"]`))},
		{"zoom", chromedp.Click(chromedp.CSS(`[data-testid="zoom-in"]`))},
	} {
		if err := step(s.what, s.a); err != nil {
			return nil, err
		}
	}
	// The click time, from the page's own clock.
	var ok bool
	if err := eval(`document.querySelector('.timeline-svg').addEventListener('pointerup', (e) => { window.benchClickAt = e.timeStamp; }, true), true`, &ok); err != nil {
		return nil, err
	}
	wait := func(js string, limit time.Duration) error {
		deadline := time.Now().Add(limit)
		for {
			var done bool
			if err := eval(js, &done); err != nil {
				return err
			}
			if done {
				return nil
			}
			if time.Now().After(deadline) {
				var st string
				_ = eval(`document.querySelector('[data-timeline-status]').textContent`, &st)
				return fmt.Errorf("no %s within %v (status %q)", js, limit, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var fromLive, seeks []time.Duration
	for i := range cfg.ReviewClicks {
		live := i%2 == 0
		if live {
			if err := step("live", chromedp.Click(chromedp.CSS(`[data-testid="go-live"]`))); err != nil {
				return nil, err
			}
			if err := wait(`document.querySelector('[data-testid="camera-page"]').dataset.mode === 'live' && document.querySelector('[data-player-box]').dataset.player === 'playing' && document.querySelector('video[data-review]').currentTime > 0.5`, 20*time.Second); err != nil {
				return nil, err
			}
		}
		// A random recorded moment in view, away from the live edge (the
		// playback would catch up and end), as a point on the screen.
		var pt []float64
		js := fmt.Sprintf(`(() => {
  const svg = document.querySelector('.timeline-svg').getBoundingClientRect();
  const rs = [...document.querySelectorAll('.tl-range')].map((e) => e.getBoundingClientRect())
    .map((r) => [Math.max(r.left, svg.left + 2), Math.min(r.right - 30, svg.right - 2), r.top + r.height / 2]).filter((r) => r[1] > r[0]);
  if (!rs.length) return [];
  const r = rs[Math.floor(%g * rs.length)];
  return [r[0] + %g * (r[1] - r[0]), r[2]];
})()`, rng.Float64(), rng.Float64())
		if err := eval(js, &pt); err != nil {
			return nil, err
		}
		if len(pt) != 2 {
			return nil, errors.New("no recorded stretch in view")
		}
		var before int
		if err := eval(`Number(document.querySelector('video[data-review]').dataset.firstFrames || 0)`, &before); err != nil {
			return nil, err
		}
		if err := step("click", chromedp.MouseClickXY(pt[0], pt[1])); err != nil {
			return nil, err
		}
		if err := wait(fmt.Sprintf(`Number(document.querySelector('video[data-review]').dataset.firstFrames || 0) > %d`, before), 20*time.Second); err != nil {
			return nil, err
		}
		var ms float64
		if err := eval(`Number(document.querySelector('video[data-review]').dataset.firstFrameAt) - window.benchClickAt`, &ms); err != nil {
			return nil, err
		}
		d := time.Duration(ms * float64(time.Millisecond))
		if live {
			fromLive = append(fromLive, d)
		} else {
			seeks = append(seeks, d)
		}
		fmt.Fprintf(e.stderr, "review: click %d (%s): %.0f ms\n", i+1, map[bool]string{true: "from live", false: "while playing"}[live], ms)
		// Let it play a moment, as a person looks before the next click.
		time.Sleep(time.Duration(500+rng.IntN(1000)) * time.Millisecond)
	}
	all := append(append([]time.Duration{}, fromLive...), seeks...)
	t := &benchTable{title: fmt.Sprintf("review: %d clicks on the camera page's timeline at random recorded moments (%v of footage, 4 simulated cameras recording), headless Chromium at 1280×800", cfg.ReviewClicks, cfg.ReviewFootage)}
	med, p95 := percentile(all, 0.5), percentile(all, 0.95)
	t.add("click to first recorded frame: median", fmtMs(med), "≤ 500 ms "+verdict(med <= 500*time.Millisecond))
	t.add("click to first recorded frame: p95", fmtMs(p95), "≤ 1 s "+verdict(p95 <= time.Second))
	t.add(fmt.Sprintf("from live (new session), %d: median / max", len(fromLive)), fmtMs(percentile(fromLive, 0.5))+" / "+fmtMs(percentile(fromLive, 1)), "")
	t.add(fmt.Sprintf("while playing (seek), %d: median / max", len(seeks)), fmtMs(percentile(seeks, 0.5))+" / "+fmtMs(percentile(seeks, 1)), "")
	return t, nil
}

// hearthBinary finds the hearth binary: the flag, or bin/hearth beside
// this program (make bench builds both).
func hearthBinary(flagValue string) (string, error) {
	if flagValue != "" {
		if _, err := os.Stat(flagValue); err != nil {
			return "", fmt.Errorf("--hearth: %w", err)
		}
		return flagValue, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(exe), "hearth")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no hearth binary beside %s (make bench builds bin/hearth; or pass --hearth): %w", exe, err)
	}
	return p, nil
}

// demoRun is a "hearth demo" child process.
type demoRun struct {
	cmd        *exec.Cmd
	data       string
	base       string
	user, pass string
	log        *strings.Builder // stderr of the demo, kept to 64 KiB
	done       chan struct{}
}

// freePort asks the kernel for a free loopback port of network.
func freePort(network string) (int, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var demoLogin = regexp.MustCompile(`^\s+alice\s+(\S+)\s+owner`)

// startDemo runs "hearth demo" on loopback in a fresh data directory and
// reads the owner's login from what it prints.
func startDemo(ctx context.Context, hearth string) (*demoRun, error) {
	data, err := os.MkdirTemp("", "hearth-bench-review-")
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	mediaPort, err := freePort("udp")
	if err != nil {
		return nil, err
	}
	d := &demoRun{data: data, base: fmt.Sprintf("http://127.0.0.1:%d", httpPort), user: "alice", log: &strings.Builder{}, done: make(chan struct{})}
	d.cmd = exec.CommandContext(ctx, hearth, "demo", "--data", data, "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--webrtc-ice", "loopback", "--webrtc-udp-port", fmt.Sprint(mediaPort))
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	d.cmd.Stderr = &limitedWriter{w: d.log, n: 64 << 10}
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start hearth demo: %w", err)
	}
	found := make(chan string, 1)
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := demoLogin.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case d.pass = <-found:
		return d, nil
	case <-time.After(60 * time.Second):
	case <-ctx.Done():
	}
	d.stop()
	return nil, fmt.Errorf("hearth demo printed no login within 60 s: %s", d.log.String())
}

func (d *demoRun) stop() {
	if d.cmd.Process != nil {
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		}
		_ = d.cmd.Wait()
	}
	_ = os.RemoveAll(d.data)
}

// waitFootage signs in over the API and waits until the first camera has
// at least want of footage in one stretch; it returns that camera's ID.
func (d *demoRun) waitFootage(ctx context.Context, want time.Duration) (string, error) {
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	body, _ := json.Marshal(map[string]string{"username": d.user, "password": d.pass})
	resp, err := cl.Post(d.base+"/api/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login: %s", resp.Status)
	}
	get := func(path string, out any) error {
		resp, err := cl.Get(d.base + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", path, resp.Status)
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
	var cams struct {
		Cameras []struct {
			ID string `json:"id"`
		} `json:"cameras"`
	}
	if err := get("/api/cameras", &cams); err != nil {
		return "", err
	}
	if len(cams.Cameras) == 0 {
		return "", errors.New("the demo has no camera")
	}
	cam := cams.Cameras[0].ID
	deadline := time.Now().Add(want + 2*time.Minute)
	for {
		var rec struct {
			Ranges []struct{ Start, End time.Time } `json:"ranges"`
		}
		now := time.Now()
		q := fmt.Sprintf("/api/cameras/%s/recordings?start=%s&end=%s", cam, now.Add(-time.Hour).UTC().Format(time.RFC3339), now.Add(time.Minute).UTC().Format(time.RFC3339))
		if err := get(q, &rec); err != nil {
			return "", err
		}
		for _, r := range rec.Ranges {
			if r.End.Sub(r.Start) >= want {
				return cam, nil
			}
		}
		if now.After(deadline) {
			return "", fmt.Errorf("camera %s has not recorded %v in one stretch", cam, want)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}
