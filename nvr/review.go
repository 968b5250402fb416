package nvr

import (
	"context"
	"slices"
	"time"
)

// Reviewing events: each user marks the events they have looked at, as on
// Frigate's review page. A mark is the user's alone; another member of the
// household still sees the event unreviewed.

// ReviewStore is the part of the database that holds review marks. Marks
// belong to a user and an event and go with either. Methods return *Error
// values with KindNotFound for a missing event. Implementations are safe
// for concurrent use and never cache.
type ReviewStore interface {
	// SetEventReviewed marks (reviewed true) or unmarks event id of camera
	// cam for user u. Marking a marked event keeps its first time;
	// unmarking an unmarked one is not an error. KindNotFound when id is
	// not a live event of cam.
	SetEventReviewed(ctx context.Context, u UserID, cam CameraID, id EventID, reviewed bool, at time.Time) error
	// EventReviewed reports whether u marked event id reviewed.
	EventReviewed(ctx context.Context, u UserID, id EventID) (bool, error)
	// MarkEventsReviewed marks reviewed for u every live event that
	// started before before on a camera of scope (from that camera's
	// Since on), and returns how many marks it added. The statement itself
	// requires u to be enabled, each camera to be in u's household, and a
	// viewer to be assigned the camera, so a change committed between the
	// policy's decision and the write marks nothing it no longer allows.
	MarkEventsReviewed(ctx context.Context, u UserID, scope []EventScope, before, at time.Time) (int, error)
}

// ReviewGrant allows marking events reviewed in bulk for one user: the
// cameras whose recordings the principal may see, as the policy read them
// for this request. Only this package can make a valid one (Policy.Review).
type ReviewGrant struct {
	subject Subject
	scope   []EventScope
}

// User returns the granted user.
func (g ReviewGrant) User() User { return g.subject.User }

// Principal returns who was granted.
func (g ReviewGrant) Principal() Principal { return g.subject.Principal }

// Scope returns the cameras the grant covers, each from the time it joined
// the user's household.
func (g ReviewGrant) Scope() []EventScope { return slices.Clone(g.scope) }

// Valid reports whether g came from the policy.
func (g ReviewGrant) Valid() bool { return decideReview(g.subject) }

// decideReview: reviewing is watching recordings and noting that one has,
// so it needs what watching needs (a view or full scope, a household); a
// trigger-scope token, which may only ring the bell, may not mark.
func decideReview(s Subject) bool {
	return s.usable() && s.User.HouseholdID != 0 && allowedByScope(s.Principal.Scope, ActionViewRecordings)
}

// Review decides whether p may mark events reviewed in bulk, and over
// which cameras: every camera of p's household p may see recordings of,
// or only camera only when it is not "". A camera p may not see, and a
// principal that may not review, answer ErrNotFound. No audit row is
// written: marking hands out no media.
func (pol *Policy) Review(ctx context.Context, p Principal, only CameraID) (ReviewGrant, error) {
	if only != "" {
		if _, err := ParseCameraID(string(only)); err != nil {
			return ReviewGrant{}, ErrNotFound
		}
	}
	subj, err := pol.subject(ctx, p)
	if err != nil {
		return ReviewGrant{}, err
	}
	if !decideReview(subj) {
		return ReviewGrant{}, ErrNotFound
	}
	var assignedTo UserID
	if subj.User.Role == RoleViewer {
		assignedTo = subj.User.ID
	}
	cams, err := pol.store.HouseholdCameras(ctx, subj.User.HouseholdID, assignedTo)
	if err != nil {
		return ReviewGrant{}, Wrap("authorize review", err)
	}
	g := ReviewGrant{subject: subj, scope: []EventScope{}}
	for _, c := range cams {
		if only != "" && c.ID != only {
			continue
		}
		if decideCamera(subj, CameraFacts{Camera: c, Exists: true, Assigned: assignedTo != 0}, ActionViewRecordings) {
			g.scope = append(g.scope, EventScope{CameraID: c.ID, Since: c.HouseholdSince})
		}
	}
	if only != "" && len(g.scope) == 0 {
		return ReviewGrant{}, ErrNotFound
	}
	return g, nil
}

// Reviews keeps users' review marks on events. Safe for concurrent use.
type Reviews struct {
	store  ReviewStore
	policy *Policy
	now    func() time.Time
}

// NewReviews returns the review service over store; now is the clock
// (time.Now when nil).
func NewReviews(store ReviewStore, policy *Policy, now func() time.Time) *Reviews {
	if now == nil {
		now = time.Now
	}
	return &Reviews{store: store, policy: policy, now: now}
}

// reviewerOf is the user a per-event grant marks for, when that principal
// may review at all.
func reviewerOf(g EventGrant) (UserID, error) {
	if err := g.Require(ActionViewRecordings); err != nil {
		return 0, err
	}
	cg := g.CameraGrant()
	if !decideReview(cg.subject) {
		return 0, ErrNotFound
	}
	return cg.User().ID, nil
}

// Read returns the granted event with the grant's user's review mark.
func (r *Reviews) Read(ctx context.Context, g EventGrant) (Event, error) {
	u, err := reviewerOf(g)
	if err != nil {
		return Event{}, err
	}
	ev := g.Event()
	ok, err := r.store.EventReviewed(ctx, u, ev.ID)
	if err != nil {
		return Event{}, Wrap("read review mark", err)
	}
	ev.Reviewed = ok
	return ev, nil
}

// Set marks (or unmarks) the granted event reviewed for the grant's user:
// the same grant as watching the event (ActionViewRecordings).
func (r *Reviews) Set(ctx context.Context, g EventGrant, reviewed bool) (Event, error) {
	u, err := reviewerOf(g)
	if err != nil {
		return Event{}, err
	}
	ev := g.Event()
	if err := r.store.SetEventReviewed(ctx, u, ev.CameraID, ev.ID, reviewed, r.now()); err != nil {
		return Event{}, Wrap("mark event reviewed", err)
	}
	ev.Reviewed = reviewed
	return ev, nil
}

// MarkAll marks reviewed, for p's user, every event that started before
// before (at the latest now: an event that has not begun is not seen) on
// the cameras p may see recordings of, or on camera only. It returns how
// many events it marked. The scope is the policy's answer for this
// request, and the store applies it in the same statement as the marks.
func (r *Reviews) MarkAll(ctx context.Context, p Principal, before time.Time, only CameraID) (int, error) {
	const op = "mark events reviewed"
	// The policy first: a principal that may not review learns nothing
	// from the validation of its request.
	g, err := r.policy.Review(ctx, p, only)
	if err != nil {
		return 0, err
	}
	if before.IsZero() {
		return 0, Errorf(op, KindInvalid, "before is required")
	}
	now := r.now()
	if before.After(now) {
		before = now
	}
	if len(g.scope) == 0 {
		return 0, nil
	}
	n, err := r.store.MarkEventsReviewed(ctx, g.User().ID, g.scope, before, now)
	if err != nil {
		return 0, Wrap(op, err)
	}
	return n, nil
}
