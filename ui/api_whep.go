package ui

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"sync/atomic"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/webrtc"
)

// maxOfferBytes bounds a WHEP offer; a browser's is 5 to 15 KB.
const maxOfferBytes = 64 << 10

// LiveHubs gives the hub of a granted camera stream (ingest.Ingest).
type LiveHubs interface {
	Hub(g nvr.CameraGrant, stream string) (*hub.Hub, error)
}

// WebRTCLive is what live view over WebRTC needs; the WHEP routes answer
// 503 when any part is missing.
type WebRTCLive struct {
	Engine *webrtc.Engine
	Hubs   LiveHubs
	// Sessions is the registry of every media session (WHEP and MSE).
	Sessions *view.LiveSessions
}

func (l WebRTCLive) ok() bool { return l.Engine != nil && l.Hubs != nil && l.Sessions != nil }

// handleWHEP starts a live session (WHEP, draft-ietf-wish-whep): the body is
// the browser's SDP offer, the answer is 201 with the SDP answer (every
// server candidate: the server does not trickle), the session's Location,
// its ETag and Accept-Patch: the viewer may trickle its own candidates with
// PATCH (api_whep_trickle.go), so its offer need not wait for gathering.
// The grant comes first; ?stream=main|sub picks the stream (default main);
// ?start=RFC3339 plays the recordings from then instead (api_whep_replay.go).
func (s *Server) handleWHEP(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	if !s.live.ok() {
		s.writeError(w, r, nvr.Errorf("live view", nvr.KindUnavailable, "live view is not available on this server"))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/sdp" {
		s.writeError(w, r, &nvr.Error{Op: "live view", Kind: kindUnsupportedMedia, Msg: "Content-Type must be application/sdp"})
		return
	}
	q := r.URL.Query()
	stream := q.Get("stream")
	if stream == "" {
		stream = "main"
	}
	if stream != "main" && stream != "sub" || (q.Has("start") && stream != "main") {
		s.writeError(w, r, errInvalid("stream must be main or sub (recordings: main)"))
		return
	}
	offer, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOfferBytes))
	if err != nil {
		s.writeError(w, r, &nvr.Error{Op: "live view", Kind: nvr.KindTooLarge, Msg: "offer too large"})
		return
	}
	cfg := webrtc.SessionConfig{Offer: string(offer)}
	kind, auditKind := "live", "whep"
	var sessPtr atomic.Pointer[webrtc.Session]
	if q.Has("start") {
		// Recorded playback: the same session, fed by the replay reader,
		// controlled over the browser's data channel.
		rg, rd, err := s.openPlayback(r, g, q.Get("start"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		g, kind, auditKind, cfg.Source = rg, "playback", "replay", rd
		cfg.OnMessage = playbackControls(rd, &sessPtr)
	} else {
		h, err := s.live.Hubs.Hub(g, stream)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if stream == "main" {
			if sh, err := s.live.Hubs.Hub(g, "sub"); err == nil {
				if si := sh.Info(); si != nil && si.Video() >= 0 && si.Tracks[si.Video()].Codec == media.H264 {
					cfg.SubH264 = true
				}
			}
		}
		cfg.Source = webrtc.NewHubSource(h)
	}
	closeSource := func() {
		if c, ok := cfg.Source.(webrtc.Closer); ok {
			c.Close()
		}
	}
	ls, err := s.live.Sessions.Admit(g, auditKind, stream)
	if err != nil {
		closeSource()
		s.writeError(w, r, err)
		return
	}
	cam := string(g.CameraID())
	log := s.log.With("camera", cam, "session", ls.ID[:8], "stream", stream, "kind", kind)
	cfg.OnEnd = func(end webrtc.End) {
		ls.End(end.Bytes, end.Reason)
		log.Info("media session ended", "reason", end.Reason, "bytes", end.Bytes, "err", end.Err)
	}
	sess, answer, err := s.live.Engine.NewSession(r.Context(), cfg)
	if err != nil {
		closeSource()
		ls.End(0, "refused")
		s.writeError(w, r, whepError(err))
		return
	}
	sessPtr.Store(sess)
	ls.SetMedia(sess)
	ls.SetStop(sess.Stop) // no wait: the registry's recheck goes on to the next session
	info := sess.Info()
	log.Info("media session started", "video", info.Video, "audio", info.Audio, "audio_note", info.AudioNote)
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", "/api/cameras/"+cam+"/whep/"+ls.ID)
	// Trickle ICE: the viewer may PATCH its candidates to the Location
	// (api_whep_trickle.go), conditional on this ETag if it likes.
	w.Header().Set("Accept-Patch", trickleType)
	w.Header().Set("ETag", whepETag(ls))
	w.Header().Set("Hearth-Video", string(info.Video))
	if info.Audio != "" {
		w.Header().Set("Hearth-Audio", string(info.Audio))
	}
	if info.AudioNote != "" {
		w.Header().Set("Hearth-Audio-Note", info.AudioNote)
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

// whepError maps session errors onto client-safe kinds.
func whepError(err error) error {
	switch {
	case errors.Is(err, webrtc.ErrNoMedia):
		return nvr.Errorf("live view", nvr.KindUnavailable, "the camera is not streaming yet")
	case errors.Is(err, webrtc.ErrCodec):
		return nvr.Errorf("live view", nvr.KindInvalid, "%s", err.Error())
	case errors.Is(err, webrtc.ErrOffer):
		return nvr.Errorf("live view", nvr.KindInvalid, "the SDP offer is not usable")
	case errors.Is(err, webrtc.ErrClosed):
		return nvr.Errorf("live view", nvr.KindUnavailable, "the server is shutting down")
	}
	return nvr.Wrap("live view", err)
}

// handleWHEPDelete ends a session. Only its owner, still holding the grant,
// may; any other session ID is "not found".
func (s *Server) handleWHEPDelete(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	ls, sess, err := s.whepSession(g, r.PathValue("sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ls.Stop()
	// Wait for the end, so that the slot is free when DELETE answers: a
	// viewer switching streams starts its next session at once.
	sess.Close()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
