package rtsp

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"testing"
)

// chunkConn is a net.Conn whose reads return the next of its chunks (at
// most len(b) of it), then err: a socket that delivers bursts.
type chunkConn struct {
	net.Conn
	chunks [][]byte
	err    error
	reads  int
}

func (c *chunkConn) Read(b []byte) (int, error) {
	c.reads++
	if len(c.chunks) == 0 {
		return 0, c.err
	}
	n := copy(b, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

// The read-ahead hands out every byte once, in order, whatever the sizes
// of the socket's bursts and of the reader's requests; counts what the
// socket gave; keeps the socket's error until the bytes before it are
// out; and gives its buffer back whenever it is empty.
func TestReadAheadKeepsTheStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var want []byte
	var chunks [][]byte
	for range 200 {
		c := make([]byte, 1+rng.IntN(3*readAheadSize))
		for i := range c {
			c[i] = byte(rng.Uint32())
		}
		want = append(want, c...)
		chunks = append(chunks, c)
	}
	sock := &chunkConn{chunks: chunks, err: io.EOF}
	var heard atomic.Int64
	bufs := &Buffers{}
	c := &countingConn{Conn: sock, n: &heard, bufs: bufs}

	var got []byte
	sizes := []int{1, 4, 1400, 4096, readAheadSize, readAheadSize + 1, 3 * readAheadSize}
	for turn := 0; ; turn++ {
		if turn > 100_000 {
			t.Fatal("no EOF after 100000 reads")
		}
		b := make([]byte, sizes[rng.IntN(len(sizes))])
		n, err := c.Read(b)
		got = append(got, b[:n]...)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("read error %v, want io.EOF", err)
			}
			break
		}
		if n == 0 {
			t.Fatal("Read returned 0 bytes and no error")
		}
		if len(c.ahead) == 0 && c.lent != nil {
			t.Fatal("an empty read-ahead still holds its buffer")
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d: the stream changed on the way", len(got), len(want))
	}
	if heard.Load() != int64(len(want)) {
		t.Fatalf("counted %d bytes read, want %d", heard.Load(), len(want))
	}
	if c.lent != nil || len(bufs.ahead) == 0 || len(bufs.ahead) > maxFreeAhead {
		t.Fatalf("after EOF: lent %v, %d buffers free; want none lent, 1-%d free", c.lent != nil, len(bufs.ahead), maxFreeAhead)
	}
	// Small requests are served from the buffer: far fewer socket reads
	// than 4 KiB requests would need.
	sock = &chunkConn{chunks: [][]byte{make([]byte, readAheadSize)}, err: io.EOF}
	c = &countingConn{Conn: sock, n: &heard, bufs: bufs}
	for {
		if _, err := c.Read(make([]byte, 4096)); err != nil {
			break
		}
	}
	if sock.reads != 2 { // the burst, then EOF
		t.Fatalf("%d socket reads for one %d-byte burst read 4 KiB at a time, want 2", sock.reads, readAheadSize)
	}
}
