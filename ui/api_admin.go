package ui

import (
	"net/http"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Admin routes manage households, accounts and camera configuration. They
// hold an AdminGrant; none of them hands out video.

type householdResponse struct {
	ID        nvr.HouseholdID `json:"id"`
	Name      string          `json:"name"`
	CreatedAt time.Time       `json:"created_at"`
}

type userResponse struct {
	ID          string          `json:"id"` // the public ID, never the row number
	Name        string          `json:"name"`
	HouseholdID nvr.HouseholdID `json:"household_id,omitempty"`
	Role        nvr.Role        `json:"role"`
	Admin       bool            `json:"admin"`
	Disabled    bool            `json:"disabled"`
	CreatedAt   time.Time       `json:"created_at"`
}

// adminCameraResponse adds configuration to cameraResponse, still without
// credentials: whether some are stored is all anyone is told.
type adminCameraResponse struct {
	cameraResponse
	MainURL        string        `json:"main_url"`
	SubURL         string        `json:"sub_url,omitempty"`
	Transport      nvr.Transport `json:"transport"`
	HasCredentials bool          `json:"has_credentials"`
	// Recording settings.
	RecordMode           nvr.RecordMode `json:"record_mode"`
	PreRollSeconds       float64        `json:"pre_roll_s"`
	PostRollSeconds      float64        `json:"post_roll_s"`
	RetainContinuousDays int            `json:"retain_continuous_days"`
	RetainEventsDays     int            `json:"retain_events_days"`
	// Event settings.
	Detection detectionResponse `json:"detection"`
	// Notices, in an answer to a change, say what happened to the stored
	// credentials (nvr.CredentialNotices); Status is the settings page's
	// line, the same sentences after "Saved.".
	Notices []string `json:"notices,omitempty"`
	Status  string   `json:"status,omitempty"`
}

func userOf(u nvr.User) userResponse {
	return userResponse{ID: u.PublicID, Name: u.Name, HouseholdID: u.HouseholdID, Role: u.Role,
		Admin: u.Admin, Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC()}
}

func adminCameraOf(c nvr.Camera) adminCameraResponse {
	return adminCameraResponse{cameraResponse: cameraOf(c), MainURL: c.MainURL, SubURL: c.SubURL,
		Transport: c.Transport, HasCredentials: c.Username != "" || c.Password.IsSet(),
		RecordMode: c.RecordMode, PreRollSeconds: c.PreRoll.Seconds(), PostRollSeconds: c.PostRoll.Seconds(),
		RetainContinuousDays: int(c.RetainContinuous / (24 * time.Hour)), RetainEventsDays: int(c.RetainEvents / (24 * time.Hour)),
		Detection: detectionOf(c)}
}

// savedCameraOf answers a change of a camera from old (the zero Camera
// when it was added) to c, with what happened to its credentials.
func savedCameraOf(old, c nvr.Camera) adminCameraResponse {
	out := adminCameraOf(c)
	out.Notices = nvr.CredentialNotices(old, c)
	if len(out.Notices) > 0 {
		out.Status = "Saved. Note: " + strings.Join(out.Notices, ". Note: ") + "."
	}
	return out
}

func (s *Server) handleAdminHouseholds(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	hs, err := s.dir.ForAdmin(g).Households(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]householdResponse, 0, len(hs))
	for _, h := range hs {
		out = append(out, householdResponse{ID: h.ID, Name: h.Name, CreatedAt: h.CreatedAt.UTC()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"households": out})
}

func (s *Server) handleAdminAddHousehold(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	h, err := s.dir.ForAdmin(g).AddHousehold(r.Context(), req.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, householdResponse{ID: h.ID, Name: h.Name, CreatedAt: h.CreatedAt.UTC()})
}

func (s *Server) handleAdminRemoveHousehold(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	id, err := nvr.ParseInt64ID(r.PathValue("hid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.dir.ForAdmin(g).RemoveHousehold(r.Context(), nvr.HouseholdID(id)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	us, err := s.dir.ForAdmin(g).Users(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]userResponse, 0, len(us))
	for _, u := range us {
		out = append(out, userOf(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

type addUserRequest struct {
	Name        string          `json:"name"`
	HouseholdID nvr.HouseholdID `json:"household_id"`
	Role        nvr.Role        `json:"role"`
	Admin       bool            `json:"admin"`
	Password    string          `json:"password"`
}

func (s *Server) handleAdminAddUser(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	var req addUserRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.dir.ForAdmin(g).AddUser(r.Context(), nvr.NewUser{Name: req.Name, HouseholdID: req.HouseholdID,
		Role: req.Role, Admin: req.Admin, Password: req.Password})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userOf(u))
}

type updateUserRequest struct {
	Role     *nvr.Role `json:"role"`
	Admin    *bool     `json:"admin"`
	Disabled *bool     `json:"disabled"`
	Password *string   `json:"password"`
}

func (s *Server) handleAdminUpdateUser(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	ad := s.dir.ForAdmin(g)
	// A missing account answers 404 before the body is judged.
	target, err := ad.User(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req updateUserRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := ad.UpdateUser(r.Context(), target.PublicID, nvr.UserChanges{Role: req.Role, Admin: req.Admin,
		Disabled: req.Disabled, Password: req.Password})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userOf(u))
}

func (s *Server) handleAdminRemoveUser(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	if err := s.dir.ForAdmin(g).RemoveUser(r.Context(), r.PathValue("uid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAdminAssign(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	s.assign(w, r, s.dir.ForAdmin(g).Assign, true)
}

func (s *Server) handleAdminUnassign(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	s.assign(w, r, s.dir.ForAdmin(g).Assign, false)
}

func (s *Server) handleAdminCameras(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	cs, err := s.dir.ForAdmin(g).Cameras(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]adminCameraResponse, 0, len(cs))
	for _, c := range cs {
		out = append(out, adminCameraOf(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"cameras": out})
}

type addCameraRequest struct {
	HouseholdID nvr.HouseholdID `json:"household_id"`
	Name        string          `json:"name"`
	MainURL     string          `json:"main_url"`
	SubURL      string          `json:"sub_url"`
	Username    string          `json:"username"`
	Password    string          `json:"password"`
	Transport   nvr.Transport   `json:"transport"`
}

func (s *Server) handleAdminAddCamera(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	var req addCameraRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The admin's cameras may aim at this appliance (nvr.AdminDirectory.AddCamera).
	c, err := s.dir.ForAdmin(g).AddCamera(r.Context(), nvr.NewCamera{HouseholdID: req.HouseholdID, Name: req.Name,
		MainURL: req.MainURL, SubURL: req.SubURL, Username: req.Username,
		Password: nvr.NewSecret(req.Password), Transport: req.Transport})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, savedCameraOf(nvr.Camera{}, c))
}

func (s *Server) handleAdminRemoveCamera(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	id, err := nvr.ParseCameraID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.dir.ForAdmin(g).RemoveCamera(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAdminMoveCamera(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	id, err := nvr.ParseCameraID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		HouseholdID nvr.HouseholdID `json:"household_id"`
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.dir.ForAdmin(g).MoveCamera(r.Context(), id, req.HouseholdID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adminCameraOf(c))
}
