package ui

import (
	"net/http"

	"github.com/hearthnvr/hearth/nvr"
)

// Household routes let an owner manage their own household's people. The
// grant names the household; every user and camera touched must be in it.

type memberResponse struct {
	userResponse
	Cameras []nvr.CameraID `json:"cameras,omitempty"` // a viewer's assigned cameras
}

func (s *Server) handleHouseholdMembers(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	us, err := s.dir.Store().Users(r.Context(), g.HouseholdID())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]memberResponse, 0, len(us))
	for _, u := range us {
		m := memberResponse{userResponse: userOf(u)}
		if u.Role == nvr.RoleViewer {
			if m.Cameras, err = s.dir.Store().AssignedCameras(r.Context(), u.ID); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": out})
}

func (s *Server) handleHouseholdAssign(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	s.assign(w, r, g.Principal(), g.User().ID, g.HouseholdID(), true)
}

func (s *Server) handleHouseholdUnassign(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	s.assign(w, r, g.Principal(), g.User().ID, g.HouseholdID(), false)
}

// assign sets or clears a viewer's access to one camera. within, when
// non-zero, is the household both must belong to (an owner's grant); the
// appliance admin passes 0.
func (s *Server) assign(w http.ResponseWriter, r *http.Request, p nvr.Principal, actor nvr.UserID, within nvr.HouseholdID, on bool) {
	ctx := r.Context()
	camID, err := nvr.ParseCameraID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.dir.Store().UserByPublicID(ctx, r.PathValue("uid"))
	if err != nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	uid := u.ID
	if within != 0 {
		if u.HouseholdID != within {
			s.writeError(w, r, nvr.ErrNotFound)
			return
		}
		c, err := s.dir.Store().Camera(ctx, camID)
		if err != nil || c.HouseholdID != within {
			s.writeError(w, r, nvr.ErrNotFound)
			return
		}
	}
	action := "assign-camera"
	if on {
		err = s.dir.AssignCamera(ctx, uid, camID)
	} else {
		action = "unassign-camera"
		err = s.dir.UnassignCamera(ctx, uid, camID)
	}
	s.auditAdmin(r, p, actor, camID, action, err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
