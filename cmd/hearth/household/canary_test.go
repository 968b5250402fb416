package household

import (
	"bufio"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// canary is a minimal RTSP server on another host (::1, where the
// cameras are on 127.0.0.1) that answers every DESCRIBE with a 401
// challenge (Basic and Digest) and keeps every request it was sent.
// Nobody ever enters credentials for it, so any Authorization header it
// sees, or any stored secret anywhere in a request, is a credential
// offered to a host it was not entered for (ARCHITECTURE.md invariant 8).
//
// It stands in for testpeer.CredentialCanary (branch h-creds) until that
// lands.
type canary struct {
	l    net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	reqs []string // raw request heads, in order
	conn map[net.Conn]struct{}
}

func startCanary(t *testing.T) *canary {
	t.Helper()
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatalf("canary on ::1: %v", err)
	}
	c := &canary{l: l, conn: map[net.Conn]struct{}{}}
	c.wg.Go(c.accept)
	t.Cleanup(c.close)
	return c
}

// url is an RTSP URL on the canary's host, without credentials.
func (c *canary) url(path string) string { return "rtsp://" + c.l.Addr().String() + path }

func (c *canary) accept() {
	for {
		nc, err := c.l.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		c.conn[nc] = struct{}{}
		c.mu.Unlock()
		c.wg.Go(func() { c.serve(nc) })
	}
}

func (c *canary) serve(nc net.Conn) {
	defer func() {
		nc.Close()
		c.mu.Lock()
		delete(c.conn, nc)
		c.mu.Unlock()
	}()
	r := textproto.NewReader(bufio.NewReader(nc))
	// Bounded: a client gets a few answers per connection, then is dropped.
	for range 16 {
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		hdr, err := r.ReadMIMEHeader()
		if err != nil {
			return
		}
		var head strings.Builder
		head.WriteString(line + "\n")
		for k, vs := range hdr {
			for _, v := range vs {
				head.WriteString(k + ": " + v + "\n")
			}
		}
		c.mu.Lock()
		c.reqs = append(c.reqs, head.String())
		c.mu.Unlock()
		cseq := hdr.Get("Cseq")
		method, _, _ := strings.Cut(line, " ")
		var resp string
		switch method {
		case "OPTIONS":
			resp = "RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n"
		default:
			resp = "RTSP/1.0 401 Unauthorized\r\nCSeq: " + cseq +
				"\r\nWWW-Authenticate: Basic realm=\"canary\"" +
				"\r\nWWW-Authenticate: Digest realm=\"canary\", nonce=\"0123456789abcdef\"\r\n\r\n"
		}
		if _, err := nc.Write([]byte(resp)); err != nil {
			return
		}
	}
}

// leaks returns the requests that offered credentials: an Authorization
// header, credentials in the URL, or any of the given secrets.
func (c *canary) leaks(secrets []string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, h := range c.reqs {
		line, _, _ := strings.Cut(h, "\n")
		bad := strings.Contains(h, "Authorization:") || strings.Contains(line, "@")
		for _, s := range secrets {
			if s != "" && strings.Contains(h, s) {
				bad = true
			}
		}
		if bad {
			out = append(out, h)
		}
	}
	return out
}

// requests is how many requests the canary was sent.
func (c *canary) requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.reqs)
}

func (c *canary) close() {
	c.l.Close()
	c.mu.Lock()
	for nc := range c.conn {
		nc.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *canary) String() string { return fmt.Sprintf("canary %s", c.l.Addr()) }
