//go:build unix

package rtsp

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// On a real socket the read-ahead holds no buffer while it waits for the
// camera (a fleet's connections mostly wait), and the bytes of bursts of
// every size arrive whole and in order.
func TestReadAheadHoldsNothingWhileWaiting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	var heard atomic.Int64
	bufs := &Buffers{}
	c := newCountingConn(nc, &heard, bufs)
	defer c.Close()
	if c.raw == nil {
		t.Fatal("a TCP connection did not get raw reads")
	}

	rng := rand.New(rand.NewPCG(3, 4))
	var want []byte
	type result struct {
		got []byte
		err error
	}
	done := make(chan result, 1)
	var consumed atomic.Int64
	go func() {
		var got []byte
		b := make([]byte, 4096)
		for {
			n, err := c.Read(b)
			got = append(got, b[:n]...)
			consumed.Add(int64(n))
			if err != nil {
				done <- result{got, err}
				return
			}
		}
	}()
	for burst := range 20 {
		// The reader has read all sent so far and waits: it holds no
		// buffer. (It used to be checked after a 20 ms pause, which a
		// loaded machine's reader, still reading 200 KB, did not meet.)
		for deadline := time.Now().Add(30 * time.Second); consumed.Load() < int64(len(want)); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("before burst %d: the reader read %d of %d bytes", burst, consumed.Load(), len(want))
			}
		}
		time.Sleep(5 * time.Millisecond) // into its next wait; a reader not there yet holds none either
		if n := bufs.lentAhead(); n != 0 {
			t.Fatalf("before burst %d: %d read-ahead buffers lent to a waiting connection", burst, n)
		}
		p := make([]byte, 1+rng.IntN(200_000))
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		want = append(want, p...)
		if _, err := peer.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	peer.Close()
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("reader did not see the end of the stream")
	}
	if !errors.Is(r.err, io.EOF) {
		t.Fatalf("stream ended with %v, want io.EOF", r.err)
	}
	if !bytes.Equal(r.got, want) || heard.Load() != int64(len(want)) {
		t.Fatalf("got %d bytes (counted %d), want %d in order", len(r.got), heard.Load(), len(want))
	}
	if n := bufs.lentAhead(); n != 0 {
		t.Fatalf("%d read-ahead buffers still lent after the end", n)
	}
	// A read deadline still ends a waiting read, as on a plain net.Conn.
	nc2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2 := newCountingConn(nc2, &heard, bufs)
	defer c2.Close()
	_ = c2.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c2.Read(make([]byte, 10))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	if n := bufs.lentAhead(); n != 0 {
		t.Fatalf("%d read-ahead buffers lent after a timed-out read", n)
	}
}
