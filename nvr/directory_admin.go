package nvr

import (
	"context"
	"time"
)

// AdminDirectory is the directory as the holder of an AdminGrant sees it:
// every household, account and camera, and the changes the appliance admin
// may make. Every change writes its own audit row. An AdminDirectory over a
// zero grant refuses everything with ErrNotFound. Safe for concurrent use;
// made per request, never kept.
type AdminDirectory struct {
	d *Directory
	g AdminGrant
}

// ForAdmin returns the directory as seen through g.
func (d *Directory) ForAdmin(g AdminGrant) AdminDirectory {
	return AdminDirectory{d: d, g: g}
}

// Households lists every household.
func (a AdminDirectory) Households(ctx context.Context) ([]Household, error) {
	if !a.g.Valid() {
		return nil, ErrNotFound
	}
	hs, err := a.d.store.Households(ctx)
	return hs, Wrap("list households", err)
}

// Users lists every account.
func (a AdminDirectory) Users(ctx context.Context) ([]User, error) {
	if !a.g.Valid() {
		return nil, ErrNotFound
	}
	us, err := a.d.store.Users(ctx, 0)
	return us, Wrap("list users", err)
}

// User finds an account by public ID; KindNotFound when none.
func (a AdminDirectory) User(ctx context.Context, id string) (User, error) {
	if !a.g.Valid() {
		return User{}, ErrNotFound
	}
	u, err := a.d.store.UserByPublicID(ctx, id)
	return u, Wrap("find user", err)
}

// Cameras lists every camera with its configuration (never to be rendered
// with credentials).
func (a AdminDirectory) Cameras(ctx context.Context) ([]Camera, error) {
	if !a.g.Valid() {
		return nil, ErrNotFound
	}
	cs, err := a.d.store.Cameras(ctx, 0)
	return cs, Wrap("list cameras", err)
}

// Camera returns one camera; KindNotFound when none.
func (a AdminDirectory) Camera(ctx context.Context, id CameraID) (Camera, error) {
	if !a.g.Valid() {
		return Camera{}, ErrNotFound
	}
	c, err := a.d.store.Camera(ctx, id)
	return c, Wrap("find camera", err)
}

// AddHousehold creates a household.
func (a AdminDirectory) AddHousehold(ctx context.Context, name string) (Household, error) {
	if !a.g.Valid() {
		return Household{}, ErrNotFound
	}
	var h Household
	err := a.d.change(ctx, a.g.subject, "", "admin:add-household", func(w DirectoryWriter) (err error) {
		h, err = a.d.addHousehold(ctx, w, name)
		return err
	})
	return h, err
}

// RemoveHousehold removes an empty household.
func (a AdminDirectory) RemoveHousehold(ctx context.Context, id HouseholdID) error {
	if !a.g.Valid() {
		return ErrNotFound
	}
	return a.d.change(ctx, a.g.subject, "", "admin:remove-household", func(w DirectoryWriter) error {
		return a.d.removeHousehold(ctx, w, id)
	})
}

// AddUser creates an account in any household, or an appliance admin.
func (a AdminDirectory) AddUser(ctx context.Context, nu NewUser) (User, error) {
	const action = "admin:add-user"
	if !a.g.Valid() {
		return User{}, ErrNotFound
	}
	hash, err := a.d.prepareUser(&nu)
	if err != nil {
		return User{}, a.d.refused(ctx, a.g.subject, "", action, err)
	}
	var u User
	err = a.d.change(ctx, a.g.subject, "", action, func(w DirectoryWriter) (err error) {
		u, err = a.d.createUser(ctx, w, nu, hash)
		return err
	})
	return u, err
}

// UserChanges lists what the admin may change of an account; nil fields stay.
type UserChanges struct {
	Role     *Role
	Admin    *bool
	Disabled *bool
	Password *string
}

