package ui

import (
	"net/http"

	"github.com/hearthnvr/hearth/nvr"
)

// An owner manages the people of their own household: add, change role,
// disable, remove. Accounts outside the household, appliance admins and the
// owner's own account are out of reach here (the last so that an owner
// cannot lock the household out by accident; the admin can always help).

type addMemberRequest struct {
	Name     string   `json:"name"`
	Role     nvr.Role `json:"role"`
	Password string   `json:"password"`
}

func (s *Server) handleHouseholdAddMember(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	var req addMemberRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.dir.AddHouseholdMember(r.Context(), g, nvr.NewUser{Name: req.Name, Role: req.Role, Password: req.Password})
	s.auditAdmin(r, g.Principal(), g.User().ID, "", "add-member", err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userOf(u))
}

// memberOf finds {uid} among the household's people whom the owner may
// change; anyone else is not found.
func (s *Server) memberOf(r *http.Request, g nvr.HouseholdGrant) (nvr.User, error) {
	u, err := s.dir.Store().UserByPublicID(r.Context(), r.PathValue("uid"))
	if err != nil || u.HouseholdID != g.HouseholdID() || u.Admin || u.ID == g.User().ID {
		return nvr.User{}, nvr.ErrNotFound
	}
	return u, nil
}

type updateMemberRequest struct {
	Role     *nvr.Role `json:"role"`
	Disabled *bool     `json:"disabled"`
}

func (s *Server) handleHouseholdUpdateMember(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	var req updateMemberRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.memberOf(r, g)
	if err == nil && req.Role == nil && req.Disabled == nil {
		err = errInvalid("nothing to change: give role or disabled")
	}
	if err == nil && req.Role != nil {
		_, err = nvr.ParseRole(string(*req.Role))
	}
	if err == nil && req.Role != nil {
		err = s.dir.SetRole(r.Context(), u.ID, *req.Role)
	}
	if err == nil && req.Disabled != nil {
		err = s.dir.SetDisabled(r.Context(), u.ID, *req.Disabled)
	}
	s.auditAdmin(r, g.Principal(), g.User().ID, "", "update-member", err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err = s.dir.Store().UserByPublicID(r.Context(), u.PublicID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userOf(u))
}

func (s *Server) handleHouseholdRemoveMember(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	u, err := s.memberOf(r, g)
	if err == nil {
		err = s.dir.RemoveUser(r.Context(), u.ID)
	}
	s.auditAdmin(r, g.Principal(), g.User().ID, "", "remove-member", err)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
