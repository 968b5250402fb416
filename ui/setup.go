package ui

import (
	"net/http"

	"github.com/a-h/templ"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// First-run setup: while no appliance admin exists, serve prints a link
// with a one-time token; its page (or POST /api/setup) creates the admin.
// The routes are public: the token is the credential, and it also makes
// the form unforgeable from another site.

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "err", err, "request_id", requestID(r.Context()))
	}
}

func (s *Server) handleSetupPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	m := views.SetupPage{Token: token, Valid: s.setup != nil && s.setup.Valid(token)}
	status := http.StatusOK
	if !m.Valid {
		status = http.StatusNotFound
		m.Token = ""
		m.SetUp = s.adminExists(r)
	}
	s.render(w, r, status, views.Setup(m))
}

func (s *Server) handleSetupForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.writeError(w, r, errInvalid("malformed form"))
		return
	}
	token := r.PostForm.Get("token")
	m := views.SetupPage{Token: token, Username: r.PostForm.Get("username"), Valid: s.setup != nil && s.setup.Valid(token)}
	if !m.Valid {
		m.Token = ""
		m.SetUp = s.adminExists(r)
		s.render(w, r, http.StatusNotFound, views.Setup(m))
		return
	}
	if pw := r.PostForm.Get("password"); pw != r.PostForm.Get("password2") {
		m.Error = "The passwords do not match."
		s.render(w, r, http.StatusBadRequest, views.Setup(m))
		return
	}
	u, err := s.setup.Complete(r.Context(), token, m.Username, r.PostForm.Get("password"))
	if err != nil {
		m.Error = nvr.ErrorMessage(err)
		m.Valid = s.setup.Valid(token)
		s.render(w, r, statusOf(nvr.ErrorKind(err)), views.Setup(m))
		return
	}
	s.log.InfoContext(r.Context(), "appliance admin created by first-run setup", "user", u.Name)
	s.render(w, r, http.StatusCreated, views.Setup(views.SetupPage{AdminName: u.Name}))
}

// adminExists tells whether an appliance admin exists (the login page says
// the opposite publicly already).
func (s *Server) adminExists(r *http.Request) bool {
	n, err := s.dir.AdminCount(r.Context())
	return err == nil && n > 0
}

type setupRequest struct {
	Token    string `json:"token"`
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) handleSetupAPI(w http.ResponseWriter, r *http.Request) {
	var req setupRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.setup == nil {
		s.writeError(w, r, nvr.ErrNotFound)
		return
	}
	u, err := s.setup.Complete(r.Context(), req.Token, req.Username, req.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "appliance admin created by first-run setup", "user", u.Name)
	s.writeUser(w, r, http.StatusCreated, u)
}
