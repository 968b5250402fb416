package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
)

// LiveSource finds the hub of a granted camera's stream; *ingest.Ingest
// implements it. KindUnavailable when the camera is not streaming.
type LiveSource = view.Hubs

// mseWriteTimeout ends a session whose client takes no data at all; a
// merely slow one loses frames to the next keyframe instead (the hub drops
// its backlog; ingest never waits for a viewer).
const mseWriteTimeout = 10 * time.Second

// mseStopGrace is how long a write in flight may finish after the registry
// stopped the session, so the close frame (1008 when revoked) follows it;
// with the 250 ms recheck, revocation still ends a stalled client's session
// within a second.
const mseStopGrace = 300 * time.Millisecond

// mseState is what the MSE route keeps: its hub source. Its sessions are
// admitted, limited, rechecked and audited by the one registry of media
// sessions (Deps.WebRTC.Sessions, an view.LiveSessions), shared with WHEP.
type mseState struct {
	live LiveSource
}

func newMSEState(live LiveSource) mseState { return mseState{live: live} }

// mseHello is the first (text) message of a session, and is sent again
// before an init segment with another codec.
type mseHello struct {
	Codec  string `json:"codec"`  // RFC 6381 (video, then audio if carried), for MediaSource.isTypeSupported / changeType
	Camera string `json:"camera"` // the camera's immutable ID
	// AudioNote says why the camera's audio is not played, if it is not
	// (G.711: browsers do not decode it in MP4); the player shows it.
	AudioNote string `json:"audioNote,omitempty"`
}

// handleMSE serves GET /api/cameras/{id}/mse?stream=main|sub: the live
// stream as fMP4 over a WebSocket, for browsers where WebRTC cannot
// connect. The grant comes first; the WebSocket's own same-origin check
// stays on. The session takes a slot in the same registry as WHEP sessions
// (503 past the per-camera or per-user limit) and ends when the registry
// stops it (revocation: close code 1008). Messages: a JSON text mseHello,
// then binary init and media fragments (another hello precedes an init
// with a new codec).
func (s *Server) handleMSE(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	stream := r.URL.Query().Get("stream")
	if stream == "" {
		stream = "main"
	}
	if stream != "main" && stream != "sub" {
		s.writeError(w, r, errInvalid("stream must be main or sub"))
		return
	}
	m, err := view.StartMSE(s.mse.live, s.live.Sessions, g, stream)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	conn, err := websocket.Accept(w, r, nil) // nil options: Origin must match Host
	if err != nil {
		m.Session.End(0, "refused")
		s.log.Info("mse: websocket refused", "camera", g.CameraID(), "err", err)
		return // Accept answered
	}
	bytes, reason := s.serveMSE(r.Context(), conn, m)
	m.Close()
	m.Session.End(bytes, reason)
}

// serveMSE streams m to conn until the client leaves, the registry stops
// the session (revocation, shutdown), or the stream fails. It returns the
// bytes sent and why it ended.
func (s *Server) serveMSE(ctx context.Context, conn *websocket.Conn, m *view.MSEStream) (sent int64, reason string) {
	ls := m.Session
	g := ls.Grant
	// The client sends nothing; its close ends peer. The registry's stop
	// cancels only ctx, so the close frame can still be sent (cancelling
	// the CloseRead context would drop the connection without one).
	peer := conn.CloseRead(ctx)
	ctx, cancel := context.WithCancel(peer)
	defer cancel()
	ls.SetStop(cancel)

	write := func(typ websocket.MessageType, p []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		// A write is not cut by the stop at once: a write cancelled
		// mid-frame drops the connection without the close frame that
		// tells the player why. Only a write still blocked mseStopGrace
		// after the stop (a client that takes nothing) is cut.
		wctx, wcancel := context.WithTimeout(peer, mseWriteTimeout)
		defer wcancel()
		stopWrite := context.AfterFunc(ctx, func() {
			t := time.NewTimer(mseStopGrace)
			defer t.Stop()
			select {
			case <-t.C:
				wcancel()
			case <-wctx.Done():
			}
		})
		defer stopWrite()
		if err := conn.Write(wctx, typ, p); err != nil {
			return err
		}
		sent += int64(len(p))
		return nil
	}
	end := func(code websocket.StatusCode, why string) (int64, string) {
		switch ls.StopReason() {
		case view.StopRevoked, view.StopUnverified:
			code, why = websocket.StatusPolicyViolation, ls.StopReason()
		case view.StopShutdown:
			code, why = websocket.StatusGoingAway, view.StopShutdown
		}
		_ = conn.Close(code, why)
		return sent, why
	}
	for {
		out, err := m.Next(ctx)
		switch {
		case errors.Is(err, view.ErrStreamEnded):
			return end(websocket.StatusGoingAway, "stream ended")
		case err != nil && ctx.Err() != nil:
			return end(websocket.StatusNormalClosure, "closed")
		case err != nil:
			s.log.Warn("mse: packaging", "camera", g.CameraID(), "err", err)
			return end(websocket.StatusInternalError, "error")
		}
		if out.Codec != "" {
			hello, _ := json.Marshal(mseHello{Codec: out.Codec, Camera: string(g.CameraID()), AudioNote: out.AudioNote})
			if err := write(websocket.MessageText, hello); err != nil {
				return end(websocket.StatusGoingAway, "closed")
			}
		}
		if out.Init != nil {
			if err := write(websocket.MessageBinary, out.Init); err != nil {
				return end(websocket.StatusGoingAway, "closed")
			}
		}
		for _, f := range out.Fragments {
			if err := write(websocket.MessageBinary, f); err != nil {
				return end(websocket.StatusGoingAway, "closed")
			}
		}
	}
}
