package ui

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/view"
)

// trickleType is the media type of a trickle ICE PATCH body (RFC 8840,
// used by WHIP/WHEP: RFC 9725 section 4.3.1).
const trickleType = "application/trickle-ice-sdpfrag"

// handleWHEPPatch takes trickled ICE candidates for a session (RFC 9725
// section 4.3.1): the body is an application/trickle-ice-sdpfrag with the
// viewer's candidates (and a=end-of-candidates), added to the session's
// peer connection; the answer is 204. Only the session's owner, still
// holding the grant, may: any other session ID is 404. Another media type
// is 415 (with Accept-Patch), a malformed fragment 400, a fragment over
// view.MaxTrickleBytes 413, an If-Match that is neither "*" nor the
// session's ETag 412, and an ICE restart (a new ice-ufrag/ice-pwd) 422:
// restarts are not supported; the viewer starts a new session.
func (s *Server) handleWHEPPatch(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	sess, err := s.live.WHEPSession(g, r.PathValue("sid"))
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
	if im := r.Header.Get("If-Match"); im != "" && !etagMatches(im, sess.ETag()) {
		s.writeError(w, r, &nvr.Error{Op: "trickle ice", Kind: kindPreconditionFailed, Msg: "If-Match does not match the session's ETag"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, view.MaxTrickleBytes))
	if err != nil {
		s.writeError(w, r, &nvr.Error{Op: "trickle ice", Kind: nvr.KindTooLarge, Msg: "fragment too large"})
		return
	}
	added, end, err := sess.Trickle(body)
	s.log.Debug("trickle ice", "camera", string(g.CameraID()), "session", sess.ID()[:8], "added", added, "end", end, "err", err)
	if errors.Is(err, view.ErrICERestart) {
		err = &nvr.Error{Op: "trickle ice", Kind: kindUnprocessable,
			Msg: "ICE restart (a new ice-ufrag or ice-pwd) is not supported: start a new session"}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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
