// Package browsertest drives Debian's Chromium from Go tests through the
// DevTools protocol (chromedp), so a test can load one of Hearth's own pages,
// run script in it and read back what the browser decoded.
//
// It never downloads a browser. When /usr/bin/chromium is missing the test is
// skipped, unless CI=true, where it fails: CI installs it through .ci/deps.
//
// Hearth's pages forbid inline scripts (CSP); script given to Eval runs
// through DevTools Runtime.evaluate, which the page's CSP does not govern.
package browsertest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// ExecPath is the Debian package's browser.
const ExecPath = "/usr/bin/chromium"

// Timeout bounds each call on a Browser (navigation, one evaluation, one
// screenshot) so that a hung browser fails the test instead of stalling it.
const Timeout = 30 * time.Second

// flags are the command line every test browser gets, besides a fresh
// --user-data-dir: headless, no network of its own, loopback ICE allowed and
// host candidates not hidden behind mDNS names (pion cannot resolve them).
var flags = [...]string{
	"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
	"disable-background-networking", "disable-component-update", "disable-sync",
	"allow-loopback-in-peer-connection",
}

// Browser is one headless Chromium bound to a test. Its methods may be called
// from the test goroutine only (one call at a time).
type Browser struct {
	t   testing.TB
	ctx context.Context // chromedp context of the first tab
}

// Available reports whether the browser is installed.
func Available() bool {
	_, err := exec.LookPath(ExecPath)
	return err == nil
}

// Start launches a browser for t, or skips t when the browser is missing and
// CI is not "true". The test's cleanup closes the browser and kills its whole
// process group.
func Start(t testing.TB) *Browser {
	t.Helper()
	if !Available() {
		testpeer.Missing(t, "%s missing; install the chromium package", ExecPath)
	}
	dataDir := t.TempDir() // removed after the cleanup below (cleanups run LIFO)

	var mu sync.Mutex
	var cmd *exec.Cmd
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ExecPath),
		chromedp.UserDataDir(dataDir),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.ModifyCmdFunc(func(c *exec.Cmd) {
			setProcessGroup(c)
			mu.Lock()
			cmd = c
			mu.Unlock()
		}),
	}
	for _, f := range flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		mu.Lock()
		c := cmd
		mu.Unlock()
		if c != nil && c.Process != nil {
			killGroup(c.Process.Pid)
		}
	})

	// The first Run starts the browser and ties it to the context it gets, so
	// it gets ctx itself; a timer bounds the start instead of a derived
	// context (whose end would close the browser).
	watchdog := time.AfterFunc(Timeout, cancelCtx)
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`1`))
	watchdog.Stop()
	if err != nil {
		t.Fatalf("start %s: %v", ExecPath, err)
	}
	return &Browser{t: t, ctx: ctx}
}

// Context is the chromedp context of the browser's tab, for actions this
// package does not wrap. It ends when the test ends.
func (b *Browser) Context() context.Context { return b.ctx }

// Navigate loads url in the tab and waits for the load event.
func (b *Browser) Navigate(url string) error {
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("navigate %s: %w", url, err)
	}
	return nil
}

// Eval evaluates expression in the page and decodes its JSON value into T.
// A promise is awaited; a rejected promise or a thrown exception is an error.
// The expression may be an async IIFE: `(async () => { ... })()`.
func Eval[T any](b *Browser, expression string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		var zero T
		return zero, fmt.Errorf("evaluate: %w", err)
	}
	return v, nil
}

// Screenshot writes a PNG of the viewport to path (handy next to a failure:
// put it under t.TempDir() or $TEST_ARTIFACTS).
func (b *Browser) Screenshot(path string) error {
	ctx, cancel := context.WithTimeout(b.ctx, Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return os.WriteFile(path, png, 0o600)
}

// Frame is the luma plane of one decoded video frame, stride == Width.
type Frame struct {
	Luma          []byte
	Width, Height int
}

// ErrNoFrame means the video element has no decoded frame yet.
var ErrNoFrame = errors.New("video has no decoded frame yet")

// frameJS draws the current frame of the <video> selected by %q onto a
// canvas at its natural size and returns the luma plane, base64-encoded.
// Y is BT.601 limited range, the inverse of how the browser turned the
// decoded YUV into RGB, so the camera's luma levels come back unchanged
// (within rounding).
const frameJS = `(() => {
  const v = document.querySelector(%q);
  if (!v) throw new Error("no element " + %q);
  const w = v.videoWidth, h = v.videoHeight;
  if (!w || !h || v.readyState < 2) return null;
  const c = document.createElement("canvas");
  c.width = w; c.height = h;
  const g = c.getContext("2d", {willReadFrequently: true});
  g.drawImage(v, 0, 0, w, h);
  const px = g.getImageData(0, 0, w, h).data;
  const y = new Uint8Array(w * h);
  for (let i = 0, j = 0; j < y.length; i += 4, j++) {
    y[j] = Math.round(16 + (65.481 * px[i] + 128.553 * px[i+1] + 24.966 * px[i+2]) / 255);
  }
  let s = "";
  for (let i = 0; i < y.length; i += 0x8000) s += String.fromCharCode.apply(null, y.subarray(i, i + 0x8000));
  return {w: w, h: h, y: btoa(s)};
})()`

// VideoFrame reads the frame the <video> element matched by selector shows
// now, as luma bytes: pass them to simcam.ReadPattern(f.Luma, f.Width,
// f.Height, f.Width) to read the camera ID and clock. ErrNoFrame means
// nothing is decoded yet; poll with a bound.
func (b *Browser) VideoFrame(selector string) (Frame, error) {
	type frame struct {
		W, H int
		Y    string
	}
	f, err := Eval[*frame](b, fmt.Sprintf(frameJS, selector, selector))
	if err != nil {
		return Frame{}, err
	}
	if f == nil {
		return Frame{}, ErrNoFrame
	}
	luma, err := base64.StdEncoding.DecodeString(f.Y)
	if err != nil || len(luma) != f.W*f.H {
		return Frame{}, fmt.Errorf("video frame: %d bytes for %dx%d: %v", len(luma), f.W, f.H, err)
	}
	return Frame{Luma: luma, Width: f.W, Height: f.H}, nil
}
