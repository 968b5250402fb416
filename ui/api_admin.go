package ui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Admin routes manage households, accounts and camera configuration. They
// hold an AdminGrant; none of them hands out video.

type householdResponse struct {
	ID        nvr.HouseholdPublicID `json:"id"` // the public ID, never the row number
	Name      string                `json:"name"`
	CreatedAt time.Time             `json:"created_at"`
}

type userResponse struct {
	ID          string                `json:"id"` // the public ID, never the row number
	Name        string                `json:"name"`
	HouseholdID nvr.HouseholdPublicID `json:"household_id,omitempty"`
	Role        nvr.Role              `json:"role"`
	Admin       bool                  `json:"admin"`
	Disabled    bool                  `json:"disabled"`
	CreatedAt   time.Time             `json:"created_at"`
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
	// ONVIF: the device service address ("" none) and which events count
	// (hearth, camera or both).
	ONVIFURL    string          `json:"onvif_url,omitempty"`
	EventSource nvr.EventSource `json:"event_source"`
	// Notices, in an answer to a change, say what happened to the stored
	// credentials (nvr.CredentialNotices); Status is the settings page's
	// line, the same sentences after "Saved.".
	Notices []string `json:"notices,omitempty"`
	Status  string   `json:"status,omitempty"`
}

// userOf answers with u; hid is the public ID of u's household.
func userOf(u nvr.User, hid nvr.HouseholdPublicID) userResponse {
	return userResponse{ID: u.PublicID, Name: u.Name, HouseholdID: hid, Role: u.Role,
		Admin: u.Admin, Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC()}
}

// userOf answers with u, its household named by public ID.
func (h *householdIDs) userOf(u nvr.User) (userResponse, error) {
	hid, err := h.of(u.HouseholdID)
	return userOf(u, hid), err
}

// adminCameraOf answers with c; hid is the public ID of c's household.
func adminCameraOf(c nvr.Camera, hid nvr.HouseholdPublicID) adminCameraResponse {
	return adminCameraResponse{cameraResponse: cameraOf(c, hid), MainURL: c.MainURL, SubURL: c.SubURL,
		Transport: c.Transport, HasCredentials: c.Username != "" || c.Password.IsSet(),
		RecordMode: c.RecordMode, PreRollSeconds: c.PreRoll.Seconds(), PostRollSeconds: c.PostRoll.Seconds(),
		RetainContinuousDays: int(c.RetainContinuous / (24 * time.Hour)), RetainEventsDays: int(c.RetainEvents / (24 * time.Hour)),
		Detection: detectionOf(c), ONVIFURL: c.ONVIFURL, EventSource: eventSourceOf(c)}
}

// eventSourceOf names c's event source, the default spelled out.
func eventSourceOf(c nvr.Camera) nvr.EventSource {
	if c.Detection.Source == "" {
		return nvr.EventSourceHearth
	}
	return c.Detection.Source
}

// savedCameraOf answers a change of a camera from old (the zero Camera
// when it was added) to c, with what happened to its credentials.
func (h *householdIDs) savedCameraOf(old, c nvr.Camera) (adminCameraResponse, error) {
	hid, err := h.of(c.HouseholdID)
	if err != nil {
		return adminCameraResponse{}, err
	}
	out := adminCameraOf(c, hid)
	out.Notices = nvr.CredentialNotices(old, c)
	if len(out.Notices) > 0 {
		out.Status = "Saved. Note: " + strings.Join(out.Notices, ". Note: ") + "."
	}
	return out, nil
}

func (s *Server) handleAdminHouseholds(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	hs, err := s.dir.ForAdmin(g).Households(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]householdResponse, 0, len(hs))
	for _, h := range hs {
		out = append(out, householdResponse{ID: h.PublicID, Name: h.Name, CreatedAt: h.CreatedAt.UTC()})
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
	writeJSON(w, http.StatusCreated, householdResponse{ID: h.PublicID, Name: h.Name, CreatedAt: h.CreatedAt.UTC()})
}

