package browsertest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/ui/browsertest"
)

// TestBrowser checks the harness end to end: a page loads, script runs and
// awaits, a screenshot is written, and a <video> frame comes back as luma.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		fmt.Fprint(w, `<!doctype html><title>t</title><video id="v" muted playsinline></video>`)
	}))
	defer srv.Close()

	b := browsertest.Start(t)
	if err := b.Navigate(srv.URL); err != nil {
		t.Fatal(err)
	}
	n, err := browsertest.Eval[int](b, `new Promise(r => setTimeout(() => r(1 + 2), 10))`)
	if err != nil || n != 3 {
		t.Fatalf("eval = %d, %v; want 3", n, err)
	}
	if _, err := browsertest.Eval[int](b, `Promise.reject(new Error("boom"))`); err == nil {
		t.Fatal("rejected promise: no error")
	}

	// A canvas stream into the <video>: left half white, right half black.
	_, err = browsertest.Eval[bool](b, `(async () => {
	  const c = document.createElement("canvas"); c.width = 64; c.height = 32;
	  const g = c.getContext("2d");
	  const paint = () => { g.fillStyle = "#000"; g.fillRect(0, 0, 64, 32); g.fillStyle = "#fff"; g.fillRect(0, 0, 32, 32); };
	  paint(); setInterval(paint, 50);
	  const v = document.getElementById("v");
	  v.srcObject = c.captureStream(20);
	  await v.play();
	  return true;
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	var f browsertest.Frame
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err = b.VideoFrame("#v")
		if !errors.Is(err, browsertest.ErrNoFrame) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 64 || f.Height != 32 || len(f.Luma) != 64*32 {
		t.Fatalf("frame %dx%d with %d bytes; want 64x32", f.Width, f.Height, len(f.Luma))
	}
	white, black := f.Luma[16*64+8], f.Luma[16*64+56]
	if white < 230 || white > 240 || black < 11 || black > 21 {
		t.Fatalf("luma white=%d black=%d; want about 235 and 16", white, black)
	}

	shot := filepath.Join(t.TempDir(), "page.png")
	if err := b.Screenshot(shot); err != nil {
		t.Fatal(err)
	}
}
