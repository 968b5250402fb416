package nvr_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

func TestPolicyMalformedCameraIDNeverReachesStore(t *testing.T) {
	t.Parallel()
	ids := []string{
		"",
		"0123456789ABCDEF0123456789ABCDEF",  // uppercase
		"0123456789abcdef0123456789abcde",   // 31
		"0123456789abcdef0123456789abcdef0", // 33
		"0123456789abcdef0123456789abcdeg",  // not hex
		"0123456789abcdef 123456789abcdef",
		"../../../../../../../../etc/passw",
		"porch",
		"1",
		"0123456789abcdef0123456789abcdeé",
		"0123456789abcdef0123456789abcd\x00f",
	}
	ctx := context.Background()
	p := nvr.Principal{UserID: testUserID, Kind: nvr.CredentialSession, CredentialID: testCredID, Scope: nvr.ScopeAll}
	checked := 0
	for _, id := range ids {
		for _, a := range nvr.Actions() {
			t.Run(fmt.Sprintf("%q/%v", id, a), func(t *testing.T) {
				checked++
				calls := 0
				store := &nvrtest.PolicyStore{
					OnCameraAccess: func(context.Context, nvr.Principal, nvr.CameraID, time.Time) (nvr.Subject, nvr.CameraFacts, error) {
						calls++
						return nvr.Subject{}, nvr.CameraFacts{}, nil
					},
				}
				pol := nvr.NewPolicy(store, policyClock, nil)
				g, err := pol.Camera(ctx, p, a, nvr.CameraID(id))
				wantNotFound(t, err)
				if g != (nvr.CameraGrant{}) {
					t.Fatal("non-zero grant for a malformed ID")
				}
				if calls != 0 {
					t.Fatalf("store called %d times for malformed ID %q", calls, id)
				}
			})
		}
	}
	t.Logf("checked %d malformed ID × action combinations", checked)
}

// memberStore answers CameraAccess for a member of household A on a camera of
// household A, with the audit writer given.
func memberStore(appendAudit func(context.Context, nvr.AuditEntry) error) *nvrtest.PolicyStore {
	u := nvr.User{ID: testUserID, Name: "pat", HouseholdID: householdA, Role: nvr.RoleMember}
	return &nvrtest.PolicyStore{
		OnCameraAccess: func(_ context.Context, p nvr.Principal, id nvr.CameraID, _ time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			return nvr.Subject{Principal: p, User: u, CredentialValid: true},
				nvr.CameraFacts{Camera: nvr.Camera{ID: id, HouseholdID: householdA, Name: "porch"}, Exists: true}, nil
		},
		OnAppendAudit: appendAudit,
	}
}

func sessionPrincipal() nvr.Principal {
	return nvr.Principal{UserID: testUserID, Kind: nvr.CredentialSession, CredentialID: testCredID, Scope: nvr.ScopeAll}
}

