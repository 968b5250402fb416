package ui

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Account routes let a signed-in user manage their own account: password,
// sessions and API tokens. They change credentials, so they need a browser
// session: an API token cannot mint tokens or change the password.

type sessionResponse struct {
	ID         string    `json:"id"` // the public ID: the row number counts everyone's logins
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ClientAddr string    `json:"client_addr,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
	Current    bool      `json:"current"`
}

type tokenResponse struct {
	ID         string         `json:"id"` // the public ID, like a session's
	Name       string         `json:"name"`
	Scope      nvr.TokenScope `json:"scope"`
	CreatedAt  time.Time      `json:"created_at"`
	LastUsedAt *time.Time     `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time     `json:"expires_at,omitempty"`
	// Token is the secret, in the answer to its creation only.
	Token string `json:"token,omitempty"`
}

func tokenOf(t nvr.APIToken) tokenResponse {
	r := tokenResponse{ID: t.PublicID, Name: t.Name, Scope: t.Scope, CreatedAt: t.CreatedAt.UTC()}
	if !t.LastUsedAt.IsZero() {
		v := t.LastUsedAt.UTC()
		r.LastUsedAt = &v
	}
	if !t.ExpiresAt.IsZero() {
		v := t.ExpiresAt.UTC()
		r.ExpiresAt = &v
	}
	return r
}

// requireSession refuses account changes made with an API token.
func requireSession(g nvr.UserGrant) error {
	if g.Principal().Kind != nvr.CredentialSession {
		return nvr.ErrNotFound
	}
	return nil
}

func (s *Server) handleMySessions(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	ss, err := s.dir.UserSessions(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]sessionResponse, 0, len(ss))
	for _, x := range ss {
		out = append(out, sessionResponse{ID: x.PublicID, CreatedAt: x.CreatedAt.UTC(), LastSeenAt: x.LastSeenAt.UTC(),
			ExpiresAt: x.ExpiresAt.UTC(), ClientAddr: x.ClientAddr, UserAgent: x.UserAgent,
			Current: g.Principal().Kind == nvr.CredentialSession && g.Principal().CredentialID == x.ID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

func (s *Server) handleEndMySession(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	id, err := nvr.ParsePublicID(r.PathValue("sid"))
	if err == nil {
		err = requireSession(g)
	}
	if err == nil {
		err = s.dir.EndUserSession(r.Context(), g, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleEndOtherSessions signs out every other session of the user and
// says how many, in words.
func (s *Server) handleEndOtherSessions(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	n, err := s.dir.EndOtherUserSessions(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := "No other sessions were signed in."
	switch {
	case n == 1:
		status = "Signed out 1 other session."
	case n > 1:
		status = fmt.Sprintf("Signed out %d other sessions.", n)
	}
	writeJSON(w, http.StatusOK, map[string]any{"ended": n, "status": status})
}

func (s *Server) handleMyTokens(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	ts, err := s.dir.UserTokens(r.Context(), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]tokenResponse, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenOf(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

type createTokenRequest struct {
	Name      string         `json:"name"`
	Scope     nvr.TokenScope `json:"scope"`
	ExpiresIn int            `json:"expires_in_days"` // 0: never
}

func (s *Server) handleCreateMyToken(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	var req createTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := requireSession(g); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.ExpiresIn < 0 || req.ExpiresIn > 3650 {
		s.writeError(w, r, errInvalid("expires in days must be 0 (never) to 3650"))
		return
	}
	if req.Scope == "" {
		req.Scope = nvr.ScopeView
	}
	secret, t, err := s.dir.CreateOwnToken(r.Context(), g, req.Name, req.Scope, time.Duration(req.ExpiresIn)*24*time.Hour)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := tokenOf(t)
	out.Token = secret
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) handleRevokeMyToken(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	id, err := nvr.ParsePublicID(r.PathValue("tid"))
	if err == nil {
		err = requireSession(g)
	}
	if err == nil {
		err = s.dir.RevokeUserToken(r.Context(), g, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type changePasswordRequest struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

// handleChangeMyPassword checks the current password, sets the new one
// (which ends every session and API token of the user) and signs this browser in again.
func (s *Server) handleChangeMyPassword(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	var req changePasswordRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := requireSession(g); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := nvr.ValidatePassword(req.New); err != nil {
		s.writeError(w, r, err)
		return
	}
	client := nvr.ClientInfo{Addr: r.RemoteAddr, UserAgent: r.UserAgent()}
	if err := s.auth.CheckPassword(r.Context(), g, req.Current, client); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.dir.ChangeOwnPassword(r.Context(), g, req.New); err != nil {
		s.writeError(w, r, err)
		return
	}
	token, sess, err := s.auth.Login(r.Context(), g.User().Name, req.New, client)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, s.sessionCookie(token, sess.ExpiresAt))
	writeJSON(w, http.StatusOK, map[string]string{"status": "password changed; other sessions were signed out and API tokens revoked"})
}
