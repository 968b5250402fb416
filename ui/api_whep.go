package ui

import (
	"io"
	"mime"
	"net/http"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
)

// maxOfferBytes bounds a WHEP offer; a browser's is 5 to 15 KB.
const maxOfferBytes = 64 << 10

// LiveHubs gives the hub of a granted camera stream (ingest.Ingest).
type LiveHubs = view.Hubs

// WebRTCLive is what live view over WebRTC needs; the WHEP routes answer
// 503 when any part is missing. The sessions are assembled by nvr/view.
type WebRTCLive = view.WebRTC

// handleWHEP starts a live session (WHEP, draft-ietf-wish-whep): the body is
// the browser's SDP offer, the answer is 201 with the SDP answer (every
// server candidate: the server does not trickle), the session's Location,
// its ETag and Accept-Patch: the viewer may trickle its own candidates with
// PATCH (api_whep_trickle.go), so its offer need not wait for gathering.
// The grant comes first; ?stream=main|sub picks the stream (default main);
// ?start=RFC3339 plays the recordings from then instead (api_whep_replay.go).
func (s *Server) handleWHEP(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	s.startWHEP(w, r, g, "/api/cameras/"+string(g.CameraID())+"/whep/", nil)
}

// startWHEP answers a WHEP offer under grant g; the session's Location is
// sessions + its ID (a share link's sessions live under the link's path).
func (s *Server) startWHEP(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant, sessions string, use shareUse) {
	if !s.live.OK() {
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
	req := view.WHEPOffer{SDP: string(offer), Stream: stream, Log: s.log}
	if q.Has("start") {
		// Recorded playback: the same session, fed by the recordings.
		rg, start, err := s.playbackGrant(r, g, q.Get("start"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		g, req.Start, req.Recordings = rg, start, s.playback
	}
	ans, err := s.live.StartWHEP(r.Context(), g, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A share link's view is taken only now: a camera that is not
	// streaming (the share page retries while it waits) takes none.
	if err := use.take(r.Context()); err != nil {
		ans.Session.Stop()
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", sessions+ans.Session.ID)
	// Trickle ICE: the viewer may PATCH its candidates to the Location
	// (api_whep_trickle.go), conditional on this ETag if it likes.
	w.Header().Set("Accept-Patch", trickleType)
	w.Header().Set("ETag", ans.ETag)
	w.Header().Set("Hearth-Video", string(ans.Video))
	if ans.Audio != "" {
		w.Header().Set("Hearth-Audio", string(ans.Audio))
	}
	if ans.AudioNote != "" {
		w.Header().Set("Hearth-Audio-Note", ans.AudioNote)
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, ans.SDP)
}

// handleWHEPDelete ends a session. Only its owner, still holding the grant,
// may; any other session ID is "not found".
func (s *Server) handleWHEPDelete(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	sess, err := s.live.WHEPSession(g, r.PathValue("sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Close waits for the end, so that the slot is free when DELETE
	// answers: a viewer switching streams starts its next session at once.
	sess.Close()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
