package hub

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
)

func TestStats(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := clocktest.New(start)
	h := New("cam-1", Options{Now: clock.Now})
	defer h.Close()
	if st := h.Stats(); st.BitsPerSecond != 0 || st.FPS != 0 || !st.LastUnit.IsZero() {
		t.Fatalf("before any unit: %+v", st)
	}
	h.Subscribe(SubscribeOptions{})
	// 10 s of 10 fps video, 100-byte pictures: 8000 bit/s.
	units := gen(avInfo("cam-1"), 100, 10, 0, false)
	for i, u := range units {
		clock.Set(start.Add(time.Duration(i) * 100 * time.Millisecond))
		h.Publish(u)
	}
	last := clock.Now()
	tests := []struct {
		name     string
		at       time.Time
		bps, fps float64 // want, ±7% (the window moves in 1/20 steps)
	}{
		{name: "at last unit", at: last, bps: 8000, fps: 10},
		{name: "half a window later", at: last.Add(2500 * time.Millisecond), bps: 4000, fps: 5},
		{name: "idle for a window", at: last.Add(5 * time.Second), bps: 0, fps: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Set(tc.at)
			st := h.Stats()
			if st.BitsPerSecond < tc.bps*0.93 || st.BitsPerSecond > tc.bps*1.07 {
				t.Fatalf("BitsPerSecond %.0f, want %.0f", st.BitsPerSecond, tc.bps)
			}
			if st.FPS < tc.fps*0.93 || st.FPS > tc.fps*1.07 {
				t.Fatalf("FPS %.2f, want %.2f", st.FPS, tc.fps)
			}
			if st.Units != 100 || st.Bytes != 10000 || !st.LastUnit.Equal(last) || st.Subscribers != 1 || st.CameraID != "cam-1" {
				t.Fatalf("counters: %+v", st)
			}
		})
	}
}
