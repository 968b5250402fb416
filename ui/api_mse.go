package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/fmp4live"
	"github.com/hearthnvr/hearth/streams/hub"
)

// LiveSource finds the hub of a granted camera's stream; *nvr.Ingest
// implements it. KindUnavailable when the camera is not streaming.
type LiveSource interface {
	Hub(g nvr.CameraGrant, stream string) (*hub.Hub, error)
}

// MSE session bounds.
const (
	// mseRecheck is how often a session's grant is decided again, so a
	// revocation ends it within a second (ARCHITECTURE invariant 4).
	mseRecheck = 400 * time.Millisecond
	// mseWriteTimeout ends a session whose client takes no data at all;
	// a merely slow one loses frames to the next keyframe instead (the
	// hub drops its backlog; ingest never waits for a viewer).
	mseWriteTimeout = 10 * time.Second
	// Concurrent MSE sessions per camera and per user.
	mseMaxPerCamera = 16
	mseMaxPerUser   = 8
)

// mseState is what the MSE route keeps: its hub source and session limits.
type mseState struct {
	live   LiveSource
	limits *sessionLimits
}

func newMSEState(live LiveSource) mseState {
	return mseState{live: live, limits: newSessionLimits(mseMaxPerCamera, mseMaxPerUser)}
}

// mseHello is the first (text) message of a session, and is sent again
// before an init segment with another codec.
type mseHello struct {
	Codec  string `json:"codec"`  // RFC 6381, for MediaSource.isTypeSupported / changeType
	Camera string `json:"camera"` // the camera's immutable ID
}

// sessionLimits bounds concurrent sessions per camera and per user.
type sessionLimits struct {
	mu              sync.Mutex
	perCamera       map[nvr.CameraID]int
	perUser         map[nvr.UserID]int
	maxCam, maxUser int
}

func newSessionLimits(maxCam, maxUser int) *sessionLimits {
	return &sessionLimits{perCamera: map[nvr.CameraID]int{}, perUser: map[nvr.UserID]int{}, maxCam: maxCam, maxUser: maxUser}
}

// acquire takes a slot for g's camera and user, or answers KindUnavailable.
func (l *sessionLimits) acquire(g nvr.CameraGrant) (release func(), err error) {
	cam, user := g.CameraID(), g.User().ID
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perCamera[cam] >= l.maxCam {
		return nil, nvr.Errorf("start live session", nvr.KindUnavailable, "too many live sessions on this camera (at most %d)", l.maxCam)
	}
	if l.perUser[user] >= l.maxUser {
		return nil, nvr.Errorf("start live session", nvr.KindUnavailable, "too many live sessions for this user (at most %d)", l.maxUser)
	}
	l.perCamera[cam]++
	l.perUser[user]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.perCamera[cam]--; l.perCamera[cam] <= 0 {
				delete(l.perCamera, cam)
			}
			if l.perUser[user]--; l.perUser[user] <= 0 {
				delete(l.perUser, user)
			}
		})
	}, nil
}

// handleMSE serves GET /api/cameras/{id}/mse?stream=main|sub: the live
// stream as fMP4 over a WebSocket, for browsers where WebRTC cannot
// connect. The grant comes first; the WebSocket's own same-origin check
// stays on. Messages: a JSON text mseHello, then binary init and media
// fragments (another hello precedes an init with a new codec).
func (s *Server) handleMSE(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	stream := r.URL.Query().Get("stream")
	if stream == "" {
		stream = "main"
	}
	if stream != "main" && stream != "sub" {
		s.writeError(w, r, errInvalid("stream must be main or sub"))
		return
	}
	if s.mse.live == nil {
		s.writeError(w, r, nvr.Errorf("live stream", nvr.KindUnavailable, "live view is off"))
		return
	}
	h, err := s.mse.live.Hub(g, stream)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	release, err := s.mse.limits.acquire(g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer release()
	conn, err := websocket.Accept(w, r, nil) // nil options: Origin must match Host
	if err != nil {
		s.log.Info("mse: websocket refused", "camera", g.CameraID(), "err", err)
		return // Accept answered
	}
	start := s.now()
	bytes, reason := s.serveMSE(r.Context(), conn, g, h)
	if err := s.policy.AuditSession(g, nvr.MediaSession{Kind: "mse", Stream: stream, Start: start, End: s.now(), Bytes: bytes, Reason: reason}); err != nil {
		s.log.Error("mse: audit", "camera", g.CameraID(), "err", err)
	}
}

// serveMSE streams h to conn until the client leaves, the grant is
// revoked, or the stream fails. It returns the bytes sent and why it ended.
func (s *Server) serveMSE(ctx context.Context, conn *websocket.Conn, g nvr.CameraGrant, h *hub.Hub) (sent int64, reason string) {
	// The client sends nothing; its close ends peer. Revocation cancels
	// only ctx, so the close frame can still be sent (cancelling the
	// CloseRead context would drop the connection without one).
	peer := conn.CloseRead(ctx)
	ctx, cancel := context.WithCancel(peer)
	defer cancel()

	var wg sync.WaitGroup
	revoked := make(chan struct{})
	wg.Add(1)
	go func() { // the grant is decided again, not trusted for the session's life
		defer wg.Done()
		t := time.NewTicker(mseRecheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.policy.Recheck(ctx, g); err != nil && ctx.Err() == nil {
					close(revoked)
					cancel()
					return
				}
			}
		}
	}()
	defer wg.Wait()

	sub := h.Subscribe(hub.SubscribeOptions{Start: hub.StartCachedGOP, Overflow: hub.DropBacklog})
	defer sub.Close()
	mux := fmp4live.NewMuxer()
	write := func(typ websocket.MessageType, p []byte) error {
		wctx, wcancel := context.WithTimeout(ctx, mseWriteTimeout)
		defer wcancel()
		if err := conn.Write(wctx, typ, p); err != nil {
			return err
		}
		sent += int64(len(p))
		return nil
	}
	end := func(code websocket.StatusCode, why string) (int64, string) {
		select {
		case <-revoked:
			code, why = websocket.StatusPolicyViolation, "revoked"
		default:
		}
		_ = conn.Close(code, why)
		return sent, why
	}
	for {
		u, err := sub.Next(ctx)
		if err != nil {
			if errors.Is(err, hub.ErrClosed) {
				return end(websocket.StatusGoingAway, "stream ended")
			}
			return end(websocket.StatusNormalClosure, "closed")
		}
		out, err := mux.Write(u)
		if err != nil {
			s.log.Warn("mse: packaging", "camera", g.CameraID(), "err", err)
			return end(websocket.StatusInternalError, "error")
		}
		if out.Codec != "" {
			hello, _ := json.Marshal(mseHello{Codec: out.Codec, Camera: string(g.CameraID())})
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
