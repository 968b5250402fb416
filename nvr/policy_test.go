package nvr_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

const (
	householdA nvr.HouseholdID = 1 // the user's household (when they have one)
	householdB nvr.HouseholdID = 2 // someone else's
	testUserID nvr.UserID      = 42
	testCredID int64           = 7
	testCamID  nvr.CameraID    = "0123456789abcdef0123456789abcdef"
)

var policyNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func policyClock() time.Time { return policyNow }

// roleKind names the kinds of people the spec distinguishes.
type roleKind int

const (
	kindOwner roleKind = iota
	kindMember
	kindViewerAssigned
	kindViewerUnassigned
	kindAdminNoHousehold
	kindAdminMember // appliance admin who is also a member of household A
	kindAdminViewer // appliance admin who is an unassigned viewer in household A
)

type roleCase struct {
	name     string
	kind     roleKind
	user     nvr.User
	assigned bool // the store reports the camera as assigned to this user
}

func roleCases() []roleCase {
	u := func(h nvr.HouseholdID, r nvr.Role, admin bool) nvr.User {
		return nvr.User{ID: testUserID, Name: "pat", HouseholdID: h, Role: r, Admin: admin}
	}
	return []roleCase{
		{"owner", kindOwner, u(householdA, nvr.RoleOwner, false), false},
		{"member", kindMember, u(householdA, nvr.RoleMember, false), false},
		// assigned stays true for a camera of another household too: the
		// policy must not trust an assignment across households.
		{"viewer-assigned", kindViewerAssigned, u(householdA, nvr.RoleViewer, false), true},
		{"viewer-unassigned", kindViewerUnassigned, u(householdA, nvr.RoleViewer, false), false},
		// AddUser gives an admin without household the default role.
		{"admin-no-household", kindAdminNoHousehold, u(0, nvr.RoleMember, true), false},
		{"admin-member", kindAdminMember, u(householdA, nvr.RoleMember, true), false},
		{"admin-viewer-unassigned", kindAdminViewer, u(householdA, nvr.RoleViewer, true), false},
	}
}

type credCase struct {
	name  string
	kind  nvr.CredentialKind
	scope nvr.TokenScope
}

var credCases = []credCase{
	{"session", nvr.CredentialSession, nvr.ScopeAll},
	{"token-view", nvr.CredentialToken, nvr.ScopeView},
	{"token-trigger", nvr.CredentialToken, nvr.ScopeTrigger},
	{"token-all", nvr.CredentialToken, nvr.ScopeAll},
	{"token-mqtt", nvr.CredentialToken, nvr.ScopeMQTT},
}

type userState int

const (
	stateEnabled userState = iota
	stateDisabled
	stateCredentialInvalid // expired session or revoked token
	stateUserDeleted       // the credential row outlived its user (a race); must still fail
)

var userStates = []struct {
	name  string
	state userState
}{
	{"enabled", stateEnabled},
	{"disabled", stateDisabled},
	{"credential-invalid", stateCredentialInvalid},
	{"user-deleted", stateUserDeleted},
}

func subjectFor(p nvr.Principal, u nvr.User, st userState) nvr.Subject {
	switch st {
	case stateDisabled:
		u.Disabled = true
		return nvr.Subject{Principal: p, User: u, CredentialValid: true}
	case stateCredentialInvalid:
		return nvr.Subject{Principal: p, User: u, CredentialValid: false}
	case stateUserDeleted:
		return nvr.Subject{Principal: p, User: nvr.User{}, CredentialValid: true}
	}
	return nvr.Subject{Principal: p, User: u, CredentialValid: true}
}

func isCameraAction(a nvr.Action) bool {
	switch a {
	case nvr.ActionViewCamera, nvr.ActionViewLive, nvr.ActionViewRecordings, nvr.ActionTriggerEvent, nvr.ActionManageCamera,
		nvr.ActionDeleteEvents, nvr.ActionPinEvents, nvr.ActionSwitchShutter, nvr.ActionControlPTZ:
		return true
	}
	return false
}

func isMedia(a nvr.Action) bool { return a == nvr.ActionViewLive || a == nvr.ActionViewRecordings }

