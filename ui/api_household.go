package ui

import (
	"context"
	"net/http"

	"github.com/hearthnvr/hearth/nvr"
)

// Household routes let an owner manage their own household's people. The
// grant names the household; the directory it opens decides that every user
// and camera touched is in it, and records each change.

type memberResponse struct {
	userResponse
	Cameras []nvr.CameraID `json:"cameras,omitempty"` // a viewer's assigned cameras
}

func (s *Server) handleHouseholdMembers(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	ms, err := s.dir.ForHousehold(g).Members(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hid, err := s.householdIDs(r.Context()).of(g.HouseholdID())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]memberResponse, 0, len(ms))
	for _, m := range ms {
		out = append(out, memberResponse{userResponse: userOf(m.User, hid), Cameras: m.Cameras})
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": out})
}

func (s *Server) handleHouseholdAssign(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	s.assign(w, r, s.dir.ForHousehold(g).Assign, true)
}

func (s *Server) handleHouseholdUnassign(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	s.assign(w, r, s.dir.ForHousehold(g).Assign, false)
}

// assign sets or clears a viewer's access to one camera through the
// directory the grant opened (a household's or the admin's), which decides
// whether both are within reach and records the change.
func (s *Server) assign(w http.ResponseWriter, r *http.Request,
	set func(ctx context.Context, user string, cam nvr.CameraID, on bool) error, on bool) {
	camID, err := nvr.ParseCameraID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := set(r.Context(), r.PathValue("uid"), camID, on); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
