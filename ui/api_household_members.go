package ui

import (
	"net/http"

	"github.com/hearthnvr/hearth/nvr"
)

// An owner manages the people of their own household: add, change role,
// disable, remove. Which accounts are within reach (not outside the
// household, not an appliance admin, not the owner's own) is decided by
// nvr.HouseholdDirectory, which also records each change.

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
	u, err := s.dir.ForHousehold(g).AddMember(r.Context(), nvr.NewUser{Name: req.Name, Role: req.Role, Password: req.Password})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeUser(w, r, http.StatusCreated, u)
}

type updateMemberRequest struct {
	Role     *nvr.Role `json:"role"`
	Disabled *bool     `json:"disabled"`
	// Password: a new one for a member who forgot theirs (browser
	// sessions only, like the account's own password).
	Password *string `json:"password"`
}

func (s *Server) handleHouseholdUpdateMember(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	var req updateMemberRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Password != nil && g.Principal().Kind != nvr.CredentialSession {
		s.writeError(w, r, nvr.ErrNotFound) // an API token does not set passwords
		return
	}
	u, err := s.dir.ForHousehold(g).UpdateMember(r.Context(), r.PathValue("uid"),
		nvr.MemberChanges{Role: req.Role, Disabled: req.Disabled, Password: req.Password})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeUser(w, r, http.StatusOK, u)
}

func (s *Server) handleHouseholdRemoveMember(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	if err := s.dir.ForHousehold(g).RemoveMember(r.Context(), r.PathValue("uid")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
