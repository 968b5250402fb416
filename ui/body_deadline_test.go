package ui

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestSlowBodyIsCut is the slow-body attack of issue 14 (1 byte every few
// seconds held connections for as long as the client liked): a real TCP
// client sends the headers of a login, then dribbles the body. The server
// must close the connection within ten times its body deadline.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const deadline = 300 * time.Millisecond
	srv := NewServer(Config{BodyTimeout: deadline}, Deps{Policy: nvr.NewPolicy(f.store, f.clock, nil),
		Auth: nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock}), Directory: f.dir, Now: f.clock})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	for _, tc := range []struct{ name, host string }{
		{"login reads the body", "127.0.0.1"},
		// Refused before any handler reads the body: net/http would then
		// drain up to 256 KB of it after the answer, at the client's pace.
		{"refused host", "evil.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			slowBody(t, ts.Listener.Addr().String(), tc.host, deadline)
		})
	}
}

// slowBody sends the headers of a login, then dribbles its body, and
// waits for the server to close the connection: it must within ten times
// its body deadline.
func slowBody(t *testing.T, addr, host string, deadline time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "POST /api/login HTTP/1.1\r\nHost: "+host+"\r\nContent-Type: application/json\r\n"+
		"Content-Length: 1000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	// One byte every 50 ms, for at most 20 s (the dribble never finishes
	// the body within the test's wait).
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for range 400 {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	})

	// Wait for the server to close: the read ends (EOF or reset) once it
	// does. The client's own deadline is ten times the server's.
	_ = conn.SetReadDeadline(start.Add(10 * deadline))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("slow body answered %d, want an error status", resp.StatusCode)
		}
		_, err = io.Copy(io.Discard, br)
		if err == nil {
			err = io.EOF
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open %v after the body started (body deadline %v)", time.Since(start), deadline)
	}
	t.Logf("closed after %v: %v", time.Since(start), err)
}

// TestBodyDeadlineSparesSlowHandlers: once the body is read, a handler may
// take longer than the body deadline (a WHEP set-up, a camera probe) without
// its request being cancelled (net/http clears the deadline at the body's
// end), and a request without a body (a download, the MSE WebSocket) gets no
// deadline at all.
func TestBodyDeadlineSparesSlowHandlers(t *testing.T) {
	t.Parallel()
	const deadline = 100 * time.Millisecond
	h := withBodyDeadline(deadline, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case <-r.Context().Done():
			http.Error(w, "cancelled", http.StatusServiceUnavailable)
			return
		case <-time.After(5 * deadline):
		}
		_, _ = io.WriteString(w, "done")
	}))
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	for _, body := range []string{"", `{"a":1}`} {
		resp, err := ts.Client().Post(ts.URL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != "done" {
			t.Errorf("body %q: status %d %q, want 200 done", body, resp.StatusCode, b)
		}
	}
}
