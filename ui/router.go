package ui

import (
	"net/http"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
)

// RoutePolicy names the policy that guards a route.
type RoutePolicy string

// Route policies. Every route names one; the zero value means "none" and
// such a route answers 404 to everyone.
const (
	PolicyNone      RoutePolicy = ""
	PolicyPublic    RoutePolicy = "public"    // no credential (health, login, static files)
	PolicyUser      RoutePolicy = "user"      // any valid, enabled user: their own account
	PolicyHousehold RoutePolicy = "household" // owner of the caller's household (or the admin)
	PolicyAdmin     RoutePolicy = "admin"     // the appliance admin
	PolicyOffsite   RoutePolicy = "offsite"   // owner of the caller's household only (not the admin)
	PolicyCamera    RoutePolicy = "camera"    // an action on the camera named by {id}
	PolicyEvent     RoutePolicy = "event"     // an action on the camera of the event named by {eid}
)

// Route describes one registered route, for the route sweep.
type Route struct {
	Pattern string // ServeMux pattern, "METHOD /path/{id}"
	Policy  RoutePolicy
	Action  nvr.Action // for PolicyCamera and PolicyEvent
	// Page marks an HTML page: without a session it redirects to /login
	// instead of answering 401.
	Page bool
}

// IsPublicAllowed is the allow-list of routes that need no credential. The
// route sweep fails on a public route that is not on it.
func IsPublicAllowed(pattern string) bool {
	switch pattern {
	case "GET /healthz", "POST /api/login",
		"GET /static/{file...}",                        // embedded assets
		"GET /setup", "POST /setup", "POST /api/setup", // first run: the one-time token is the credential
		"/api/",                     // JSON 404 for unknown API paths
		"GET /login", "POST /login", // the login form
		notifyPattern, // ONVIF push: the capability in the path is the credential (api_onvif_notify.go)
		"/":           // the HTML 404 page for unknown paths
		return true
	}
	return false
}

// router registers handlers together with their policy. Handlers receive
// the grant their policy produced; they cannot be registered without one
// except through handle, which denies everything.
type router struct {
	srv    *Server
	mux    *http.ServeMux
	routes []Route
}

func newRouter(s *Server) *router {
	return &router{srv: s, mux: http.NewServeMux()}
}

// handle is the single place a route reaches the mux. A route without a
// policy is registered as a deny-all so it can exist (and be caught by the
// sweep) without ever serving anything.
func (rt *router) handle(route Route, h http.Handler) {
	if route.Policy == PolicyNone {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rt.srv.writeError(w, r, nvr.ErrNotFound)
		})
	}
	rt.routes = append(rt.routes, route)
	rt.mux.Handle(route.Pattern, canonicalPath(rt.srv, h))
}

func (rt *router) public(pattern string, h http.HandlerFunc) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyPublic}, h)
}

func (rt *router) user(pattern string, h func(http.ResponseWriter, *http.Request, nvr.UserGrant)) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyUser}, rt.authenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		g, err := rt.srv.policy.Self(r.Context(), p)
		if err != nil {
			rt.srv.writeError(w, r, err)
			return
		}
		h(w, r, g)
	}))
}

func (rt *router) household(pattern string, h func(http.ResponseWriter, *http.Request, nvr.HouseholdGrant)) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyHousehold}, rt.authenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		self, err := rt.srv.policy.Self(r.Context(), p)
		if err != nil {
			rt.srv.writeError(w, r, err)
			return
		}
		g, err := rt.srv.policy.Household(r.Context(), p, self.User().HouseholdID)
		if err != nil {
			rt.srv.writeError(w, r, err)
			return
		}
		h(w, r, g)
	}))
}

// offsite guards a route of the caller's household's off-site copy: its
// owner only (Policy.Offsite).
func (rt *router) offsite(pattern string, h func(http.ResponseWriter, *http.Request, nvr.OffsiteGrant)) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyOffsite}, rt.authenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		self, err := rt.srv.policy.Self(r.Context(), p)
		if err != nil {
			rt.srv.writeError(w, r, err)
			return
		}
		g, err := rt.srv.policy.Offsite(r.Context(), p, self.User().HouseholdID)
		if err != nil {
			rt.srv.writeError(w, r, err)
			return
		}
		h(w, r, g)
	}))
}

