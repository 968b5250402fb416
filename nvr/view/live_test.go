package view_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/view"
)

const (
	householdA nvr.HouseholdID = 1 // the viewers' household
	testUserID nvr.UserID      = 42
	testCredID int64           = 7
	testCamID  nvr.CameraID    = "0123456789abcdef0123456789abcdef"
)

var policyNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func policyClock() time.Time { return policyNow }

// liveWorld is a policy store for the session registry: members of
// household A (any user ID) on its cameras, until revoked; audit rows kept.
// A double, not a database: the tests make the store fail and count the
// rechecks it answered.
type liveWorld struct {
	revoked  atomic.Bool
	failing  atomic.Bool  // the database cannot answer
	answered atomic.Int64 // camera checks answered (not failed)
	mu       sync.Mutex
	audits   []nvr.AuditEntry
}

func (w *liveWorld) store() *nvrtest.PolicyStore {
	return &nvrtest.PolicyStore{
		OnCameraAccess: func(_ context.Context, p nvr.Principal, id nvr.CameraID, _ time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			if w.failing.Load() {
				return nvr.Subject{}, nvr.CameraFacts{}, errors.New("database is locked")
			}
			w.answered.Add(1)
			u := nvr.User{ID: p.UserID, Name: "pat", HouseholdID: householdA, Role: nvr.RoleMember}
			return nvr.Subject{Principal: p, User: u, CredentialValid: !w.revoked.Load()},
				nvr.CameraFacts{Camera: nvr.Camera{ID: id, HouseholdID: householdA}, Exists: true}, nil
		},
		OnAppendAudit: func(_ context.Context, e nvr.AuditEntry) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.audits = append(w.audits, e)
			return nil
		},
	}
}

// ended returns the details of the "ended" audit rows.
func (w *liveWorld) ended() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, e := range w.audits {
		if e.Result == "ended" {
			out = append(out, e.Detail)
		}
	}
	return out
}

