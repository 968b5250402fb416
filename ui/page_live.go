package ui

import (
	"net/http"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// badgeOf reduces a camera's ingest state to the three badges of the UI:
// streaming, reconnecting (connecting or waiting to retry) and offline with
// the reason (auth-failed, unreachable, unsupported, disabled, ...); unknown
// when the server reports no ingest state.
func badgeOf(c cameraResponse) (badge, reason string) {
	switch c.State {
	case "streaming":
		return "streaming", ""
	case "connecting", "backoff", "reconnecting":
		return "reconnecting", ""
	case "":
		return "unknown", "" // no ingest status on this server
	}
	reason = c.State
	if len(c.Streams) > 0 && c.Streams[0].LastError != "" {
		reason += " (" + c.Streams[0].LastError + ")"
	}
	return "offline", reason
}

func (s *Server) handleLivePage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	// The grid lists the cameras the user may see; each tile's video asks
	// for its own view-live grant (with its audit row) when it connects.
	grants, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	m := views.LiveModel{Nav: navOf(g.User(), "live")}
	for _, cg := range grants {
		c := s.withStatus(cg)
		t := views.Tile{ID: string(c.ID), Name: c.Name, HasSub: c.HasSub}
		t.Badge, t.Reason = badgeOf(c)
		m.Tiles = append(m.Tiles, t)
	}
	s.render(w, r, http.StatusOK, views.Live(m))
}

func (s *Server) handleCameraPage(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	c := s.withStatus(g)
	u := g.User()
	m := views.CameraModel{Nav: navOf(u, "live"), ID: string(c.ID), Name: c.Name,
		Day: s.now().Format("2006-01-02"), CanManage: u.Admin || (u.Role == nvr.RoleOwner && u.HouseholdID == c.HouseholdID)}
	m.Badge, m.Reason = badgeOf(c)
	s.render(w, r, http.StatusOK, views.Camera(m))
}

func (s *Server) handleEventsPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	grants, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionViewCamera)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// Whether to offer Pin is the policy's answer too (pin rights are the
	// same on every camera of a household); the pin routes ask it again.
	pinnable, err := s.policy.VisibleCameras(r.Context(), g.Principal(), nvr.ActionPinEvents)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	u := g.User()
	m := views.EventsModel{Nav: navOf(u, "events"), Day: q.Get("day"), Kind: q.Get("kind"),
		CanManage: u.Role == nvr.RoleOwner && u.HouseholdID != 0, CanPin: len(pinnable) > 0}
	for _, cg := range grants {
		m.Cameras = append(m.Cameras, views.CameraOption{ID: string(cg.CameraID()), Name: cg.Camera().Name})
		if string(cg.CameraID()) == q.Get("camera") {
			m.Camera = q.Get("camera") // only a visible camera is kept selected
		}
	}
	if m.Day == "" {
		m.Day = s.now().Format("2006-01-02")
	}
	s.render(w, r, http.StatusOK, views.Events(m))
}
