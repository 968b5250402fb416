package nvr_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// TestPolicyShutter checks every role × action × credential on a camera of
// the user's household whose shutter is open, closed by hand, closed by its
// schedule (at the policy's clock) or scheduled but outside its window:
// while closed no media action is granted to anyone, owners included, and
// everything else is decided as if the shutter were open (the camera stays
// listed; members can open it again).
func TestPolicyShutter(t *testing.T) {
	t.Parallel()
	// policyNow is 12:00 UTC.
	shutters := []struct {
		name   string
		sh     nvr.Shutter
		closed bool
	}{
		{"open", nvr.Shutter{}, false},
		{"closed-by-hand", nvr.Shutter{Closed: true}, true},
		{"closed-by-hand-keep-recording", nvr.Shutter{Closed: true, KeepRecording: true}, true},
		{"scheduled-now", nvr.Shutter{Schedule: nvr.DailyWindow{Start: 7 * 60, End: 22 * 60}}, true},
		{"scheduled-wrapping-now", nvr.Shutter{Schedule: nvr.DailyWindow{Start: 11 * 60, End: 1 * 60}}, true},
		{"scheduled-later", nvr.Shutter{Schedule: nvr.DailyWindow{Start: 22 * 60, End: 7 * 60}}, false},
		{"scheduled-ended-at-noon", nvr.Shutter{Schedule: nvr.DailyWindow{Start: 7 * 60, End: 12 * 60}}, false},
	}
	ctx := context.Background()
	checked := 0
	for _, sc := range shutters {
		for _, rc := range roleCases() {
			for _, cc := range credCases {
				for _, a := range nvr.Actions() {
					if !isCameraAction(a) {
						continue
					}
					name := strings.Join([]string{sc.name, rc.name, cc.name, a.String()}, "/")
					t.Run(name, func(t *testing.T) {
						checked++
						p := nvr.Principal{UserID: testUserID, Kind: cc.kind, CredentialID: testCredID, Scope: cc.scope}
						cam := nvr.Camera{ID: testCamID, HouseholdID: householdA, Name: "porch", Enabled: true, Shutter: sc.sh}
						store := &nvrtest.PolicyStore{
							OnCameraAccess: func(context.Context, nvr.Principal, nvr.CameraID, time.Time) (nvr.Subject, nvr.CameraFacts, error) {
								return nvr.Subject{Principal: p, User: rc.user, CredentialValid: true},
									nvr.CameraFacts{Camera: cam, Exists: true, Assigned: rc.assigned}, nil
							},
							OnAppendAudit: func(context.Context, nvr.AuditEntry) error { return nil },
						}
						pol := nvr.NewPolicy(store, policyClock, nil)
						want := specAllows(rc.kind, true, a, cc.scope) && !(sc.closed && isMedia(a))
						g, err := pol.Camera(ctx, p, a, testCamID)
						if want {
							if err != nil {
								t.Fatalf("Camera = %v, want a grant", err)
							}
							if g.CameraID() != testCamID {
								t.Fatalf("grant for %q", g.CameraID())
							}
							return
						}
						wantNotFound(t, err)
					})
				}
			}
		}
	}
	t.Logf("checked %d shutter × role × credential × action combinations", checked)
}

// TestPolicyShutterSwitchRoles pins who may switch the shutter, on its own,
// so the rule reads at a glance.
func TestPolicyShutterSwitchRoles(t *testing.T) {
	t.Parallel()
	want := map[roleKind]bool{kindOwner: true, kindMember: true, kindAdminMember: true}
	for _, rc := range roleCases() {
		for _, cc := range credCases {
			t.Run(rc.name+"/"+cc.name, func(t *testing.T) {
				got := specAllows(rc.kind, true, nvr.ActionSwitchShutter, cc.scope)
				if w := want[rc.kind] && (cc.scope == nvr.ScopeAll || cc.scope == nvr.ScopeMQTT); got != w {
					t.Fatalf("spec says %v, want %v", got, w)
				}
				if specAllows(rc.kind, false, nvr.ActionSwitchShutter, cc.scope) {
					t.Fatal("another household's camera may be switched")
				}
			})
		}
	}
}

