package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/record"
)

// StorageAdmin is what the appliance admin sees and may do about retention.
type StorageAdmin interface {
	Status() record.RetentionStatus
	// ApproveNextPass lets the next pass delete even what the safety checks
	// refused (a clock step, a long outage); Emergency runs it now.
	ApproveNextPass()
	Emergency()
}

type storageResponse struct {
	LastPass         *time.Time               `json:"last_pass,omitempty"`
	Trigger          string                   `json:"trigger,omitempty"`
	Refused          string                   `json:"refused,omitempty"`
	Problems         []string                 `json:"problems,omitempty"`
	FreedBytes       int64                    `json:"freed_bytes"`
	DeletedSegments  int                      `json:"deleted_segments"`
	UsedBytes        int64                    `json:"used_bytes"`
	DiskTotalBytes   int64                    `json:"disk_total_bytes"`
	DiskFreeBytes    int64                    `json:"disk_free_bytes"`
	MinFreeBytes     int64                    `json:"min_free_bytes"`
	ClockLagSeconds  float64                  `json:"clock_lag_seconds"`
	Cameras          []storageCameraResponse  `json:"cameras"`
	Households       []storageHouseholdStatus `json:"households"`
	NeedsApprovalMsg string                   `json:"action,omitempty"`
	// RecordingStalled counts the cameras that stream while nothing of
	// theirs is indexed; StalledCameras names them, with the reason.
	RecordingStalled int                     `json:"recording_stalled"`
	StalledCameras   []stalledCameraResponse `json:"stalled_cameras"`
}

type storageCameraResponse struct {
	CameraID     nvr.CameraID          `json:"camera_id"`
	HouseholdID  nvr.HouseholdPublicID `json:"household_id"` // the public ID
	Bytes        int64                 `json:"bytes"`
	Segments     int                   `json:"segments"`
	RetainedDays float64               `json:"retained_days"`
}

type storageHouseholdStatus struct {
	HouseholdID nvr.HouseholdPublicID `json:"household_id"` // the public ID
	Bytes       int64                 `json:"bytes"`
	QuotaBytes  int64                 `json:"quota_bytes,omitempty"`
	ShareBytes  int64                 `json:"share_bytes,omitempty"` // fair share of the disk budget
}

// storageOf answers with st; hids holds every household's public ID by
// row number (a household removed since the pass has none: "").
func storageOf(st record.RetentionStatus, hids map[nvr.HouseholdID]nvr.HouseholdPublicID) storageResponse {
	r := storageResponse{Trigger: st.Trigger, Refused: st.Refused, Problems: st.Problems,
		FreedBytes: st.FreedBytes, DeletedSegments: st.DeletedSegments, UsedBytes: st.UsedBytes,
		DiskTotalBytes: st.DiskTotalBytes, DiskFreeBytes: st.DiskFreeBytes, MinFreeBytes: st.MinFreeBytes,
		ClockLagSeconds: st.ClockLag.Seconds(),
		Cameras:         []storageCameraResponse{}, Households: []storageHouseholdStatus{}}
	if !st.LastPass.IsZero() {
		t := st.LastPass.UTC()
		r.LastPass = &t
	}
	if st.Refused != "" {
		r.NeedsApprovalMsg = "POST /api/admin/storage/approve lets the next pass proceed"
	}
	for _, c := range st.Cameras {
		r.Cameras = append(r.Cameras, storageCameraResponse{CameraID: c.CameraID, HouseholdID: hids[c.HouseholdID],
			Bytes: c.Bytes, Segments: c.Segments, RetainedDays: round2(c.RetainedDays)})
	}
	for _, h := range st.Households {
		r.Households = append(r.Households, storageHouseholdStatus{HouseholdID: hids[h.HouseholdID], Bytes: h.Bytes, QuotaBytes: h.QuotaBytes,
			ShareBytes: h.ShareBytes})
	}
	return r
}

func (s *Server) handleAdminStorage(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	if s.storage == nil {
		s.writeError(w, r, nvr.Errorf("storage", nvr.KindUnavailable, "recording is not enabled"))
		return
	}
	hs, err := s.dir.ForAdmin(g).Households(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hids := make(map[nvr.HouseholdID]nvr.HouseholdPublicID, len(hs))
	for _, h := range hs {
		hids[h.ID] = h.PublicID
	}
	resp := storageOf(s.storage.Status(), hids)
	stalled, err := s.stalledCameras(r, g, hids)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp.RecordingStalled, resp.StalledCameras = len(stalled), stalled
	writeJSON(w, http.StatusOK, resp)
}

// handleAdminStorageApprove lets one refused retention pass go ahead and
// runs it now: the way out when a long outage or a clock step made the
// safety checks refuse while the disk fills.
func (s *Server) handleAdminStorageApprove(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	if s.storage == nil {
		s.writeError(w, r, nvr.Errorf("storage", nvr.KindUnavailable, "recording is not enabled"))
		return
	}
	if err := s.dir.ForAdmin(g).RecordRetentionApproval(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.storage.ApproveNextPass()
	s.storage.Emergency()
	s.log.WarnContext(r.Context(), "retention pass approved by the admin", "user", g.User().Name)
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "the next retention pass will run now without the safety refusal"})
}
