package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// stalledCameraResponse is a camera whose source streams while its
// recorder indexes nothing (nvr.RecordingStalled), for the admin.
type stalledCameraResponse struct {
	CameraID    nvr.CameraID    `json:"camera_id"`
	HouseholdID nvr.HouseholdID `json:"household_id"`
	Reason      string          `json:"reason"`
	Since       *time.Time      `json:"since,omitempty"`
}

// stalledCameras lists every camera whose recording is stalled. Each
// camera's state is read through the policy's grant for p, as on the
// system page; the admin may manage them all.
func (s *Server) stalledCameras(r *http.Request, p nvr.Principal) ([]stalledCameraResponse, error) {
	out := []stalledCameraResponse{}
	if s.status == nil {
		return out, nil
	}
	cams, err := s.dir.Store().Cameras(r.Context(), 0)
	if err != nil {
		return nil, err
	}
	for _, c := range cams {
		g, err := s.policy.Camera(r.Context(), p, nvr.ActionManageCamera, c.ID)
		if err != nil {
			continue
		}
		st := s.status.Status(g)
		if st.Recording != nvr.RecordingStalled {
			continue
		}
		sc := stalledCameraResponse{CameraID: c.ID, HouseholdID: c.HouseholdID, Reason: st.RecordingReason}
		if !st.RecordingSince.IsZero() {
			t := st.RecordingSince.UTC()
			sc.Since = &t
		}
		out = append(out, sc)
	}
	return out, nil
}