func TestPolicyAuditWriteFailure(t *testing.T) {
	t.Parallel()
	diskFull := errors.New("disk full")
	failing := func(context.Context, nvr.AuditEntry) error { return diskFull }
	ctx := context.Background()

	for _, a := range []nvr.Action{nvr.ActionViewLive, nvr.ActionViewRecordings} {
		t.Run("media grant/"+a.String(), func(t *testing.T) {
			t.Parallel()
			pol := nvr.NewPolicy(memberStore(failing), policyClock, nil)
			g, err := pol.Camera(ctx, sessionPrincipal(), a, testCamID)
			if err == nil {
				t.Fatal("Camera granted media although the audit row could not be written")
			}
			if !errors.Is(err, diskFull) {
				t.Fatalf("err = %v, want it to wrap %v", err, diskFull)
			}
			if nvr.ErrorKind(err) == nvr.KindNotFound {
				t.Fatalf("err kind = %v; an audit failure is not a denial", nvr.ErrorKind(err))
			}
			if g != (nvr.CameraGrant{}) || g.Require(a) == nil {
				t.Fatal("a grant came back with the error")
			}
		})
	}

	t.Run("non-media grant writes no audit row", func(t *testing.T) {
		t.Parallel()
		for _, a := range []nvr.Action{nvr.ActionViewCamera, nvr.ActionTriggerEvent} {
			pol := nvr.NewPolicy(memberStore(failing), policyClock, nil)
			g, err := pol.Camera(ctx, sessionPrincipal(), a, testCamID)
			if err != nil {
				t.Fatalf("Camera(%v) = %v, want a grant (no audit row is written for it)", a, err)
			}
			if err := g.Require(a); err != nil {
				t.Fatalf("Require(%v) = %v", a, err)
			}
		}
	})

	t.Run("denial still answers not found and logs the failure", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		var mu sync.Mutex
		log := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
		pol := nvr.NewPolicy(memberStore(failing), policyClock, log)
		_, err := pol.Camera(ctx, sessionPrincipal(), nvr.ActionManageCamera, testCamID)
		wantNotFound(t, err)
		mu.Lock()
		defer mu.Unlock()
		if !strings.Contains(buf.String(), "write audit row") || !strings.Contains(buf.String(), "disk full") {
			t.Fatalf("log = %q, want the audit failure", buf.String())
		}
	})
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestPolicyStoreErrorIsNotADecision(t *testing.T) {
	t.Parallel()
	dbDown := errors.New("database is locked")
	store := &nvrtest.PolicyStore{
		OnCameraAccess: func(context.Context, nvr.Principal, nvr.CameraID, time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			return nvr.Subject{}, nvr.CameraFacts{}, dbDown
		},
		OnSubject: func(context.Context, nvr.Principal, time.Time) (nvr.Subject, error) {
			return nvr.Subject{}, dbDown
		},
	}
	pol := nvr.NewPolicy(store, policyClock, nil)
	ctx := context.Background()
	p := sessionPrincipal()
	errs := map[string]error{}
	_, errs["Camera"] = pol.Camera(ctx, p, nvr.ActionViewCamera, testCamID)
	_, errs["Household"] = pol.Household(ctx, p, householdA)
	_, errs["Admin"] = pol.Admin(ctx, p)
	_, errs["Self"] = pol.Self(ctx, p)
	_, errs["VisibleCameras"] = pol.VisibleCameras(ctx, p, nvr.ActionViewCamera)
	for name, err := range errs {
		if !errors.Is(err, dbDown) || nvr.ErrorKind(err) != nvr.KindInternal {
			t.Errorf("%s = %v (kind %v), want an internal error wrapping %v", name, err, nvr.ErrorKind(err), dbDown)
		}
	}
}

// TestPolicyReadsOnEveryDecision: a decision is never cached; disabling the
// user between two requests changes the second answer.
func TestPolicyReadsOnEveryDecision(t *testing.T) {
	t.Parallel()
	disabled := false
	calls := 0
	u := nvr.User{ID: testUserID, HouseholdID: householdA, Role: nvr.RoleMember}
	store := &nvrtest.PolicyStore{
		OnCameraAccess: func(_ context.Context, p nvr.Principal, id nvr.CameraID, _ time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			calls++
			u := u
			u.Disabled = disabled
			return nvr.Subject{Principal: p, User: u, CredentialValid: true},
				nvr.CameraFacts{Camera: nvr.Camera{ID: id, HouseholdID: householdA}, Exists: true}, nil
		},
	}
	pol := nvr.NewPolicy(store, policyClock, nil)
	ctx := context.Background()
	if _, err := pol.Camera(ctx, sessionPrincipal(), nvr.ActionViewCamera, testCamID); err != nil {
		t.Fatalf("first decision = %v, want a grant", err)
	}
	disabled = true
	_, err := pol.Camera(ctx, sessionPrincipal(), nvr.ActionViewCamera, testCamID)
	wantUnauthorized(t, err, nil)
	if calls != 2 {
		t.Fatalf("store read %d times for 2 decisions", calls)
	}
}

// TestPolicySubjectMismatch: a store answering with another user's row must
// never authorize the principal.
func TestPolicySubjectMismatch(t *testing.T) {
	t.Parallel()
	store := &nvrtest.PolicyStore{
		OnCameraAccess: func(_ context.Context, p nvr.Principal, id nvr.CameraID, _ time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			other := nvr.User{ID: testUserID + 1, HouseholdID: householdA, Role: nvr.RoleOwner}
			return nvr.Subject{Principal: p, User: other, CredentialValid: true},
				nvr.CameraFacts{Camera: nvr.Camera{ID: id, HouseholdID: householdA}, Exists: true}, nil
		},
	}
	pol := nvr.NewPolicy(store, policyClock, nil)
	_, err := pol.Camera(context.Background(), sessionPrincipal(), nvr.ActionViewCamera, testCamID)
	wantUnauthorized(t, err, nil)
}

