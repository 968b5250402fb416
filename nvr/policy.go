package nvr

import (
	"context"
	"log/slog"
	"time"
)

// Policy is Hearth's one access policy. It reads the database on every call
// and never caches a decision. Denied and non-existent both answer
// ErrNotFound; a credential that is gone, expired or belongs to a disabled
// user answers KindUnauthorized. Safe for concurrent use.
type Policy struct {
	store   PolicyStore
	now     func() time.Time
	log     *slog.Logger
	denials *AuditQueue // nil: denials are written before answering
	// shares is the store's share links, when it holds them (nil: every
	// link is unknown); shareLimiter slows passcode guessing per link.
	shares       ShareStore
	shareLimiter *LoginLimiter
}

// PolicyOption tunes a Policy at construction.
type PolicyOption func(*Policy)

// WithDenialQueue makes the policy queue the audit row of a denial on q
// instead of writing it before answering, so a denied ID answers as fast
// as a missing one (which has no row). The caller runs q. Granted media
// rows stay synchronous: media is handed out only once it is on record.
func WithDenialQueue(q *AuditQueue) PolicyOption {
	return func(pol *Policy) { pol.denials = q }
}

// NewPolicy returns the policy over store. now is the clock (time.Now in
// production); log receives failures to write audit rows.
func NewPolicy(store PolicyStore, now func() time.Time, log *slog.Logger, opts ...PolicyOption) *Policy {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pol := &Policy{store: store, now: now, log: log, shareLimiter: NewLoginLimiter(now)}
	// The database holds the links beside everything else; a store that
	// does not (a test's fault-injecting fake) knows no link.
	pol.shares, _ = store.(ShareStore)
	for _, o := range opts {
		o(pol)
	}
	return pol
}

var errUnauthenticated = &Error{Op: "authorize", Kind: KindUnauthorized, Msg: "authentication required"}

// Camera decides whether principal p may do action a on camera id, and
// returns the grant. Granted media actions are written to the audit log, and
// so are denials of an existing camera.
func (pol *Policy) Camera(ctx context.Context, p Principal, a Action, id CameraID) (CameraGrant, error) {
	if !isCameraAction(a) {
		return CameraGrant{}, ErrNotFound
	}
	if _, err := ParseCameraID(string(id)); err != nil {
		return CameraGrant{}, ErrNotFound
	}
	now := pol.now()
	subj, facts, err := pol.store.CameraAccess(ctx, p, id, now)
	if err != nil {
		return CameraGrant{}, Wrap("authorize camera", err)
	}
	facts.ShutterClosed = facts.Exists && facts.Camera.Shutter.ClosedAt(now)
	if !subj.usable() {
		return CameraGrant{}, errUnauthenticated
	}
	if !decideCamera(subj, facts, a) {
		if facts.Exists {
			pol.auditDenied(ctx, subj, id, a)
		}
		return CameraGrant{}, ErrNotFound
	}
	if a.IsMedia() || outsiderConfig(subj, facts, a) {
		// The audit row is part of the grant: media is handed out only once
		// the access is on record, and so is a household's camera
		// configuration to the appliance admin from outside it (its
		// viewing log lists the admin's configuration access).
		if err := pol.store.AppendAudit(ctx, auditEntry(pol.now(), subj, id, a, "granted")); err != nil {
			return CameraGrant{}, Wrap("authorize camera", err)
		}
	}
	return CameraGrant{camera: facts.Camera, action: a, subject: subj}, nil
}

// outsiderConfig reports whether a grant is the appliance admin's to a
// camera configuration of a household they do not belong to.
func outsiderConfig(s Subject, c CameraFacts, a Action) bool {
	return a == ActionManageCamera && s.User.Admin && s.User.HouseholdID != c.Camera.HouseholdID
}

// Event narrows camera grant g to one event the caller read with it: the
// event must be of g's camera and not from before the camera joined its
// household (another household's past answers ErrNotFound, exactly like a
// missing event). It reads nothing: g was decided moments ago.
func (pol *Policy) Event(g CameraGrant, ev Event) (EventGrant, error) {
	if g.action == 0 || g.camera.ID == "" || ev.CameraID != g.camera.ID {
		return EventGrant{}, ErrNotFound
	}
	if since := g.camera.HouseholdSince; !since.IsZero() && ev.Start.Before(since) {
		return EventGrant{}, ErrNotFound // another household's past
	}
	return EventGrant{camera: g, event: ev}, nil
}