// TestPolicyShutterRecheck: a live grant taken while the shutter was open
// fails its recheck once the schedule's window begins (the clock moves,
// nothing is written), and passes again once it ends.
func TestPolicyShutterRecheck(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 6, 59, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); defer mu.Unlock(); now = t }
	u := nvr.User{ID: testUserID, Name: "pat", HouseholdID: householdA, Role: nvr.RoleOwner}
	cam := nvr.Camera{ID: testCamID, HouseholdID: householdA, Name: "porch",
		Shutter: nvr.Shutter{Schedule: nvr.DailyWindow{Start: 7 * 60, End: 22 * 60}}}
	store := &nvrtest.PolicyStore{
		OnCameraAccess: func(_ context.Context, p nvr.Principal, _ nvr.CameraID, _ time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			return nvr.Subject{Principal: p, User: u, CredentialValid: true}, nvr.CameraFacts{Camera: cam, Exists: true}, nil
		},
		OnAppendAudit: func(context.Context, nvr.AuditEntry) error { return nil },
	}
	pol := nvr.NewPolicy(store, clock, nil)
	ctx := context.Background()
	g, err := pol.Camera(ctx, sessionPrincipal(), nvr.ActionViewLive, testCamID)
	if err != nil {
		t.Fatal(err)
	}
	if err := pol.Recheck(ctx, g); err != nil {
		t.Fatalf("recheck before the window: %v", err)
	}
	set(time.Date(2025, 3, 1, 7, 0, 0, 0, time.UTC))
	wantNotFound(t, pol.Recheck(ctx, g))
	set(time.Date(2025, 3, 1, 22, 0, 0, 0, time.UTC))
	if err := pol.Recheck(ctx, g); err != nil {
		t.Fatalf("recheck after the window: %v", err)
	}
}

func TestDailyWindow(t *testing.T) {
	t.Parallel()
	at := func(h, m int) time.Time { return time.Date(2025, 3, 1, h, m, 0, 0, time.UTC) }
	cases := []struct {
		in      string
		wantErr bool
		str     string
		inside  []time.Time
		outside []time.Time
	}{
		{in: "07:00-22:00", str: "07:00-22:00", inside: []time.Time{at(7, 0), at(21, 59)}, outside: []time.Time{at(6, 59), at(22, 0)}},
		{in: "22:30-6:15", str: "22:30-06:15", inside: []time.Time{at(22, 30), at(0, 0), at(6, 14)}, outside: []time.Time{at(6, 15), at(22, 29)}},
		{in: "", str: "", outside: []time.Time{at(0, 0), at(12, 0)}},
		{in: "off", str: "", outside: []time.Time{at(0, 0)}},
		{in: "07:00-07:00", wantErr: true},
		{in: "00:00-00:00", wantErr: true},
		{in: "7-22", wantErr: true},
		{in: "24:00-01:00", wantErr: true},
		{in: "07:60-08:00", wantErr: true},
		{in: "07:00", wantErr: true},
		{in: "-1:00-02:00", wantErr: true},
		{in: "07:00-22:00-23:00", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			w, err := nvr.ParseDailyWindow(tc.in)
			if tc.wantErr {
				if err == nil || nvr.ErrorKind(err) != nvr.KindInvalid {
					t.Fatalf("ParseDailyWindow(%q) = %v, %v; want KindInvalid", tc.in, w, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.String() != tc.str || w.Validate() != nil {
				t.Fatalf("String = %q (want %q), Validate = %v", w.String(), tc.str, w.Validate())
			}
			for _, in := range tc.inside {
				if !w.Contains(in) {
					t.Errorf("%v does not contain %v", w, in.Format("15:04"))
				}
			}
			for _, out := range tc.outside {
				if w.Contains(out) {
					t.Errorf("%v contains %v", w, out.Format("15:04"))
				}
			}
		})
	}
	if err := (nvr.DailyWindow{Start: 5, End: 5}).Validate(); err == nil {
		t.Error("Start == End validates")
	}
	if err := (nvr.DailyWindow{Start: 0, End: nvr.MinutesPerDay}).Validate(); err == nil {
		t.Error("End of 1440 validates")
	}
}