// UpdateUser validates every change first, then applies them together
// (one transaction with the audit row), and returns the account as stored
// afterwards.
func (a AdminDirectory) UpdateUser(ctx context.Context, id string, ch UserChanges) (User, error) {
	const action = "admin:update-user"
	if !a.g.Valid() {
		return User{}, ErrNotFound
	}
	target, err := a.d.store.UserByPublicID(ctx, id)
	if err != nil {
		return User{}, Wrap("update user", err)
	}
	hash, err := a.validateUserChanges(ch)
	if err != nil {
		return User{}, a.d.refused(ctx, a.g.subject, "", action, err)
	}
	if err := a.d.change(ctx, a.g.subject, "", action, func(w DirectoryWriter) error {
		return a.updateUser(ctx, w, target.ID, ch, hash)
	}); err != nil {
		return User{}, err
	}
	u, err := a.d.store.UserByPublicID(ctx, target.PublicID)
	return u, Wrap("update user", err)
}

// validateUserChanges checks ch before anything is written and hashes a
// new password ("" when none is given).
func (a AdminDirectory) validateUserChanges(ch UserChanges) (string, error) {
	if ch.Role == nil && ch.Admin == nil && ch.Disabled == nil && ch.Password == nil {
		return "", Errorf("update user", KindInvalid, "nothing to change: give role, admin, disabled or password")
	}
	if ch.Role != nil {
		if _, err := ParseRole(string(*ch.Role)); err != nil {
			return "", err
		}
	}
	if ch.Password == nil {
		return "", nil
	}
	return a.d.newPasswordHash(*ch.Password)
}

func (a AdminDirectory) updateUser(ctx context.Context, w DirectoryWriter, uid UserID, ch UserChanges, hash string) error {
	if ch.Role != nil {
		if err := a.d.setRole(ctx, w, uid, *ch.Role); err != nil {
			return err
		}
	}
	if ch.Admin != nil {
		if err := a.d.setAdmin(ctx, w, uid, *ch.Admin); err != nil {
			return err
		}
	}
	if ch.Disabled != nil {
		if err := a.d.setDisabled(ctx, w, uid, *ch.Disabled); err != nil {
			return err
		}
	}
	if ch.Password != nil {
		return a.d.setPassword(ctx, w, uid, hash)
	}
	return nil
}

// RemoveUser deletes an account with its sessions, tokens and assignments.
func (a AdminDirectory) RemoveUser(ctx context.Context, id string) error {
	if !a.g.Valid() {
		return ErrNotFound
	}
	u, err := a.d.store.UserByPublicID(ctx, id)
	if err != nil {
		return Wrap("remove user", err)
	}
	return a.d.change(ctx, a.g.subject, "", "admin:remove-user", func(w DirectoryWriter) error {
		return a.d.removeUser(ctx, w, u.ID)
	})
}

// Assign gives (on) or takes away a viewer's access to one camera of their
// household.
func (a AdminDirectory) Assign(ctx context.Context, user string, cam CameraID, on bool) error {
	if !a.g.Valid() {
		return ErrNotFound
	}
	u, err := a.d.store.UserByPublicID(ctx, user)
	if err != nil && ErrorKind(err) != KindNotFound {
		return Wrap("assign camera", err)
	}
	if err != nil {
		return ErrNotFound
	}
	return a.d.assign(ctx, a.g.subject, u, cam, on)
}

// AddCamera adds a camera to any household. A signed-in admin chose its
// URLs, so they may reach this appliance (Camera.LocalOK); the local
// operator says so itself in nc (the CLI does).
func (a AdminDirectory) AddCamera(ctx context.Context, nc NewCamera) (Camera, error) {
	if !a.g.Valid() {
		return Camera{}, ErrNotFound
	}
	if !a.g.operator {
		nc.LocalOK = true
	}
	return a.d.addCameraRecorded(ctx, a.g.subject, "admin:add-camera", nc)
}

