package nvr

import (
	"fmt"
	"testing"
	"time"
)

// TestLimiterAttemptsAllowed measures how many password guesses an online
// attacker gets who retries the moment the limiter allows, over one
// simulated hour, in three shapes: one address at one account, a botnet
// (a fresh address per guess) at one account, and one address spraying
// many accounts. It prints the figures (SECURITY.md quotes them) and fails
// when a shape gets more than the documented bound.
func TestLimiterAttemptsAllowed(t *testing.T) {
	t.Parallel()
	const hour = time.Hour
	shapes := []struct {
		name    string
		account func(i int) string
		addr    func(i int) string
		maxHour int // documented bound
	}{
		{"one address, one account", func(int) string { return "ana" }, func(int) string { return "198.51.100.7:4000" }, 20},
		{"botnet, one account", func(int) string { return "ana" }, freshAddr, 20},
		{"one address, many accounts", func(i int) string { return fmt.Sprintf("user%d", i) }, func(int) string { return "198.51.100.7:4000" }, 40},
	}
	for _, sh := range shapes {
		clock := newLimiterClock()
		l := NewLoginLimiter(clock.Now)
		start := clock.Now()
		firstMinute, total := 0, 0
		for i := 0; i < 100_000; i++ { // bounded: far more than an hour allows
			elapsed := clock.Now().Sub(start)
			if elapsed >= hour {
				break
			}
			acct, addr := sh.account(i), sh.addr(i)
			if w := l.Wait(acct, addr); w > 0 {
				clock.Advance(w)
				continue
			}
			l.Failed(acct, addr)
			total++
			if elapsed < time.Minute {
				firstMinute++
			}
			clock.Advance(10 * time.Millisecond) // the attacker's round trip
		}
		t.Logf("%-28s first minute: %3d guesses; first hour: %3d guesses (%.2f/min); steady: 1 per %v",
			sh.name, firstMinute, total, float64(total)/60, l.maxDelay)
		if total > sh.maxHour {
			t.Errorf("%s: %d guesses in an hour, want at most %d", sh.name, total, sh.maxHour)
		}
	}
}
