package ui

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
)

// downloadRecheck is how often a download in flight has its grant decided
// again, so a revocation (user removed, viewer unassigned, camera moved)
// stops the bytes within a second, not at the end of a long clip.
const downloadRecheck = 300 * time.Millisecond

// downloadSendBuffer bounds the kernel's send buffer of a connection
// serving a download: bytes already handed to the kernel are delivered
// even after a revocation, and autotuning would let that reach megabytes.
const downloadSendBuffer = 128 << 10

type connKey struct{}

// ConnContext is for http.Server.ConnContext: it keeps the connection in
// the request context, so a download can bound its socket buffer.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// boundSendBuffer sets the request's TCP send buffer to downloadSendBuffer.
func boundSendBuffer(r *http.Request) {
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	// Unwrap TLS and the per-client limit (LimitConnsPerClient), a few
	// layers at most.
	for range 4 {
		tc, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = tc.NetConn()
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.SetWriteBuffer(downloadSendBuffer)
	}
}

// errDownloadRevoked ends a download whose grant no longer holds.
var errDownloadRevoked = errors.New("download: access revoked")

// guardedDownload serves body while a watcher decides g again every
// downloadRecheck. On a refusal it fails the next Read and sets the
// connection's write deadline to now, so a write blocked on a slow reader
// fails at once too; net/http then closes the connection short of its
// Content-Length. The send buffer is bounded, so little is delivered after
// that. While the grant cannot be decided (the database fails or is slow),
// each Read waits once the last decision is view.LiveUnverifiedLimit old,
// and the download ends after view.LiveUnverifiedEnd, as a live session
// does. The caller calls stop when the response is done.
type guardedDownload struct {
	io.ReadSeeker
	ctx      context.Context
	verified *view.Verification // stopped on a refusal: Wait then fails
}

func (d *guardedDownload) Read(p []byte) (int, error) {
	if err := d.verified.Wait(d.ctx); err != nil {
		return 0, errDownloadRevoked
	}
	return d.ReadSeeker.Read(p)
}

// guardDownload starts the watcher of g for the response w.
func (s *Server) guardDownload(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant, body io.ReadSeeker) (*guardedDownload, func()) {
	boundSendBuffer(r)
	ctx, cancel := context.WithCancel(r.Context())
	d := &guardedDownload{ReadSeeker: body, ctx: ctx, verified: view.NewVerification()}
	rc := http.NewResponseController(w)
	end := func(msg string, args ...any) {
		d.verified.Stop()
		_ = rc.SetWriteDeadline(time.Now())
		s.log.InfoContext(ctx, msg, args...)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(downloadRecheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			outcome, err := d.verified.Check(ctx, func(rctx context.Context) error { return s.policy.Recheck(rctx, g) })
			switch outcome {
			case view.Cancelled:
				return
			case view.Revoked:
				end("download ended: access revoked", "camera", string(g.CameraID()))
				return
			case view.Unverified:
				end("download ended: its grant cannot be checked", "camera", string(g.CameraID()), "err", err)
				return
			}
		}
	}()
	return d, func() { cancel(); wg.Wait() }
}
