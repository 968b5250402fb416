package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// Settings pages. Each reads through its grant and hands a view model to a
// pure component; changes go through the JSON API (settings.js), which
// decides again on every request.

func settingsNavOf(u nvr.User, active string) views.SettingsNav {
	return views.SettingsNav{Owner: u.Role == nvr.RoleOwner && u.HouseholdID != 0, Admin: u.Admin, Active: active}
}

func (s *Server) handleSettingsPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	http.Redirect(w, r, "/settings/account", http.StatusSeeOther)
}

func (s *Server) handleAccountPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	ctx := r.Context()
	u := g.User()
	m := views.AccountModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "account"), Name: u.Name, Role: string(u.Role)}
	if u.HouseholdID != 0 {
		if h, err := s.dir.UserHousehold(ctx, g); err == nil {
			m.Household = h.Name
		}
	}
	sessions, err := s.dir.UserSessions(ctx, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, x := range sessions {
		m.Sessions = append(m.Sessions, views.SessionRow{ID: x.PublicID, Created: x.CreatedAt, LastSeen: x.LastSeenAt,
			Client:  x.ClientAddr + " " + x.UserAgent,
			Current: g.Principal().Kind == nvr.CredentialSession && g.Principal().CredentialID == x.ID})
	}
	tokens, err := s.dir.UserTokens(ctx, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, t := range tokens {
		m.Tokens = append(m.Tokens, views.TokenRow{ID: t.PublicID, Name: t.Name, Scope: string(t.Scope),
			Created: t.CreatedAt, LastUsed: t.LastUsedAt, Expires: t.ExpiresAt})
	}
	s.render(w, r, http.StatusOK, views.Account(m))
}

func (s *Server) handlePeoplePage(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	ctx := r.Context()
	hd := s.dir.ForHousehold(g)
	members, err := hd.Members(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cams, err := hd.Cameras(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.PeopleModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "people")}
	for _, p := range members {
		row := views.MemberRow{ID: p.PublicID, Name: p.Name, Role: string(p.Role), Viewer: p.Role == nvr.RoleViewer,
			Disabled: p.Disabled, Self: p.ID == u.ID || p.Admin}
		if row.Viewer {
			on := make(map[nvr.CameraID]bool, len(p.Cameras))
			for _, id := range p.Cameras {
				on[id] = true
			}
			for _, c := range cams {
				row.Access = append(row.Access, views.AccessBox{CameraID: string(c.ID), Camera: c.Name, On: on[c.ID]})
			}
		}
		m.Members = append(m.Members, row)
	}
	s.render(w, r, http.StatusOK, views.People(m))
}

// cameraRowOf is a camera for a settings list: its state and its URL, which
// is stored without credentials.
func (s *Server) cameraRowOf(r *http.Request, p nvr.Principal, c nvr.Camera) views.CameraRow {
	row := views.CameraRow{ID: string(c.ID), Name: c.Name, MainURL: c.MainURL, HasSub: c.SubURL != "", State: "unknown"}
	if g, err := s.policy.Camera(r.Context(), p, nvr.ActionManageCamera, c.ID); err == nil {
		row.State = s.withStatus(r.Context(), g, "").State
	}
	return row
}

func (s *Server) handleHouseholdCamerasPage(w http.ResponseWriter, r *http.Request, g nvr.HouseholdGrant) {
	cams, err := s.dir.ForHousehold(g).Cameras(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.CamerasModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "cameras"), Title: "Cameras",
		AddAPI: "/api/household/cameras"}
	for _, c := range cams {
		m.Cameras = append(m.Cameras, s.cameraRowOf(r, g.Principal(), c))
	}
	s.render(w, r, http.StatusOK, views.Cameras(m))
}

// handleCameraEditPage edits one camera (owner of its household, or the
// admin). The stored password is never part of the page.
func (s *Server) handleCameraEditPage(w http.ResponseWriter, r *http.Request, g nvr.CameraGrant) {
	m := cameraEditModel(g)
	m.Detection.Saved = r.URL.Query().Get("saved") == "detection"
	s.render(w, r, http.StatusOK, views.CameraEdit(m))
}

// cameraEditModel is the camera's settings page as stored.
func cameraEditModel(g nvr.CameraGrant) views.CameraEditModel {
	c := g.Camera()
	u := g.User()
	active := "cameras"
	if u.Admin && u.HouseholdID != c.HouseholdID {
		active = "admin-cameras"
	}
	d := detectionOf(c)
	return views.CameraEditModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, active), Camera: views.CameraForm{
		ID: string(c.ID), Name: c.Name, MainURL: c.MainURL, SubURL: c.SubURL, Transport: string(c.Transport),
		Enabled: c.Enabled, HasCredentials: c.Username != "" || c.Password.IsSet()},
		Recording: views.RecordingForm{Mode: string(c.RecordMode),
			PreRollSeconds:       strconv.FormatFloat(c.PreRoll.Seconds(), 'f', -1, 64),
			PostRollSeconds:      strconv.FormatFloat(c.PostRoll.Seconds(), 'f', -1, 64),
			RetainContinuousDays: strconv.Itoa(int(c.RetainContinuous / (24 * time.Hour))),
			RetainEventsDays:     strconv.Itoa(int(c.RetainEvents / (24 * time.Hour)))},
		Detection: views.DetectionForm{Detector: string(d.Detector), Sensitivity: strconv.Itoa(d.Sensitivity),
			Zones: nvr.ZonesText(d.Zones), EventsOn: d.EventsEnabled}}
}
