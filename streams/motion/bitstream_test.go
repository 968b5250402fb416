package motion

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// t0 is a simulated start a few minutes before an hour boundary, so the
// footage crosses minute and hour changes of the clock overlay.
var t0 = time.Date(2030, 6, 1, 10, 55, 0, 0, time.UTC)

// TestBitstreamSchedule: the simulated camera's scheduled movements each
// yield one motion starting within ±1 s of the schedule, and nothing else.
func TestBitstreamSchedule(t *testing.T) {
	t.Parallel()
	sched := simcam.Schedule{Start: t0, Still: 20 * time.Second, Move: 5 * time.Second}
	const d = 2 * time.Minute
	src := newCamSource(t, t0, d, sched, "")
	got := pairs(t, runToEOF(t, NewBitstream(BitstreamConfig{}), src))
	checkStarts(t, got, scheduledStarts(sched, t0, t0.Add(d-3*time.Second)))
	for i, m := range got {
		_, end := sched.NextMove(m.start.Wall.Add(-2 * time.Second))
		if m.stop.Wall.Before(end.Add(-time.Second)) || m.stop.Wall.After(end.Add(time.Second)) {
			t.Errorf("motion %d: last motion at %v, want within ±1s of the movement's end %v", i, m.stop.Wall, end)
		}
		if m.start.Zones != nil || m.stop.Zones != nil {
			t.Errorf("motion %d: zones %v/%v from the bitstream detector, want nil", i, m.start.Zones, m.stop.Zones)
		}
	}
}

// staticFootage is how long the static tests watch: ten minutes, two under
// the race detector (make test runs them at full length without it too).
func staticFootage() time.Duration {
	if raceEnabled {
		return 2 * time.Minute
	}
	return 10 * time.Minute
}

// TestBitstreamStatic: ten minutes of a still simulated camera (whose clock
// and pattern overlay change every frame) yield no observation at all.
func TestBitstreamStatic(t *testing.T) {
	t.Parallel()
	sched := simcam.Schedule{Start: t0, Still: 24 * time.Hour, Move: time.Second}
	src := newCamSource(t, t0, staticFootage(), sched, "")
	if obs := runToEOF(t, NewBitstream(BitstreamConfig{}), src); len(obs) != 0 {
		t.Fatalf("%d observations from a still scene, first %+v", len(obs), obs[0])
	}
}

// TestBitstreamX264: a libx264 clip whose object moves between 8 s and
// 12 s yields one motion starting then: with several slices per picture
// (zerolatency), and with B-frames (smaller than P-frames: a stream whose
// picture sizes alternate by type).
func TestBitstreamX264(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	for name, extra := range map[string][]string{
		"slices":   nil,
		"b-frames": {"-tune", "film", "-bf", "3", "-threads", "1"},
	} {
		clip := x264Clip(t, ffmpeg, 30, 18, 22, extra...)
		src := newCamSource(t, t0, 30*time.Second, simcam.Schedule{}, clip)
		got := pairs(t, runToEOF(t, NewBitstream(BitstreamConfig{}), src))
		t.Run(name, func(t *testing.T) {
			checkStarts(t, got, []time.Time{t0.Add(18 * time.Second)})
			if end := got[0].stop.Wall; end.Before(t0.Add(21*time.Second)) || end.After(t0.Add(23*time.Second)) {
				t.Errorf("last motion at %v, want near %v", end, t0.Add(22*time.Second))
			}
		})
	}
}
