package ui

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
)

// The ONVIF push endpoint: a camera without a pull point POSTs its
// wsnt:Notify messages to events.NotifyPath + capability, the capability
// being a random 128-bit secret that one live subscription of that
// camera's events supervisor holds in memory (nvr/events onvif_push.go).
// A camera cannot log in, so the capability is the credential, like a
// share link's secret: no session, no token, no CSRF token (a camera
// sends no browser headers); an unknown or ended capability answers the
// same 404 as any missing path, and the capability never reaches a log
// line (redactPath).

// notifyPattern is the endpoint's route. It names no method, so that any
// other method is answered 405 rather than the HTML 404 of "/".
const notifyPattern = events.NotifyPath + "{capability}"

func (s *Server) registerONVIFNotify(rt *router) {
	rt.public(notifyPattern, s.handleONVIFNotify)
}

// handleONVIFNotify takes one Notify: 405 for a method other than POST,
// 404 for an unknown capability (before the body is read), 413 for a
// body over 1 MiB, 400 for anything but a Notify, 503 when the camera's
// queue is full, else 200 with no body.
func (s *Server) handleONVIFNotify(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method not allowed"})
		return
	}
	capability := r.PathValue("capability")
	if s.events == nil || !s.events.HasCapability(capability) {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, events.MaxNotifyBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, r, nvr.Errorf("camera notification", nvr.KindTooLarge, "larger than 1 MiB"))
			return
		}
		s.writeError(w, r, nvr.Errorf("camera notification", nvr.KindInvalid, "the body did not arrive whole"))
		return
	}
	if err := s.events.Notify(capability, body); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// redactPath hides the secrets a path may carry from a log line: a share
// link's secret and a push subscription's capability.
func redactPath(p string) string {
	if strings.HasPrefix(p, events.NotifyPath) {
		return events.NotifyPath + "[capability]"
	}
	return redactSharePath(p)
}
