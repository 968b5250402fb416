package nvr

import (
	"context"
	"time"
)

// ShutterStore is the part of the database that holds the privacy
// shutters' history (the switches themselves are directory changes:
// DirectoryWriter.SetShutter). Implementations are safe for concurrent use
// and never cache.
type ShutterStore interface {
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

// SwitchShutter closes or opens the granted camera's shutter by hand
// and/or sets its daily schedule; g must be an ActionSwitchShutter grant.
// The switch commits with its audit row ("shutter-close", "shutter-open"
// or "shutter-schedule"). Opening by hand while the schedule keeps the
// shutter closed is KindConflict, with when the schedule opens it: a hand
// open never silently fails to open.
func (d *Directory) SwitchShutter(ctx context.Context, g CameraGrant, ch ShutterChange) (Shutter, error) {
	if err := g.Require(ActionSwitchShutter); err != nil {
		return Shutter{}, err
	}
	return d.changeShutter(ctx, g.subject, g.CameraID(), ch, nil)
}

// SetShutterKeepRecording sets whether the granted camera records and
// detects while its shutter is closed. It decides whether footage of a
// closed period exists at all, so it is camera configuration: g must be an
// ActionManageCamera grant (the household's owners).
func (d *Directory) SetShutterKeepRecording(ctx context.Context, g CameraGrant, keep bool) (Shutter, error) {
	if err := g.Require(ActionManageCamera); err != nil {
		return Shutter{}, err
	}
	return d.changeShutter(ctx, g.subject, g.CameraID(), ShutterChange{}, &keep)
}

// SwitchShutter is the local operator's switch (the CLI, principal "cli"),
// who runs Hearth on the data directory. A signed-in appliance admin
// switches no household's shutter (the policy leaves that to the people
// who live with the camera): for their grant it is ErrNotFound.
func (a AdminDirectory) SwitchShutter(ctx context.Context, id CameraID, ch ShutterChange) (Shutter, error) {
	if !a.g.Valid() || !a.g.operator {
		return Shutter{}, ErrNotFound
	}
	if _, err := ParseCameraID(string(id)); err != nil {
		return Shutter{}, ErrNotFound
	}
	return a.d.changeShutter(ctx, a.g.subject, id, ch, nil)
}

// changeShutter applies ch (and keep, when set) to camera id's shutter as
// one directory change for s.
func (d *Directory) changeShutter(ctx context.Context, s Subject, id CameraID, ch ShutterChange, keep *bool) (Shutter, error) {
	const op = "switch shutter"
	action, detail := shutterAction(ch, keep)
	if action == "" {
		return Shutter{}, d.refused(ctx, s, id, "shutter-switch",
			Errorf(op, KindInvalid, "nothing to change: give closed, schedule or keep_recording"))
	}
	if ch.Schedule != nil {
		if err := ch.Schedule.Validate(); err != nil {
			return Shutter{}, d.refused(ctx, s, id, action, err)
		}
	}
	now := d.now()
	var out Shutter
	err := d.changeNoted(ctx, s, id, action, detail, func(w DirectoryWriter) error {
		sh, err := w.SetShutter(ctx, id, now, func(cur Shutter) (Shutter, error) {
			next := cur
			if ch.Schedule != nil {
				next.Schedule = *ch.Schedule
			}
			if ch.Closed != nil {
				next.Closed = *ch.Closed
			}
			if keep != nil {
				next.KeepRecording = *keep
			}
			if ch.Closed != nil && !*ch.Closed && next.Schedule.Contains(now) {
				return cur, Errorf(op, KindConflict,
					"the shutter's schedule keeps it closed until %s; change the schedule to open it now",
					next.Schedule.NextEnd(now).Format("15:04"))
			}
			return next, nil
		})
		out = sh
		return Wrap(op, err)
	})
	return out, err
}

// shutterAction names a switch's audit row and its detail; "" when ch and
// keep change nothing. A hand switch names the row even when a schedule
// comes with it (the schedule is the detail).
func shutterAction(ch ShutterChange, keep *bool) (action, detail string) {
	if ch.Schedule != nil {
		action, detail = "shutter-schedule", ch.Schedule.String()
		if detail == "" {
			detail = "off"
		}
	}
	if ch.Closed != nil {
		action = "shutter-open"
		if *ch.Closed {
			action = "shutter-close"
		}
	}
	if keep != nil {
		action, detail = "shutter-keep-recording", "off"
		if *keep {
			detail = "on"
		}
	}
	return action, detail
}

// Shutters reads the history of cameras' privacy shutters for the
// timeline. Safe for concurrent use.
type Shutters struct {
	store ShutterStore
	now   func() time.Time
}

// NewShutters returns the shutters' history over store; now is the clock
// (nil: time.Now), in whose zone schedules are read.
func NewShutters(store ShutterStore, now func() time.Time) *Shutters {
	if now == nil {
		now = time.Now
	}
	return &Shutters{store: store, now: now}
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