// specAllows is Hearth's access rule written out from the product
// description, independently of decide.go, for a usable principal and an
// existing camera (or, for household actions, the target household):
//
//   - members see their household's cameras: view camera, live, recordings,
//     trigger; owners also manage them; viewers only view camera, live and
//     recordings, and only on cameras assigned to them;
//   - the appliance admin manages any camera's configuration but sees no
//     video of (and triggers nothing in) a household they do not belong to;
//   - deleting events: the household's owners only (not members, viewers or
//     the admin); pinning events (which changes what retention keeps): owners
//     and members, never viewers or the admin of another household;
//   - switching the privacy shutter: the household's owners and members
//     (the people who live with the camera), never viewers, the admin of
//     another household, or a view- or trigger-scope token;
//   - moving a camera (PTZ, presets): the household's owners and members,
//     never viewers, the admin of another household, or a view- or
//     trigger-scope token;
//   - managing a household: its owner, or the admin; administering: the admin;
//   - token scopes cut that down: view → view camera, live, recordings;
//     trigger → view camera, trigger event; all → everything. Sessions are all.
func specAllows(k roleKind, sameHousehold bool, a nvr.Action, scope nvr.TokenScope) bool {
	inScope := false
	switch scope {
	case nvr.ScopeAll:
		inScope = true
	case nvr.ScopeView:
		inScope = a == nvr.ActionViewCamera || a == nvr.ActionViewLive || a == nvr.ActionViewRecordings
	case nvr.ScopeTrigger:
		inScope = a == nvr.ActionViewCamera || a == nvr.ActionTriggerEvent
	case nvr.ScopeMQTT: // Home Assistant: state, thumbnails, triggers, the recording and shutter switches
		inScope = a == nvr.ActionViewCamera || a == nvr.ActionViewRecordings || a == nvr.ActionTriggerEvent ||
			a == nvr.ActionManageCamera || a == nvr.ActionSwitchShutter
	}
	if !inScope {
		return false
	}
	admin := k == kindAdminNoHousehold || k == kindAdminMember || k == kindAdminViewer
	switch a {
	case nvr.ActionAdminister:
		return admin
	case nvr.ActionManageHousehold:
		return admin || (k == kindOwner && sameHousehold)
	case nvr.ActionManageCamera:
		if admin {
			return true
		}
	}
	if !sameHousehold {
		return false
	}
	switch k {
	case kindOwner:
		return true
	case kindMember, kindAdminMember:
		return a != nvr.ActionManageCamera && a != nvr.ActionDeleteEvents
	case kindViewerAssigned:
		return a == nvr.ActionViewCamera || a == nvr.ActionViewLive || a == nvr.ActionViewRecordings
	}
	return false
}

// wantNotFound fails unless err is exactly the policy's one "no" answer, so
// denied and non-existent can never be told apart.
func wantNotFound(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, nvr.ErrNotFound) || err.Error() != nvr.ErrNotFound.Error() ||
		nvr.ErrorKind(err) != nvr.KindNotFound || nvr.ErrorMessage(err) != nvr.ErrorMessage(nvr.ErrNotFound) {
		t.Fatalf("err = %v, want exactly %v", err, nvr.ErrNotFound)
	}
}

func wantUnauthorized(t *testing.T, err error, msgs map[string]bool) {
	t.Helper()
	if err == nil || nvr.ErrorKind(err) != nvr.KindUnauthorized {
		t.Fatalf("err = %v (kind %v), want kind %v", err, nvr.ErrorKind(err), nvr.KindUnauthorized)
	}
	if msgs != nil {
		msgs[err.Error()] = true
	}
}