func (rt *router) admin(pattern string, h func(http.ResponseWriter, *http.Request, nvr.AdminGrant)) {
	rt.handle(Route{Pattern: pattern, Policy: PolicyAdmin}, rt.authenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		g, err := rt.srv.policy.Admin(r.Context(), p)
		if err != nil {
			rt.srv.writeError(w, r, err)
			return
		}
		h(w, r, g)
	}))
}

// camera guards a route whose pattern names the camera as {id}.
func (rt *router) camera(pattern string, a nvr.Action, h func(http.ResponseWriter, *http.Request, nvr.CameraGrant)) {
	if !strings.Contains(pattern, "{id}") {
		panic("ui: camera route without {id}: " + pattern)
	}
	rt.handle(Route{Pattern: pattern, Policy: PolicyCamera, Action: a}, rt.authenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		g, err := rt.srv.policy.Camera(r.Context(), p, a, nvr.CameraID(r.PathValue("id")))
		if err != nil {
			rt.srv.writeError(w, r, err)
			return
		}
		h(w, r, g)
	}))
}

// event guards a route whose pattern names an event as {eid}: the policy
// decides on the event's camera (events.Events.Grant), and a missing event
// answers like a denied one.
func (rt *router) event(pattern string, a nvr.Action, h func(http.ResponseWriter, *http.Request, nvr.EventGrant)) {
	if !strings.Contains(pattern, "{eid}") {
		panic("ui: event route without {eid}: " + pattern)
	}
	rt.handle(Route{Pattern: pattern, Policy: PolicyEvent, Action: a}, rt.authenticated(func(w http.ResponseWriter, r *http.Request, p nvr.Principal) {
		if rt.srv.events == nil {
			rt.srv.writeError(w, r, nvr.ErrNotFound)
			return
		}
		id, err := nvr.ParseEventID(r.PathValue("eid"))
		if err != nil {
			// Authentication still comes first, as for a missing event.
			if _, serr := rt.srv.policy.Self(r.Context(), p); serr != nil {
				rt.srv.writeError(w, r, serr)
				return
			}
			rt.srv.writeError(w, r, nvr.ErrNotFound)
			return
		}
		g, err := rt.srv.events.Grant(r.Context(), p, a, id)
		if err != nil {
			rt.srv.writeError(w, r, err)
			return
		}
		h(w, r, g)
	}))
}

// authenticated resolves the request's credential (session cookie or
// bearer token) against the database, or answers 401.
func (rt *router) authenticated(h func(http.ResponseWriter, *http.Request, nvr.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := credential(r)
		if !ok {
			rt.srv.writeError(w, r, nvr.Errorf("authenticate", nvr.KindUnauthorized, "authentication required"))
			return
		}
		p, err := rt.srv.auth.Authenticate(r.Context(), token)
		if err != nil {
			if nvr.ErrorKind(err) == nvr.KindUnauthorized && r.Header.Get("Authorization") == "" {
				// The cookie is dead: tell the browser to drop it.
				http.SetCookie(w, rt.srv.clearedSessionCookie())
			}
			rt.srv.writeError(w, r, err)
			return
		}
		h(w, r, p)
	})
}

// credential returns the bearer token or the session cookie. A request that
// sends an Authorization header is judged by it alone.
func credential(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return "", false
		}
		return strings.TrimSpace(token), true
	}
	c, err := r.Cookie(sessionCookieName)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

// canonicalPath answers 404 to a path spelled with needless or encoded
// escapes (%32 for "2", %2f for "/", %2e%2e): each resource has one
// spelling, so no alias of a media path can slip past a check, a log
// search or a proxy rule written for the plain one. Go sets RawPath only
// when the escaping differs from the canonical one.
func canonicalPath(s *Server, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawPath != "" {
			s.writeError(w, r, nvr.ErrNotFound)
			return
		}
		h.ServeHTTP(w, r)
	})
}
