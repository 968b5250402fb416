package testpeer

import (
	"io"
	"net"
	"testing"
	"time"
)

// recorder notes how a test would have ended.
type recorder struct {
	testing.TB
	fatal, skip bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.fatal = true }
func (r *recorder) Skipf(string, ...any)  { r.skip = true }

// TestRequire: a present program is found; a missing one fails the test
// under CI=true and skips it otherwise.
func TestRequire(t *testing.T) {
	if p := Require(t, "sh"); p == "" {
		t.Fatal("sh: empty path")
	}
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		Require(r, "hearth-no-such-program")
		if r.fatal != (ci == "true") || r.skip != (ci != "true") {
			t.Errorf("CI=%q: fatal %v skip %v", ci, r.fatal, r.skip)
		}
	}
}

// TestCountingProxy relays bytes both ways and counts each connection.
func TestCountingProxy(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()
	addr, n := CountingProxy(t, echo.Addr().String())
	for i := range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 4)
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "ping" {
			t.Fatalf("connection %d: %q %v", i, got, err)
		}
		c.Close()
	}
	if n.Load() != 2 {
		t.Fatalf("counted %d connections, want 2", n.Load())
	}
}