// EditCamera changes any camera's configuration (see editCamera). A
// signed-in admin gave any URL in ch, so it may reach this appliance; the
// local operator says so itself in ch.LocalOK (the CLI does).
func (a AdminDirectory) EditCamera(ctx context.Context, id CameraID, ch CameraChanges) (Camera, error) {
	if !a.g.Valid() {
		return Camera{}, ErrNotFound
	}
	if !a.g.operator && (ch.MainURL != nil || ch.SubURL != nil) {
		localOK := true
		ch.LocalOK = &localOK
	}
	var c Camera
	err := a.d.change(ctx, a.g.subject, id, "admin:edit-camera", func(w DirectoryWriter) (err error) {
		c, err = a.d.editCamera(ctx, w, id, ch)
		return err
	})
	return c, err
}

// RemoveCamera deletes a camera.
func (a AdminDirectory) RemoveCamera(ctx context.Context, id CameraID) error {
	if !a.g.Valid() {
		return ErrNotFound
	}
	return a.d.change(ctx, a.g.subject, id, "admin:remove-camera", func(w DirectoryWriter) error {
		return a.d.removeCamera(ctx, w, id)
	})
}

// MoveCamera moves a camera to another household (see moveCamera) and
// returns it as stored afterwards.
func (a AdminDirectory) MoveCamera(ctx context.Context, id CameraID, to HouseholdID) (Camera, error) {
	if !a.g.Valid() {
		return Camera{}, ErrNotFound
	}
	if to <= 0 {
		return Camera{}, Errorf("move camera", KindInvalid, "household_id is required")
	}
	if err := a.d.change(ctx, a.g.subject, id, "admin:move-camera", func(w DirectoryWriter) error {
		return a.d.moveCamera(ctx, w, id, to)
	}); err != nil {
		return Camera{}, err
	}
	c, err := a.d.store.Camera(ctx, id)
	return c, Wrap("move camera", err)
}

// CreateToken issues an API token for any account (see createToken); the
// token is returned once.
func (a AdminDirectory) CreateToken(ctx context.Context, user string, name string, scope TokenScope, ttl time.Duration) (string, APIToken, error) {
	if !a.g.Valid() {
		return "", APIToken{}, ErrNotFound
	}
	u, err := a.d.store.UserByPublicID(ctx, user)
	if err != nil {
		return "", APIToken{}, Wrap("create token", err)
	}
	var (
		token string
		t     APIToken
	)
	err = a.d.change(ctx, a.g.subject, "", "admin:create-token", func(w DirectoryWriter) (err error) {
		token, t, err = a.d.createToken(ctx, w, u.ID, name, scope, ttl)
		return err
	})
	return token, t, err
}

// RevokeToken deletes any API token by its row; it stops working on the
// next request.
func (a AdminDirectory) RevokeToken(ctx context.Context, id int64) error {
	if !a.g.Valid() {
		return ErrNotFound
	}
	return a.d.change(ctx, a.g.subject, "", "admin:revoke-token", func(w DirectoryWriter) error {
		return a.d.revokeToken(ctx, w, id)
	})
}

// AdminCount counts enabled appliance admins, for the first-run setup
// notice; it reveals nothing about anyone's account.
func (d *Directory) AdminCount(ctx context.Context) (int, error) {
	n, err := d.store.AdminCount(ctx)
	return n, Wrap("count admins", err)
}

// RecordRetentionApproval writes the audit row of the admin letting one
// refused retention pass go ahead; the caller approves only once it is on
// record, since the pass deletes footage.
func (a AdminDirectory) RecordRetentionApproval(ctx context.Context) error {
	if !a.g.Valid() {
		return ErrNotFound
	}
	return a.d.change(ctx, a.g.subject, "", "admin:approve-retention", func(DirectoryWriter) error { return nil })
}

// HouseholdByPublicID finds the household an admin request names by its
// public ID; KindNotFound for a malformed or unknown one.
func (a AdminDirectory) HouseholdByPublicID(ctx context.Context, id string) (Household, error) {
	if !a.g.Valid() {
		return Household{}, ErrNotFound
	}
	p, err := ParseHouseholdPublicID(id)
	if err != nil {
		return Household{}, ErrNotFound
	}
	h, err := a.d.store.HouseholdByPublicID(ctx, p)
	return h, Wrap("find household", err)
}
