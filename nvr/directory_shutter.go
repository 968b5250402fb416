package nvr

import (
	"context"
	"time"
)

// ShutterStore is the part of the database that holds privacy shutters.
// Implementations are safe for concurrent use and never cache.
type ShutterStore interface {
	// ChangeShutter reads camera id's shutter, applies fn to it and stores
	// the result in one transaction, together with its history (a hand
	// close opens a period at at, a hand open ends it; a new schedule is a
	// new schedule row from at) and the audit row fn returns. Nothing is
	// written when fn fails or the audit row cannot be written.
	// KindNotFound when the camera is missing.
	ChangeShutter(ctx context.Context, id CameraID, at time.Time, fn func(Shutter) (Shutter, AuditEntry, error)) (Shutter, error)
	// ShutterHistory returns camera id's hand-closed periods that overlap
	// [from, to) (End zero while still closed), in start order, and its
	// schedule changes that affect that range (the last one before from,
	// then those in it), in time order.
	ShutterHistory(ctx context.Context, id CameraID, from, to time.Time) ([]ShutterPeriod, []ScheduleChange, error)
}

// ShutterChange is what a switch of the shutter changes; nil fields stay.
type ShutterChange struct {
	Closed   *bool
	Schedule *DailyWindow
}

// Shutters switches cameras' privacy shutters under a grant and records
// each switch in the audit log in the same transaction. Safe for
// concurrent use.
type Shutters struct {
	store ShutterStore
	now   func() time.Time
}

// NewShutters returns the shutters over store; now is the clock (nil:
// time.Now), in whose zone schedules are read.
func NewShutters(store ShutterStore, now func() time.Time) *Shutters {
	if now == nil {
		now = time.Now
	}
	return &Shutters{store: store, now: now}
}

// Switch closes or opens the granted camera's shutter by hand and/or sets
// its daily schedule; g must be an ActionSwitchShutter grant. Opening by
// hand while the schedule keeps the shutter closed is KindConflict, with
// when the schedule opens it: a hand open never silently fails to open.
func (s *Shutters) Switch(ctx context.Context, g CameraGrant, ch ShutterChange) (Shutter, error) {
	if err := g.Require(ActionSwitchShutter); err != nil {
		return Shutter{}, err
	}
	return s.change(ctx, g.subject, g.CameraID(), ch, nil)
}

// SetKeepRecording sets whether the granted camera records and detects
// while its shutter is closed. It decides whether footage of a closed
// period exists at all, so it is camera configuration: g must be an
// ActionManageCamera grant (the household's owners).
func (s *Shutters) SetKeepRecording(ctx context.Context, g CameraGrant, keep bool) (Shutter, error) {
	if err := g.Require(ActionManageCamera); err != nil {
		return Shutter{}, err
	}
	return s.change(ctx, g.subject, g.CameraID(), ShutterChange{}, &keep)
}

// OperatorSwitch is Switch for the local administrator running the CLI on
// the data directory (principal "cli"), who holds no grant.
func (s *Shutters) OperatorSwitch(ctx context.Context, id CameraID, ch ShutterChange) (Shutter, error) {
	if _, err := ParseCameraID(string(id)); err != nil {
		return Shutter{}, Errorf("switch shutter", KindNotFound, "camera not found")
	}
	return s.change(ctx, Subject{}, id, ch, nil)
}

func (s *Shutters) change(ctx context.Context, subj Subject, id CameraID, ch ShutterChange, keep *bool) (Shutter, error) {
	const op = "switch shutter"
	if ch.Schedule != nil {
		if err := ch.Schedule.Validate(); err != nil {
			return Shutter{}, err
		}
	}
	if ch.Closed == nil && ch.Schedule == nil && keep == nil {
		return Shutter{}, Errorf(op, KindInvalid, "nothing to change: give closed, schedule or keep_recording")
	}
	principal := "cli"
	if subj.User.ID != 0 {
		principal = subj.Principal.String()
	}
	now := s.now()
	sh, err := s.store.ChangeShutter(ctx, id, now, func(cur Shutter) (Shutter, AuditEntry, error) {
		next := cur
		action, detail := "", ""
		if ch.Schedule != nil {
			next.Schedule = *ch.Schedule
			action, detail = "shutter-schedule", ch.Schedule.String()
			if detail == "" {
				detail = "off"
			}
		}
		if ch.Closed != nil {
			next.Closed = *ch.Closed
			action = "shutter-open"
			if *ch.Closed {
				action = "shutter-close"
			}
		}
		if keep != nil {
			next.KeepRecording = *keep
			action, detail = "shutter-keep-recording", "off"
			if *keep {
				detail = "on"
			}
		}
		if ch.Closed != nil && !*ch.Closed && next.Schedule.Contains(now) {
			return cur, AuditEntry{}, Errorf(op, KindConflict,
				"the shutter's schedule keeps it closed until %s; change the schedule to open it now",
				next.Schedule.NextEnd(now).Format("15:04"))
		}
		e := AuditEntry{At: now, UserID: subj.User.ID, Principal: principal, CameraID: id,
			Action: action, Result: "ok", Detail: detail}
		return next, e, nil
	})
	return sh, Wrap(op, err)
}

// History returns the periods the granted camera's shutter was closed that
// overlap [from, to): by hand and by schedule (expanded in the clock's
// zone), each clipped to the range and to the camera's time in its
// household (another household's past is not shown, as its footage is
// not). Any grant on the camera will do: the periods say when there is no
// picture, not what it showed.
func (s *Shutters) History(ctx context.Context, g CameraGrant, from, to time.Time) ([]ShutterPeriod, error) {
	const op = "read shutter history"
	if err := g.Require(g.action); err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, Errorf(op, KindInvalid, "start must be before end")
	}
	if since := g.camera.HouseholdSince; !since.IsZero() && from.Before(since) {
		from = since
		if !from.Before(to) {
			return nil, nil
		}
	}
	hand, sched, err := s.store.ShutterHistory(ctx, g.CameraID(), from, to)
	if err != nil {
		return nil, Wrap(op, err)
	}
	out := make([]ShutterPeriod, 0, len(hand))
	for _, p := range hand {
		if p.Start.Before(from) {
			p.Start = from
		}
		if !p.End.IsZero() && p.End.After(to) {
			p.End = to
		}
		out = append(out, p)
	}
	return append(out, ScheduledPeriods(sched, from, to, s.now().Location())...), nil
}
