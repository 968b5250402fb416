package nvr_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// recordingAppender keeps the rows written to it. Safe for concurrent use.
type recordingAppender struct {
	mu   sync.Mutex
	rows []nvr.AuditEntry
}

var _ nvr.AuditAppender = (*recordingAppender)(nil)

func (r *recordingAppender) AppendAudit(_ context.Context, e nvr.AuditEntry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, e)
	return nil
}

func (r *recordingAppender) written() []nvr.AuditEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]nvr.AuditEntry(nil), r.rows...)
}

func TestAuditQueueCountsDropsAndDrainsOnStop(t *testing.T) {
	store := &recordingAppender{}
	q := nvr.NewAuditQueue(store, 2, nil)
	for i := range 5 {
		queued := q.Enqueue(nvr.AuditEntry{Action: "view", Detail: string(rune('a' + i))})
		if want := i < 2; queued != want {
			t.Fatalf("Enqueue #%d = %v, want %v", i, queued, want)
		}
	}
	if q.Dropped() != 3 || q.Pending() != 2 || len(store.written()) != 0 {
		t.Fatalf("dropped %d, pending %d, written %d; want 3, 2, 0 (nothing written before Run)",
			q.Dropped(), q.Pending(), len(store.written()))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	rows := store.written()
	if len(rows) != 2 || rows[0].Detail != "a" || rows[1].Detail != "b" || q.Pending() != 0 {
		t.Fatalf("after a stopped Run: written %+v, pending %d; want rows a, b and 0 pending", rows, q.Pending())
	}
}

func TestAuditQueueRunWritesUntilItsContextEnds(t *testing.T) {
	store := &recordingAppender{}
	q := nvr.NewAuditQueue(store, 0, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return within 10 s of its context ending")
		}
	}()
	for range 10 {
		q.Enqueue(nvr.AuditEntry{Action: "view"})
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(store.written()) != 10 || q.Pending() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("written %d of 10 rows, %d pending, after 10 s", len(store.written()), q.Pending())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAuditQueueDrainStopsAtItsContext(t *testing.T) {
	store := &recordingAppender{}
	q := nvr.NewAuditQueue(store, 4, nil)
	q.Enqueue(nvr.AuditEntry{Action: "view"})
	q.Enqueue(nvr.AuditEntry{Action: "view"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q.Drain(ctx) // a stuck database at shutdown: what is left is counted, not written
	if len(store.written()) != 0 || q.Dropped() != 2 || q.Pending() != 0 {
		t.Fatalf("written %d, dropped %d, pending %d; want 0, 2, 0", len(store.written()), q.Dropped(), q.Pending())
	}
}

// A denial is queued, not written before the answer: the write's time
// told a foreign camera from a missing one (issue 14, finding 10). The
// policy store stays a double: the test counts the audit writes made on
// the request path.
func TestPolicyQueuesDenialAuditOffTheRequestPath(t *testing.T) {
	p := nvr.Principal{UserID: 1, Kind: nvr.CredentialSession, CredentialID: testCredID, Scope: nvr.ScopeAll}
	subj := nvr.Subject{Principal: p, CredentialValid: true,
		User: nvr.User{ID: 1, Name: "ana", HouseholdID: 1, Role: nvr.RoleOwner}}
	foreign := nvr.Camera{ID: testCamID, HouseholdID: 2, Name: "porch"}
	synchronous := 0
	store := &nvrtest.PolicyStore{
		OnCameraAccess: func(context.Context, nvr.Principal, nvr.CameraID, time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			return subj, nvr.CameraFacts{Camera: foreign, Exists: true}, nil
		},
		OnAppendAudit: func(context.Context, nvr.AuditEntry) error { synchronous++; return nil },
	}
	rows := &recordingAppender{}
	q := nvr.NewAuditQueue(rows, 0, nil)
	pol := nvr.NewPolicy(store, policyClock, nil, nvr.WithDenialQueue(q))
	_, err := pol.Camera(context.Background(), p, nvr.ActionViewCamera, testCamID)
	if !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("Camera = %v, want ErrNotFound", err)
	}
	if synchronous != 0 || q.Pending() != 1 {
		t.Fatalf("%d rows written on the request path, %d queued; want 0 and 1", synchronous, q.Pending())
	}
	q.Drain(context.Background())
	got := rows.written()
	if len(got) != 1 || got[0].Result != "denied" || got[0].CameraID != testCamID || got[0].UserID != 1 {
		t.Fatalf("drained rows %+v, want one denied row for user 1 on %s", got, testCamID)
	}
}
