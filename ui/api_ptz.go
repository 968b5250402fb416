package ui

import (
	"net/http"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ptz"
)

// handlePTZ moves the camera (ActionControlPTZ: its household's owners and
// members): {"action":"move","pan":..,"tilt":..,"zoom":..}, {"action":
// "stop"}, {"action":"presets"}, {"action":"goto","preset":TOKEN} or
// {"action":"save","name":NAME}.
// Rate-limited per camera (503 when too fast).
func (s *Server) handlePTZ(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	var cmd ptz.Command
	if err := decodeJSON(r, &cmd); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.ptz.Do(r.Context(), g, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
