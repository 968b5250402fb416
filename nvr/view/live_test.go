package view_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
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
	slow     atomic.Int64 // each read takes this many nanoseconds (up to its context)
	answered atomic.Int64 // camera checks answered (not failed)
	mu       sync.Mutex
	audits   []nvr.AuditEntry
}

func (w *liveWorld) store() *nvrtest.PolicyStore {
	return &nvrtest.PolicyStore{
		OnCameraAccess: func(ctx context.Context, p nvr.Principal, id nvr.CameraID, _ time.Time) (nvr.Subject, nvr.CameraFacts, error) {
			if w.failing.Load() {
				return nvr.Subject{}, nvr.CameraFacts{}, errors.New("database is locked")
			}
			if d := time.Duration(w.slow.Load()); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return nvr.Subject{}, nvr.CameraFacts{}, ctx.Err()
				case <-t.C:
				}
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

// TestLiveSessionsUnverified: while a session's grant cannot be decided
// (the database fails, or one read takes longer than a second, as under
// load in CI), its media is held from LiveUnverifiedLimit after the last
// decision, flows again at the next good recheck, and the session ends, as
// unverified and not revoked, only after LiveUnverifiedEnd. In a synctest
// bubble: the bounds are exact, not raced against a busy machine.
func TestLiveSessionsUnverified(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		w := &liveWorld{}
		pol := nvr.NewPolicy(w.store(), policyClock, nil)
		l := view.NewLiveSessions(pol, view.LiveConfig{Now: policyClock})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = l.Run(ctx) }()
		defer func() { cancel(); <-done }()
		s, err := l.Admit(liveGrant(t, pol, testUserID, testCamID), "mse", "main")
		if err != nil {
			t.Fatal(err)
		}
		// waitVerified starts a WaitVerified and reports its answer.
		waitVerified := func() <-chan error {
			ch := make(chan error, 1)
			go func() { ch <- s.WaitVerified(ctx) }()
			return ch
		}
		answered := func(ch <-chan error) (error, bool) {
			synctest.Wait()
			select {
			case err := <-ch:
				return err, true
			default:
				return nil, false
			}
		}
		if err, ok := answered(waitVerified()); !ok || err != nil {
			t.Fatalf("fresh session: WaitVerified answered %v (%v), want nil at once", err, ok)
		}

		// Reads of 2.5 s: the next recheck's read begins within Recheck of
		// now and ends 2.5 s later, so the grant is last decided about now.
		w.slow.Store(int64(2500 * time.Millisecond))
		time.Sleep(view.LiveUnverifiedLimit + 300*time.Millisecond)
		held := waitVerified()
		if _, ok := answered(held); ok {
			t.Fatal("media not held with the grant undecided for more than LiveUnverifiedLimit")
		}
		w.slow.Store(0)
		// The slow read ends by 2.75 s (its answer is older than the limit:
		// still held); the good recheck after it frees the media.
		time.Sleep(2 * time.Second)
		if err, ok := answered(held); !ok || err != nil {
			t.Fatalf("after the slow read and a fast one: WaitVerified answered %v (%v), want nil", err, ok)
		}
		if r := s.StopReason(); r != "" {
			t.Fatalf("stopped (%s) by slow reads", r)
		}

		// Down for good: held past the limit, open until the end bound,
		// then stopped as unverified, which also ends a held wait.
		w.failing.Store(true)
		time.Sleep(view.LiveUnverifiedLimit + 300*time.Millisecond)
		held = waitVerified()
		if _, ok := answered(held); ok {
			t.Fatal("media not held with the database down")
		}
		time.Sleep(view.LiveUnverifiedEnd - view.LiveUnverifiedLimit - time.Second)
		if r := s.StopReason(); r != "" {
			t.Fatalf("stopped (%s) before LiveUnverifiedEnd", r)
		}
		time.Sleep(2 * time.Second)
		if r := s.StopReason(); r != view.StopUnverified {
			t.Fatalf("stop reason %q after LiveUnverifiedEnd + 1 s of a failed database, want %q", r, view.StopUnverified)
		}
		if err, ok := answered(held); !ok || !errors.Is(err, view.ErrSessionStopped) {
			t.Fatalf("held wait after the stop answered %v (%v), want ErrSessionStopped", err, ok)
		}
	})
}
