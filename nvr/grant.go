package nvr

// A grant is the policy's "yes": proof, carried as a value, that a principal
// was allowed an action at the moment of the decision. Grants have only
// unexported fields, so only this package can make a non-zero one, and every
// data-serving function takes one. A zero grant is refused by Require.

// CameraGrant allows one action on one camera.
type CameraGrant struct {
	camera  Camera
	action  Action
	subject Subject
	// window is a share link's clip range: playback reads nothing outside
	// it. Zero for every other grant.
	window TimeRange
}

// Window returns the range a share link's grant is confined to, and
// whether there is one; playback clamps every read to it.
func (g CameraGrant) Window() (TimeRange, bool) { return g.window, !g.window.End.IsZero() }

// ShareLinkID returns the share link a grant came from, or 0.
func (g CameraGrant) ShareLinkID() int64 {
	if g.subject.Principal.Kind != CredentialShareLink {
		return 0
	}
	return g.subject.Principal.CredentialID
}

// Camera returns the camera the grant is for, as read during the decision.
func (g CameraGrant) Camera() Camera { return g.camera }

// CameraID returns the immutable ID of the granted camera.
func (g CameraGrant) CameraID() CameraID { return g.camera.ID }

// Action returns the granted action.
func (g CameraGrant) Action() Action { return g.action }

// Principal returns who was granted.
func (g CameraGrant) Principal() Principal { return g.subject.Principal }

// User returns the granted user as read during the decision.
func (g CameraGrant) User() User { return g.subject.User }

// Require returns nil if g is a real grant for one of the actions; data
// code calls it first so a zero grant or a grant for a weaker action fails.
func (g CameraGrant) Require(actions ...Action) error {
	if g.action == 0 || g.camera.ID == "" {
		return ErrNotFound
	}
	for _, a := range actions {
		if g.action == a {
			return nil
		}
	}
	return ErrNotFound
}

// HouseholdGrant allows managing one household.
type HouseholdGrant struct {
	household HouseholdID
	subject   Subject
}

// HouseholdID returns the granted household.
func (g HouseholdGrant) HouseholdID() HouseholdID { return g.household }

// User returns the granted user.
func (g HouseholdGrant) User() User { return g.subject.User }

// Principal returns who was granted.
func (g HouseholdGrant) Principal() Principal { return g.subject.Principal }

// Valid reports whether g came from the policy.
func (g HouseholdGrant) Valid() bool { return g.household != 0 && g.subject.usable() }

// AdminGrant allows administering the appliance (households and accounts).
// It is held by a signed-in appliance admin, or by the local operator: whoever
// runs the hearth CLI on the data directory (Policy.LocalOperator).
type AdminGrant struct {
	subject  Subject
	operator bool
}

// User returns the granted admin.
func (g AdminGrant) User() User { return g.subject.User }

// Principal returns who was granted.
func (g AdminGrant) Principal() Principal { return g.subject.Principal }

// Valid reports whether g came from the policy.
func (g AdminGrant) Valid() bool {
	return g.operator || (g.subject.usable() && g.subject.User.Admin)
}

// UserGrant proves that a principal is a valid, enabled user right now; it
// allows reading and changing that user's own account.
type UserGrant struct{ subject Subject }

// User returns the authenticated user.
func (g UserGrant) User() User { return g.subject.User }

// Principal returns the authenticated principal.
func (g UserGrant) Principal() Principal { return g.subject.Principal }

// Valid reports whether g came from the policy.
func (g UserGrant) Valid() bool { return g.subject.usable() }
