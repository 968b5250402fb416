package supervisor

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

func TestCeiling(t *testing.T) {
	b := Backoff{}.withDefaults()
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i, w := range want {
		if got := b.ceiling(i + 1); got != w*time.Second {
			t.Errorf("ceiling(%d) = %v, want %v", i+1, got, w*time.Second)
		}
	}
	if got := b.ceiling(1 << 20); got != 30*time.Second {
		t.Errorf("ceiling(2^20) = %v, want 30s", got)
	}
	huge := Backoff{Base: time.Second, Cap: time.Duration(1<<63 - 1)}.withDefaults()
	if got := huge.ceiling(200); got != huge.Cap {
		t.Errorf("ceiling(200) with a huge cap = %v, want %v (no overflow)", got, huge.Cap)
	}
}

func TestPauseBounds(t *testing.T) {
	b := Backoff{}.withDefaults()
	r := rand.New(newSeed(7))
	tests := []struct {
		err   error
		state State
		floor time.Duration
	}{
		{fmt.Errorf("dial: %w", media.ErrUnreachable), StateUnreachable, 0},
		{fmt.Errorf("401: %w", media.ErrAuth), StateAuthFailed, 30 * time.Second},
		{fmt.Errorf("mjpeg: %w", media.ErrUnsupported), StateUnsupported, 5 * time.Minute},
		{fmt.Errorf("sdp: %w", media.ErrProtocol), StateBackoff, 0},
		{media.ErrNoMedia, StateBackoff, 0},
		{errors.New("something else"), StateBackoff, 0},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			for n := 1; n <= 12; n++ {
				for range 50 {
					st, d := b.pause(tt.err, n, r)
					if st != tt.state {
						t.Fatalf("state = %q, want %q", st, tt.state)
					}
					if lo, hi := tt.floor, tt.floor+b.ceiling(n); d < lo || d > hi {
						t.Fatalf("failure %d: pause %v outside [%v, %v]", n, d, lo, hi)
					}
				}
			}
		})
	}
}

func refused(context.Context, func(*media.Unit)) error {
	return fmt.Errorf("dial tcp 10.0.0.9:554: connect: connection refused: %w", media.ErrUnreachable)
}

// With the jitter at its ceiling every time, the pauses are the ceilings:
// they double from Base and stop at Cap.
func TestBackoffScheduleAtCeiling(t *testing.T) {
	c, _ := runInstant(Config{Source: &fakeSource{run: refused}, Rand: maxSource{}}, afterSleeps(8))
	got := c.Waits()
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	if len(got) != len(want) {
		t.Fatalf("got %d pauses, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Errorf("pause %d = %v, want %v", i+1, got[i], want[i]*time.Second)
		}
	}
}

// With a seeded source, every pause lies in [0, min(Cap, Base·2^(n-1))],
// and the same seed gives the same schedule.
func TestBackoffScheduleJittered(t *testing.T) {
	const n = 40
	c, s := runInstant(Config{Source: &fakeSource{run: refused}, Rand: newSeed(42)}, afterSleeps(n))
	got := c.Waits()
	if len(got) != n {
		t.Fatalf("got %d pauses, want %d", len(got), n)
	}
	var early, late time.Duration // mean of the first 3 vs the last 10: the schedule grows
	for i, d := range got {
		hi := 30 * time.Second
		if i < 5 {
			hi = time.Second << i
		}
		if d < 0 || d > hi {
			t.Errorf("pause %d = %v, outside [0, %v]", i+1, d, hi)
		}
		if i < 3 {
			early += d / 3
		}
		if i >= n-10 {
			late += d / 10
		}
	}
	if late <= early {
		t.Errorf("mean pause early %v, late %v: want growth", early, late)
	}
	if got := s.Status().ConsecutiveFailures; got != n {
		t.Errorf("ConsecutiveFailures = %d, want %d", got, n)
	}
	again, _ := runInstant(Config{Source: &fakeSource{run: refused}, Rand: newSeed(42)}, afterSleeps(n))
	for i, d := range again.Waits() {
		if d != got[i] {
			t.Fatalf("same seed, pause %d: %v then %v", i+1, got[i], d)
		}
	}
}

// A camera refusing connections at once, forever, is dialled a bounded
// number of times per simulated minute: the schedule paces it, whatever
// the seed.
func TestRefusedLoopIsPaced(t *testing.T) {
	var worst, total int
	const seeds = 50
	for seed := range uint64(seeds) {
		attempts := 0
		var c *instantRun
		src := &fakeSource{run: func(ctx context.Context, p func(*media.Unit)) error {
			attempts++
			c.Advance(time.Millisecond) // a refused dial on a LAN
			return refused(ctx, p)
		}}
		var s *Supervisor
		c, s = newInstant(Config{Source: src, Rand: newSeed(seed)})
		c.runUntil(s, func(_ []time.Duration, now time.Time) bool { return now.Sub(clockStart) >= time.Minute })
		worst = max(worst, attempts)
		total += attempts
	}
	// Ceilings 1+2+4+8+16 s, then 30 s: about 30 s of expected pause for
	// the first 6 attempts and 15 s each after, ≈ 8 attempts a minute.
	t.Logf("attempts per simulated minute: mean %.1f, worst %d over %d seeds", float64(total)/seeds, worst, seeds)
	if worst > 25 {
		t.Errorf("worst seed made %d attempts in a simulated minute, want ≤ 25", worst)
	}
	if float64(total)/seeds > 12 {
		t.Errorf("mean %.1f attempts a minute, want ≤ 12", float64(total)/seeds)
	}
}
