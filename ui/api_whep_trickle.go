package ui

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
	"github.com/hearthnvr/hearth/streams/webrtc"
)

// trickleType is the media type of a trickle ICE PATCH body (RFC 8840,
// used by WHIP/WHEP: RFC 9725 section 4.3.1).
const trickleType = "application/trickle-ice-sdpfrag"

// whepETag is the entity tag of a WHEP session's ICE session. Hearth does
// not restart ICE, so one tag serves the session's life.
func whepETag(ls *view.LiveSession) string { return `"ice-` + ls.ID[:16] + `"` }

// whepSession finds the caller's own WHEP session sid on g's camera: the
// registry entry and its peer connection. Anything else (unknown, another
// user's, another camera's, an MSE session, live view off) is the same
// not-found.
func (s *Server) whepSession(g nvr.CameraGrant, sid string) (*view.LiveSession, *webrtc.Session, error) {
	if !s.live.ok() {
		return nil, nil, nvr.ErrNotFound
	}
	ls, err := s.live.Sessions.Lookup(g, sid)
	if err != nil {
		return nil, nil, err
	}
	sess, ok := ls.Media().(*webrtc.Session)
	if !ok {
		return nil, nil, nvr.ErrNotFound
	}
	return ls, sess, nil
}

// handleWHEPPatch takes trickled ICE candidates for a session (RFC 9725
// section 4.3.1): the body is an application/trickle-ice-sdpfrag with the
// viewer's candidates (and a=end-of-candidates), added to the session's
// peer connection; the answer is 204. Only the session's owner, still
// holding the grant, may: any other session ID is 404. Another media type
// is 415 (with Accept-Patch), a malformed fragment 400, a fragment over
// webrtc.MaxTrickleBytes 413, an If-Match that is neither "*" nor the
// session's ETag 412, and an ICE restart (a new ice-ufrag/ice-pwd) 422:
// restarts are not supported; the viewer starts a new session.
func (s *Server) handleWHEPPatch(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	ls, sess, err := s.whepSession(g, r.PathValue("sid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != trickleType {
		w.Header().Set("Accept-Patch", trickleType)
		s.writeError(w, r, &nvr.Error{Op: "trickle ice", Kind: kindUnsupportedMedia, Msg: "Content-Type must be " + trickleType})
		return
	}
	if im := r.Header.Get("If-Match"); im != "" && !etagMatches(im, whepETag(ls)) {
		s.writeError(w, r, &nvr.Error{Op: "trickle ice", Kind: kindPreconditionFailed, Msg: "If-Match does not match the session's ETag"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webrtc.MaxTrickleBytes))
	if err != nil {
		s.writeError(w, r, &nvr.Error{Op: "trickle ice", Kind: nvr.KindTooLarge, Msg: "fragment too large"})
		return
	}
	frag, err := webrtc.ParseTrickle(body)
	if err == nil {
		var added int
		added, err = sess.Trickle(frag)
		s.log.Debug("trickle ice", "camera", string(g.CameraID()), "session", ls.ID[:8], "added", added, "end", frag.End, "err", err)
	}
	if err != nil {
		s.writeError(w, r, trickleError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// trickleError maps trickle errors onto client-safe kinds.
func trickleError(err error) error {
	switch {
	case errors.Is(err, webrtc.ErrICERestart):
		return &nvr.Error{Op: "trickle ice", Kind: kindUnprocessable,
			Msg: "ICE restart (a new ice-ufrag or ice-pwd) is not supported: start a new session"}
	case errors.Is(err, webrtc.ErrTooManyCandidates):
		return nvr.Errorf("trickle ice", nvr.KindInvalid, "more than %d candidates for one session", webrtc.MaxRemoteCandidates)
	case errors.Is(err, webrtc.ErrTrickleSyntax):
		return nvr.Errorf("trickle ice", nvr.KindInvalid, "%s", err.Error())
	case errors.Is(err, webrtc.ErrClosed):
		return nvr.ErrNotFound // the session ended meanwhile
	}
	return nvr.Wrap("trickle ice", err)
}

// etagMatches applies If-Match (RFC 9110 section 13.1.1, strong
// comparison): "*" or a listed tag equal to etag.
func etagMatches(ifMatch, etag string) bool {
	for _, t := range strings.Split(ifMatch, ",") {
		if t = strings.TrimSpace(t); t == "*" || t == etag {
			return true
		}
	}
	return false
}
