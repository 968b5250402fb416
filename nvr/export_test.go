package nvr

import (
	"context"
	"time"
)

// Exported for the black-box tests in package nvr_test, so the table test
// can check the pure decision function and the Policy against one spec.

// DecideCamera is decideCamera.
var DecideCamera = decideCamera

// DecideHousehold is decideHousehold.
var DecideHousehold = decideHousehold

// DecideAdmin is decideAdmin.
var DecideAdmin = decideAdmin

// DirectoryOps drives the directory's changes by row ID, as the removed
// ungranted methods did, for the tests that check each change's validation
// and store calls against a fake store: every call goes through change()
// under the local operator, like the CLI's.
type DirectoryOps struct{ d *Directory }

// Ops returns d's changes for a test.
func Ops(d *Directory) DirectoryOps { return DirectoryOps{d: d} }

var testOperator = Subject{Principal: Principal{Kind: CredentialOperator}}

func (o DirectoryOps) run(ctx context.Context, fn func(w DirectoryWriter) error) error {
	return o.d.change(ctx, testOperator, "", "test", fn)
}

func (o DirectoryOps) AddHousehold(ctx context.Context, name string) (h Household, err error) {
	err = o.run(ctx, func(w DirectoryWriter) (err error) { h, err = o.d.addHousehold(ctx, w, name); return err })
	return h, err
}

func (o DirectoryOps) AddUser(ctx context.Context, nu NewUser) (u User, err error) {
	hash, err := o.d.prepareUser(&nu)
	if err != nil {
		return User{}, err
	}
	err = o.run(ctx, func(w DirectoryWriter) (err error) { u, err = o.d.createUser(ctx, w, nu, hash); return err })
	return u, err
}

func (o DirectoryOps) SetPassword(ctx context.Context, id UserID, password string) error {
	hash, err := o.d.newPasswordHash(password)
	if err != nil {
		return err
	}
	return o.run(ctx, func(w DirectoryWriter) error { return o.d.setPassword(ctx, w, id, hash) })
}

func (o DirectoryOps) SetRole(ctx context.Context, id UserID, r Role) error {
	return o.run(ctx, func(w DirectoryWriter) error { return o.d.setRole(ctx, w, id, r) })
}

func (o DirectoryOps) SetAdmin(ctx context.Context, id UserID, admin bool) error {
	return o.run(ctx, func(w DirectoryWriter) error { return o.d.setAdmin(ctx, w, id, admin) })
}

func (o DirectoryOps) SetDisabled(ctx context.Context, id UserID, disabled bool) error {
	return o.run(ctx, func(w DirectoryWriter) error { return o.d.setDisabled(ctx, w, id, disabled) })
}

func (o DirectoryOps) RemoveUser(ctx context.Context, id UserID) error {
	return o.run(ctx, func(w DirectoryWriter) error { return o.d.removeUser(ctx, w, id) })
}

func (o DirectoryOps) AddCamera(ctx context.Context, nc NewCamera) (Camera, error) {
	return o.d.addCameraRecorded(ctx, testOperator, "test", nc)
}

func (o DirectoryOps) EditCamera(ctx context.Context, id CameraID, ch CameraChanges) (c Camera, err error) {
	err = o.run(ctx, func(w DirectoryWriter) (err error) { c, err = o.d.editCamera(ctx, w, id, ch); return err })
	return c, err
}

func (o DirectoryOps) CreateToken(ctx context.Context, u UserID, name string, scope TokenScope, ttl time.Duration) (token string, t APIToken, err error) {
	err = o.run(ctx, func(w DirectoryWriter) (err error) {
		token, t, err = o.d.createToken(ctx, w, u, name, scope, ttl)
		return err
	})
	return token, t, err
}

func (o DirectoryOps) AssignCamera(ctx context.Context, u UserID, c CameraID) error {
	user, err := o.d.store.UserByRef(ctx, formatID(int64(u)))
	if err != nil {
		return Wrap("assign camera", err)
	}
	return o.run(ctx, func(w DirectoryWriter) error { return o.d.assignCamera(ctx, w, user, c) })
}

// DecideOffsite is decideOffsite.
var DecideOffsite = decideOffsite

// DecideShareUse, DecideShareCreate and DecideShareManage are the share
// link decisions.
var (
	DecideShareUse    = decideShareUse
	DecideShareCreate = decideShareCreate
	DecideShareManage = decideShareManage
)

// SetViewingScan makes vl look through n audit rows a read.
func SetViewingScan(vl *ViewingLog, n int) { vl.scan = n }

// DecideViewingRow is decideViewingRow.
var DecideViewingRow = decideViewingRow

// DecideProbe is decideProbe.
var DecideProbe = decideProbe

// DecideDiscover is decideDiscover.
var DecideDiscover = decideDiscover
