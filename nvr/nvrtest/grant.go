package nvrtest

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// ownerID is the user the minted grants are for: the owner of the
// camera's household, who may do every camera action.
const ownerID nvr.UserID = 1

// CameraGrant asks a real nvr.Policy for action a on cam, with a store
// that makes the principal the owner of cam's household (household 1 when
// cam has none), so a subpackage's test holds a grant the policy minted
// instead of building one (only nvr can). Audit rows are dropped.
func CameraGrant(t testing.TB, cam nvr.Camera, a nvr.Action) nvr.CameraGrant {
	t.Helper()
	if cam.HouseholdID == 0 {
		cam.HouseholdID = 1
	}
	store := &PolicyStore{
		OnCameraAccess: func(_ context.Context, p nvr.Principal, id nvr.CameraID, _ time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			u := nvr.User{ID: ownerID, Name: "owner", HouseholdID: cam.HouseholdID, Role: nvr.RoleOwner}
			return nvr.Subject{Principal: p, User: u, CredentialValid: true},
				nvr.CameraFacts{Camera: cam, Exists: id == cam.ID}, nil
		},
		OnAppendAudit: func(context.Context, nvr.AuditEntry) error { return nil },
	}
	pol := nvr.NewPolicy(store, time.Now, nil)
	p := nvr.Principal{UserID: ownerID, Kind: nvr.CredentialSession, CredentialID: 1, Scope: nvr.ScopeAll}
	g, err := pol.Camera(context.Background(), p, a, cam.ID)
	if err != nil {
		t.Fatalf("policy refused the test's grant for camera %s: %v", cam.ID, err)
	}
	return g
}
