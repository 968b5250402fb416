package nvrtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// PolicyStore is an nvr.PolicyStore whose behaviour each test sets through
// function fields. A method whose field is nil reports ErrUnexpectedCall.
//
// It is for tests that need a double: facts the database would not give
// (another user's row, a credential valid while its user is not), store
// failures, counts of the policy's reads and audit writes, and the
// policy's decision tables fed fact by fact. A test that needs none of
// these uses a real database (db/dbtest), as TestPolicyReadsOnEveryDecision
// does.
type PolicyStore struct {
	OnSubject          func(ctx context.Context, p nvr.Principal, now time.Time) (nvr.Subject, error)
	OnCameraAccess     func(ctx context.Context, p nvr.Principal, id nvr.CameraID, now time.Time) (nvr.Subject, nvr.CameraFacts, error)
	OnHouseholdCameras func(ctx context.Context, h nvr.HouseholdID, assignedTo nvr.UserID) ([]nvr.Camera, error)
	OnAppendAudit      func(ctx context.Context, e nvr.AuditEntry) error
}

var _ nvr.PolicyStore = (*PolicyStore)(nil)

// ErrUnexpectedCall answers a call the test did not set up.
var ErrUnexpectedCall = errors.New("fake store: unexpected call")

// Subject implements nvr.PolicyStore.
func (f *PolicyStore) Subject(ctx context.Context, p nvr.Principal, now time.Time) (nvr.Subject, error) {
	if f.OnSubject == nil {
		return nvr.Subject{}, fmt.Errorf("Subject: %w", ErrUnexpectedCall)
	}
	return f.OnSubject(ctx, p, now)
}

// CameraAccess implements nvr.PolicyStore.
func (f *PolicyStore) CameraAccess(ctx context.Context, p nvr.Principal, id nvr.CameraID, now time.Time) (nvr.Subject, nvr.CameraFacts, error) {
	if f.OnCameraAccess == nil {
		return nvr.Subject{}, nvr.CameraFacts{}, fmt.Errorf("CameraAccess: %w", ErrUnexpectedCall)
	}
	return f.OnCameraAccess(ctx, p, id, now)
}

// HouseholdCameras implements nvr.PolicyStore.
func (f *PolicyStore) HouseholdCameras(ctx context.Context, h nvr.HouseholdID, assignedTo nvr.UserID) ([]nvr.Camera, error) {
	if f.OnHouseholdCameras == nil {
		return nil, fmt.Errorf("HouseholdCameras: %w", ErrUnexpectedCall)
	}
	return f.OnHouseholdCameras(ctx, h, assignedTo)
}

// AppendAudit implements nvr.PolicyStore.
func (f *PolicyStore) AppendAudit(ctx context.Context, e nvr.AuditEntry) error {
	if f.OnAppendAudit == nil {
		return fmt.Errorf("AppendAudit: %w", ErrUnexpectedCall)
	}
	return f.OnAppendAudit(ctx, e)
}
