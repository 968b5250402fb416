package clocktest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// waitUntil polls cond, failing after 10 s (a condition that holds within
// microseconds when the code is right).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-ch:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestManualClock(t *testing.T) {
	c := New(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("now %v, want %v", c.Now(), t0)
	}
	a, b := c.After(2*time.Second), c.After(5*time.Second)
	if c.Waiting() != 2 || !c.Now().Equal(t0) {
		t.Fatalf("%d waiting at %v; want 2, and a clock that stands still", c.Waiting(), c.Now())
	}
	c.Advance(time.Second)
	if _, ok := fired(a); ok {
		t.Fatal("a 2 s timer fired after 1 s")
	}
	c.Advance(time.Second)
	if v, ok := fired(a); !ok || !v.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("2 s timer after 2 s: fired %v at %v", ok, v)
	}
	if c.Waiting() != 1 {
		t.Fatalf("%d waiting, want 1", c.Waiting())
	}
	c.Set(t0) // a step back fires nothing
	if _, ok := fired(b); ok || !c.Now().Equal(t0) {
		t.Fatalf("after a step back to %v: now %v, 5 s timer fired %v", t0, c.Now(), ok)
	}
	c.Set(t0.Add(time.Hour))
	if v, ok := fired(b); !ok || !v.Equal(t0.Add(time.Hour)) {
		t.Fatalf("5 s timer after a step of an hour: fired %v at %v", ok, v)
	}
	if c.Waiting() != 0 || !slices.Equal(c.Waits(), []time.Duration{2 * time.Second, 5 * time.Second}) {
		t.Fatalf("%d waiting, waits %v", c.Waiting(), c.Waits())
	}
}

func TestAutoClock(t *testing.T) {
	c := NewAuto(t0)
	if v, ok := fired(c.After(3 * time.Second)); !ok || !v.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("auto After(3 s): fired %v at %v", ok, v)
	}
	if err := c.Sleep(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if !c.Now().Equal(t0.Add(time.Minute+3*time.Second)) || c.Waiting() != 0 {
		t.Fatalf("now %v, %d waiting; want t0+63s and none", c.Now(), c.Waiting())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleep on an ended context: %v", err)
	}
	if !slices.Equal(c.Waits(), []time.Duration{3 * time.Second, time.Minute, time.Second}) {
		t.Fatalf("waits %v", c.Waits())
	}
}

// TestSleepAcrossGoroutines: a sleeper wakes when another goroutine moves
// the clock past its deadline, and a cancelled sleep leaves no timer.
func TestSleepAcrossGoroutines(t *testing.T) {
	c := New(t0)
	done := make(chan error, 1)
	go func() { done <- c.Sleep(context.Background(), time.Second) }()
	waitUntil(t, "the sleeper's timer", func() bool { return c.Waiting() == 1 })
	c.Advance(999 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("woke before its deadline: %v", err)
	default:
	}
	c.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatalf("sleep: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- c.Sleep(ctx, time.Hour) }()
	waitUntil(t, "the second sleeper's timer", func() bool { return c.Waiting() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled sleep: %v", err)
	}
	if c.Waiting() != 0 {
		t.Fatalf("%d timers left after a cancelled sleep", c.Waiting())
	}
}
