//go:build !unix

package rtsp

// Elsewhere the read-ahead reads through net.Conn's Read.
const canReadRaw = false

func readFD(uintptr, []byte) (int, bool, error) { panic("rtsp: raw reads are unix-only") }
