package ui

import (
	"context"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// directory is what the server may do with the nvr.Directory: every method
// takes the grant that allows it (or opens a view of the directory that
// only a grant can open), so a handler cannot reach another household's
// rows or change an account without the policy's yes. The directory's
// ungranted methods, kept for the local CLI, are deliberately absent.
type directory interface {
	ForHousehold(g nvr.HouseholdGrant) nvr.HouseholdDirectory
	ForAdmin(g nvr.AdminGrant) nvr.AdminDirectory

	UserHousehold(ctx context.Context, g nvr.UserGrant) (nvr.Household, error)
	UserSessions(ctx context.Context, g nvr.UserGrant) ([]nvr.Session, error)
	EndUserSession(ctx context.Context, g nvr.UserGrant, publicID string) error
	EndOtherUserSessions(ctx context.Context, g nvr.UserGrant) (int, error)
	UserTokens(ctx context.Context, g nvr.UserGrant) ([]nvr.APIToken, error)
	CreateOwnToken(ctx context.Context, g nvr.UserGrant, name string, scope nvr.TokenScope, ttl time.Duration) (string, nvr.APIToken, error)
	RevokeUserToken(ctx context.Context, g nvr.UserGrant, publicID string) error
	ChangeOwnPassword(ctx context.Context, g nvr.UserGrant, password string) error

	ConfigureCamera(ctx context.Context, g nvr.CameraGrant, ch nvr.CameraChanges) (nvr.Camera, error)
	RemoveCamera(ctx context.Context, g nvr.CameraGrant) error
	// SwitchShutter and SetShutterKeepRecording change a camera's privacy
	// shutter, each with its audit row in one transaction.
	SwitchShutter(ctx context.Context, g nvr.CameraGrant, ch nvr.ShutterChange) (nvr.Shutter, error)
	SetShutterKeepRecording(ctx context.Context, g nvr.CameraGrant, keep bool) (nvr.Shutter, error)

	// HouseholdPublicID names, in an answer, a household whose row number
	// the handler holds from what a grant gave it.
	HouseholdPublicID(ctx context.Context, id nvr.HouseholdID) (nvr.HouseholdPublicID, error)

	// AdminCount needs no grant: the login page tells whether first-run
	// setup is pending, which reveals nothing about anyone's account.
	AdminCount(ctx context.Context) (int, error)
}

var _ directory = (*nvr.Directory)(nil)
