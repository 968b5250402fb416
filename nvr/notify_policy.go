package nvr

import (
	"context"
	"strconv"
)

// CredentialNotify is the credential of a standing notification: the user's
// own account, not a session or token they hold. It is never produced by
// Auth, so no request carries it; it exists so that the policy can decide,
// for every message at the moment it is sent, exactly what it decides for
// the user's requests (the user's row, role, household and viewer
// assignments, read now). The store treats it as valid while the user
// exists; usable() still refuses a disabled user.
//
// It is 5, after the kinds principal.go lists (the operator's 3 and
// setup's 4, which the store never finds valid): db/policy.go's
// credentialValid names the number.
const CredentialNotify CredentialKind = 5

// NotifyPrincipal is user u as the recipient of notifications. Its scope is
// view: a message about a camera may carry what the user could watch
// (name, event, thumbnail) and nothing they could change.
func NotifyPrincipal(u UserID) Principal {
	return Principal{UserID: u, Kind: CredentialNotify, Scope: ScopeView}
}

// NotifyCamera decides, now, whether user u may be told action-level facts
// about camera cam: ActionViewCamera for camera health (offline, online,
// stalled), ActionViewRecordings for events and their thumbnails (written
// to the audit log like any media grant, so what left the box is on
// record). It is the send-time decision of invariant 9 and also the
// save-time check of a rule's camera.
func (pol *Policy) NotifyCamera(ctx context.Context, u UserID, a Action, cam CameraID) (CameraGrant, error) {
	if a != ActionViewCamera && a != ActionViewRecordings {
		return CameraGrant{}, ErrNotFound
	}
	return pol.Camera(ctx, NotifyPrincipal(u), a, cam)
}

// NotifyAdmin decides, now, whether user u may be told appliance-wide
// trouble (storage low): only an enabled appliance admin. The principal is
// made here, with the scope the admin decision needs, and never leaves.
func (pol *Policy) NotifyAdmin(ctx context.Context, u UserID) (AdminGrant, error) {
	return pol.Admin(ctx, Principal{UserID: u, Kind: CredentialNotify, Scope: ScopeAll})
}

// notifyPrincipalString names a notification principal in the audit log.
func notifyPrincipalString(p Principal) string {
	return "notify:user:" + strconv.FormatInt(int64(p.UserID), 10)
}

// MonitorCamera gives the appliance's own health monitor (nvr/notify) a
// grant to read camera cam's measured state: ActionViewCamera, which
// opens no media (hubs and thumbnails want a media action), for no user.
// Whoever is then told about the camera's health is decided separately,
// per recipient, by NotifyCamera at send time.
func (pol *Policy) MonitorCamera(ctx context.Context, cam CameraID) (CameraGrant, error) {
	if _, err := ParseCameraID(string(cam)); err != nil {
		return CameraGrant{}, ErrNotFound
	}
	_, facts, err := pol.store.CameraAccess(ctx, Principal{}, cam, pol.now())
	if err != nil {
		return CameraGrant{}, Wrap("monitor camera", err)
	}
	if !facts.Exists {
		return CameraGrant{}, ErrNotFound
	}
	return CameraGrant{camera: facts.Camera, action: ActionViewCamera}, nil
}

// NotifySelf decides whether user u may be sent anything at all now (a
// test message): an existing, enabled user.
func (pol *Policy) NotifySelf(ctx context.Context, u UserID) (UserGrant, error) {
	return pol.Self(ctx, NotifyPrincipal(u))
}
