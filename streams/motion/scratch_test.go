package motion

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
)

func TestScratchMargins(t *testing.T) {
	for _, s := range []float64{0.1, 0.2, 0.3, 0.7, 0.8, 0.9} {
		sched := simcam.Schedule{Start: t0, Still: 20 * time.Second, Move: 5 * time.Second}
		src := newCamSource(t, t0, 2*time.Minute, sched, "")
		got := pairs(t, runToEOF(t, NewBitstream(BitstreamConfig{Sensitivity: s}), src))
		sched = simcam.Schedule{Start: t0, Still: 24 * time.Hour, Move: time.Second}
		src = newCamSource(t, t0, 3*time.Minute, sched, "")
		st := runToEOF(t, NewBitstream(BitstreamConfig{Sensitivity: s}), src)
		t.Logf("sens %.1f: moving %d motions (want 5), static %d obs", s, len(got), len(st))
		for _, m := range got {
			t.Logf("  %v..%v %.2f", m.start.Wall.Format("04:05.0"), m.stop.Wall.Format("04:05.0"), m.stop.Score)
		}
	}
}
