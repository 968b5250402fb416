//go:build linux

package segment

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// iovMax is Linux's IOV_MAX: the most pieces one writev takes.
const iovMax = 1024

// writeVectors writes pieces to f, in order, with as few writev(2) calls
// as IOV_MAX allows (one per fragment in practice: a GOP of 50 pictures
// with two NAL units each is 201 pieces). It returns the bytes written and
// the first error; a short write (ENOSPC) leaves a partial fragment for
// the caller to truncate, as a short Write does.
func writeVectors(f *os.File, pieces [][]byte) (int64, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var total int64
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for len(pieces) > 0 {
			n, err := unix.Writev(int(fd), pieces[:min(len(pieces), iovMax)])
			if n > 0 {
				total += int64(n)
				pieces = advance(pieces, n)
			}
			switch {
			case errors.Is(err, unix.EINTR):
			case err != nil:
				werr = &os.PathError{Op: "writev", Path: f.Name(), Err: err}
				return true
			case n == 0 && len(pieces) > 0:
				werr = io.ErrShortWrite
				return true
			}
		}
		return true
	})
	if werr == nil {
		werr = err
	}
	return total, werr
}

// advance drops the first n bytes from pieces.
func advance(pieces [][]byte, n int) [][]byte {
	for n > 0 && len(pieces) > 0 {
		if n < len(pieces[0]) {
			pieces[0] = pieces[0][n:]
			return pieces
		}
		n -= len(pieces[0])
		pieces = pieces[1:]
	}
	for len(pieces) > 0 && len(pieces[0]) == 0 {
		pieces = pieces[1:]
	}
	return pieces
}

// vectored reports whether writeVectors can write to f.
const vectored = true
