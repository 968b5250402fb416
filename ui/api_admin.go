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

// auditAdmin records an administrative change.
func (s *Server) auditAdmin(r *http.Request, p nvr.Principal, u nvr.UserID, cam nvr.CameraID, action string, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	e := nvr.AuditEntry{At: s.now(), UserID: u, Principal: p.String(), CameraID: cam, Action: action, Result: result}
	if aerr := s.dir.Store().AppendAudit(r.Context(), e); aerr != nil {
		s.log.ErrorContext(r.Context(), "write audit row", "err", aerr, "request_id", requestID(r.Context()))
	}
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
	hs, err := s.dir.Store().Households(r.Context())
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
	h, err := s.dir.AddHousehold(r.Context(), req.Name)
	s.auditAdmin(r, g.Principal(), g.User().ID, "", "admin:add-household", err)
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
	err = s.dir.RemoveHousehold(r.Context(), nvr.HouseholdID(id))
	s.auditAdmin(r, g.Principal(), g.User().ID, "", "admin:remove-household", err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	us, err := s.dir.Store().Users(r.Context(), 0)
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
	u, err := s.dir.AddUser(r.Context(), nvr.NewUser{Name: req.Name, HouseholdID: req.HouseholdID,
		Role: req.Role, Admin: req.Admin, Password: req.Password})
	s.auditAdmin(r, g.Principal(), g.User().ID, "", "admin:add-user", err)
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
	ctx := r.Context()
	target, err := s.dir.Store().UserByPublicID(ctx, r.PathValue("uid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req updateUserRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	uid := target.ID
	err = func() error {
		if req.Role == nil && req.Admin == nil && req.Disabled == nil && req.Password == nil {
			return errInvalid("nothing to change: give role, admin, disabled or password")
		}
		// Validate everything before changing anything.
		if req.Role != nil {
			if _, err := nvr.ParseRole(string(*req.Role)); err != nil {
				return err
			}
		}
		if req.Password != nil {
			if err := nvr.ValidatePassword(*req.Password); err != nil {
				return err
			}
		}
		if req.Role != nil {
			if err := s.dir.SetRole(ctx, uid, *req.Role); err != nil {
				return err
			}
		}
		if req.Admin != nil {
			if err := s.dir.SetAdmin(ctx, uid, *req.Admin); err != nil {
				return err
			}
		}
		if req.Disabled != nil {
			if err := s.dir.SetDisabled(ctx, uid, *req.Disabled); err != nil {
				return err
			}
		}
		if req.Password != nil {
			return s.dir.SetPassword(ctx, uid, *req.Password)
		}
		return nil
	}()
	s.auditAdmin(r, g.Principal(), g.User().ID, "", "admin:update-user", err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.dir.Store().UserByPublicID(ctx, target.PublicID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userOf(u))
}

func (s *Server) handleAdminRemoveUser(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	u, err := s.dir.Store().UserByPublicID(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	err = s.dir.RemoveUser(r.Context(), u.ID)
	s.auditAdmin(r, g.Principal(), g.User().ID, "", "admin:remove-user", err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAdminAssign(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	s.assign(w, r, g.Principal(), g.User().ID, 0, true)
}

func (s *Server) handleAdminUnassign(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	s.assign(w, r, g.Principal(), g.User().ID, 0, false)
}

func (s *Server) handleAdminCameras(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	cs, err := s.dir.Store().Cameras(r.Context(), 0)
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
	c, err := s.dir.AddCamera(r.Context(), nvr.NewCamera{HouseholdID: req.HouseholdID, Name: req.Name,
		MainURL: req.MainURL, SubURL: req.SubURL, Username: req.Username,
		Password: nvr.NewSecret(req.Password), Transport: req.Transport,
		LocalOK: true}) // the appliance admin may aim a camera at this appliance
	s.auditAdmin(r, g.Principal(), g.User().ID, c.ID, "admin:add-camera", err)
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
	err = s.dir.RemoveCamera(r.Context(), id)
	s.auditAdmin(r, g.Principal(), g.User().ID, id, "admin:remove-camera", err)
	if err != nil {
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
	if req.HouseholdID <= 0 {
		s.writeError(w, r, errInvalid("household_id is required"))
		return
	}
	err = s.dir.MoveCamera(r.Context(), id, req.HouseholdID)
	s.auditAdmin(r, g.Principal(), g.User().ID, id, "admin:move-camera", err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.dir.Store().Camera(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adminCameraOf(c))
}
