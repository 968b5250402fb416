package nvr_test

import (
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// TestPolicyPTZRoles pins who may move a camera, on its own, so the rule
// reads at a glance: the household's owners and members with a session or
// an all-scope token; never a viewer (assigned or not), the appliance
// admin of another household, or any camera of another household. Both
// the written spec and the decision function agree.
func TestPolicyPTZRoles(t *testing.T) {
	t.Parallel()
	want := map[roleKind]bool{kindOwner: true, kindMember: true, kindAdminMember: true}
	for _, rc := range roleCases() {
		for _, cc := range credCases {
			for _, same := range []bool{true, false} {
				name := rc.name + "/" + cc.name + "/same-household"
				if !same {
					name = rc.name + "/" + cc.name + "/other-household"
				}
				t.Run(name, func(t *testing.T) {
					w := want[rc.kind] && cc.scope == nvr.ScopeAll && same
					if got := specAllows(rc.kind, same, nvr.ActionControlPTZ, cc.scope); got != w {
						t.Fatalf("spec says %v, want %v", got, w)
					}
					p := nvr.Principal{UserID: testUserID, Kind: cc.kind, CredentialID: testCredID, Scope: cc.scope}
					home := householdA
					if !same {
						home = householdB
					}
					facts := nvr.CameraFacts{Camera: nvr.Camera{ID: testCamID, HouseholdID: home}, Exists: true, Assigned: rc.assigned}
					if got := nvr.DecideCamera(subjectFor(p, rc.user, stateEnabled), facts, nvr.ActionControlPTZ); got != w {
						t.Fatalf("decideCamera says %v, want %v", got, w)
					}
				})
			}
		}
	}
}
