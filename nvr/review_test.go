package nvr_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// fakeReviewStore records MarkEventsReviewed calls; the other methods are
// not reached by these tests.
type fakeReviewStore struct {
	markAll func(ctx context.Context, u nvr.UserID, scope []nvr.EventScope, before, at time.Time) (int, error)
}

var _ nvr.ReviewStore = (*fakeReviewStore)(nil)

func (f *fakeReviewStore) SetEventReviewed(context.Context, nvr.UserID, nvr.CameraID, nvr.EventID, bool, time.Time) error {
	return fmt.Errorf("SetEventReviewed: %w", nvrtest.ErrUnexpectedCall)
}

func (f *fakeReviewStore) EventReviewed(context.Context, nvr.UserID, nvr.EventID) (bool, error) {
	return false, fmt.Errorf("EventReviewed: %w", nvrtest.ErrUnexpectedCall)
}

func (f *fakeReviewStore) MarkEventsReviewed(ctx context.Context, u nvr.UserID, scope []nvr.EventScope, before, at time.Time) (int, error) {
	if f.markAll == nil {
		return 0, fmt.Errorf("MarkEventsReviewed: %w", nvrtest.ErrUnexpectedCall)
	}
	return f.markAll(ctx, u, scope, before, at)
}

// TestPolicyReviewMatrix: bulk review is granted to a usable principal
// with a household whose credential may view recordings, over exactly the
// cameras specAllows lets them see recordings of; everyone else, and a
// camera filter outside that scope, gets the one "no".
func TestPolicyReviewMatrix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	camA := nvr.Camera{ID: testCamID, HouseholdID: householdA, Name: "porch", HouseholdSince: policyNow.Add(-time.Hour)}
	camA2 := nvr.Camera{ID: "fedcba9876543210fedcba9876543210", HouseholdID: householdA, Name: "yard"}
	checked := 0
	for _, rc := range roleCases() {
		for _, cc := range credCases {
			for _, us := range userStates {
				for _, only := range []nvr.CameraID{"", testCamID, nvr.NewCameraID(), "../x"} {
					name := fmt.Sprintf("%s/%s/%s/only=%q", rc.name, cc.name, us.name, only)
					t.Run(name, func(t *testing.T) {
						checked++
						p := nvr.Principal{UserID: testUserID, Kind: cc.kind, CredentialID: testCredID, Scope: cc.scope}
						subj := subjectFor(p, rc.user, us.state)
						store := &nvrtest.PolicyStore{
							OnSubject: func(context.Context, nvr.Principal, time.Time) (nvr.Subject, error) { return subj, nil },
							OnHouseholdCameras: func(_ context.Context, h nvr.HouseholdID, assignedTo nvr.UserID) ([]nvr.Camera, error) {
								if h != householdA {
									return nil, nil
								}
								if assignedTo != 0 && !rc.assigned {
									return nil, nil // the store lists only a viewer's assigned cameras
								}
								if assignedTo != 0 {
									return []nvr.Camera{camA}, nil
								}
								return []nvr.Camera{camA, camA2}, nil
							},
						}
						g, err := nvr.NewPolicy(store, policyClock, nil).Review(ctx, p, only)
						if us.state != stateEnabled {
							if only == "../x" {
								wantNotFound(t, err) // malformed IDs never reach the store
								return
							}
							wantUnauthorized(t, err, nil)
							return
						}
						mayReview := rc.user.HouseholdID != 0 && cc.scope != nvr.ScopeTrigger
						var want []nvr.CameraID
						if mayReview {
							if specAllows(rc.kind, true, nvr.ActionViewRecordings, cc.scope) {
								want = append(want, camA.ID)
								if rc.kind != kindViewerAssigned {
									want = append(want, camA2.ID)
								}
							}
							if only != "" {
								want = slices.DeleteFunc(want, func(id nvr.CameraID) bool { return id != only })
							}
						}
						if !mayReview || (only != "" && len(want) == 0) {
							wantNotFound(t, err)
							if g.Valid() {
								t.Fatal("valid grant with an error")
							}
							return
						}
						if err != nil || !g.Valid() || g.User().ID != testUserID {
							t.Fatalf("Review = %+v, %v; want a grant", g, err)
						}
						var got []nvr.CameraID
						for _, s := range g.Scope() {
							got = append(got, s.CameraID)
							if s.CameraID == camA.ID && !s.Since.Equal(camA.HouseholdSince) {
								t.Fatalf("scope of %s from %v, want the camera's HouseholdSince", s.CameraID, s.Since)
							}
						}
						if !slices.Equal(got, want) {
							t.Fatalf("scope = %v, want %v", got, want)
						}
					})
				}
			}
		}
	}
	if (nvr.ReviewGrant{}).Valid() {
		t.Fatal("zero review grant is valid")
	}
	t.Logf("checked %d review decisions", checked)
}

