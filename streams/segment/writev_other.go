//go:build !linux

package segment

import (
	"errors"
	"os"
)

// vectored reports whether writeVectors can write to f: not here, where
// the writer builds each fragment in one buffer instead.
const vectored = false

func writeVectors(*os.File, [][]byte) (int64, error) {
	return 0, errors.New("vectored writes are linux-only")
}