// visibleWorld is a tiny in-memory household for VisibleCameras.
type visibleWorld struct {
	cameras  []nvr.Camera
	assigned map[nvr.UserID][]nvr.CameraID
}

func newVisibleWorld() *visibleWorld {
	cam := func(id string, h nvr.HouseholdID, name string) nvr.Camera {
		return nvr.Camera{ID: nvr.CameraID(strings.Repeat(id, 32)), HouseholdID: h, Name: name}
	}
	return &visibleWorld{
		cameras: []nvr.Camera{
			cam("1", householdA, "attic"), cam("2", householdA, "back door"), cam("3", householdA, "front"),
			cam("4", householdB, "neighbour porch"),
		},
		assigned: map[nvr.UserID][]nvr.CameraID{testUserID: {nvr.CameraID(strings.Repeat("1", 32)), nvr.CameraID(strings.Repeat("3", 32))}},
	}
}

func (w *visibleWorld) householdCameras(_ context.Context, h nvr.HouseholdID, assignedTo nvr.UserID) ([]nvr.Camera, error) {
	var out []nvr.Camera
	for _, c := range w.cameras {
		if c.HouseholdID != h {
			continue
		}
		if assignedTo != 0 && !slices.Contains(w.assigned[assignedTo], c.ID) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func TestPolicyVisibleCameras(t *testing.T) {
	t.Parallel()
	ids := func(s ...string) []nvr.CameraID {
		var out []nvr.CameraID
		for _, x := range s {
			out = append(out, nvr.CameraID(strings.Repeat(x, 32)))
		}
		return out
	}
	roles := map[roleKind]nvr.User{}
	for _, rc := range roleCases() {
		roles[rc.kind] = rc.user
	}
	cases := []struct {
		name        string
		kind        roleKind
		scope       nvr.TokenScope
		action      nvr.Action
		want        []nvr.CameraID
		wantAssign  nvr.UserID // assignedTo the store should be asked for
		wantNoStore bool       // HouseholdCameras must not be called
	}{
		{"member sees household", kindMember, nvr.ScopeAll, nvr.ActionViewCamera, ids("1", "2", "3"), 0, false},
		{"member may trigger household", kindMember, nvr.ScopeAll, nvr.ActionTriggerEvent, ids("1", "2", "3"), 0, false},
		{"member manages nothing", kindMember, nvr.ScopeAll, nvr.ActionManageCamera, nil, 0, false},
		{"owner manages household", kindOwner, nvr.ScopeAll, nvr.ActionManageCamera, ids("1", "2", "3"), 0, false},
		{"viewer sees assigned only", kindViewerAssigned, nvr.ScopeAll, nvr.ActionViewCamera, ids("1", "3"), testUserID, false},
		{"viewer triggers nothing", kindViewerAssigned, nvr.ScopeAll, nvr.ActionTriggerEvent, nil, testUserID, false},
		{"viewer trigger token sees assigned", kindViewerAssigned, nvr.ScopeTrigger, nvr.ActionViewCamera, ids("1", "3"), testUserID, false},
		{"view token cannot trigger", kindMember, nvr.ScopeView, nvr.ActionTriggerEvent, nil, 0, true},
		{"trigger token triggers", kindMember, nvr.ScopeTrigger, nvr.ActionTriggerEvent, ids("1", "2", "3"), 0, false},
		{"view token cannot manage", kindOwner, nvr.ScopeView, nvr.ActionManageCamera, nil, 0, true},
		{"owner's mqtt token manages household", kindOwner, nvr.ScopeMQTT, nvr.ActionManageCamera, ids("1", "2", "3"), 0, false},
		{"mqtt token cannot delete events", kindOwner, nvr.ScopeMQTT, nvr.ActionDeleteEvents, nil, 0, true},
		{"mqtt token cannot pin events", kindMember, nvr.ScopeMQTT, nvr.ActionPinEvents, nil, 0, true},
		{"viewer's mqtt token manages nothing", kindViewerAssigned, nvr.ScopeMQTT, nvr.ActionManageCamera, nil, testUserID, false},
		{"admin without household sees none", kindAdminNoHousehold, nvr.ScopeAll, nvr.ActionViewCamera, nil, 0, true},
		{"admin without household triggers none", kindAdminNoHousehold, nvr.ScopeAll, nvr.ActionTriggerEvent, nil, 0, true},
		{"admin member sees own household only", kindAdminMember, nvr.ScopeAll, nvr.ActionViewCamera, ids("1", "2", "3"), 0, false},
		{"admin member manages own household", kindAdminMember, nvr.ScopeAll, nvr.ActionManageCamera, ids("1", "2", "3"), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newVisibleWorld()
			u := roles[tc.kind]
			p := nvr.Principal{UserID: u.ID, Kind: nvr.CredentialToken, CredentialID: testCredID, Scope: tc.scope}
			storeCalls := 0
			store := &nvrtest.PolicyStore{
				OnSubject: func(_ context.Context, gotP nvr.Principal, _ time.Time) (nvr.Subject, error) {
					return nvr.Subject{Principal: gotP, User: u, CredentialValid: true}, nil
				},
				OnHouseholdCameras: func(ctx context.Context, h nvr.HouseholdID, assignedTo nvr.UserID) ([]nvr.Camera, error) {
					storeCalls++
					if h != u.HouseholdID || assignedTo != tc.wantAssign {
						t.Errorf("HouseholdCameras(%d, %d), want (%d, %d)", h, assignedTo, u.HouseholdID, tc.wantAssign)
					}
					return w.householdCameras(ctx, h, assignedTo)
				},
			}
			pol := nvr.NewPolicy(store, policyClock, nil)
			grants, err := pol.VisibleCameras(context.Background(), p, tc.action)
			if err != nil {
				t.Fatalf("VisibleCameras = %v", err)
			}
			var got []nvr.CameraID
			for _, g := range grants {
				got = append(got, g.CameraID())
				if err := g.Require(tc.action); err != nil || g.User().ID != u.ID || g.Principal() != p {
					t.Fatalf("grant %q: Require = %v, user %d, principal %+v", g.CameraID(), err, g.User().ID, g.Principal())
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("visible = %q, want %q", got, tc.want)
			}
			if tc.wantNoStore && storeCalls != 0 {
				t.Fatalf("HouseholdCameras called %d times, want none", storeCalls)
			}
		})
	}

	t.Run("media and non-camera actions are refused", func(t *testing.T) {
		t.Parallel()
		pol := nvr.NewPolicy(&nvrtest.PolicyStore{}, policyClock, nil)
		for _, a := range []nvr.Action{nvr.ActionViewLive, nvr.ActionViewRecordings, nvr.ActionManageHousehold, nvr.ActionAdminister, 0, 99} {
			grants, err := pol.VisibleCameras(context.Background(), sessionPrincipal(), a)
			wantNotFound(t, err)
			if len(grants) != 0 {
				t.Fatalf("VisibleCameras(%v) returned %d grants", a, len(grants))
			}
		}
	})

	t.Run("disabled user", func(t *testing.T) {
		t.Parallel()
		store := &nvrtest.PolicyStore{
			OnSubject: func(_ context.Context, p nvr.Principal, _ time.Time) (nvr.Subject, error) {
				return nvr.Subject{Principal: p, User: nvr.User{ID: testUserID, HouseholdID: householdA, Role: nvr.RoleMember, Disabled: true}, CredentialValid: true}, nil
			},
		}
		pol := nvr.NewPolicy(store, policyClock, nil)
		grants, err := pol.VisibleCameras(context.Background(), sessionPrincipal(), nvr.ActionViewCamera)
		wantUnauthorized(t, err, nil)
		if len(grants) != 0 {
			t.Fatalf("%d grants for a disabled user", len(grants))
		}
	})
}

// recheckState is the mutable database state a Recheck reads.
type recheckState struct {
	mu               sync.Mutex
	role             nvr.Role
	assigned         bool
	disabled         bool
	credentialValid  bool
	cameraExists     bool
	cameraHousehold  nvr.HouseholdID
	userHousehold    nvr.HouseholdID
	cameraAccessErrs error
}

func (s *recheckState) store() *nvrtest.PolicyStore {
	return &nvrtest.PolicyStore{
		OnCameraAccess: func(_ context.Context, p nvr.Principal, id nvr.CameraID, _ time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.cameraAccessErrs != nil {
				return nvr.Subject{}, nvr.CameraFacts{}, s.cameraAccessErrs
			}
			u := nvr.User{ID: testUserID, HouseholdID: s.userHousehold, Role: s.role, Disabled: s.disabled}
			subj := nvr.Subject{Principal: p, User: u, CredentialValid: s.credentialValid}
			if !s.cameraExists {
				return subj, nvr.CameraFacts{}, nil
			}
			return subj, nvr.CameraFacts{Camera: nvr.Camera{ID: id, HouseholdID: s.cameraHousehold}, Exists: true, Assigned: s.assigned}, nil
		},
		OnAppendAudit: func(context.Context, nvr.AuditEntry) error { return nil },
	}
}

func TestPolicyRecheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		role   nvr.Role
		change func(*recheckState)
		want   nvr.Kind // when !ok: KindNotFound or KindUnauthorized
		ok     bool
	}{
		{"unchanged member", nvr.RoleMember, func(*recheckState) {}, 0, true},
		{"unchanged viewer", nvr.RoleViewer, func(*recheckState) {}, 0, true},
		{"camera moved to another household", nvr.RoleMember, func(s *recheckState) { s.cameraHousehold = householdB }, nvr.KindNotFound, false},
		{"camera and user moved together", nvr.RoleMember, func(s *recheckState) { s.cameraHousehold, s.userHousehold = householdB, householdB }, nvr.KindNotFound, false},
		{"user disabled", nvr.RoleMember, func(s *recheckState) { s.disabled = true }, nvr.KindUnauthorized, false},
		{"session ended", nvr.RoleMember, func(s *recheckState) { s.credentialValid = false }, nvr.KindUnauthorized, false},
		{"camera deleted", nvr.RoleMember, func(s *recheckState) { s.cameraExists = false }, nvr.KindNotFound, false},
		{"member demoted to viewer", nvr.RoleMember, func(s *recheckState) { s.role, s.assigned = nvr.RoleViewer, false }, nvr.KindNotFound, false},
		{"viewer unassigned", nvr.RoleViewer, func(s *recheckState) { s.assigned = false }, nvr.KindNotFound, false},
		{"user left the household", nvr.RoleMember, func(s *recheckState) { s.userHousehold = householdB }, nvr.KindNotFound, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &recheckState{role: tc.role, assigned: true, credentialValid: true, cameraExists: true,
				cameraHousehold: householdA, userHousehold: householdA}
			pol := nvr.NewPolicy(st.store(), policyClock, nil)
			ctx := context.Background()
			g, err := pol.Camera(ctx, sessionPrincipal(), nvr.ActionViewLive, testCamID)
			if err != nil {
				t.Fatalf("Camera = %v", err)
			}
			st.mu.Lock()
			tc.change(st)
			st.mu.Unlock()
			err = pol.Recheck(ctx, g)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("Recheck = %v, want nil", err)
			case !tc.ok && tc.want == nvr.KindNotFound:
				wantNotFound(t, err)
			case !tc.ok:
				wantUnauthorized(t, err, nil)
			}
		})
	}

	t.Run("zero grant", func(t *testing.T) {
		t.Parallel()
		pol := nvr.NewPolicy(&nvrtest.PolicyStore{}, policyClock, nil)
		wantNotFound(t, pol.Recheck(context.Background(), nvr.CameraGrant{}))
	})

	t.Run("store error", func(t *testing.T) {
		t.Parallel()
		st := &recheckState{role: nvr.RoleMember, credentialValid: true, cameraExists: true,
			cameraHousehold: householdA, userHousehold: householdA}
		pol := nvr.NewPolicy(st.store(), policyClock, nil)
		g, err := pol.Camera(context.Background(), sessionPrincipal(), nvr.ActionViewCamera, testCamID)
		if err != nil {
			t.Fatal(err)
		}
		st.mu.Lock()
		st.cameraAccessErrs = errors.New("io error")
		st.mu.Unlock()
		if err := pol.Recheck(context.Background(), g); err == nil {
			t.Fatal("Recheck = nil despite a store error")
		}
	})
}

