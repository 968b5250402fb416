package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// cameraResponse is a camera as a household member sees it. It never holds
// stream URLs or credentials: those are for the appliance, not for viewers.
type cameraResponse struct {
	ID          nvr.CameraID    `json:"id"`
	Name        string          `json:"name"`
	HouseholdID nvr.HouseholdID `json:"household_id"`
	Enabled     bool            `json:"enabled"`
	HasSub      bool            `json:"has_sub_stream"`
	CreatedAt   time.Time       `json:"created_at"`
}

func cameraOf(c nvr.Camera) cameraResponse {
	return cameraResponse{ID: c.ID, Name: c.Name, HouseholdID: c.HouseholdID, Enabled: c.Enabled,
		HasSub: c.SubURL != "", CreatedAt: c.CreatedAt.UTC()}
}

func (s *Server) handleCameras(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	grants, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]cameraResponse, 0, len(grants))
	for _, cg := range grants {
		out = append(out, cameraOf(cg.Camera()))
	}
	writeJSON(w, http.StatusOK, map[string]any{"cameras": out})
}

func (s *Server) handleCamera(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	writeJSON(w, http.StatusOK, cameraOf(g.Camera()))
}
