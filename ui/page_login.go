package ui

import (
	"net/http"
	"strconv"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// loginFailed is the one message for every failed sign-in: it never says
// whether the user exists.
const loginFailed = "Wrong user name or password."

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.Login(views.LoginModel{Next: safeNext(r.URL.Query().Get("next")), SetupPending: s.needsSetup(r)}))
}

// needsSetup reports whether no appliance admin exists yet; the login page
// then points to the setup link that serve printed. It does not redirect:
// household accounts made with the CLI must still be able to sign in.
func (s *Server) needsSetup(r *http.Request) bool {
	if s.setup == nil {
		return false
	}
	n, err := s.dir.AdminCount(r.Context())
	return err == nil && n == 0
}

// handleLoginForm signs in from the HTML form: the same nvr.Auth as
// POST /api/login (with its rate limit), the same session cookie, then a
// redirect (303) to where the user was going.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, errInvalid("malformed form"))
		return
	}
	m := views.LoginModel{Username: r.PostForm.Get("username"), Next: safeNext(r.PostForm.Get("next"))}
	password := r.PostForm.Get("password")
	if m.Username == "" || password == "" {
		m.Error = loginFailed
		s.render(w, r, http.StatusUnauthorized, views.Login(m))
		return
	}
	token, sess, err := s.auth.Login(r.Context(), m.Username, password,
		nvr.ClientInfo{Addr: r.RemoteAddr, UserAgent: r.UserAgent()})
	if err != nil {
		status := http.StatusUnauthorized
		m.Error = loginFailed
		switch {
		case nvr.RetryAfter(err) > 0:
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(int(nvr.RetryAfter(err).Seconds())+1))
			m.Error = "Too many attempts. Wait a minute and try again."
		case nvr.ErrorKind(err) == nvr.KindUnauthorized:
			s.log.InfoContext(r.Context(), "login failed", "remote", r.RemoteAddr, "request_id", requestID(r.Context()))
		case nvr.ErrorKind(err) != nvr.KindInvalid:
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, status, views.Login(m))
		return
	}
	http.SetCookie(w, s.sessionCookie(token, sess.ExpiresAt))
	http.Redirect(w, r, m.Next, http.StatusSeeOther)
}

// handleLogoutForm ends the session and returns to the login page.
func (s *Server) handleLogoutForm(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	if g.Principal().Kind == nvr.CredentialSession {
		token, _ := credential(r)
		if err := s.auth.Logout(r.Context(), token); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.clearedSessionCookie())
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// navOf is the navigation bar's view of a user.
func navOf(u nvr.User, active string) *views.Nav {
	return &views.Nav{User: u.Name, Owner: u.Role == nvr.RoleOwner && u.HouseholdID != 0, Admin: u.Admin, Active: active}
}