func TestCameraGrantRequire(t *testing.T) {
	t.Parallel()
	t.Run("zero grant", func(t *testing.T) {
		t.Parallel()
		var g nvr.CameraGrant
		wantNotFound(t, g.Require())
		wantNotFound(t, g.Require(nvr.Actions()...))
		for _, a := range append(nvr.Actions(), 0) {
			wantNotFound(t, g.Require(a))
		}
		if g.CameraID() != "" || g.Action() != 0 {
			t.Fatalf("zero grant names camera %q action %v", g.CameraID(), g.Action())
		}
	})
	t.Run("weaker grant", func(t *testing.T) {
		t.Parallel()
		pol := nvr.NewPolicy(memberStore(func(context.Context, nvr.AuditEntry) error { return nil }), policyClock, nil)
		g, err := pol.Camera(context.Background(), sessionPrincipal(), nvr.ActionViewCamera, testCamID)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			actions []nvr.Action
			ok      bool
		}{
			{[]nvr.Action{nvr.ActionViewCamera}, true},
			{[]nvr.Action{nvr.ActionViewLive}, false},
			{[]nvr.Action{nvr.ActionViewRecordings}, false},
			{[]nvr.Action{nvr.ActionManageCamera}, false},
			{[]nvr.Action{nvr.ActionViewLive, nvr.ActionViewRecordings}, false},
			{[]nvr.Action{nvr.ActionViewLive, nvr.ActionViewCamera}, true},
			{nil, false},
		}
		for _, tc := range cases {
			err := g.Require(tc.actions...)
			if (err == nil) != tc.ok {
				t.Errorf("Require(%v) = %v, want ok=%v", tc.actions, err, tc.ok)
			}
			if err != nil {
				wantNotFound(t, err)
			}
		}
	})
	t.Run("other zero grants", func(t *testing.T) {
		t.Parallel()
		if (nvr.HouseholdGrant{}).Valid() || (nvr.AdminGrant{}).Valid() || (nvr.UserGrant{}).Valid() {
			t.Fatal("a zero grant reports Valid")
		}
	})
}

