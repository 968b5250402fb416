package view

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
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

// LiveSessions is the one registry of live and playback media sessions,
// whatever carries them (WHEP, MSE): it enforces the per-camera and
// per-user limits over all of them together, re-decides each session's
// grant every Recheck (ending revoked ones through their stop function) and
// writes each session's audit row when it ends. Safe for concurrent use; Run
// owns the recheck goroutine.
type LiveSessions struct {
	policy *nvr.Policy
	cfg    LiveConfig

	mu      sync.Mutex
	byID    map[string]*LiveSession
	perCam  map[nvr.CameraID]int
	perUser map[nvr.UserID]int
}

// Why the registry stopped a session (LiveSession.StopReason).
const (
	StopClosed   = "closed"   // its owner ended it (Stop)
	StopRevoked  = "revoked"  // its grant is gone (Run)
	StopShutdown = "shutdown" // the registry stopped (Run's context ended)
	// StopUnverified: the grant could not be decided again (the database
	// failed or was too slow) for longer than LiveUnverifiedEnd.
	StopUnverified = "unverified"
)

// How a session fares while its grant cannot be decided again (the
// database fails or is slow: a busy SD card, a loaded machine).
const (
	// LiveUnverifiedLimit is how long a session's media flows after its
	// grant was last decided. Past it, WaitVerified holds every unit until a
	// recheck answers again: media is never handed out on a grant older
	// than a revocation may take, however late the recheck's read is.
	LiveUnverifiedLimit = time.Second
	// LiveUnverifiedEnd is how long a session stays open, held, while its
	// grant cannot be decided: a read slower than a second (seen under load)
	// pauses the picture instead of ending the session, and a database that
	// stays down ends every session, as StopUnverified.
	LiveUnverifiedEnd = 15 * time.Second
	// liveRecheckTimeout bounds one recheck's read. Holding media does not
	// depend on it (WaitVerified counts from the last decision), so it is
	// long enough for a slow read to finish rather than fail.
	liveRecheckTimeout = 5 * time.Second
)

// ErrSessionStopped is WaitVerified's answer once the session was stopped.
var ErrSessionStopped = errors.New("live session stopped")

// LiveSession is one admitted media session.
type LiveSession struct {
	ID     string // random, unguessable; names the session in its URL
	Grant  nvr.CameraGrant
	Kind   string // what carries it, for the audit row: "whep", "replay", "mse"
	Stream string // "main" or "sub"
	Start  time.Time
	l      *LiveSessions

	mu         sync.Mutex
	stop       func()
	stopReason string
	media      any

	verified *Verification
	held     bool // media is held, logged once per hold; Run's own
}

// NewLiveSessions returns the registry over pol.
func NewLiveSessions(pol *nvr.Policy, cfg LiveConfig) *LiveSessions {
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
		perCam: map[nvr.CameraID]int{}, perUser: map[nvr.UserID]int{}}
}

// Admit reserves a session slot for a live or playback grant, or answers
// KindUnavailable (503) when the camera or the user has too many sessions,
// counted over every kind. kind and stream name the session in its audit
// row. The caller starts the media, calls SetStop, and calls End when it
// ends.
func (l *LiveSessions) Admit(g nvr.CameraGrant, kind, stream string) (*LiveSession, error) {
	if err := g.Require(nvr.ActionViewLive, nvr.ActionViewRecordings); err != nil {
		return nil, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := &LiveSession{ID: hex.EncodeToString(b[:]), Grant: g, Kind: kind, Stream: stream, Start: l.cfg.Now(), l: l,
		verified: NewVerification()}
	uid := holder(g)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perCam[g.CameraID()] >= l.cfg.MaxPerCamera {
		return nil, nvr.Errorf("start live session", nvr.KindUnavailable, "this camera has %d viewers, the most allowed; try again later", l.cfg.MaxPerCamera)
	}
	if l.perUser[uid] >= l.cfg.MaxPerUser {
		if g.ShareLinkID() != 0 {
			return nil, nvr.Errorf("start live session", nvr.KindUnavailable, "this link has %d viewers, the most allowed; try again later", l.cfg.MaxPerUser)
		}
		return nil, nvr.Errorf("start live session", nvr.KindUnavailable, "you have %d live sessions open, the most allowed; close one first", l.cfg.MaxPerUser)
	}
	l.byID[s.ID] = s
	l.perCam[g.CameraID()]++
	l.perUser[uid]++
	return s, nil
}

// holder is whom the per-user limit counts a session against: its user,
// or for a share link the link itself (a negative key no user has), so the
// link's viewers neither use up its creator's sessions nor exceed the
// limit together.
func holder(g nvr.CameraGrant) nvr.UserID {
	if id := g.ShareLinkID(); id != 0 {
		return nvr.UserID(-id)
	}
	return g.User().ID
}

// SetStop installs the function that ends the session's media (it must not
// block for long, and may run on the registry's goroutine). If the session
// was already stopped, stop runs at once.
func (s *LiveSession) SetStop(stop func()) {
	s.mu.Lock()
	s.stop = stop
	stopped := s.stopReason != ""
	s.mu.Unlock()
	if stopped {
		stop()
	}
}

// SetMedia attaches the object that carries the session (a WebRTC peer
// connection), for the routes that act on it later (WHEP PATCH).
func (s *LiveSession) SetMedia(m any) {
	s.mu.Lock()
	s.media = m
	s.mu.Unlock()
}

// Media returns what SetMedia attached, or nil.
func (s *LiveSession) Media() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.media
}

