package nvr

import "context"

// HouseholdDirectory is the directory as the holder of one HouseholdGrant
// sees it: the people and cameras of the granted household, and the changes
// an owner may make to them. Whether a target belongs to the household is
// decided here, in one place, never by the caller; a target outside it
// answers ErrNotFound, as a missing one does. Every change writes its own
// audit row. A HouseholdDirectory over a zero grant refuses everything with
// ErrNotFound. Safe for concurrent use; read per request, never kept.
type HouseholdDirectory struct {
	d *Directory
	g HouseholdGrant
}

// ForHousehold returns the directory as seen through g.
func (d *Directory) ForHousehold(g HouseholdGrant) HouseholdDirectory {
	return HouseholdDirectory{d: d, g: g}
}

// Member is one account of a household with, for a viewer, the cameras
// assigned to them.
type Member struct {
	User
	Cameras []CameraID // a viewer's assigned cameras, else nil
}

// Household returns the granted household.
func (h HouseholdDirectory) Household(ctx context.Context) (Household, error) {
	if !h.g.Valid() {
		return Household{}, ErrNotFound
	}
	hh, err := h.d.store.Household(ctx, h.g.HouseholdID())
	return hh, Wrap("household", err)
}

// Members lists the household's accounts with viewers' assignments.
func (h HouseholdDirectory) Members(ctx context.Context) ([]Member, error) {
	const op = "list members"
	if !h.g.Valid() {
		return nil, ErrNotFound
	}
	us, err := h.d.store.Users(ctx, h.g.HouseholdID())
	if err != nil {
		return nil, Wrap(op, err)
	}
	out := make([]Member, 0, len(us))
	for _, u := range us {
		m := Member{User: u}
		if u.Role == RoleViewer {
			if m.Cameras, err = h.d.store.AssignedCameras(ctx, u.ID); err != nil {
				return nil, Wrap(op, err)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// Cameras lists the household's cameras, configuration included (never
// to be rendered with credentials).
func (h HouseholdDirectory) Cameras(ctx context.Context) ([]Camera, error) {
	if !h.g.Valid() {
		return nil, ErrNotFound
	}
	cs, err := h.d.store.Cameras(ctx, h.g.HouseholdID())
	return cs, Wrap("list household cameras", err)
}

// member finds the account with public ID id among the household's people
// whom the grant's holder may change (the policy's decideMember); anyone
// else is ErrNotFound.
func (h HouseholdDirectory) member(ctx context.Context, id string) (User, error) {
	u, err := h.d.store.UserByPublicID(ctx, id)
	if err != nil && ErrorKind(err) != KindNotFound {
		return User{}, Wrap("find member", err) // an outage is not "no such user"
	}
	if err != nil || !decideMember(h.g, u) {
		return User{}, ErrNotFound
	}
	return u, nil
}

// AddMember creates an account in the household (see AddHouseholdMember).
func (h HouseholdDirectory) AddMember(ctx context.Context, nu NewUser) (User, error) {
	return h.d.AddHouseholdMember(ctx, h.g, nu)
}

// MemberChanges lists what an owner may change of a member; nil fields stay.
type MemberChanges struct {
	Role     *Role
	Disabled *bool
	// Password sets a new one for a member who forgot theirs, and ends
	// their sessions and API tokens, as the admin's reset does.
	Password *string
}

// UpdateMember changes a member's role, disabled flag or password and
// returns the account as stored afterwards.
func (h HouseholdDirectory) UpdateMember(ctx context.Context, id string, ch MemberChanges) (User, error) {
	const action = "update-member"
	if !h.g.Valid() {
		return User{}, ErrNotFound
	}
	u, err := h.member(ctx, id)
	if err == nil && ch.Role == nil && ch.Disabled == nil && ch.Password == nil {
		err = Errorf("update member", KindInvalid, "nothing to change: give role, disabled or password")
	}
	if err == nil && ch.Role != nil {
		_, err = ParseRole(string(*ch.Role))
	}
	var hash string
	if err == nil && ch.Password != nil {
		hash, err = h.d.newPasswordHash(*ch.Password)
	}
	if err != nil {
		return User{}, h.d.refused(ctx, h.g.subject, "", action, err)
	}
	if err := h.d.change(ctx, h.g.subject, "", action, func(w DirectoryWriter) error {
		if ch.Password != nil {
			if err := h.d.setPassword(ctx, w, u.ID, hash); err != nil {
				return err
			}
		}
		if ch.Role != nil {
			if err := h.d.setRole(ctx, w, u.ID, *ch.Role); err != nil {
				return err
			}
		}
		if ch.Disabled != nil {
			return h.d.setDisabled(ctx, w, u.ID, *ch.Disabled)
		}
		return nil
	}); err != nil {
		return User{}, err
	}
	u, err = h.d.store.UserByPublicID(ctx, u.PublicID)
	return u, Wrap("update member", err)
}

// RemoveMember deletes a member's account with its sessions and tokens.
func (h HouseholdDirectory) RemoveMember(ctx context.Context, id string) error {
	const action = "remove-member"
	if !h.g.Valid() {
		return ErrNotFound
	}
	u, err := h.member(ctx, id)
	if err != nil {
		return h.d.refused(ctx, h.g.subject, "", action, err)
	}
	return h.d.change(ctx, h.g.subject, "", action, func(w DirectoryWriter) error {
		return h.d.removeUser(ctx, w, u.ID)
	})
}

// Assign gives (on) or takes away a viewer's access to one camera; both
// must be in the household.
func (h HouseholdDirectory) Assign(ctx context.Context, user string, cam CameraID, on bool) error {
	if !h.g.Valid() {
		return ErrNotFound
	}
	u, err := h.d.store.UserByPublicID(ctx, user)
	if err != nil && ErrorKind(err) != KindNotFound {
		return Wrap("assign camera", err)
	}
	if err != nil || !decideHouseholdUser(h.g, u) {
		return ErrNotFound
	}
	c, err := h.d.store.Camera(ctx, cam)
	if err != nil && ErrorKind(err) != KindNotFound {
		return Wrap("assign camera", err)
	}
	if err != nil || !decideHouseholdCamera(h.g, c) {
		return ErrNotFound
	}
	return h.d.assign(ctx, h.g.subject, u, cam, on)
}

// assign changes an assignment and records it. Assigning is decided by the
// policy (decideAssignment) against the camera as stored in the same
// change; taking an assignment away needs no decision beyond the grant's.
func (d *Directory) assign(ctx context.Context, s Subject, u User, cam CameraID, on bool) error {
	if !on {
		return d.change(ctx, s, cam, "unassign-camera", func(w DirectoryWriter) error {
			return Wrap("unassign camera", w.UnassignCamera(ctx, u.ID, cam))
		})
	}
	return d.change(ctx, s, cam, "assign-camera", func(w DirectoryWriter) error {
		return d.assignCamera(ctx, w, u, cam)
	})
}

// AddCamera adds a camera to the household. Only the appliance admin's
// cameras may reach this appliance (Camera.LocalOK); an owner's never.
func (h HouseholdDirectory) AddCamera(ctx context.Context, nc NewCamera) (Camera, error) {
	if !h.g.Valid() {
		return Camera{}, ErrNotFound
	}
	nc.HouseholdID, nc.LocalOK = h.g.HouseholdID(), h.g.User().Admin
	return h.d.addCameraRecorded(ctx, h.g.subject, "add-camera", nc)
}
