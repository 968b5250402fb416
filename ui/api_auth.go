package ui

import (
	"net/http"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

const sessionCookieName = "hearth_session"

func (s *Server) sessionCookie(token string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     sessionCookieName,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(time.Until(expires).Seconds()),
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		// Lax keeps the household logged in when following a link to the
		// app; state changes are refused cross-origin by the middleware.
		SameSite: http.SameSiteLaxMode,
	}
}

func (s *Server) clearedSessionCookie() *http.Cookie {
	return &http.Cookie{Name: sessionCookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// meResponse describes the logged-in user.
type meResponse struct {
	ID            string          `json:"id"` // the public ID: the row number counts every household's accounts
	Name          string          `json:"name"`
	HouseholdID   nvr.HouseholdID `json:"household_id,omitempty"`
	Role          nvr.Role        `json:"role"`
	Admin         bool            `json:"admin"`
	SessionExpiry *time.Time      `json:"session_expires_at,omitempty"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Username == "" || req.Password == "" {
		s.writeError(w, r, errInvalid("username and password are required"))
		return
	}
	token, sess, err := s.auth.Login(r.Context(), req.Username, req.Password,
		nvr.ClientInfo{Addr: r.RemoteAddr, UserAgent: r.UserAgent()})
	if err != nil {
		if nvr.ErrorKind(err) == nvr.KindUnauthorized {
			s.log.InfoContext(r.Context(), "login failed", "remote", r.RemoteAddr, "request_id", requestID(r.Context()))
		}
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, s.sessionCookie(token, sess.ExpiresAt))
	p := nvr.Principal{UserID: sess.UserID, Kind: nvr.CredentialSession, CredentialID: sess.ID, Scope: nvr.ScopeAll}
	g, err := s.policy.Self(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := meOf(g.User())
	resp.SessionExpiry = &sess.ExpiresAt
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if g.Principal().Kind == nvr.CredentialSession {
		token, _ := credential(r)
		if err := s.auth.Logout(r.Context(), token); err != nil {
			s.writeError(w, r, err)
			return
		}
		http.SetCookie(w, s.clearedSessionCookie())
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	writeJSON(w, http.StatusOK, meOf(g.User()))
}

func meOf(u nvr.User) meResponse {
	return meResponse{ID: u.PublicID, Name: u.Name, HouseholdID: u.HouseholdID, Role: u.Role, Admin: u.Admin}
}
