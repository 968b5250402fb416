package ui

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// DefaultBodyTimeout is how long a request may take to send its body
// (bodies are at most MaxBodyBytes, 1 MiB: 35 KB/s is enough). Headers have
// their own 10 s (http.Server.ReadHeaderTimeout).
const DefaultBodyTimeout = 30 * time.Second

// withBodyDeadline bounds the time a request's body may take to arrive, so
// a client dribbling a byte every few seconds cannot hold a connection and
// a handler for as long as it likes. The deadline is a read deadline on the
// connection (http.ResponseController), set only for requests that carry a
// body: a request without one (a WebSocket upgrade, a long download) is a
// streaming route and gets none. net/http clears the deadline itself when
// the body has been read to its end (it starts its background read for a
// closed connection then), so a handler that works long after reading its
// body is not cancelled. A body that times out makes the handler's read fail
// (the handler answers as for any bad body) and the connection is closed
// after the reply.
func withBodyDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d <= 0 || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err != nil {
			// A ResponseWriter without deadlines (a test recorder): nothing
			// to bound.
			next.ServeHTTP(w, r)
			return
		}
		r.Body = &deadlineBody{ReadCloser: r.Body, w: w}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody marks the connection for closing when the deadline cut the
// body: the rest of the body is still on its way, so the connection cannot
// carry another request.
type deadlineBody struct {
	io.ReadCloser
	w http.ResponseWriter
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		b.w.Header().Set("Connection", "close")
	}
	return n, err
}
