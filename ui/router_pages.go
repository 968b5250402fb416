package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// Page variants of the typed router helpers. They decide exactly as their
// JSON twins do, but answer a browser: no or a dead session redirects to
// /login, a denial renders the HTML 404 page (the same status as a path
// that does not exist). Where the denial tells the caller nothing they do
// not know (a page every household has, a camera they watch), its words
// say who may open it, so a member or viewer is not left with "nothing
// here".

func (rt *router) pageUser(pattern string, h func(http.ResponseWriter, *http.Request, nvr.UserGrant)) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyUser, Page: true}, rt.pageAuthenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		g, err := rt.srv.policy.Self(r.Context(), p)
		if err != nil {
			rt.srv.pageError(w, r, err)
			return
		}
		h(w, r, g)
	}))
}

func (rt *router) pageHousehold(pattern string, h func(http.ResponseWriter, *http.Request, nvr.HouseholdGrant)) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyHousehold, Page: true}, rt.pageAuthenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		self, err := rt.srv.policy.Self(r.Context(), p)
		if err != nil {
			rt.srv.pageError(w, r, err)
			return
		}
		g, err := rt.srv.policy.Household(r.Context(), p, self.User().HouseholdID)
		if err != nil {
			rt.srv.pageRefused(w, r, err, ownersOnlyWords(self.User()))
			return
		}
		h(w, r, g)
	}))
}

// ownersOnlyWords say who opens a page of the caller's household.
func ownersOnlyWords(u nvr.User) string {
	if u.HouseholdID == 0 {
		return "This page is a household owner's; the appliance admin belongs to no household."
	}
	return "Only your household's owners can open this page. Ask one of them."
}

// pageOffsite is offsite for pages: the owner of the caller's household.
func (rt *router) pageOffsite(pattern string, h func(http.ResponseWriter, *http.Request, nvr.OffsiteGrant)) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyOffsite, Page: true}, rt.pageAuthenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		self, err := rt.srv.policy.Self(r.Context(), p)
		if err != nil {
			rt.srv.pageError(w, r, err)
			return
		}
		g, err := rt.srv.policy.Offsite(r.Context(), p, self.User().HouseholdID)
		if err != nil {
			rt.srv.pageRefused(w, r, err, ownersOnlyWords(self.User()))
			return
		}
		h(w, r, g)
	}))
}

func (rt *router) pageAdmin(pattern string, h func(http.ResponseWriter, *http.Request, nvr.AdminGrant)) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyAdmin, Page: true}, rt.pageAuthenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		g, err := rt.srv.policy.Admin(r.Context(), p)
		if err != nil {
			rt.srv.pageRefused(w, r, err, "Only the appliance's admin can open this page.")
			return
		}
		h(w, r, g)
	}))
}

// pageCamera guards a page whose pattern names the camera as {id}.
func (rt *router) pageCamera(pattern string, a nvr.Action, h func(http.ResponseWriter, *http.Request, nvr.CameraGrant)) {
	if !strings.Contains(pattern, "{id}") {
		panic("ui: camera page without {id}: " + pattern)
	}
	rt.handle(Route{Pattern: pattern, Policy: PolicyCamera, Action: a, Page: true}, rt.pageAuthenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		id := nvr.CameraID(r.PathValue("id"))
		g, err := rt.srv.policy.Camera(r.Context(), p, a, id)
		if err != nil {
			// Someone who watches the camera knows it exists: they are told
			// who changes it. Anyone else gets the plain 404.
			if a == nvr.ActionManageCamera {
				if _, seeErr := rt.srv.policy.Camera(r.Context(), p, nvr.ActionViewCamera, id); seeErr == nil {
					rt.srv.pageRefused(w, r, err, "Only your household's owners can change this camera's settings. Ask one of them.")
					return
				}
			}
			rt.srv.pageError(w, r, err)
			return
		}
		h(w, r, g)
	}))
}

// pageAuthenticated resolves the session cookie, or sends the browser to
// the login page (dropping a dead cookie on the way).
func (rt *router) pageAuthenticated(h func(http.ResponseWriter, *http.Request, nvr.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := credential(r)
		if !ok {
			rt.srv.redirectToLogin(w, r)
			return
		}
		p, err := rt.srv.auth.Authenticate(r.Context(), token)
		if err != nil {
			if nvr.ErrorKind(err) == nvr.KindUnauthorized && r.Header.Get("Authorization") == "" {
				http.SetCookie(w, rt.srv.clearedSessionCookie())
			}
			rt.srv.pageError(w, r, err)
			return
		}
		h(w, r, p)
	})
}

// redirectToLogin answers 303 to /login, remembering a GET's path so the
// login can return there.
func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// pageError is writeError for pages: unauthorized goes to the login page,
// not-found renders the one 404 page, anything else an error page that
// never shows an internal cause.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	kind := nvr.ErrorKind(err)
	switch kind {
	case nvr.KindUnauthorized:
		s.redirectToLogin(w, r)
		return
	case nvr.KindNotFound:
		s.renderNotFound(w, r)
		return
	case nvr.KindInternal:
		s.logFailure(r, "page failed", err)
	}
	msg := nvr.ErrorMessage(err)
	if kind == nvr.KindInternal {
		msg = "Something went wrong on the server."
	}
	s.render(w, r, statusOf(kind), views.ErrorPage(views.ErrorModel{Status: statusOf(kind), Message: msg, Nav: s.requesterNav(r)}))
}

// pageRefused is pageError for a denial whose words may say who may open
// the page: the status stays 404, as for any refusal.
func (s *Server) pageRefused(w http.ResponseWriter, r *http.Request, err error, words string) {
	if nvr.ErrorKind(err) != nvr.KindNotFound {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusNotFound, views.ErrorPage(views.ErrorModel{Status: http.StatusNotFound, Refused: true, Message: words, Nav: s.requesterNav(r)}))
}

func (s *Server) renderNotFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, views.ErrorPage(views.ErrorModel{Status: http.StatusNotFound, Message: "There is nothing here.", Nav: s.requesterNav(r)}))
}

// requesterNav is the menu of whoever asks, when they are signed in, so an
// error page leaves them a way on (Live, Events, Settings, Sign out). It
// depends only on the requester, never on what was asked for, so "missing"
// and "not yours" still look the same.
func (s *Server) requesterNav(r *http.Request) *views.Nav {
	token, ok := credential(r)
	if !ok {
		return nil
	}
	p, err := s.auth.Authenticate(r.Context(), token)
	if err != nil {
		return nil
	}
	g, err := s.policy.Self(r.Context(), p)
	if err != nil {
		return nil
	}
	return navOf(g.User(), "")
}

// handlePageNotFound answers every path no page or API route matched.
func (s *Server) handlePageNotFound(w http.ResponseWriter, r *http.Request) { s.renderNotFound(w, r) }

// safeNext accepts only a local absolute path as a post-login target, so
// the login form cannot be turned into an open redirect.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