func (s *Server) handleAdminRemoveHousehold(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	h, err := s.dir.ForAdmin(g).HouseholdByPublicID(r.Context(), r.PathValue("hid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.dir.ForAdmin(g).RemoveHousehold(r.Context(), h.ID); err != nil {
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
	hids := s.householdIDs(r.Context())
	out := make([]userResponse, 0, len(us))
	for _, u := range us {
		ur, err := hids.userOf(u)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, ur)
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

type addUserRequest struct {
	Name        string   `json:"name"`
	HouseholdID string   `json:"household_id"` // a public ID; "" for none
	Role        nvr.Role `json:"role"`
	Admin       bool     `json:"admin"`
	Password    string   `json:"password"`
}

// householdOfRequest resolves the household a request body names by
// public ID; "" names none (0). Any other unknown value is invalid, not
// not-found: it is a field of the body, not the resource addressed.
func (s *Server) householdOfRequest(r *http.Request, g nvr.AdminGrant, id string) (nvr.HouseholdID, error) {
	if id == "" {
		return 0, nil
	}
	h, err := s.dir.ForAdmin(g).HouseholdByPublicID(r.Context(), id)
	if errors.Is(err, nvr.ErrNotFound) {
		return 0, errInvalid("household_id names no household")
	}
	return h.ID, err
}

func (s *Server) handleAdminAddUser(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	var req addUserRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	hid, err := s.householdOfRequest(r, g, req.HouseholdID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.dir.ForAdmin(g).AddUser(r.Context(), nvr.NewUser{Name: req.Name, HouseholdID: hid,
		Role: req.Role, Admin: req.Admin, Password: req.Password})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeUser(w, r, http.StatusCreated, u)
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
	s.writeUser(w, r, http.StatusOK, u)
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
	hids := s.householdIDs(r.Context())
	out := make([]adminCameraResponse, 0, len(cs))
	for _, c := range cs {
		hid, err := hids.of(c.HouseholdID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, adminCameraOf(c, hid))
	}
	writeJSON(w, http.StatusOK, map[string]any{"cameras": out})
}

type addCameraRequest struct {
	HouseholdID string        `json:"household_id"` // a public ID
	Name        string        `json:"name"`
	MainURL     string        `json:"main_url"`
	SubURL      string        `json:"sub_url"`
	Username    string        `json:"username"`
	Password    string        `json:"password"`
	Transport   nvr.Transport `json:"transport"`
	// ONVIFURL, from "Find via ONVIF", keeps the device for its events and
	// PTZ; EventSource picks which events count.
	ONVIFURL    string          `json:"onvif_url"`
	EventSource nvr.EventSource `json:"event_source"`
}

func (s *Server) handleAdminAddCamera(w http.ResponseWriter, r *http.Request, g nvr.AdminGrant) {
	var req addCameraRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	hid, err := s.householdOfRequest(r, g, req.HouseholdID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The admin's cameras may aim at this appliance (nvr.AdminDirectory.AddCamera).
	c, err := s.dir.ForAdmin(g).AddCamera(r.Context(), nvr.NewCamera{HouseholdID: hid, Name: req.Name,
		MainURL: req.MainURL, SubURL: req.SubURL, Username: req.Username,
		Password: nvr.NewSecret(req.Password), Transport: req.Transport, ONVIFURL: req.ONVIFURL, EventSource: req.EventSource})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeSavedCamera(w, r, http.StatusCreated, nvr.Camera{}, c)
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
		HouseholdID string `json:"household_id"` // a public ID
	}
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.HouseholdID == "" {
		s.writeError(w, r, errInvalid("household_id is required"))
		return
	}
	to, err := s.householdOfRequest(r, g, req.HouseholdID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.dir.ForAdmin(g).MoveCamera(r.Context(), id, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hid, err := s.householdIDs(r.Context()).of(c.HouseholdID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adminCameraOf(c, hid))
}

// writeUser answers with u, its household named by public ID.
func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, status int, u nvr.User) {
	out, err := s.householdIDs(r.Context()).userOf(u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

// writeSavedCamera answers a change of a camera from old to c (see
// savedCameraOf).
func (s *Server) writeSavedCamera(w http.ResponseWriter, r *http.Request, status int, old, c nvr.Camera) {
	out, err := s.householdIDs(r.Context()).savedCameraOf(old, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, out)
}
