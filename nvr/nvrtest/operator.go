// Package nvrtest gives tests the directory changes they set their worlds
// up with, by row ID as the tests hold them, made through the local
// operator's grant (nvr.Policy.LocalOperator) like the CLI's: so a test's
// set-up goes through the same checks and audit rows as any change, and no
// ungranted way to change the directory exists outside tests. Not linked
// by the hearth binary (cmd/layout_test.go).
package nvrtest

import (
	"context"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Ops is a directory as the local operator changes it, by row ID.
type Ops struct{ a nvr.AdminDirectory }

// Operator returns d as the local operator sees it.
func Operator(d *nvr.Directory) Ops {
	return Ops{a: d.ForAdmin(new(nvr.Policy).LocalOperator())}
}

// Admin returns the operator's AdminDirectory itself.
func (o Ops) Admin() nvr.AdminDirectory { return o.a }

// publicID finds the public ID of account id; "" when there is none, which
// the directory answers as not found.
func (o Ops) publicID(ctx context.Context, id nvr.UserID) (string, error) {
	us, err := o.a.Users(ctx)
	if err != nil {
		return "", err
	}
	for _, u := range us {
		if u.ID == id {
			return u.PublicID, nil
		}
	}
	return "", nil
}

func (o Ops) update(ctx context.Context, id nvr.UserID, ch nvr.UserChanges) error {
	pid, err := o.publicID(ctx, id)
	if err != nil {
		return err
	}
	_, err = o.a.UpdateUser(ctx, pid, ch)
	return err
}

// AddHousehold creates a household.
func (o Ops) AddHousehold(ctx context.Context, name string) (nvr.Household, error) {
	return o.a.AddHousehold(ctx, name)
}

// RemoveHousehold removes an empty household.
func (o Ops) RemoveHousehold(ctx context.Context, id nvr.HouseholdID) error {
	return o.a.RemoveHousehold(ctx, id)
}

// AddUser creates an account.
func (o Ops) AddUser(ctx context.Context, nu nvr.NewUser) (nvr.User, error) {
	return o.a.AddUser(ctx, nu)
}

// SetPassword sets an account's password (its sessions and tokens end).
func (o Ops) SetPassword(ctx context.Context, id nvr.UserID, password string) error {
	return o.update(ctx, id, nvr.UserChanges{Password: &password})
}

// SetRole sets an account's household role.
func (o Ops) SetRole(ctx context.Context, id nvr.UserID, r nvr.Role) error {
	return o.update(ctx, id, nvr.UserChanges{Role: &r})
}

// SetAdmin grants or removes appliance administration.
func (o Ops) SetAdmin(ctx context.Context, id nvr.UserID, admin bool) error {
	return o.update(ctx, id, nvr.UserChanges{Admin: &admin})
}

// SetDisabled disables or enables an account.
func (o Ops) SetDisabled(ctx context.Context, id nvr.UserID, disabled bool) error {
	return o.update(ctx, id, nvr.UserChanges{Disabled: &disabled})
}

// RemoveUser deletes an account.
func (o Ops) RemoveUser(ctx context.Context, id nvr.UserID) error {
	pid, err := o.publicID(ctx, id)
	if err != nil {
		return err
	}
	return o.a.RemoveUser(ctx, pid)
}

// AddCamera adds a camera; nc.LocalOK is taken as given.
func (o Ops) AddCamera(ctx context.Context, nc nvr.NewCamera) (nvr.Camera, error) {
	return o.a.AddCamera(ctx, nc)
}

// EditCamera changes a camera's configuration; ch.LocalOK is taken as given.
func (o Ops) EditCamera(ctx context.Context, id nvr.CameraID, ch nvr.CameraChanges) (nvr.Camera, error) {
	return o.a.EditCamera(ctx, id, ch)
}

// RemoveCamera deletes a camera.
func (o Ops) RemoveCamera(ctx context.Context, id nvr.CameraID) error {
	return o.a.RemoveCamera(ctx, id)
}

// MoveCamera moves a camera to another household.
func (o Ops) MoveCamera(ctx context.Context, id nvr.CameraID, to nvr.HouseholdID) error {
	_, err := o.a.MoveCamera(ctx, id, to)
	return err
}

// AssignCamera lets a viewer see one camera of their household.
func (o Ops) AssignCamera(ctx context.Context, u nvr.UserID, c nvr.CameraID) error {
	return o.assign(ctx, u, c, true)
}

// UnassignCamera takes a viewer's access to one camera away.
func (o Ops) UnassignCamera(ctx context.Context, u nvr.UserID, c nvr.CameraID) error {
	return o.assign(ctx, u, c, false)
}

func (o Ops) assign(ctx context.Context, u nvr.UserID, c nvr.CameraID, on bool) error {
	pid, err := o.publicID(ctx, u)
	if err != nil {
		return err
	}
	return o.a.Assign(ctx, pid, c, on)
}

// CreateToken issues an API token for account u.
func (o Ops) CreateToken(ctx context.Context, u nvr.UserID, name string, scope nvr.TokenScope, ttl time.Duration) (string, nvr.APIToken, error) {
	pid, err := o.publicID(ctx, u)
	if err != nil {
		return "", nvr.APIToken{}, err
	}
	return o.a.CreateToken(ctx, pid, name, scope, ttl)
}

// RevokeToken deletes an API token by its row.
func (o Ops) RevokeToken(ctx context.Context, id int64) error {
	return o.a.RevokeToken(ctx, id)
}