// Stop ends the session's media on its owner's request (the caller then
// sees it end and calls End).
func (s *LiveSession) Stop() { s.stopWith(StopClosed) }

// stopWith records the first reason, ends WaitVerified and runs the stop
// function.
func (s *LiveSession) stopWith(reason string) {
	s.mu.Lock()
	if s.stopReason == "" {
		s.stopReason = reason
	}
	stop := s.stop
	s.mu.Unlock()
	s.verified.Stop()
	if stop != nil {
		stop()
	}
}

// WaitVerified returns nil at once while the session's grant was decided
// within LiveUnverifiedLimit, and otherwise waits until a recheck decides it
// again (Verification.Wait). Whatever carries the session calls it before
// handing out each unit, after taking it from its source: that is what
// keeps media from flowing on a grant nobody could check. Errors:
// ErrSessionStopped, or ctx's.
func (s *LiveSession) WaitVerified(ctx context.Context) error { return s.verified.Wait(ctx) }

// StopReason tells why the session was stopped (StopClosed, StopRevoked,
// StopUnverified, StopShutdown), or "" while nobody stopped it.
func (s *LiveSession) StopReason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopReason
}

// End releases the slot and writes the session's audit row
// (Policy.AuditSession: who, which camera, kind, stream, start, end, bytes
// sent and why it ended). When the session was stopped, that reason is
// recorded instead of the caller's. Idempotent.
func (s *LiveSession) End(bytes int64, reason string) {
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
	uid := holder(s.Grant)
	if l.perUser[uid]--; l.perUser[uid] <= 0 {
		delete(l.perUser, uid)
	}
	l.mu.Unlock()
	if r := s.StopReason(); r != "" {
		reason = r
	}
	// AuditSession logs its own failure.
	_ = l.policy.AuditSession(s.Grant, nvr.MediaSession{Kind: s.Kind, Stream: s.Stream, Start: s.Start, End: l.cfg.Now(),
		Bytes: bytes, Reason: reason})
}

// Lookup returns the session id if it belongs to the user of g and is for
// g's camera; KindNotFound otherwise (someone else's session looks missing).
func (l *LiveSessions) Lookup(g nvr.CameraGrant, id string) (*LiveSession, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.byID[id]
	if s == nil || s.Grant.CameraID() != g.CameraID() || s.Grant.User().ID != g.User().ID || g.User().ID == 0 {
		return nil, nvr.ErrNotFound
	}
	// A share link's session belongs to that link alone: neither its
	// creator's own sessions nor another link's reach it, nor it theirs.
	if s.Grant.ShareLinkID() != g.ShareLinkID() {
		return nil, nvr.ErrNotFound
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
// revoked, a viewer's assignment removed, camera moved or deleted). When
// the database cannot answer, a session's media is held (WaitVerified)
// from LiveUnverifiedLimit after its grant was last decided, and the
// session is stopped as StopUnverified after LiveUnverifiedEnd.
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
			if s.StopReason() != "" {
				continue // ending already
			}
			outcome, err := s.verified.Check(ctx, func(rctx context.Context) error { return l.policy.Recheck(rctx, s.Grant) })
			log := l.cfg.Log.With("session", s.ID[:8], "camera", s.Grant.CameraID())
			switch outcome {
			case Revoked:
				log.Info("live session revoked", "err", err)
				s.stopWith(StopRevoked)
			case Unverified:
				log.Warn("live session ended: its grant cannot be checked", "err", err)
				s.stopWith(StopUnverified)
			case Verified, Undecided:
				// Logged once per hold. A read slower than the limit holds
				// the media too: its answer is that old already.
				switch held := s.verified.Held(); {
				case held && !s.held:
					log.Warn("live session held: its grant cannot be checked in time; retrying", "err", err)
				case !held && s.held:
					log.Info("live session resumed: its grant was checked again")
				case err != nil:
					log.Debug("live session recheck failed; retrying", "err", err)
				}
				s.held = s.verified.Held()
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
		s.stopWith(StopShutdown)
	}
}