func liveGrant(t *testing.T, pol *nvr.Policy, user nvr.UserID, cam nvr.CameraID) nvr.CameraGrant {
	t.Helper()
	p := nvr.Principal{UserID: user, Kind: nvr.CredentialSession, CredentialID: testCredID, Scope: nvr.ScopeAll}
	g, err := pol.Camera(context.Background(), p, nvr.ActionViewLive, cam)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLiveSessionsLimitsOverKinds: the limits count sessions of every kind
// together; an ended session frees its slot once; audit rows name the kind.
func TestLiveSessionsLimitsOverKinds(t *testing.T) {
	t.Parallel()
	w := &liveWorld{}
	pol := nvr.NewPolicy(w.store(), policyClock, nil)
	l := view.NewLiveSessions(pol, view.LiveConfig{MaxPerCamera: 3, MaxPerUser: 2, Now: policyClock})
	g := liveGrant(t, pol, testUserID, testCamID)
	if _, err := l.Admit(g, "whep", "main"); err != nil {
		t.Fatal(err)
	}
	mse, err := l.Admit(g, "mse", "sub")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Admit(g, "replay", "main"); nvr.ErrorKind(err) != nvr.KindUnavailable || !strings.Contains(nvr.ErrorMessage(err), "live sessions open") {
		t.Fatalf("third session of one user over two kinds: %v", err)
	}
	// Another user fills the camera's last slot, then the camera is full.
	other := liveGrant(t, pol, testUserID+1, testCamID)
	if _, err := l.Admit(other, "mse", "main"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Admit(liveGrant(t, pol, testUserID+2, testCamID), "whep", "main"); nvr.ErrorKind(err) != nvr.KindUnavailable || !strings.Contains(nvr.ErrorMessage(err), "viewers") {
		t.Fatalf("fourth viewer of the camera: %v", err)
	}
	// Someone else's session ID is not found; one's own is.
	if _, err := l.Lookup(other, mse.ID); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("another user's session: %v", err)
	}
	if s, err := l.Lookup(g, mse.ID); err != nil || s != mse {
		t.Fatalf("own session: %v", err)
	}
	mse.End(1234, "closed")
	mse.End(1234, "closed") // idempotent: one slot, one row
	if _, err := l.Admit(g, "replay", "main"); err != nil {
		t.Fatalf("after an MSE session ended: %v", err)
	}
	rows := w.ended()
	if len(rows) != 1 || !strings.HasPrefix(rows[0], "session=mse stream=sub ") || !strings.Contains(rows[0], "bytes=1234 reason=closed") {
		t.Fatalf("audit rows %q", rows)
	}
	if n := l.Count(); n != 3 {
		t.Fatalf("%d sessions, want 3", n)
	}
}

// TestLiveSessionsRevocation: Run stops every session whose grant is gone
// through its stop function, and the audit row says revoked whatever the
// handler reported; a stop function installed late runs at once; the end
// of Run stops the rest as a shutdown.
func TestLiveSessionsRevocation(t *testing.T) {
	t.Parallel()
	w := &liveWorld{}
	pol := nvr.NewPolicy(w.store(), policyClock, nil)
	l := view.NewLiveSessions(pol, view.LiveConfig{Recheck: 10 * time.Millisecond, Now: policyClock})
	g := liveGrant(t, pol, testUserID, testCamID)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = l.Run(ctx) }()
	defer func() { cancel(); <-done }()

	a, err := l.Admit(g, "mse", "main")
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	a.SetStop(func() { close(stopped) })
	late, err := l.Admit(g, "whep", "main")
	if err != nil {
		t.Fatal(err)
	}
	w.revoked.Store(true)
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the revoked session was not stopped")
	}
	if r := a.StopReason(); r != view.StopRevoked {
		t.Fatalf("stop reason %q", r)
	}
	a.End(10, "closed")
	// The second session had no stop function yet: it runs on install.
	deadline := time.Now().Add(5 * time.Second)
	for late.StopReason() == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ran := false
	late.SetStop(func() { ran = true })
	if !ran || late.StopReason() != view.StopRevoked {
		t.Fatalf("late stop ran %v, reason %q", ran, late.StopReason())
	}
	late.End(0, "closed")
	rows := w.ended()
	if len(rows) != 2 || !strings.HasSuffix(rows[0], "reason=revoked") || !strings.HasSuffix(rows[1], "reason=revoked") {
		t.Fatalf("audit rows %q", rows)
	}

	// Shutdown: the end of Run stops what is left, with its own reason.
	w.revoked.Store(false)
	last, err := l.Admit(g, "mse", "main")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	if r := last.StopReason(); r != view.StopShutdown {
		t.Fatalf("after Run: stop reason %q", r)
	}
}

// TestLiveSessionsUnverified: a database that fails for a moment ends no
// session; one that stays down ends them after LiveUnverifiedLimit, as
// unverified, not revoked.
func TestLiveSessionsUnverified(t *testing.T) {
	t.Parallel()
	w := &liveWorld{}
	pol := nvr.NewPolicy(w.store(), policyClock, nil)
	l := view.NewLiveSessions(pol, view.LiveConfig{Recheck: 10 * time.Millisecond, Now: policyClock})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = l.Run(ctx) }()
	defer func() { cancel(); <-done }()
	s, err := l.Admit(liveGrant(t, pol, testUserID, testCamID), "mse", "main")
	if err != nil {
		t.Fatal(err)
	}
	// Failing for a third of the limit (about 30 failed rechecks).
	w.failing.Store(true)
	time.Sleep(view.LiveUnverifiedLimit / 3)
	w.failing.Store(false)
	// A few good rechecks, waited for rather than slept for: on a busy
	// machine 50 ms may pass without one.
	good := w.answered.Load()
	for wait := time.Now().Add(10 * time.Second); w.answered.Load() < good+3; {
		if time.Now().After(wait) {
			t.Fatal("no recheck after the database recovered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r := s.StopReason(); r != "" {
		t.Fatalf("stopped (%s) by a short database failure", r)
	}
	// Down for good.
	down := time.Now()
	w.failing.Store(true)
	deadline := down.Add(5 * time.Second)
	for s.StopReason() == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(down)
	if r := s.StopReason(); r != view.StopUnverified || took < view.LiveUnverifiedLimit-50*time.Millisecond || took > 2*view.LiveUnverifiedLimit {
		t.Fatalf("stop reason %q after %v, want %q after about %v", r, took, view.StopUnverified, view.LiveUnverifiedLimit)
	}
}
