package nvr_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// TestProbeAndDiscoverPolicy: probing an address (ONVIF, on the way to
// adding a camera) is for the people who add cameras, household owners
// and the appliance admin, with a session or an all-scope token; only the
// admin's probe may reach local addresses. A WS-Discovery scan sees every
// household's cameras and is the admin's alone. Every role × credential ×
// user state, through the decision functions and the Policy.
func TestProbeAndDiscoverPolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type want struct{ probe, local, discover bool }
	wants := map[string]want{
		"owner":                   {probe: true},
		"member":                  {},
		"viewer-assigned":         {},
		"viewer-unassigned":       {},
		"admin-no-household":      {probe: true, local: true, discover: true},
		"admin-member":            {probe: true, local: true, discover: true},
		"admin-viewer-unassigned": {probe: true, local: true, discover: true},
	}
	checked := 0
	for _, rc := range roleCases() {
		w, ok := wants[rc.name]
		if !ok {
			t.Fatalf("no expectation for role %s", rc.name)
		}
		for _, cc := range credCases {
			for _, us := range userStates {
				t.Run(rc.name+"/"+cc.name+"/"+us.name, func(t *testing.T) {
					checked++
					p := nvr.Principal{UserID: testUserID, Kind: cc.kind, CredentialID: testCredID, Scope: cc.scope}
					subj := subjectFor(p, rc.user, us.state)
					exp := w
					if cc.scope != nvr.ScopeAll || us.state != stateEnabled {
						exp = want{}
					}
					probe, local := nvr.DecideProbe(subj)
					if probe != exp.probe || local != exp.local {
						t.Errorf("decideProbe = %v, %v; want %v, %v", probe, local, exp.probe, exp.local)
					}
					if got := nvr.DecideDiscover(subj); got != exp.discover {
						t.Errorf("decideDiscover = %v, want %v", got, exp.discover)
					}
					store := &nvrtest.PolicyStore{OnSubject: func(context.Context, nvr.Principal, time.Time) (nvr.Subject, error) { return subj, nil }}
					pol := nvr.NewPolicy(store, policyClock, nil)
					g, err := pol.ProbeAddress(ctx, p)
					if exp.probe {
						if err != nil || !g.Valid() || g.LocalOK() != exp.local {
							t.Errorf("ProbeAddress = %+v, %v; want a grant, local %v", g, err, exp.local)
						}
					} else if err == nil || g.Valid() {
						t.Errorf("ProbeAddress granted")
					}
					dg, err := pol.Discover(ctx, p)
					if exp.discover != (err == nil && dg.Valid()) {
						t.Errorf("Discover = %v, %v; want granted %v", dg.Valid(), err, exp.discover)
					}
				})
			}
		}
	}
	if checked != len(roleCases())*len(credCases)*len(userStates) {
		t.Fatalf("checked %d cells", checked)
	}
	var zero nvr.ProbeGrant
	if zero.Valid() || zero.LocalOK() || (nvr.DiscoverGrant{}).Valid() {
		t.Error("a zero grant is valid")
	}
}
