//go:build unix

package rtsp

import (
	"errors"
	"os"
	"syscall"
)

const canReadRaw = true

// readFD reads once from a non-blocking descriptor; again reports that it
// had nothing to read yet.
func readFD(fd uintptr, p []byte) (n int, again bool, err error) {
	for {
		n, err = syscall.Read(int(fd), p)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EAGAIN) {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, os.NewSyscallError("read", err)
	}
	return n, false, nil
}
