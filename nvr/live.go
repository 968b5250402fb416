package nvr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Live session defaults.
const (
	DefaultLivePerCamera = 16
	DefaultLivePerUser   = 8
	// DefaultLiveRecheck is how often every live session's grant is decided
	// again; with the close that follows, a revocation ends a session well
	// within a second.
	DefaultLiveRecheck = 250 * time.Millisecond
)

// LiveConfig configures LiveSessions. Zero fields take the defaults.
type LiveConfig struct {
	MaxPerCamera int
	MaxPerUser   int
	Recheck      time.Duration
	Log          *slog.Logger
	Now          func() time.Time
}

// LiveSessions is the registry of live and playback media sessions: it
// enforces the per-camera and per-user limits, re-decides each session's
// grant every Recheck (ending revoked ones through their stop function) and
// writes each session's audit row when it ends. Safe for concurrent use; Run
// owns the recheck goroutine.
type LiveSessions struct {
	policy *Policy
	cfg    LiveConfig

	mu      sync.Mutex
	byID    map[string]*LiveSession
	perCam  map[CameraID]int
	perUser map[UserID]int
}

// LiveSession is one admitted media session.
type LiveSession struct {
	ID    string // random, unguessable; names the session in its URL
	Grant CameraGrant
	Start time.Time
	l     *LiveSessions

	mu    sync.Mutex
	stop  func()
	ended bool
}

// NewLiveSessions returns the registry over pol.
func NewLiveSessions(pol *Policy, cfg LiveConfig) *LiveSessions {
	if cfg.MaxPerCamera <= 0 {
		cfg.MaxPerCamera = DefaultLivePerCamera
	}
	if cfg.MaxPerUser <= 0 {
		cfg.MaxPerUser = DefaultLivePerUser
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = DefaultLiveRecheck
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &LiveSessions{policy: pol, cfg: cfg, byID: map[string]*LiveSession{},
		perCam: map[CameraID]int{}, perUser: map[UserID]int{}}
}

// Admit reserves a session slot for a live or playback grant, or answers
// KindUnavailable when the camera or the user has too many sessions. The
// caller starts the media, calls SetStop, and calls End when it ends.
func (l *LiveSessions) Admit(g CameraGrant) (*LiveSession, error) {
	if err := g.Require(ActionViewLive, ActionViewRecordings); err != nil {
		return nil, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := &LiveSession{ID: hex.EncodeToString(b[:]), Grant: g, Start: l.cfg.Now(), l: l}
	uid := g.User().ID
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perCam[g.CameraID()] >= l.cfg.MaxPerCamera {
		return nil, Errorf("start live session", KindUnavailable, "this camera has %d viewers, the most allowed; try again later", l.cfg.MaxPerCamera)
	}
	if l.perUser[uid] >= l.cfg.MaxPerUser {
		return nil, Errorf("start live session", KindUnavailable, "you have %d live sessions open, the most allowed; close one first", l.cfg.MaxPerUser)
	}
	l.byID[s.ID] = s
	l.perCam[g.CameraID()]++
	l.perUser[uid]++
	return s, nil
}

// SetStop installs the function that ends the session's media (it must not
// block for long). If the session was already revoked, stop runs at once.
func (s *LiveSession) SetStop(stop func()) {
	s.mu.Lock()
	s.stop = stop
	ended := s.ended
	s.mu.Unlock()
	if ended {
		stop()
	}
}

// Stop ends the session's media (the caller then sees it end and calls End).
func (s *LiveSession) Stop() {
	s.mu.Lock()
	s.ended = true
	stop := s.stop
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// End releases the slot and writes the session's audit row: who, which
// camera, start, end, bytes sent and why it ended. Idempotent.
func (s *LiveSession) End(ctx context.Context, bytes int64, reason string) {
	l := s.l
	l.mu.Lock()
	if _, ok := l.byID[s.ID]; !ok {
		l.mu.Unlock()
		return
	}
	delete(l.byID, s.ID)
	if l.perCam[s.Grant.CameraID()]--; l.perCam[s.Grant.CameraID()] <= 0 {
		delete(l.perCam, s.Grant.CameraID())
	}
	uid := s.Grant.User().ID
	if l.perUser[uid]--; l.perUser[uid] <= 0 {
		delete(l.perUser, uid)
	}
	l.mu.Unlock()
	end := l.cfg.Now()
	e := AuditEntry{At: end, UserID: uid, Principal: s.Grant.Principal().String(), CameraID: s.Grant.CameraID(),
		Action: s.Grant.Action().String() + "-session", Result: "ok",
		Detail: fmt.Sprintf("start=%s end=%s bytes=%d reason=%s", s.Start.UTC().Format(time.RFC3339Nano),
			end.UTC().Format(time.RFC3339Nano), bytes, reason)}
	if err := l.policy.store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		l.cfg.Log.Error("write session audit row", "err", err, "camera", s.Grant.CameraID())
	}
}

// Lookup returns the session id if it belongs to the user of g and is for
// g's camera; KindNotFound otherwise (someone else's session looks missing).
func (l *LiveSessions) Lookup(g CameraGrant, id string) (*LiveSession, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.byID[id]
	if s == nil || s.Grant.CameraID() != g.CameraID() || s.Grant.User().ID != g.User().ID || g.User().ID == 0 {
		return nil, ErrNotFound
	}
	return s, nil
}

// Count returns how many sessions are open.
func (l *LiveSessions) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byID)
}

// Run re-decides every session's grant every Recheck until ctx ends, and
// stops the sessions whose grant is gone (user deleted or disabled, token
// revoked, a viewer's assignment removed, camera moved or deleted). A
// failure to read the database counts as revoked: media is never handed out
// on an unchecked grant.
func (l *LiveSessions) Run(ctx context.Context) error {
	t := time.NewTicker(l.cfg.Recheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.stopAll()
			return nil
		case <-t.C:
		}
		l.mu.Lock()
		sessions := make([]*LiveSession, 0, len(l.byID))
		for _, s := range l.byID {
			sessions = append(sessions, s)
		}
		l.mu.Unlock()
		for _, s := range sessions {
			rctx, cancel := context.WithTimeout(ctx, time.Second)
			err := l.policy.Recheck(rctx, s.Grant)
			cancel()
			if err != nil && ctx.Err() == nil {
				l.cfg.Log.Info("live session revoked", "session", s.ID[:8], "camera", s.Grant.CameraID(), "err", err)
				s.Stop()
			}
		}
	}
}

func (l *LiveSessions) stopAll() {
	l.mu.Lock()
	sessions := make([]*LiveSession, 0, len(l.byID))
	for _, s := range l.byID {
		sessions = append(sessions, s)
	}
	l.mu.Unlock()
	for _, s := range sessions {
		s.Stop()
	}
}
