package nvr

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Shutter is a camera's privacy shutter: while it is closed the policy
// refuses every picture of the camera (live, playback, clips, snapshots,
// thumbnails, restream) to everyone, and recording and detection pause
// unless KeepRecording is set. It is closed when it was closed by hand or
// while its daily schedule says so; the policy evaluates that at each
// decision (ClosedAt) from the stored state, never from a cached flag.
type Shutter struct {
	Closed        bool        // closed by hand (until opened by hand)
	Schedule      DailyWindow // closed every day in this window; zero: no schedule
	KeepRecording bool        // record and detect while closed (only viewing is refused)
}

// ClosedAt reports whether the shutter is closed at now: by hand, or by
// its schedule in now's time zone (the appliance's local time in
// production, since the clock is time.Now).
func (s Shutter) ClosedAt(now time.Time) bool { return s.Closed || s.Schedule.Contains(now) }

// PausesRecordingAt reports whether recording and detection pause at now.
func (s Shutter) PausesRecordingAt(now time.Time) bool { return s.ClosedAt(now) && !s.KeepRecording }

// MinutesPerDay bounds DailyWindow's fields.
const MinutesPerDay = 24 * 60

// DailyWindow is a time-of-day range, in minutes after local midnight,
// that repeats every day: [Start, End). Start > End wraps past midnight
// (22:00-07:00). The zero value (Start == End == 0) is "no window"; any
// other Start == End is invalid, as "always" and "never" would both read
// that way.
type DailyWindow struct{ Start, End int }

// IsZero reports whether w is "no window".
func (w DailyWindow) IsZero() bool { return w == DailyWindow{} }

// Validate checks w: minutes in [0, 1440) and Start != End unless zero.
func (w DailyWindow) Validate() error {
	if w.IsZero() {
		return nil
	}
	if w.Start < 0 || w.Start >= MinutesPerDay || w.End < 0 || w.End >= MinutesPerDay || w.Start == w.End {
		return Errorf("validate schedule", KindInvalid, "a schedule is two different times of day, HH:MM-HH:MM")
	}
	return nil
}

// Contains reports whether the time of day of t (in t's zone) is in w.
func (w DailyWindow) Contains(t time.Time) bool {
	if w.IsZero() {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if w.Start < w.End {
		return m >= w.Start && m < w.End
	}
	return m >= w.Start || m < w.End
}

// NextEnd returns the first end of w at or after t (in t's zone), for
// "closed by its schedule until 22:00". It assumes Contains(t).
func (w DailyWindow) NextEnd(t time.Time) time.Time {
	y, mo, d := t.Date()
	end := time.Date(y, mo, d, w.End/60, w.End%60, 0, 0, t.Location())
	if !end.After(t) {
		end = time.Date(y, mo, d+1, w.End/60, w.End%60, 0, 0, t.Location())
	}
	return end
}

// String formats w as "HH:MM-HH:MM", or "" for no window.
func (w DailyWindow) String() string {
	if w.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.Start/60, w.Start%60, w.End/60, w.End%60)
}

// ParseDailyWindow reads "HH:MM-HH:MM" (24-hour clock); "" and "off" are
// no window. KindInvalid otherwise.
func ParseDailyWindow(s string) (DailyWindow, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "off" {
		return DailyWindow{}, nil
	}
	bad := Errorf("parse schedule", KindInvalid, "a schedule is HH:MM-HH:MM (24-hour clock), e.g. 07:00-22:00, or off")
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return DailyWindow{}, bad
	}
	start, ok1 := parseClock(a)
	end, ok2 := parseClock(b)
	if !ok1 || !ok2 {
		return DailyWindow{}, bad
	}
	w := DailyWindow{Start: start, End: end}
	if w.IsZero() || w.Start == w.End {
		return DailyWindow{}, Errorf("parse schedule", KindInvalid, "a schedule's start and end must differ")
	}
	return w, nil
}

func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// Why a shutter period exists (ShutterPeriod.Cause).
const (
	ShutterByHand     = "manual"
	ShutterBySchedule = "schedule"
)

// ShutterPeriod is one stretch of time a camera's shutter was closed, for
// the timeline. End is zero while it is still closed.
type ShutterPeriod struct {
	Start time.Time
	End   time.Time
	Cause string // ShutterByHand or ShutterBySchedule
}

// ScheduleChange is one setting of a camera's shutter schedule: from At
// on, the shutter closed daily in Window (zero: no schedule).
type ScheduleChange struct {
	At     time.Time
	Window DailyWindow
}

// ScheduledPeriods expands a schedule's history into the closed periods
// that overlap [from, to), in loc (the zone the policy evaluates the
// schedule in). changes are in time order; each holds until the next.
// Periods are clipped to the change that made them and to [from, to).
func ScheduledPeriods(changes []ScheduleChange, from, to time.Time, loc *time.Location) []ShutterPeriod {
	var out []ShutterPeriod
	for i, ch := range changes {
		if ch.Window.IsZero() {
			continue
		}
		lo, hi := ch.At, to
		if i+1 < len(changes) && changes[i+1].At.Before(hi) {
			hi = changes[i+1].At
		}
		if lo.Before(from) {
			lo = from
		}
		if !lo.Before(hi) {
			continue
		}
		// Walk the days from the one before lo (a window that wraps past
		// midnight started the day before) to the one of hi.
		l := lo.In(loc)
		day := time.Date(l.Year(), l.Month(), l.Day()-1, 0, 0, 0, 0, loc)
		for ; day.Before(hi); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
			s := time.Date(day.Year(), day.Month(), day.Day(), ch.Window.Start/60, ch.Window.Start%60, 0, 0, loc)
			e := time.Date(day.Year(), day.Month(), day.Day(), ch.Window.End/60, ch.Window.End%60, 0, 0, loc)
			if !e.After(s) {
				e = time.Date(day.Year(), day.Month(), day.Day()+1, ch.Window.End/60, ch.Window.End%60, 0, 0, loc)
			}
			if s.Before(lo) {
				s = lo
			}
			if e.After(hi) {
				e = hi
			}
			if s.Before(e) {
				out = append(out, ShutterPeriod{Start: s, End: e, Cause: ShutterBySchedule})
			}
		}
	}
	return out
}
