package motion

import (
	"errors"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// overlayMask masks the simulated camera's pattern and clock (the top
// OverlayHeight rows of a DefaultHeight picture).
func overlayMask() [][]Point {
	y := float64(simcam.OverlayHeight) / simcam.DefaultHeight
	return [][]Point{{{0, 0}, {1, 0}, {1, y}, {0, y}}}
}

func newTestPixel(t *testing.T, cfg PixelConfig) *Pixel {
	t.Helper()
	cfg.FFmpeg = testpeer.Require(t, "ffmpeg")
	p, err := NewPixel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPixelSchedule: scheduled movements of the simulated camera each yield
// one motion within ±1 s of the schedule, in the zone the object crosses.
func TestPixelSchedule(t *testing.T) {
	t.Parallel()
	sched := simcam.Schedule{Start: t0, Still: 20 * time.Second, Move: 5 * time.Second}
	const d = 2 * time.Minute
	p := newTestPixel(t, PixelConfig{Masks: overlayMask(), Zones: []Zone{
		{Name: "floor", Polygon: []Point{{0, 0.5}, {1, 0.5}, {1, 1}, {0, 1}}},             // the object's path
		{Name: "sky", Polygon: []Point{{0, 0}, {1, 0}, {1, 0.45}, {0.5, 0.6}, {0, 0.45}}}, // above it (a concave pentagon)
	}})
	got := pairs(t, runToEOF(t, p, newCamSource(t, t0, d, sched, "")))
	checkStarts(t, got, scheduledStarts(sched, t0, t0.Add(d-3*time.Second)))
	for i, m := range got {
		_, end := sched.NextMove(m.start.Wall.Add(-2 * time.Second))
		if m.stop.Wall.Before(end.Add(-time.Second)) || m.stop.Wall.After(end.Add(time.Second)) {
			t.Errorf("motion %d: last motion at %v, want within ±1s of the movement's end %v", i, m.stop.Wall, end)
		}
		if len(m.stop.Zones) != 1 || m.stop.Zones[0] != "floor" {
			t.Errorf("motion %d: zones %q, want [floor]", i, m.stop.Zones)
		}
	}
}

// TestPixelStatic: ten minutes of a still simulated camera, its overlay
// masked, yield no observation.
func TestPixelStatic(t *testing.T) {
	t.Parallel()
	sched := simcam.Schedule{Start: t0, Still: 24 * time.Hour, Move: time.Second}
	p := newTestPixel(t, PixelConfig{Masks: overlayMask()})
	if obs := runToEOF(t, p, newCamSource(t, t0, staticFootage(), sched, "")); len(obs) != 0 {
		t.Fatalf("%d observations from a still scene, first %+v", len(obs), obs[0])
	}
}

// TestPixelX264: the libx264 clip's motion between 8 s and 12 s is found
// then, and its still parts (with sensor-like noise) yield nothing.
func TestPixelX264(t *testing.T) {
	t.Parallel()
	p := newTestPixel(t, PixelConfig{})
	clip := x264Clip(t, p.path, 20, 8, 12)
	got := pairs(t, runToEOF(t, p, newCamSource(t, t0, 20*time.Second, simcam.Schedule{}, clip)))
	checkStarts(t, got, []time.Time{t0.Add(8 * time.Second)})
	if end := got[0].stop.Wall; end.Before(t0.Add(11*time.Second)) || end.After(t0.Add(13*time.Second)) {
		t.Errorf("last motion at %v, want near %v", end, t0.Add(12*time.Second))
	}
	if got[0].start.Zones != nil {
		t.Errorf("zones %q without configured zones, want nil", got[0].start.Zones)
	}
}

// TestPixelNoFFmpeg: with ffmpeg missing from PATH, NewPixel says so.
func TestPixelNoFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := NewPixel(PixelConfig{})
	if !errors.Is(err, ErrNoFFmpeg) {
		t.Fatalf("NewPixel without ffmpeg: %v, want ErrNoFFmpeg", err)
	}
	t.Logf("error: %v", err)
}

// TestPixelConfigRefused: bad zones and sizes are refused up front.
func TestPixelConfigRefused(t *testing.T) {
	ffmpeg := testpeer.Require(t, "ffmpeg")
	sq := []Point{{0, 0}, {1, 0}, {1, 1}}
	for name, cfg := range map[string]PixelConfig{
		"two points":     {Zones: []Zone{{Name: "a", Polygon: sq[:2]}}},
		"outside":        {Zones: []Zone{{Name: "a", Polygon: []Point{{0, 0}, {2, 0}, {1, 1}}}}},
		"empty name":     {Zones: []Zone{{Polygon: sq}}},
		"duplicate name": {Zones: []Zone{{Name: "a", Polygon: sq}, {Name: "a", Polygon: sq}}},
		"bad mask":       {Masks: [][]Point{sq[:1]}},
		"width":          {Width: 4000},
	} {
		cfg.FFmpeg = ffmpeg
		if _, err := NewPixel(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
