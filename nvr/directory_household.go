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
// whom the grant's holder may change: in the household, not an appliance
// admin, and not the holder (so an owner cannot lock the household out by
// accident; the admin can always help). Anyone else is ErrNotFound.
func (h HouseholdDirectory) member(ctx context.Context, id string) (User, error) {
	u, err := h.d.store.UserByPublicID(ctx, id)
	if err != nil && ErrorKind(err) != KindNotFound {
		return User{}, Wrap("find member", err) // an outage is not "no such user"
	}
	if err != nil || u.HouseholdID != h.g.HouseholdID() || u.Admin || u.ID == h.g.User().ID {
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
}

// UpdateMember changes a member's role or disabled flag and returns the
// account as stored afterwards.
func (h HouseholdDirectory) UpdateMember(ctx context.Context, id string, ch MemberChanges) (User, error) {
	if !h.g.Valid() {
		return User{}, ErrNotFound
	}
	u, err := h.updateMember(ctx, id, ch)
	if err = h.d.record(ctx, h.g.subject, "", "update-member", err); err != nil {
		return User{}, err
	}
	u, err = h.d.store.UserByPublicID(ctx, u.PublicID)
	return u, Wrap("update member", err)
}

func (h HouseholdDirectory) updateMember(ctx context.Context, id string, ch MemberChanges) (User, error) {
	u, err := h.member(ctx, id)
	if err != nil {
		return User{}, err
	}
	if ch.Role == nil && ch.Disabled == nil {
		return User{}, Errorf("update member", KindInvalid, "nothing to change: give role or disabled")
	}
	if ch.Role != nil {
		if err := h.d.SetRole(ctx, u.ID, *ch.Role); err != nil {
			return User{}, err
		}
	}
	if ch.Disabled != nil {
		if err := h.d.SetDisabled(ctx, u.ID, *ch.Disabled); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// RemoveMember deletes a member's account with its sessions and tokens.
func (h HouseholdDirectory) RemoveMember(ctx context.Context, id string) error {
	if !h.g.Valid() {
		return ErrNotFound
	}
	u, err := h.member(ctx, id)
	if err == nil {
		err = h.d.RemoveUser(ctx, u.ID)
	}
	return h.d.record(ctx, h.g.subject, "", "remove-member", err)
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
	if err != nil || u.HouseholdID != h.g.HouseholdID() {
		return ErrNotFound
	}
	c, err := h.d.store.Camera(ctx, cam)
	if err != nil && ErrorKind(err) != KindNotFound {
		return Wrap("assign camera", err)
	}
	if err != nil || c.HouseholdID != h.g.HouseholdID() {
		return ErrNotFound
	}
	return h.d.assign(ctx, h.g.subject, u.ID, cam, on)
}

// assign changes an assignment and records it.
func (d *Directory) assign(ctx context.Context, s Subject, u UserID, cam CameraID, on bool) error {
	if on {
		return d.record(ctx, s, cam, "assign-camera", d.AssignCamera(ctx, u, cam))
	}
	return d.record(ctx, s, cam, "unassign-camera", d.UnassignCamera(ctx, u, cam))
}

// AddCamera adds a camera to the household. Only the appliance admin's
// cameras may reach this appliance (Camera.LocalOK); an owner's never.
func (h HouseholdDirectory) AddCamera(ctx context.Context, nc NewCamera) (Camera, error) {
	if !h.g.Valid() {
		return Camera{}, ErrNotFound
	}
	nc.HouseholdID, nc.LocalOK = h.g.HouseholdID(), h.g.User().Admin
	c, err := h.d.AddCamera(ctx, nc)
	return c, h.d.record(ctx, h.g.subject, c.ID, "add-camera", err)
}
