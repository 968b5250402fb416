package motion

import (
	"slices"
	"time"
)

// Tracker defaults.
const (
	DefaultMinDuration = 300 * time.Millisecond
	DefaultHold        = 2 * time.Second
	DefaultMaxMotion   = 5 * time.Minute
	// repeatEvery is the longest gap between two Moving observations of one
	// motion, in stream wall time; under the contract's one second so that
	// frame jitter cannot stretch a gap past it.
	repeatEvery = 500 * time.Millisecond
)

// TrackerConfig is the hysteresis shared by the detectors. Zero fields take
// the defaults.
type TrackerConfig struct {
	// MinDuration is how long activity must last (first to latest active
	// frame, gaps shorter than MinDuration allowed) before a start is
	// reported. The start's Wall is the first active frame.
	MinDuration time.Duration
	// Hold is how long activity must be absent before a stop is reported.
	// The stop's Wall is the last active frame.
	Hold time.Duration
	// MaxMotion ends a motion that lasts longer (a stop, then the detector
	// re-learns its baseline): a lasting change of scene is not motion.
	MaxMotion time.Duration
}

func (c TrackerConfig) withDefaults() TrackerConfig {
	if c.MinDuration <= 0 {
		c.MinDuration = DefaultMinDuration
	}
	if c.Hold <= 0 {
		c.Hold = DefaultHold
	}
	if c.MaxMotion <= 0 {
		c.MaxMotion = DefaultMaxMotion
	}
	return c
}

// trackState is the tracker's phase.
type trackState int

const (
	idle   trackState = iota
	arming            // active, not yet for MinDuration
	moving
)

// tracker turns per-frame activity into observations. It is a pure state
// machine driven by frame wall times; one goroutine at a time.
type tracker struct {
	cfg        TrackerConfig
	state      trackState
	first      time.Time // first active frame of the current activity
	last       time.Time // latest active frame
	lastEmit   time.Time // wall of the latest Moving observation
	peak       float64   // peak score of the current motion
	sincePeak  float64   // peak score since the latest Moving observation
	zones      []string  // zones hit during the current motion, in first-hit order
	newZones   []string  // zones hit since lastEmit
	expired    bool      // the motion was cut by MaxMotion: caller re-learns
	pendingHit []string  // zones hit while pending
}

func newTracker(cfg TrackerConfig) *tracker { return &tracker{cfg: cfg.withDefaults()} }

// frame feeds one analysed frame. active says whether it shows motion,
// score its 0..1 strength, zones the zones it hits. It returns the
// observation to emit, if any.
func (t *tracker) frame(wall time.Time, active bool, score float64, zones []string) (Observation, bool) {
	switch t.state {
	case idle:
		if active {
			t.state, t.first, t.last = arming, wall, wall
			t.peak, t.pendingHit = score, appendNew(nil, zones)
			return t.confirm(wall)
		}
	case arming:
		if !active {
			if wall.Sub(t.last) >= t.cfg.MinDuration {
				t.state = idle
			}
			return Observation{}, false
		}
		t.last, t.peak = wall, max(t.peak, score)
		t.pendingHit = appendNew(t.pendingHit, zones)
		return t.confirm(wall)
	case moving:
		if active {
			t.last = wall
			t.peak, t.sincePeak = max(t.peak, score), max(t.sincePeak, score)
			t.zones = appendNew(t.zones, zones)
			t.newZones = appendNew(t.newZones, zones)
		}
		if wall.Sub(t.last) >= t.cfg.Hold {
			return t.stop(), true
		}
		if wall.Sub(t.first) >= t.cfg.MaxMotion {
			t.expired = true
			return t.stop(), true
		}
		if wall.Sub(t.lastEmit) >= repeatEvery {
			o := Observation{Wall: wall, Moving: true, Score: t.sincePeak, Zones: t.newZones}
			t.lastEmit, t.sincePeak, t.newZones = wall, 0, nil
			return o, true
		}
	}
	return Observation{}, false
}

// confirm starts the motion once the pending activity is long enough.
func (t *tracker) confirm(wall time.Time) (Observation, bool) {
	if t.last.Sub(t.first) < t.cfg.MinDuration {
		return Observation{}, false
	}
	t.state, t.lastEmit, t.sincePeak = moving, wall, 0
	t.zones, t.newZones = t.pendingHit, nil
	t.pendingHit = nil
	return Observation{Wall: t.first, Moving: true, Score: t.peak, Zones: slices.Clone(t.zones)}, true
}

// stop ends the current motion.
func (t *tracker) stop() Observation {
	o := Observation{Wall: t.last, Moving: false, Score: t.peak, Zones: t.zones}
	t.state, t.peak, t.sincePeak, t.zones, t.newZones = idle, 0, 0, nil, nil
	return o
}

// close ends a motion still open (Run is returning).
func (t *tracker) close() (Observation, bool) {
	if t.state != moving {
		t.state = idle
		return Observation{}, false
	}
	return t.stop(), true
}

// busy reports whether activity is under way (arming or moving): baselines
// must not learn from such frames.
func (t *tracker) busy() bool { return t.state != idle }

// takeExpired reports (once) that a motion was cut by MaxMotion.
func (t *tracker) takeExpired() bool {
	e := t.expired
	t.expired = false
	return e
}

// appendNew appends the names in add that dst lacks.
func appendNew(dst, add []string) []string {
	for _, z := range add {
		if !slices.Contains(dst, z) {
			dst = append(dst, z)
		}
	}
	return dst
}
