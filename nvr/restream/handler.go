package restream

import (
	"context"
	"errors"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/auth"
	"github.com/bluenviron/gortsplib/v5/pkg/base"

	"github.com/hearthnvr/hearth/nvr"
)

// handler answers the RTSP requests of a Server.
type handler struct{ s *Server }

var (
	_ gortsplib.ServerHandlerOnConnOpen         = (*handler)(nil)
	_ gortsplib.ServerHandlerOnConnClose        = (*handler)(nil)
	_ gortsplib.ServerHandlerOnDescribe         = (*handler)(nil)
	_ gortsplib.ServerHandlerOnSetup            = (*handler)(nil)
	_ gortsplib.ServerHandlerOnPlay             = (*handler)(nil)
	_ gortsplib.ServerHandlerOnSessionClose     = (*handler)(nil)
	_ gortsplib.ServerHandlerOnStreamWriteError = (*handler)(nil)
)

// OnConnOpen gives the connection its digest nonce.
func (h *handler) OnConnOpen(ctx *gortsplib.ServerHandlerOnConnOpenCtx) {
	nonce, err := auth.GenerateNonce()
	if err != nil {
		ctx.Conn.Close()
		return
	}
	ctx.Conn.SetUserData(&connState{nonce: nonce, pending: map[target]*gortsplib.ServerStream{}})
}

// OnConnClose closes the streams described on the connection and never
// set up.
func (h *handler) OnConnClose(ctx *gortsplib.ServerHandlerOnConnCloseCtx) {
	cs, ok := ctx.Conn.UserData().(*connState)
	if !ok {
		return
	}
	cs.mu.Lock()
	pending := cs.pending
	cs.pending = nil
	cs.mu.Unlock()
	for _, st := range pending {
		st.Close()
	}
}

func stateOf(c *gortsplib.ServerConn) *connState {
	cs, ok := c.UserData().(*connState)
	if !ok {
		return &connState{}
	}
	return cs
}

// OnDescribe admits the request and answers the camera stream's SDP, from
// a stream made for this client (SETUP takes it over).
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	cs := stateOf(ctx.Conn)
	rctx, cancel := context.WithTimeout(h.s.ctx, requestTimeout)
	defer cancel()
	g, t, err := h.s.admit(rctx, cs, ctx.Request, ctx.Path)
	if err != nil {
		return refuse(cs), nil, nil
	}
	st, err := h.s.newStream(g, t)
	if err != nil {
		return unavailable(err), nil, nil
	}
	cs.mu.Lock()
	if old := cs.pending[t]; old != nil {
		old.Close()
	}
	if cs.pending != nil {
		cs.pending[t] = st
	}
	cs.mu.Unlock()
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

// OnSetup admits the request again and attaches the client's stream to
// the session (a described one, or a new one for a client that skipped
// DESCRIBE).
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	cs := stateOf(ctx.Conn)
	rctx, cancel := context.WithTimeout(h.s.ctx, requestTimeout)
	defer cancel()
	g, t, err := h.s.admit(rctx, cs, ctx.Request, ctx.Path)
	if err != nil {
		return refuse(cs), nil, nil
	}
	if c, ok := ctx.Session.UserData().(*client); ok {
		if c.target != t {
			return &base.Response{StatusCode: base.StatusBadRequest}, nil, nil
		}
		return &base.Response{StatusCode: base.StatusOK}, c.stream, nil
	}
	cs.mu.Lock()
	st := cs.pending[t]
	delete(cs.pending, t)
	cs.mu.Unlock()
	if st == nil {
		if st, err = h.s.newStream(g, t); err != nil {
			return unavailable(err), nil, nil
		}
	}
	ctx.Session.SetUserData(&client{s: h.s, target: t, grant: g, stream: st})
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

// OnPlay admits the request once more, takes a slot in the live-session
// registry and starts the client's pump.
func (h *handler) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	cs := stateOf(ctx.Conn)
	c, ok := ctx.Session.UserData().(*client)
	if !ok {
		return &base.Response{StatusCode: base.StatusBadRequest}, nil
	}
	rctx, cancel := context.WithTimeout(h.s.ctx, requestTimeout)
	defer cancel()
	g, t, err := h.s.admit(rctx, cs, ctx.Request, ctx.Path)
	if err != nil || t != c.target {
		return refuse(cs), nil
	}
	if err := h.s.start(ctx.Session, c, g); err != nil {
		if nvr.ErrorKind(err) == nvr.KindUnavailable {
			return unavailable(err), nil
		}
		return refuse(cs), nil
	}
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSessionClose stops the client's pump, ends its registry session with
// its audit row, and closes its stream.
func (h *handler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	if c, ok := ctx.Session.UserData().(*client); ok {
		c.finish()
	}
}

// OnStreamWriteError: the client's socket queue is full (a slow client);
// its pump drops units until the next keyframe.
func (h *handler) OnStreamWriteError(ctx *gortsplib.ServerHandlerOnStreamWriteErrorCtx) {
	if c, ok := ctx.Session.UserData().(*client); ok {
		c.overflow.Store(true)
	}
}

// unavailable answers a camera that is granted but not streaming (503):
// only someone the policy let through sees it.
func unavailable(err error) *base.Response {
	if nvr.ErrorKind(err) == nvr.KindUnavailable || errors.Is(err, errNoVideo) {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}
	}
	return &base.Response{StatusCode: base.StatusInternalServerError}
}
