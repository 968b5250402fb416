package ui

import (
	"net/http"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/ui/views"
)

// handleOffsitePage shows the household's off-site copy to its owner:
// grant → view model (offsiteView, the API's) → component.
func (s *Server) handleOffsitePage(w http.ResponseWriter, r *http.Request, g nvr.OffsiteGrant) {
	if s.offsite == nil {
		s.pageError(w, r, nvr.ErrNotFound)
		return
	}
	v, err := s.offsiteView(r.Context(), g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u := g.User()
	m := views.OffsiteModel{Nav: navOf(u, "settings"), SN: settingsNavOf(u, "offsite"), Configured: v.Configured,
		Kind: v.Kind, Path: v.Path, SFTPAddr: v.SFTPAddr, SFTPUser: v.SFTPUser, HostKey: v.HostKey,
		Recipient: v.Recipient, Continuous: v.Continuous, LocalDirs: s.offsite.LocalDirs()}
	if st := v.Status; st != nil {
		m.HasStatus, m.Backlog, m.Error, m.Dropped = true, st.Backlog, st.Error, st.Dropped
		if st.LastCopied != nil {
			m.LastCopied = *st.LastCopied
		}
		if st.LastCopiedAt != nil {
			m.LastCopiedAt = *st.LastCopiedAt
		}
	}
	s.render(w, r, http.StatusOK, views.Offsite(m))
}
