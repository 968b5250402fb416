package nvr

// The decision functions are pure: they see only facts read from the
// database during this request. Keeping them apart from I/O lets the table
// tests cover every role × action × household combination directly.

func isCameraAction(a Action) bool {
	switch a {
	case ActionViewCamera, ActionViewLive, ActionViewRecordings, ActionTriggerEvent, ActionManageCamera,
		ActionDeleteEvents, ActionPinEvents, ActionSwitchShutter, ActionControlPTZ:
		return true
	}
	return false
}

// decideCamera: members of a household see its cameras, viewers only the
// ones assigned to them, owners also manage them; the appliance admin may
// manage any camera's configuration but sees no video of a household they do
// not belong to. Deleting events is for the household's owners alone: it
// destroys evidence, so members, viewers and the admin may not. Pinning
// decides what retention keeps (pinned footage outlives it and fills the
// disk), so it belongs to the household's owners and members, never to a
// viewer, whose access is to watch; a view-scope token cannot pin either.
// The privacy shutter is switched by the people who live with the camera,
// its household's owners and members: closing it is what a member does
// when they come home, and opening it must not wait for an owner. A viewer
// (a guest, a neighbour) may not, nor may a view-scope token (an HA
// stream source or a wall display must not be able to lift the privacy it
// is subject to), nor the appliance admin of another household. While the
// shutter is closed no media action is granted to anyone, owners included;
// the camera itself stays visible. Moving a camera (PTZ) changes what
// everyone in the household sees, so it is for the people who live with
// it, owners and members; not a viewer, not a view-scope token, not the
// appliance admin of another household (who sees no video of it).
func decideCamera(s Subject, c CameraFacts, a Action) bool {
	if !s.usable() || !c.Exists || !isCameraAction(a) || !allowedByScope(s.Principal.Scope, a) {
		return false
	}
	if c.ShutterClosed && a.IsMedia() {
		return false
	}
	u := s.User
	if u.Admin && a == ActionManageCamera {
		return true
	}
	if u.HouseholdID != 0 && u.HouseholdID == c.Camera.HouseholdID {
		switch u.Role {
		case RoleOwner:
			return true
		case RoleMember:
			return a != ActionManageCamera && a != ActionDeleteEvents
		case RoleViewer:
			return c.Assigned && (a == ActionViewCamera || a == ActionViewLive || a == ActionViewRecordings)
		}
	}
	return false
}

func decideHousehold(s Subject, h HouseholdID) bool {
	if !s.usable() || h == 0 || !allowedByScope(s.Principal.Scope, ActionManageHousehold) {
		return false
	}
	if s.User.Admin {
		return true
	}
	return s.User.Role == RoleOwner && s.User.HouseholdID == h
}

func decideAdmin(s Subject) bool {
	return s.usable() && s.User.Admin && allowedByScope(s.Principal.Scope, ActionAdminister)
}

// decideMember: the holder of a household grant may change an account of
// the granted household, except an appliance admin's (the admin manages
// their own account) and the holder's own (an owner cannot lock the
// household out by accident; the admin can always help).
func decideMember(g HouseholdGrant, u User) bool {
	return g.Valid() && u.ID != 0 && u.HouseholdID == g.HouseholdID() && !u.Admin && u.ID != g.User().ID
}

// decideHouseholdUser: an account is seen through a household grant when
// it belongs to the granted household.
func decideHouseholdUser(g HouseholdGrant, u User) bool {
	return g.Valid() && u.ID != 0 && u.HouseholdID == g.HouseholdID()
}

// decideHouseholdCamera: a camera is reached through a household grant
// when it belongs to the granted household.
func decideHouseholdCamera(g HouseholdGrant, c Camera) bool {
	return g.Valid() && c.ID != "" && c.HouseholdID == g.HouseholdID()
}

// decideAssignment: a camera may be assigned only to a viewer of its own
// household; owners and members see every camera of theirs already, and
// an account of another household sees none of it.
func decideAssignment(u User, c Camera) assignment {
	switch {
	case u.HouseholdID == 0 || u.HouseholdID != c.HouseholdID:
		return assignForeign
	case u.Role != RoleViewer:
		return assignNotViewer
	}
	return assignAllowed
}

// assignment is decideAssignment's answer: the refusals differ in what the
// caller is told (a foreign camera is not found; a non-viewer is told why).
type assignment uint8

const (
	assignAllowed assignment = iota
	assignForeign
	assignNotViewer
)

// decideIntegrationCamera: a household's integration (MQTT) speaks only of
// its own household's cameras, even when its token's user could see
// another's (a user moved to another household must not carry its cameras
// into this integration's topics).
func decideIntegrationCamera(in Integration, c Camera) bool {
	return in.HouseholdID != 0 && c.ID != "" && c.HouseholdID == in.HouseholdID
}

// decideIntegrationUser: an integration acts through a token of one of its
// own household's accounts.
func decideIntegrationUser(h HouseholdID, u User) bool {
	return h != 0 && u.ID != 0 && u.HouseholdID == h
}
