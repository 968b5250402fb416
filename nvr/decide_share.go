package nvr

import "time"

// The share link decisions are pure, like decide.go's: they see only the
// facts read during this request.

// decideShareCreate: a link is made by a household's owner or member,
// through a full session (not a token of limited scope), for a camera of
// their own household that they may watch themselves in the way the link
// shares it. A viewer (a guest) may not pass on what they were lent, and
// the appliance admin of another household sees no video to share.
func decideShareCreate(s Subject, c CameraFacts, k ShareKind) bool {
	a := shareAction(k)
	if a == 0 || !s.usable() || s.Principal.Scope != ScopeAll || s.Principal.Kind == CredentialShareLink {
		return false
	}
	u := s.User
	if u.Role != RoleOwner && u.Role != RoleMember {
		return false
	}
	// The shutter does not stop making a link; it stops every use of one.
	c.ShutterClosed = false
	return decideCamera(s, c, a)
}

// decideShareUse: a link opens action a on its own camera only, and only
// the action its kind names (or seeing the camera's name on its page);
// only while it is unexpired at now; only while its creator is still an
// enabled owner or member of the camera's household (a link borrows its
// creator's access: a member removed, demoted to viewer or disabled, or
// the camera moved to another household, ends every link they made); and
// never while the privacy shutter is closed. A clip link's range must
// lie after the camera joined its household.
func decideShareUse(acc ShareAccess, a Action, now time.Time) bool {
	l, u, c := acc.Link, acc.Creator, acc.Camera
	want := shareAction(l.Kind)
	if l.ID == 0 || want == 0 || (a != want && a != ActionViewCamera) {
		return false
	}
	if !now.Before(l.ExpiresAt) || !c.Exists || c.Camera.ID != l.CameraID || c.Camera.ID == "" {
		return false
	}
	if u.ID == 0 || u.ID != l.CreatedBy || u.Disabled || u.HouseholdID == 0 || u.HouseholdID != c.Camera.HouseholdID {
		return false
	}
	if u.Role != RoleOwner && u.Role != RoleMember {
		return false
	}
	if c.ShutterClosed && a.IsMedia() {
		return false
	}
	if l.Kind == ShareClip {
		if !l.Window.End.After(l.Window.Start) {
			return false
		}
		if since := c.Camera.HouseholdSince; !since.IsZero() && l.Window.Start.Before(since) {
			return false
		}
	}
	return true
}

// decideShareManage: a link is listed to, and revoked by, its creator
// and the owners of its camera's household; nobody else learns it
// exists (a member sees only their own links, a viewer none).
func decideShareManage(s Subject, l ShareLinkInfo) bool {
	if !s.usable() || l.ID == 0 || s.Principal.Kind == CredentialShareLink {
		return false
	}
	u := s.User
	if u.HouseholdID == 0 || u.HouseholdID != l.CameraHousehold {
		return false
	}
	return u.Role == RoleOwner || (u.Role == RoleMember && u.ID == l.CreatedBy)
}
