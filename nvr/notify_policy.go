package nvr

import (
	"context"
	"strconv"
)

// CredentialNotify is the credential of a standing notification: one of
// the user's notification channels (a notify_channels row of that user,
// by its row number), the way a token row is a token's. It is never
// produced by Auth, so no request carries it; it exists so that the policy
// can decide, for every message at the moment it is sent, exactly what it
// decides for the user's requests (the user's row, role, household and
// viewer assignments, read now), for as long as the user keeps the
// channel: a channel removed decides nothing more, like a revoked token.
// usable() still refuses a disabled user.
//
// It is 5, after the kinds principal.go lists (the operator's 3 and
// setup's 4, which the store never finds valid): db/policy.go's
// credentialValid names the number.
const CredentialNotify CredentialKind = 5

// Recipient is a user as reached through one of their notification
// channels: what the notifier decides each message for. Only the policy
// makes one (Policy.Recipient), after deciding that the channel is the
// user's and the user may be sent anything; every later decision reads
// both again.
type Recipient struct{ p Principal }

// User is the recipient's user.
func (r Recipient) User() UserID { return r.p.UserID }

// Principal is the recipient as the policy's other deciders take it (an
// event's grant, nvr/events.Events.Grant). Scope view: a message about a
// camera may carry what the user could watch (name, event, thumbnail) and
// nothing they could change.
func (r Recipient) Principal() Principal { return r.p }

// Recipient decides, now, whether channel ch's user may be sent anything
// at all (an existing, enabled user who still has the channel), and returns
// the recipient the message's other decisions are made for.
func (pol *Policy) Recipient(ctx context.Context, ch NotifyChannel) (Recipient, error) {
	if ch.Seq <= 0 || ch.UserID == 0 {
		return Recipient{}, ErrNotFound
	}
	p := Principal{UserID: ch.UserID, Kind: CredentialNotify, CredentialID: ch.Seq, Scope: ScopeView}
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return Recipient{}, err
	}
	if !subj.usable() {
		return Recipient{}, ErrNotFound
	}
	return Recipient{p: p}, nil
}

// NotifyCamera decides, now, whether recipient r may be told action-level
// facts about camera cam: ActionViewCamera for camera health (offline,
// online, stalled), ActionViewRecordings for events and their thumbnails
// (written to the audit log like any media grant, so what left the box is
// on record). It is the send-time decision of invariant 9.
func (pol *Policy) NotifyCamera(ctx context.Context, r Recipient, a Action, cam CameraID) (CameraGrant, error) {
	if a != ActionViewCamera && a != ActionViewRecordings || r.p.Kind != CredentialNotify {
		return CameraGrant{}, ErrNotFound
	}
	return pol.Camera(ctx, r.p, a, cam)
}

// NotifyAdmin decides, now, whether recipient r may be told appliance-wide
// trouble (storage low): only an enabled appliance admin. The principal
// with the scope the admin decision needs is made here and never leaves.
func (pol *Policy) NotifyAdmin(ctx context.Context, r Recipient) (AdminGrant, error) {
	if r.p.Kind != CredentialNotify {
		return AdminGrant{}, ErrNotFound
	}
	p := r.p
	p.Scope = ScopeAll
	return pol.Admin(ctx, p)
}

// userMaySee reports whether user u, as their account stands now, may do
// action a on camera cam: the save-time check of a notification rule that
// an appliance admin adds for u (a rule naming a camera u cannot see would
// only ever be refused at send time, but saying so at once is kinder, and
// an admin must not learn from it what u's household holds: the answer is
// the same ErrNotFound). It makes no grant and no audit row.
func (pol *Policy) userMaySee(ctx context.Context, u UserID, a Action, cam CameraID) error {
	if _, err := ParseCameraID(string(cam)); err != nil {
		return ErrNotFound
	}
	now := pol.now()
	subj, facts, err := pol.store.CameraAccess(ctx, Principal{UserID: u, Kind: CredentialNotify, Scope: ScopeView}, cam, now)
	if err != nil {
		return Wrap("check rule camera", err)
	}
	facts.ShutterClosed = facts.Exists && facts.Camera.Shutter.ClosedAt(now)
	subj.CredentialValid = true // the account itself, not a credential of it
	if !decideCamera(subj, facts, a) {
		return ErrNotFound
	}
	return nil
}

// userAdministers reports whether user u, as their account stands now, is
// an enabled appliance admin: the save-time check of a rule asking for
// appliance-wide messages. It makes no grant.
func (pol *Policy) userAdministers(ctx context.Context, u UserID) bool {
	subj, err := pol.store.Subject(ctx, Principal{UserID: u, Kind: CredentialNotify, Scope: ScopeAll}, pol.now())
	if err != nil {
		return false
	}
	subj.CredentialValid = true // the account itself, not a credential of it
	return decideAdmin(subj)
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
