package simcam

import "time"

// Default motion schedule: the object rests for 20 s, then moves for 5 s.
const (
	DefaultStill = 20 * time.Second
	DefaultMove  = 5 * time.Second
)

// Schedule says when the object moves. Periods of Still then Move repeat
// forever, forwards and backwards from Start; the object rests at the same
// place every time, since each movement goes out and comes back.
type Schedule struct {
	Start time.Time     // a moment a still period begins; zero means the Unix epoch
	Still time.Duration // zero means DefaultStill
	Move  time.Duration // zero means DefaultMove
}

func (s Schedule) withDefaults() Schedule {
	if s.Start.IsZero() {
		s.Start = time.Unix(0, 0)
	}
	if s.Still <= 0 {
		s.Still = DefaultStill
	}
	if s.Move <= 0 {
		s.Move = DefaultMove
	}
	return s
}

// phase returns how far t is into its period.
func (s Schedule) phase(t time.Time) time.Duration {
	s = s.withDefaults()
	p := t.Sub(s.Start) % (s.Still + s.Move)
	if p < 0 {
		p += s.Still + s.Move
	}
	return p
}

// Moving reports whether the object is moving at t.
func (s Schedule) Moving(t time.Time) bool {
	return s.phase(t) >= s.withDefaults().Still
}

// NextMove returns the start of the first moving period that begins after t,
// and its end.
func (s Schedule) NextMove(t time.Time) (start, end time.Time) {
	d := s.withDefaults()
	p := s.phase(t)
	start = t.Add(d.Still - p)
	if p >= d.Still {
		start = start.Add(d.Still + d.Move)
	}
	return start, start.Add(d.Move)
}

// progress returns 0 while still and, while moving, rises to 1 at the middle
// of the movement and falls back to 0: the object goes out and back.
func (s Schedule) progress(t time.Time) float64 {
	d := s.withDefaults()
	p := s.phase(t) - d.Still
	if p < 0 {
		return 0
	}
	x := float64(p) / float64(d.Move) * 2
	if x > 1 {
		x = 2 - x
	}
	return x
}