// TestPolicyMatrix checks every role × action × household × user state ×
// credential × camera existence against specAllows, through the Policy and
// through the pure decision functions.
func TestPolicyMatrix(t *testing.T) {
	t.Parallel()
	checked := 0
	unauthorized := map[string]bool{}
	ctx := context.Background()
	for _, rc := range roleCases() {
		for _, a := range nvr.Actions() {
			for _, same := range []bool{true, false} {
				for _, us := range userStates {
					for _, cc := range credCases {
						for _, exists := range []bool{true, false} {
							if !isCameraAction(a) && !exists {
								continue // household and appliance actions name no camera
							}
							where := "same-household"
							camHousehold := householdA
							if !same {
								where, camHousehold = "other-household", householdB
							}
							existence := "camera-exists"
							if !exists {
								existence = "camera-missing"
							}
							name := strings.Join([]string{rc.name, a.String(), where, us.name, cc.name, existence}, "/")
							t.Run(name, func(t *testing.T) {
								checked++
								p := nvr.Principal{UserID: testUserID, Kind: cc.kind, CredentialID: testCredID, Scope: cc.scope}
								subj := subjectFor(p, rc.user, us.state)
								cam := nvr.Camera{ID: testCamID, HouseholdID: camHousehold, Name: "porch", Enabled: true}
								facts := nvr.CameraFacts{}
								if exists {
									facts = nvr.CameraFacts{Camera: cam, Exists: true, Assigned: rc.assigned}
								}
								allowed := specAllows(rc.kind, same, a, cc.scope)
								checkMatrixCell(ctx, t, a, p, subj, facts, us.state, allowed, unauthorized)
							})
						}
					}
				}
			}
		}
	}
	if len(unauthorized) > 1 {
		t.Errorf("unauthorized answers differ: %q", slices.Sorted(mapKeys(unauthorized)))
	}
	t.Logf("checked %d role × action × household × state × credential × existence combinations", checked)
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func checkMatrixCell(ctx context.Context, t *testing.T, a nvr.Action, p nvr.Principal, subj nvr.Subject,
	facts nvr.CameraFacts, st userState, allowed bool, unauthorized map[string]bool) {
	t.Helper()
	var audits []nvr.AuditEntry
	accessCalls, subjectCalls := 0, 0
	store := &nvrtest.PolicyStore{
		OnCameraAccess: func(_ context.Context, gotP nvr.Principal, id nvr.CameraID, now time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			accessCalls++
			if gotP != p || id != testCamID || !now.Equal(policyNow) {
				t.Errorf("CameraAccess(%+v, %q, %v), want (%+v, %q, %v)", gotP, id, now, p, testCamID, policyNow)
			}
			return subj, facts, nil
		},
		OnSubject: func(_ context.Context, gotP nvr.Principal, now time.Time) (nvr.Subject, error) {
			subjectCalls++
			if gotP != p || !now.Equal(policyNow) {
				t.Errorf("Subject(%+v, %v), want (%+v, %v)", gotP, now, p, policyNow)
			}
			return subj, nil
		},
		OnAppendAudit: func(_ context.Context, e nvr.AuditEntry) error {
			audits = append(audits, e)
			return nil
		},
	}
	pol := nvr.NewPolicy(store, policyClock, nil)
	usable := st == stateEnabled

	g, err := pol.Camera(ctx, p, a, testCamID)
	if err != nil && g != (nvr.CameraGrant{}) {
		t.Fatalf("Camera returned a non-zero grant with error %v", err)
	}
	switch {
	case !isCameraAction(a):
		// Not a camera action: refused without reading anything.
		wantNotFound(t, err)
		if accessCalls != 0 {
			t.Fatalf("CameraAccess called %d times for non-camera action %v", accessCalls, a)
		}
	case !usable:
		wantUnauthorized(t, err, unauthorized)
		if len(audits) != 0 {
			t.Fatalf("audit rows for an unusable principal: %+v", audits)
		}
	case !facts.Exists:
		wantNotFound(t, err)
		if len(audits) != 0 {
			t.Fatalf("audit rows for a missing camera: %+v", audits)
		}
	case allowed:
		if err != nil {
			t.Fatalf("Camera = %v, want a grant", err)
		}
		checkCameraGrant(t, g, a, p, facts.Camera)
		// Media grants are audited, and so is the appliance admin's
		// configuration of a household they are not in (its viewing log).
		outsider := a == nvr.ActionManageCamera && subj.User.Admin && subj.User.HouseholdID != facts.Camera.HouseholdID
		wantAudit(t, audits, a, p, isMedia(a) || outsider, "granted")
	default:
		wantNotFound(t, err)
		wantAudit(t, audits, a, p, true, "denied")
	}
	if isCameraAction(a) && accessCalls != 1 {
		t.Fatalf("CameraAccess called %d times, want 1 (read on every decision)", accessCalls)
	}

	if isCameraAction(a) {
		want := usable && facts.Exists && allowed
		if got := nvr.DecideCamera(subj, facts, a); got != want {
			t.Fatalf("decideCamera = %v, want %v", got, want)
		}
	}

	switch a {
	case nvr.ActionManageHousehold:
		target := facts.Camera.HouseholdID
		hg, err := pol.Household(ctx, p, target)
		switch {
		case !usable:
			wantUnauthorized(t, err, unauthorized)
		case allowed:
			if err != nil {
				t.Fatalf("Household = %v, want a grant", err)
			}
			if !hg.Valid() || hg.HouseholdID() != target || hg.User().ID != testUserID || hg.Principal() != p {
				t.Fatalf("household grant = valid %v, household %d, user %d, principal %+v", hg.Valid(), hg.HouseholdID(), hg.User().ID, hg.Principal())
			}
		default:
			wantNotFound(t, err)
			if hg.Valid() {
				t.Fatal("denied household answer carries a valid grant")
			}
		}
		if got, want := nvr.DecideHousehold(subj, target), usable && allowed; got != want {
			t.Fatalf("decideHousehold = %v, want %v", got, want)
		}
	case nvr.ActionAdminister:
		ag, err := pol.Admin(ctx, p)
		switch {
		case !usable:
			wantUnauthorized(t, err, unauthorized)
		case allowed:
			if err != nil {
				t.Fatalf("Admin = %v, want a grant", err)
			}
			if !ag.Valid() || ag.User().ID != testUserID || ag.Principal() != p {
				t.Fatalf("admin grant = valid %v, user %d, principal %+v", ag.Valid(), ag.User().ID, ag.Principal())
			}
		default:
			wantNotFound(t, err)
			if ag.Valid() {
				t.Fatal("denied admin answer carries a valid grant")
			}
		}
		if got, want := nvr.DecideAdmin(subj), usable && allowed; got != want {
			t.Fatalf("decideAdmin = %v, want %v", got, want)
		}
	}
	if len(audits) > 1 {
		t.Fatalf("%d audit rows, want at most 1", len(audits))
	}
}

func checkCameraGrant(t *testing.T, g nvr.CameraGrant, a nvr.Action, p nvr.Principal, cam nvr.Camera) {
	t.Helper()
	if g.CameraID() != cam.ID || g.Camera().HouseholdID != cam.HouseholdID || g.Action() != a ||
		g.Principal() != p || g.User().ID != p.UserID {
		t.Fatalf("grant = camera %q household %d action %v principal %+v user %d", g.CameraID(),
			g.Camera().HouseholdID, g.Action(), g.Principal(), g.User().ID)
	}
	if err := g.Require(a); err != nil {
		t.Fatalf("Require(%v) on its own grant = %v", a, err)
	}
	for _, other := range nvr.Actions() {
		if other == a {
			continue
		}
		if err := g.Require(other); err == nil {
			t.Fatalf("grant for %v satisfies Require(%v)", a, other)
		}
	}
}

func wantAudit(t *testing.T, audits []nvr.AuditEntry, a nvr.Action, p nvr.Principal, want bool, result string) {
	t.Helper()
	if !want {
		if len(audits) != 0 {
			t.Fatalf("audit rows %+v, want none", audits)
		}
		return
	}
	if len(audits) != 1 {
		t.Fatalf("%d audit rows, want exactly 1 %q", len(audits), result)
	}
	e := audits[0]
	want1 := nvr.AuditEntry{At: policyNow, UserID: testUserID, Principal: p.String(), CameraID: testCamID, Action: a.String(), Result: result}
	if e != want1 {
		t.Fatalf("audit row = %+v, want %+v", e, want1)
	}
}
