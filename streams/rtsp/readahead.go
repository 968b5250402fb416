package rtsp

import (
	"io"
	"net"
	"sync/atomic"
	"syscall"
)

// countingConn counts the bytes read from a connection and reads ahead:
// each read from the socket takes up to readAheadSize bytes into a lent
// buffer, which serves the next Reads until it is empty and then goes
// back. On a socket (raw set) the buffer is taken only once bytes are
// there to read: a connection waiting for its camera holds none, and a
// fleet's connections mostly wait. Reads come from one goroutine at a
// time (gortsplib's handshake, then its reader), as net.Conn's Read would
// need for ordered bytes.
type countingConn struct {
	net.Conn
	n    *atomic.Int64
	bufs *Buffers
	raw  syscall.RawConn // nil: reads through Conn.Read (not a socket)

	lent  *[readAheadSize]byte // nil when nothing is held
	ahead []byte               // the lent buffer's bytes not handed out yet
	err   error                // the socket's error, after ahead is drained
}

func newCountingConn(nc net.Conn, n *atomic.Int64, bufs *Buffers) *countingConn {
	c := &countingConn{Conn: nc, n: n, bufs: bufs}
	if sc, ok := nc.(syscall.Conn); ok && canReadRaw {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
		}
	}
	return c
}

func (c *countingConn) Read(b []byte) (int, error) {
	if len(c.ahead) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if len(b) >= readAheadSize {
			n, err := c.Conn.Read(b)
			c.n.Add(int64(n))
			return n, err
		}
		buf, n, err := c.fill()
		c.n.Add(int64(n))
		if n == 0 {
			if buf != nil {
				c.bufs.putAhead(buf)
			}
			return 0, err
		}
		c.lent, c.ahead, c.err = buf, buf[:n], err
	}
	n := copy(b, c.ahead)
	c.ahead = c.ahead[n:]
	if len(c.ahead) == 0 {
		c.bufs.putAhead(c.lent)
		c.lent, c.ahead = nil, nil
	}
	return n, nil
}

// fill reads from the socket into a lent buffer (nil when none was kept).
func (c *countingConn) fill() (*[readAheadSize]byte, int, error) {
	if c.raw == nil {
		buf := c.bufs.getAhead()
		n, err := c.Conn.Read(buf[:])
		return buf, n, err
	}
	var (
		buf  *[readAheadSize]byte
		n    int
		rerr error
	)
	// The callback runs when the poller says the socket may be readable;
	// returning false waits again (and honours the read deadline). The
	// buffer goes back before each wait.
	err := c.raw.Read(func(fd uintptr) bool {
		if buf == nil {
			buf = c.bufs.getAhead()
		}
		var again bool
		n, again, rerr = readFD(fd, buf[:])
		if again {
			c.bufs.putAhead(buf)
			buf = nil
			return false
		}
		return true
	})
	if err == nil {
		err = rerr
	}
	switch {
	case err != nil:
		n = 0
		err = &net.OpError{Op: "read", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	case n == 0:
		err = io.EOF
	}
	return buf, n, err
}
