package nvr_test

import (
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

func TestDecideOffsite(t *testing.T) {
	subj := func(u nvr.User, scope nvr.TokenScope) nvr.Subject {
		return nvr.Subject{Principal: nvr.Principal{UserID: u.ID, Kind: nvr.CredentialSession, CredentialID: 1, Scope: scope},
			User: u, CredentialValid: true}
	}
	owner := nvr.User{ID: 1, HouseholdID: 1, Role: nvr.RoleOwner}
	cases := []struct {
		name string
		s    nvr.Subject
		h    nvr.HouseholdID
		want bool
	}{
		{"owner of the household", subj(owner, nvr.ScopeAll), 1, true},
		{"owner of another household", subj(owner, nvr.ScopeAll), 2, false},
		{"owner with a view token", subj(owner, nvr.ScopeView), 1, false},
		{"owner with a trigger token", subj(owner, nvr.ScopeTrigger), 1, false},
		{"member", subj(nvr.User{ID: 2, HouseholdID: 1, Role: nvr.RoleMember}, nvr.ScopeAll), 1, false},
		{"viewer", subj(nvr.User{ID: 3, HouseholdID: 1, Role: nvr.RoleViewer}, nvr.ScopeAll), 1, false},
		{"appliance admin without a household", subj(nvr.User{ID: 4, Admin: true}, nvr.ScopeAll), 1, false},
		{"appliance admin who owns the household", subj(nvr.User{ID: 5, HouseholdID: 1, Role: nvr.RoleOwner, Admin: true}, nvr.ScopeAll), 1, true},
		{"disabled owner", subj(nvr.User{ID: 6, HouseholdID: 1, Role: nvr.RoleOwner, Disabled: true}, nvr.ScopeAll), 1, false},
		{"expired credential", func() nvr.Subject { s := subj(owner, nvr.ScopeAll); s.CredentialValid = false; return s }(), 1, false},
		{"no household", subj(owner, nvr.ScopeAll), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := nvr.DecideOffsite(tc.s, tc.h); got != tc.want {
				t.Errorf("decideOffsite = %v, want %v", got, tc.want)
			}
		})
	}
}
