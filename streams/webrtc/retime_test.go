package webrtc

import (
	"testing"
	"time"
)

// TestRetimer: live spacing is kept, a burst is squeezed onto the wall
// clock, and a source going back in time still moves RTP time forward.
func TestRetimer(t *testing.T) {
	r := newRetimer(90000, 1000)
	t0 := time.Unix(1000, 0)
	steps := []struct {
		name      string
		at        time.Duration // wall time since t0
		dts       int64
		wantDelta int64 // RTP ticks since the previous unit
		wantBurst bool
	}{
		{"first", 0, 900000, 0, false},
		{"cached GOP, sent at once", 1 * time.Millisecond, 909000, 90, true},
		{"cached GOP, sent at once", 1 * time.Millisecond, 918000, 90, true},
		{"live, on time", 100 * time.Millisecond, 927000, 9000, false},
		{"live, 20 ms late", 220 * time.Millisecond, 936000, 9000, false},
		{"live, early within slack", 300 * time.Millisecond, 945000, 9000, false},
		{"restart from cache (back in time)", 310 * time.Millisecond, 918000, 900, true},
		{"after a stall, late: own spacing", 2 * time.Second, 927000, 9000, false},
		{"after a stall, burst", 2 * time.Second, 936000, 90, true},
	}
	var prev uint32
	for i, s := range steps {
		ts, burst := r.next(t0.Add(s.at), s.dts)
		if i == 0 {
			if ts != 1000 {
				t.Fatalf("first ts %d, want the base 1000", ts)
			}
		} else if d := int64(ts - prev); d != s.wantDelta || burst != s.wantBurst {
			t.Errorf("step %d (%s): delta %d burst %v, want %d %v", i, s.name, d, burst, s.wantDelta, s.wantBurst)
		}
		prev = ts
	}
}
