package nvr

import "testing"

// TestDirectoryDecisions is the table of the household-administration
// decisions: whom an owner's household grant may change, which accounts
// and cameras it reaches, and who may be assigned a camera. They are the
// policy's (decide.go), so no handler and no directory method makes them.
func TestDirectoryDecisions(t *testing.T) {
	owner := User{ID: 1, HouseholdID: 10, Role: RoleOwner}
	grant := HouseholdGrant{household: 10, subject: Subject{
		Principal: Principal{UserID: 1, Kind: CredentialSession, Scope: ScopeAll}, User: owner, CredentialValid: true}}
	adminGrant := HouseholdGrant{household: 10, subject: Subject{
		Principal: Principal{UserID: 9, Kind: CredentialSession, Scope: ScopeAll}, User: User{ID: 9, Admin: true}, CredentialValid: true}}
	accounts := map[string]User{
		"member":            {ID: 2, HouseholdID: 10, Role: RoleMember},
		"viewer":            {ID: 3, HouseholdID: 10, Role: RoleViewer},
		"other owner":       {ID: 4, HouseholdID: 10, Role: RoleOwner},
		"the holder":        owner,
		"admin in the home": {ID: 5, HouseholdID: 10, Role: RoleMember, Admin: true},
		"foreign member":    {ID: 6, HouseholdID: 20, Role: RoleMember},
		"no household":      {ID: 7, Admin: true},
		"no such account":   {},
	}
	cases := []struct {
		account          string
		member, seen     bool // decideMember, decideHouseholdUser through grant
		adminMember      bool // decideMember through the admin's grant for the household
		assignHomeCamera assignment
	}{
		{"member", true, true, true, assignNotViewer},
		{"viewer", true, true, true, assignAllowed},
		{"other owner", true, true, true, assignNotViewer},
		{"the holder", false, true, true, assignNotViewer},
		{"admin in the home", false, true, false, assignNotViewer},
		{"foreign member", false, false, false, assignForeign},
		{"no household", false, false, false, assignForeign},
		{"no such account", false, false, false, assignForeign},
	}
	home := Camera{ID: "c1", HouseholdID: 10}
	for _, c := range cases {
		u := accounts[c.account]
		if got := decideMember(grant, u); got != c.member {
			t.Errorf("decideMember(owner, %s) = %v, want %v", c.account, got, c.member)
		}
		if got := decideHouseholdUser(grant, u); got != c.seen {
			t.Errorf("decideHouseholdUser(owner, %s) = %v, want %v", c.account, got, c.seen)
		}
		if got := decideMember(adminGrant, u); got != c.adminMember {
			t.Errorf("decideMember(admin, %s) = %v, want %v", c.account, got, c.adminMember)
		}
		if got := decideAssignment(u, home); got != c.assignHomeCamera {
			t.Errorf("decideAssignment(%s, home camera) = %v, want %v", c.account, got, c.assignHomeCamera)
		}
		if got := decideMember(HouseholdGrant{}, u); got {
			t.Errorf("a zero grant may change %s", c.account)
		}
	}
	for name, cam := range map[string]Camera{"foreign camera": {ID: "c2", HouseholdID: 20}, "no camera": {}} {
		if decideHouseholdCamera(grant, cam) {
			t.Errorf("decideHouseholdCamera(owner, %s) = true", name)
		}
		if decideAssignment(accounts["viewer"], cam) != assignForeign {
			t.Errorf("a viewer may be assigned a %s", name)
		}
	}
	if !decideHouseholdCamera(grant, home) || decideHouseholdCamera(HouseholdGrant{}, home) {
		t.Error("decideHouseholdCamera: the home camera through the grant, and nothing through a zero grant")
	}
	if g := new(Policy).LocalOperator(); !g.Valid() || g.Principal().String() != "cli" || g.User().ID != 0 {
		t.Errorf("LocalOperator = %+v", g)
	}
}
