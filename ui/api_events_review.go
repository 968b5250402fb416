package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Review marks: each user marks the events they have seen. The per-event
// routes take the grant for watching the event (an EventGrant for
// ActionViewRecordings, so a trigger token is refused and denied answers
// like missing); mark-all asks the policy for its scope on the request.

func (s *Server) handleEventReviewed(w http.ResponseWriter, r *http.Request, g nvr.EventGrant) {
	s.setReviewed(w, r, g, true)
}

func (s *Server) handleEventUnreviewed(w http.ResponseWriter, r *http.Request, g nvr.EventGrant) {
	s.setReviewed(w, r, g, false)
}

func (s *Server) setReviewed(w http.ResponseWriter, r *http.Request, g nvr.EventGrant, reviewed bool) {
	if s.reviews == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	ev, err := s.reviews.Set(r.Context(), g, reviewed)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, eventJSON(ev))
}

// withReview reads the grant's user's mark into the granted event, for
// the answers that show one event; without the review service, or for a
// principal that may not review, the event is shown unmarked.
func (s *Server) withReview(r *http.Request, g nvr.EventGrant, ev nvr.Event) (nvr.Event, error) {
	if s.reviews == nil {
		return ev, nil
	}
	read, err := s.reviews.Read(r.Context(), g)
	if err != nil {
		if nvr.ErrorKind(err) == nvr.KindNotFound {
			return ev, nil
		}
		return ev, err
	}
	ev.Reviewed = read.Reviewed
	return ev, nil
}

type markAllRequest struct {
	Before *time.Time `json:"before"`
	Camera string     `json:"camera"`
}

// handleEventsReviewed marks every event that started before "before" on
// the caller's visible cameras (or on "camera") reviewed, and answers how
// many it marked.
func (s *Server) handleEventsReviewed(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if s.reviews == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	var req markAllRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	var before time.Time
	if req.Before != nil {
		before = *req.Before
	}
	n, err := s.reviews.MarkAll(r.Context(), g.Principal(), before, nvr.CameraID(req.Camera))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"marked": n})
}
