package ui

import (
	"net/http"
	"strconv"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// handleSharesPage lists the links the user manages (the same listing as
// GET /api/links) and, for owners and members, offers to make one for
// a camera they see.
func (s *Server) handleSharesPage(w http.ResponseWriter, r *http.Request, g nvr.UserGrant) {
	ctx := r.Context()
	u := g.User()
	m := views.SharesModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "links"),
		CanMake: u.HouseholdID != 0 && (u.Role == nvr.RoleOwner || u.Role == nvr.RoleMember),
		Viewer:  u.HouseholdID != 0 && u.Role == nvr.RoleViewer}
	if s.shares != nil {
		ls, err := s.shares.List(ctx, g)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, l := range ls {
			row := views.ShareRow{ID: l.PublicID(), Camera: l.CameraName, Note: l.Note, Kind: string(l.Kind), CreatedBy: l.CreatorName,
				Expires: l.ExpiresAt, Passcode: l.HasPasscode(), Views: strconv.Itoa(l.Views)}
			if l.MaxViews > 0 {
				row.Views += " of " + strconv.Itoa(l.MaxViews)
				if l.UsedUp() {
					row.Views += ", used up"
				}
			}
			row.Range = "live view"
			if l.Kind == nvr.ShareClip {
				row.Range = "recording " + l.Window.Start.Local().Format("2006-01-02 15:04:05") + " to " + l.Window.End.Local().Format("15:04:05")
			}
			m.Links = append(m.Links, row)
		}
	} else {
		m.CanMake = false
	}
	if m.CanMake {
		gs, err := s.policy.VisibleCameras(ctx, g.Principal(), nvr.ActionViewCamera)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, cg := range gs {
			m.Cameras = append(m.Cameras, views.ShareCameraOption{ID: string(cg.CameraID()), Name: cg.Camera().Name})
		}
	}
	s.render(w, r, http.StatusOK, views.Shares(m))
}
