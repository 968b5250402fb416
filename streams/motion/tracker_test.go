package motion

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// TestTracker drives the hysteresis with frames 100 ms apart.
func TestTracker(t *testing.T) {
	t.Parallel()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 100 * time.Millisecond) }
	type want struct {
		frame  int
		moving bool
		wall   int // frame whose wall the observation carries
	}
	for _, c := range []struct {
		name   string
		cfg    TrackerConfig
		active func(i int) bool
		frames int
		want   []want
	}{
		{"blip too short", TrackerConfig{}, func(i int) bool { return i == 10 || i == 11 }, 100, nil},
		{"motion", TrackerConfig{}, func(i int) bool { return i >= 10 && i < 30 }, 100, []want{
			{13, true, 10}, {18, true, 18}, {23, true, 23}, {28, true, 28}, {33, true, 33}, {38, true, 38}, {43, true, 43}, {48, true, 48}, {49, false, 29}, // repeats go on during the hold
		}},
		{"gap shorter than hold", TrackerConfig{Hold: time.Second}, func(i int) bool { return i >= 10 && i < 40 && (i < 20 || i >= 28) }, 60, []want{
			{13, true, 10}, {18, true, 18}, {23, true, 23}, {28, true, 28}, {33, true, 33}, {38, true, 38}, {43, true, 43}, {48, true, 48}, {49, false, 39},
		}},
		{"max motion", TrackerConfig{MaxMotion: 2 * time.Second, Hold: 5 * time.Second}, func(i int) bool { return i >= 10 }, 35, []want{
			{13, true, 10}, {18, true, 18}, {23, true, 23}, {28, true, 28}, {30, false, 30}, {34, true, 31},
		}},
	} {
		tr := newTracker(c.cfg)
		var got []want
		for i := range c.frames {
			if o, ok := tr.frame(at(i), c.active(i), 0.5, nil); ok {
				got = append(got, want{i, o.Moving, int(o.Wall.Sub(t0) / (100 * time.Millisecond))})
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: observation %d: %+v, want %+v", c.name, i, got[i], c.want[i])
			}
		}
		if o, ok := tr.close(); ok != (c.name == "max motion") || (ok && o.Moving) {
			t.Errorf("%s: close: %+v %v", c.name, o, ok)
		}
	}
}

// infoSwapper replaces the StreamInfo (same content, new pointer, as after a
// reconnect) from the given frames on.
type infoSwapper struct {
	*camSource
	at   map[int]bool
	info *media.StreamInfo
}

func (s *infoSwapper) Next(ctx context.Context) (*media.Unit, error) {
	if s.at[s.n] {
		c := *s.camSource.info
		s.info = &c
	}
	u, err := s.camSource.Next(ctx)
	if u != nil && s.info != nil {
		u.Info = s.info
	}
	return u, err
}

// TestPixelStreamChange: a new StreamInfo mid-stream restarts ffmpeg and
// detection carries on.
func TestPixelStreamChange(t *testing.T) {
	t.Parallel()
	sched := simcam.Schedule{Start: t0, Still: 20 * time.Second, Move: 5 * time.Second}
	const d = time.Minute
	p := newTestPixel(t, PixelConfig{Masks: overlayMask()})
	src := &infoSwapper{camSource: newCamSource(t, t0, d, sched, ""), at: map[int]bool{151: true, 353: true}}
	checkStarts(t, pairs(t, runToEOF(t, p, src)), scheduledStarts(sched, t0, t0.Add(d-3*time.Second)))
}