// Recheck decides again for an existing grant, for long-lived sessions
// (live view, downloads) that must end promptly after a revocation.
func (pol *Policy) Recheck(ctx context.Context, g CameraGrant) error {
	if err := g.Require(g.action); err != nil {
		return err
	}
	if g.subject.Principal.Kind == CredentialShareLink {
		return pol.recheckShare(ctx, g)
	}
	now := pol.now()
	subj, facts, err := pol.store.CameraAccess(ctx, g.subject.Principal, g.camera.ID, now)
	if err != nil {
		return Wrap("recheck camera", err)
	}
	facts.ShutterClosed = facts.Exists && facts.Camera.Shutter.ClosedAt(now)
	if !subj.usable() {
		return errUnauthenticated
	}
	if !decideCamera(subj, facts, g.action) || facts.Camera.HouseholdID != g.camera.HouseholdID {
		return ErrNotFound
	}
	return nil
}

// VisibleCameras returns a grant for action a on every camera p may do a on,
// ordered by name.
func (pol *Policy) VisibleCameras(ctx context.Context, p Principal, a Action) ([]CameraGrant, error) {
	if !isCameraAction(a) || a.IsMedia() {
		// Media grants are handed out one camera at a time, with an audit row.
		return nil, ErrNotFound
	}
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return nil, err
	}
	u := subj.User
	if u.HouseholdID == 0 || !allowedByScope(p.Scope, a) {
		return nil, nil
	}
	var assignedTo UserID
	if u.Role == RoleViewer {
		assignedTo = u.ID
	}
	cams, err := pol.store.HouseholdCameras(ctx, u.HouseholdID, assignedTo)
	if err != nil {
		return nil, Wrap("list visible cameras", err)
	}
	grants := make([]CameraGrant, 0, len(cams))
	for _, c := range cams {
		facts := CameraFacts{Camera: c, Exists: true, Assigned: assignedTo != 0, ShutterClosed: c.Shutter.ClosedAt(pol.now())}
		if decideCamera(subj, facts, a) {
			grants = append(grants, CameraGrant{camera: c, action: a, subject: subj})
		}
	}
	return grants, nil
}

// Household decides whether p may manage household h.
func (pol *Policy) Household(ctx context.Context, p Principal, h HouseholdID) (HouseholdGrant, error) {
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return HouseholdGrant{}, err
	}
	if !decideHousehold(subj, h) {
		return HouseholdGrant{}, ErrNotFound
	}
	return HouseholdGrant{household: h, subject: subj}, nil
}

// Admin decides whether p may administer the appliance.
func (pol *Policy) Admin(ctx context.Context, p Principal) (AdminGrant, error) {
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return AdminGrant{}, err
	}
	if !decideAdmin(subj) {
		return AdminGrant{}, ErrNotFound
	}
	return AdminGrant{subject: subj}, nil
}

// LocalOperator grants appliance administration to the local operator:
// whoever runs the hearth CLI (or the demo's set-up) on the data
// directory, who can read and write the database file anyway. Its changes
// go through the same directory checks and audit rows as an admin's, under
// the principal "cli". Only cmd/ may call it (cmd/layout_test.go holds
// that): a request handler that did would hand a stranger the appliance.
func (pol *Policy) LocalOperator() AdminGrant {
	return AdminGrant{subject: Subject{Principal: Principal{Kind: CredentialOperator}}, operator: true}
}

// Self returns a grant over p's own account if p is a valid, enabled user.
func (pol *Policy) Self(ctx context.Context, p Principal) (UserGrant, error) {
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return UserGrant{}, err
	}
	return UserGrant{subject: subj}, nil
}

func (pol *Policy) subject(ctx context.Context, p Principal) (Subject, error) {
	subj, err := pol.store.Subject(ctx, p, pol.now())
	if err != nil {
		return Subject{}, Wrap("authorize", err)
	}
	if !subj.usable() {
		return Subject{}, errUnauthenticated
	}
	return subj, nil
}

// auditDenied records a denial of an existing camera: queued when the
// policy has a denial queue (production), else written now.
func (pol *Policy) auditDenied(ctx context.Context, subj Subject, id CameraID, a Action) {
	e := auditEntry(pol.now(), subj, id, a, "denied")
	if pol.denials != nil {
		pol.denials.Enqueue(e)
		return
	}
	if err := pol.store.AppendAudit(ctx, e); err != nil {
		pol.log.Error("write audit row", "err", err, "camera", id, "action", a.String())
	}
}

func auditEntry(at time.Time, subj Subject, id CameraID, a Action, result string) AuditEntry {
	return AuditEntry{At: at, UserID: subj.User.ID, Principal: subj.Principal.String(),
		CameraID: id, Action: a.String(), Result: result}
}
