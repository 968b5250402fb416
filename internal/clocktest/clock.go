// Package clocktest is the tests' one fake clock: a wall clock that stands
// still until a test moves it, with the timers the code under test waits
// on. It imports nothing of Hearth, so any package's tests may use it, and
// no shipped package may (cmd/layout_test.go).
package clocktest

import (
	"context"
	"sync"
	"time"
)

// Clock is a settable clock. Its methods are safe for concurrent use; a
// test moves it from its own goroutine while the code under test reads it
// and waits on it from others.
//
// A Clock made by New stands still until Advance or Set moves it, and its
// timers (After, Sleep) fire when it reaches them. One made by NewAuto
// moves itself: every wait advances it by the wait's duration at once, so
// paced code runs without real time passing and the clock shows its
// schedule.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	auto   bool
	waits  []time.Duration
	timers []timer
}

type timer struct {
	at time.Time
	ch chan time.Time
}

// New returns a clock at t that moves only when told.
func New(t time.Time) *Clock { return &Clock{now: t} }

// NewAuto returns a clock at t that every wait advances by its duration.
func NewAuto(t time.Time) *Clock { return &Clock{now: t, auto: true} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and fires the timers that are due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveLocked(c.now.Add(d))
}

// Set moves the clock to t, forward or back (a wall clock may step), and
// fires the timers that are due.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveLocked(t)
}

func (c *Clock) moveLocked(t time.Time) {
	c.now = t
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if tm.at.After(t) {
			kept = append(kept, tm)
			continue
		}
		tm.ch <- t // buffered, and sent to once
	}
	clear(c.timers[len(kept):]) // drop the fired channels
	c.timers = kept
}

// After returns a channel that receives the clock's time once d has passed
// on it (at once for an auto clock, which advances by d).
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.afterLocked(d)
}

func (c *Clock) afterLocked(d time.Duration) chan time.Time {
	ch := make(chan time.Time, 1)
	c.waits = append(c.waits, d)
	if c.auto {
		c.moveLocked(c.now.Add(d))
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, timer{at: c.now.Add(d), ch: ch})
	return ch
}

// Sleep waits until d has passed on the clock or ctx ends, and returns
// ctx.Err() in that case; an auto clock advances by d and returns at once.
// Its signature is the one streams/supervisor's Config.Sleep takes.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	ch := c.afterLocked(d)
	c.mu.Unlock()
	select {
	case <-ch:
		return ctx.Err()
	case <-ctx.Done():
		// The timer goes with the sleep, so Waiting counts only live ones.
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, tm := range c.timers {
			if tm.ch == ch {
				c.timers = append(c.timers[:i], c.timers[i+1:]...)
				break
			}
		}
		return ctx.Err()
	}
}

// Waiting returns the number of timers that have not fired.
func (c *Clock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Waits returns the duration of every wait (After and Sleep) so far, in
// order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
