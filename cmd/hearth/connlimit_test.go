package main

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServeCapsConnectionsPerClient: serve wraps its listener with the
// per-client cap (--max-conns-per-client): with a cap of 2, a third idle
// connection from 127.0.0.1 is closed at once while the first two stay.
func TestServeCapsConnectionsPerClient(t *testing.T) {
	t.Parallel()
	srv := startServer(t, t.TempDir(), "--max-conns-per-client", "2")
	addr := strings.TrimPrefix(srv.url, "http://")
	var held []net.Conn
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	// Three idle connections: the third must be closed by the server
	// (read returns EOF or a reset) well within 5 s.
	deadline := time.Now().Add(5 * time.Second)
	for len(held) < 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	third := held[2]
	_ = third.SetReadDeadline(deadline)
	_, err := third.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("a third connection from one client was kept open; cap 2")
	}
	if err == nil {
		t.Fatal("the server wrote to an idle connection")
	}
	// The first two are still served.
	_ = held[0].SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(held[0], "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(held[0])
	if err != nil || !strings.HasPrefix(string(b), "HTTP/1.1 200") {
		t.Fatalf("a connection within the cap: %q, %v", b, err)
	}
}
