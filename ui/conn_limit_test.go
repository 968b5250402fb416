package ui

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConnsPerClientCapped: a client that holds the cap's worth of idle
// connections gets its next one closed at once, without a byte read; a slot
// frees when one of its connections closes.
func TestConnsPerClientCapped(t *testing.T) {
	t.Parallel()
	const capConns = 3
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	ln := LimitConnsPerClient(inner, capConns, slog.New(slog.NewTextHandler(logs, nil)))
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), ReadHeaderTimeout: time.Minute}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close(); <-done })
	addr := inner.Addr().String()

	var held []net.Conn
	t.Cleanup(func() {
		for _, c := range held {
			_ = c.Close()
		}
	})
	for range capConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	// The held connections are accepted (a request on each is answered),
	// so the next is over the cap.
	for i, c := range held {
		if !get(t, c) {
			t.Fatalf("connection %d within the cap was refused", i)
		}
	}
	over, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer over.Close()
	if get(t, over) {
		t.Fatalf("connection %d from one client was served; cap %d", capConns+1, capConns)
	}
	// A second refusal within the minute is not logged again.
	again, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if get(t, again) {
		t.Fatal("a second connection over the cap was served")
	}
	if got := strings.Count(logs.String(), "too many connections from one client"); got != 1 {
		t.Errorf("%d refusal warnings, want 1:\n%s", got, logs.String())
	}

	// Closing one frees a slot: wait (bounded) for a new connection to be
	// served.
	_ = held[0].Close()
	held = held[1:]
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		ok := get(t, c)
		_ = c.Close()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no slot freed 5 s after a connection closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get sends one request on c and reports whether it was answered; a
// connection the server closed (EOF or reset) is not. It waits at most 2 s.
func get(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	defer func() { _ = c.SetDeadline(time.Time{}) }()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("no answer and no close within 2 s: %v", err)
		}
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && string(b) == "ok"
}

// TestConnsPerClientCountsByAddress: the count is per IP address (not per
// port), released once per connection, and dropped when it reaches zero.
func TestConnsPerClientCountsByAddress(t *testing.T) {
	t.Parallel()
	l := LimitConnsPerClient(nopListener{}, 2, nil).(*clientLimitListener)
	a, b := "192.0.2.1", "2001:db8::1"
	for _, ip := range []string{a, a, b} {
		if !l.admit(ip) {
			t.Fatalf("%s refused within the cap", ip)
		}
	}
	if l.admit(a) {
		t.Fatal("third connection of one address admitted; cap 2")
	}
	if !l.admit(b) {
		t.Fatal("another address refused because of the first")
	}
	c := &clientLimitConn{Conn: nopConn{}, release: func() { l.release(a) }}
	_ = c.Close()
	_ = c.Close() // a second close releases nothing more
	if !l.admit(a) || l.admit(a) {
		t.Fatal("a closed connection did not free exactly one slot")
	}
	l.release(b)
	l.release(b)
	l.mu.Lock()
	_, kept := l.open[b]
	l.mu.Unlock()
	if kept {
		t.Error("an address with no connections is still tracked")
	}
	if got, want := clientIP(&net.TCPAddr{IP: net.ParseIP(b), Port: 5}), "2001:db8::/64"; got != want {
		t.Errorf("clientIP = %q, want %q (an IPv6 client counts by its /64)", got, want)
	}
}

// lockedBuffer is a log destination safe for the accepting goroutine and
// the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type nopListener struct{ net.Listener }

type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }

// TestClientIPGroupsIPv6By64: one IPv6 host holds a /64, so its addresses
// share one count; IPv4 (also mapped) counts per address.
func TestClientIPGroupsIPv6By64(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2::5"), Port: 443}, "2001:db8:1:2::/64"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:ffff::9"), Port: 443}, "2001:db8:1:2::/64"},
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 80}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.7"), Port: 80}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 80}, "::/64"},
	} {
		if got := clientIP(tc.addr); got != tc.want {
			t.Errorf("clientIP(%v) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
