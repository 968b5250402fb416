package simcam

import (
	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
)

// handler answers RTSP requests for a Server. Only reading is supported:
// gortsplib refuses ANNOUNCE/RECORD because OnAnnounce is not implemented.
type handler struct{ s *Server }

var (
	_ gortsplib.ServerHandlerOnConnOpen  = (*handler)(nil)
	_ gortsplib.ServerHandlerOnConnClose = (*handler)(nil)
	_ gortsplib.ServerHandlerOnDescribe  = (*handler)(nil)
	_ gortsplib.ServerHandlerOnSetup     = (*handler)(nil)
	_ gortsplib.ServerHandlerOnPlay      = (*handler)(nil)
)

// OnConnOpen tracks the connection so DropClients can close it.
func (h *handler) OnConnOpen(ctx *gortsplib.ServerHandlerOnConnOpenCtx) {
	h.s.mu.Lock()
	h.s.conns[ctx.Conn] = struct{}{}
	h.s.mu.Unlock()
}

// OnConnClose forgets the connection.
func (h *handler) OnConnClose(ctx *gortsplib.ServerHandlerOnConnCloseCtx) {
	h.s.mu.Lock()
	delete(h.s.conns, ctx.Conn)
	h.s.mu.Unlock()
}

// OnDescribe returns the camera's stream after checking credentials.
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return h.stream(ctx.Conn, ctx.Request, ctx.Path)
}

// OnSetup checks credentials again: a client may SETUP without DESCRIBE.
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return h.stream(ctx.Conn, ctx.Request, ctx.Path)
}

// OnPlay accepts (the session was authorized at SETUP) and counts the
// play on the camera's feed (Server.Plays).
func (h *handler) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	if f := h.s.feedFor(ctx.Path); f != nil {
		f.plays.Add(1)
	}
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (h *handler) stream(conn *gortsplib.ServerConn, req *base.Request, path string) (*base.Response, *gortsplib.ServerStream, error) {
	if !h.s.ready.Load() {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil, nil
	}
	if u := h.s.cfg.Username; u != "" && !conn.VerifyCredentials(req, u, h.s.cfg.Password) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	f := h.s.feedFor(path)
	if f == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, f.stream, nil
}