// TestReviewsMarkAll: mark-all asks the policy on the call, hands the
// store its scope for the principal's own user, and never marks events
// that have not begun: a "before" in the future is cut to now.
func TestReviewsMarkAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner := nvr.User{ID: testUserID, Name: "pat", HouseholdID: householdA, Role: nvr.RoleOwner}
	cam := nvr.Camera{ID: testCamID, HouseholdID: householdA, Name: "porch"}
	tests := []struct {
		name       string
		scope      nvr.TokenScope
		before     time.Time
		wantBefore time.Time
		wantErr    nvr.Kind
	}{
		{"past", nvr.ScopeAll, policyNow.Add(-time.Minute), policyNow.Add(-time.Minute), 0},
		{"future-is-now", nvr.ScopeAll, policyNow.Add(time.Hour), policyNow, 0},
		{"view-token", nvr.ScopeView, policyNow, policyNow, 0},
		{"trigger-token", nvr.ScopeTrigger, policyNow, time.Time{}, nvr.KindNotFound},
		{"trigger-token-no-before", nvr.ScopeTrigger, time.Time{}, time.Time{}, nvr.KindNotFound},
		{"no-before", nvr.ScopeAll, time.Time{}, time.Time{}, nvr.KindInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := nvr.Principal{UserID: testUserID, Kind: nvr.CredentialToken, CredentialID: testCredID, Scope: tc.scope}
			pol := nvr.NewPolicy(&nvrtest.PolicyStore{
				OnSubject: func(context.Context, nvr.Principal, time.Time) (nvr.Subject, error) {
					return nvr.Subject{Principal: p, User: owner, CredentialValid: true}, nil
				},
				OnHouseholdCameras: func(context.Context, nvr.HouseholdID, nvr.UserID) ([]nvr.Camera, error) {
					return []nvr.Camera{cam}, nil
				},
			}, policyClock, nil)
			calls := 0
			rs := nvr.NewReviews(&fakeReviewStore{markAll: func(_ context.Context, u nvr.UserID, scope []nvr.EventScope, before, at time.Time) (int, error) {
				calls++
				if u != testUserID || len(scope) != 1 || scope[0].CameraID != cam.ID || !before.Equal(tc.wantBefore) || !at.Equal(policyNow) {
					t.Fatalf("store asked for user %d scope %v before %v at %v", u, scope, before, at)
				}
				return 3, nil
			}}, pol, policyClock)
			n, err := rs.MarkAll(ctx, p, tc.before, "")
			if tc.wantErr != 0 {
				if nvr.ErrorKind(err) != tc.wantErr || calls != 0 {
					t.Fatalf("MarkAll = %d, %v (store called %d times); want kind %v", n, err, calls, tc.wantErr)
				}
				return
			}
			if err != nil || n != 3 || calls != 1 {
				t.Fatalf("MarkAll = %d, %v (store called %d times)", n, err, calls)
			}
		})
	}
}
