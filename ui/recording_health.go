package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/record"
)

// stalledCameraResponse is a camera whose source streams while its
// recorder indexes nothing (record.RecordingStalled), for the admin.
type stalledCameraResponse struct {
	CameraID    nvr.CameraID          `json:"camera_id"`
	HouseholdID nvr.HouseholdPublicID `json:"household_id"` // the public ID
	Reason      string                `json:"reason"`
	Since       *time.Time            `json:"since,omitempty"`
}

// stalledCameras lists every camera whose recording is stalled. Each
// camera's state is read through the policy's grant for the admin, as on
// the system page; the admin may manage them all. hids names households by
// public ID.
func (s *Server) stalledCameras(r *http.Request, ag nvr.AdminGrant, hids map[nvr.HouseholdID]nvr.HouseholdPublicID) ([]stalledCameraResponse, error) {
	p := ag.Principal()
	out := []stalledCameraResponse{}
	if s.status == nil {
		return out, nil
	}
	cams, err := s.dir.ForAdmin(ag).Cameras(r.Context())
	if err != nil {
		return nil, err
	}
	for _, c := range cams {
		g, err := s.policy.Camera(r.Context(), p, nvr.ActionManageCamera, c.ID)
		if err != nil {
			continue
		}
		st := s.status.Status(g)
		if st.Recording != record.RecordingStalled {
			continue
		}
		sc := stalledCameraResponse{CameraID: c.ID, HouseholdID: hids[c.HouseholdID], Reason: st.RecordingReason}
		if !st.RecordingSince.IsZero() {
			t := st.RecordingSince.UTC()
			sc.Since = &t
		}
		out = append(out, sc)
	}
	return out, nil
}
