package nvr

// decideViewingRow: who reads which row of the viewing log. Only a
// household's own people read it, and only of the household's cameras
// (cam as now), and only rows from after the camera joined the household
// (its earlier history belongs to the household it came from). Owners and
// members read every row of those cameras: who watched, through which
// link, and what the appliance admin or the local operator changed. A
// viewer (a guest) reads only their own rows.
func decideViewingRow(s Subject, cam Camera, e AuditEntry) bool {
	u := s.User
	if !s.usable() || s.Principal.Kind == CredentialShareLink || u.HouseholdID == 0 {
		return false
	}
	if cam.ID == "" || e.CameraID != cam.ID || cam.HouseholdID != u.HouseholdID {
		return false
	}
	if !cam.HouseholdSince.IsZero() && e.At.Before(cam.HouseholdSince) {
		return false
	}
	switch u.Role {
	case RoleOwner, RoleMember:
		return true
	case RoleViewer:
		return e.UserID == u.ID && e.Principal != "" && !isLinkPrincipal(e.Principal)
	}
	return false
}

func isLinkPrincipal(p string) bool { return len(p) > 5 && p[:5] == "link:" }