func TestPolicySelf(t *testing.T) {
	t.Parallel()
	for _, us := range userStates {
		t.Run(us.name, func(t *testing.T) {
			t.Parallel()
			p := sessionPrincipal()
			u := nvr.User{ID: testUserID, HouseholdID: householdA, Role: nvr.RoleViewer}
			store := &nvrtest.PolicyStore{OnSubject: func(context.Context, nvr.Principal, time.Time) (nvr.Subject, error) {
				return subjectFor(p, u, us.state), nil
			}}
			g, err := nvr.NewPolicy(store, policyClock, nil).Self(context.Background(), p)
			if us.state != stateEnabled {
				wantUnauthorized(t, err, nil)
				if g.Valid() {
					t.Fatal("valid grant with an error")
				}
				return
			}
			if err != nil || !g.Valid() || g.User().ID != testUserID || g.Principal() != p {
				t.Fatalf("Self = %v, valid %v, user %d", err, g.Valid(), g.User().ID)
			}
		})
	}
}

// TestPolicyConcurrent runs decisions from many goroutines (meaningful under -race).
func TestPolicyConcurrent(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var audits int
	pol := nvr.NewPolicy(memberStore(func(context.Context, nvr.AuditEntry) error {
		mu.Lock()
		audits++
		mu.Unlock()
		return nil
	}), policyClock, nil)
	var wg sync.WaitGroup
	const workers, perWorker = 8, 50
	for range workers {
		wg.Go(func() {
			for range perWorker {
				if _, err := pol.Camera(context.Background(), sessionPrincipal(), nvr.ActionViewLive, testCamID); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if audits != workers*perWorker {
		t.Fatalf("%d audit rows for %d media grants", audits, workers*perWorker)
	}
}

func TestActionAndPrincipalNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, a := range nvr.Actions() {
		s := a.String()
		if s == "unknown" || seen[s] {
			t.Errorf("action %d has name %q (duplicate or unknown)", a, s)
		}
		seen[s] = true
		if got, want := a.IsMedia(), isMedia(a); got != want {
			t.Errorf("%v.IsMedia() = %v, want %v", a, got, want)
		}
	}
	if got := nvr.Action(0).String(); got != "unknown" {
		t.Errorf("Action(0) = %q", got)
	}
	cases := []struct {
		p    nvr.Principal
		want string
	}{
		{nvr.Principal{Kind: nvr.CredentialSession, CredentialID: 12}, "session:12"},
		{nvr.Principal{Kind: nvr.CredentialToken, CredentialID: 3}, "token:3"},
		{nvr.Principal{}, "anonymous"},
	}
	for _, tc := range cases {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}
