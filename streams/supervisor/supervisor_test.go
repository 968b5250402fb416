package supervisor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

const (
	camA = "aaaaaaaaaaaaaaaa0000000000000001"
	camB = "bbbbbbbbbbbbbbbb0000000000000002"
)

// The failure count resets only after ResetAfter of continuous units.
func TestBackoffResetsAfterStableStreaming(t *testing.T) {
	tests := []struct {
		name     string
		streamed time.Duration
		want     []time.Duration // pauses in seconds, the jitter at its ceiling
		wantN    int             // ConsecutiveFailures seen at the end of streaming
	}{
		{"61s", 61 * time.Second, []time.Duration{1, 2, 4, 8, 16, 1, 2}, 0},
		{"59s", 59 * time.Second, []time.Duration{1, 2, 4, 8, 16, 30, 30}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *instantRun
			var s *Supervisor
			attempt, seenN := 0, -1
			src := &fakeSource{run: func(ctx context.Context, publish func(*media.Unit)) error {
				attempt++
				if attempt != 6 {
					return refused(ctx, publish)
				}
				for el := time.Duration(0); el <= tt.streamed; el += time.Second {
					publish(unitFor(camA))
					if el < tt.streamed {
						c.Advance(time.Second)
					}
				}
				seenN = s.Status().ConsecutiveFailures
				return fmt.Errorf("read: EOF: %w", media.ErrProtocol)
			}}
			c, s = newInstant(Config{CameraID: camA, Source: src, Rand: maxSource{}})
			c.runUntil(s, afterSleeps(len(tt.want)))
			got := c.Waits()
			for i := range tt.want {
				if got[i] != tt.want[i]*time.Second {
					t.Errorf("pause %d = %v, want %v", i+1, got[i], tt.want[i]*time.Second)
				}
			}
			if seenN != tt.wantN {
				t.Errorf("ConsecutiveFailures after streaming %v = %d, want %d", tt.streamed, seenN, tt.wantN)
			}
		})
	}
}

// Each error class leads to its state, keeps the (redacted) message, and
// paces the retry: no sooner than the class's floor, at most floor+ceiling.
func TestFailureClasses(t *testing.T) {
	tests := []struct {
		name     string
		run      func(ctx context.Context, publish func(*media.Unit)) error
		state    State
		floor    time.Duration
		errorHas string
	}{
		{"unreachable", refused, StateUnreachable, 0, "connection refused"},
		{"auth", func(context.Context, func(*media.Unit)) error {
			return fmt.Errorf("describe rtsp://cam/main: 401: %w", media.ErrAuth)
		}, StateAuthFailed, 30 * time.Second, "authentication failed"},
		{"unsupported", func(context.Context, func(*media.Unit)) error {
			return fmt.Errorf("no H.264/H.265 track (MJPEG): %w", media.ErrUnsupported)
		}, StateUnsupported, 5 * time.Minute, "MJPEG"},
		{"no stream at the path", func(context.Context, func(*media.Unit)) error {
			return fmt.Errorf("describe rtsp://cam/cam/9: 404 (Not Found): %w", media.ErrNotFound)
		}, StateNoStream, 0, "404"},
		{"protocol", func(context.Context, func(*media.Unit)) error {
			return fmt.Errorf("bad SDP: %w", media.ErrProtocol)
		}, StateBackoff, 0, "bad SDP"},
		{"no media", func(context.Context, func(*media.Unit)) error {
			return fmt.Errorf("%w: RTP timeout", media.ErrNoMedia)
		}, StateBackoff, 0, "no media"},
		{"unclassified", func(context.Context, func(*media.Unit)) error {
			return errors.New("mystery")
		}, StateBackoff, 0, "mystery"},
		{"nil", func(context.Context, func(*media.Unit)) error { return nil }, StateBackoff, 0, "without error"},
		{"panic", func(context.Context, func(*media.Unit)) error { panic("kaboom") }, StateBackoff, 0, "source panicked: kaboom"},
		{"wrong camera", func(ctx context.Context, publish func(*media.Unit)) error {
			publish(unitFor(camB))
			<-ctx.Done()
			return ctx.Err()
		}, StateBackoff, 0, "unit of camera"},
		{"nil unit", func(ctx context.Context, publish func(*media.Unit)) error {
			publish(nil)
			<-ctx.Done()
			return ctx.Err()
		}, StateBackoff, 0, "without stream info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log statusLog
			var forwarded int
			const n = 4
			c, s := runInstant(Config{
				CameraID: camA,
				Source:   &fakeSource{run: tt.run},
				Publish:  func(*media.Unit) { forwarded++ },
				OnChange: log.add,
			}, afterSleeps(n))

			fails := log.failures()
			if len(fails) != n {
				t.Fatalf("got %d failure statuses, want %d", len(fails), n)
			}
			sleeps := c.Waits()
			b := Backoff{}.withDefaults()
			for i, st := range fails {
				if st.State != tt.state {
					t.Errorf("failure %d: state %q, want %q", i+1, st.State, tt.state)
				}
				if !strings.Contains(st.LastError, tt.errorHas) {
					t.Errorf("failure %d: LastError %q, want it to contain %q", i+1, st.LastError, tt.errorHas)
				}
				if st.ConsecutiveFailures != i+1 || st.Attempts != i+1 {
					t.Errorf("failure %d: ConsecutiveFailures %d, Attempts %d, want %d, %d",
						i+1, st.ConsecutiveFailures, st.Attempts, i+1, i+1)
				}
				if st.CameraID != camA {
					t.Errorf("failure %d: CameraID %q, want %q", i+1, st.CameraID, camA)
				}
				wait := st.NextAttempt.Sub(st.Since)
				if wait != sleeps[i] {
					t.Errorf("failure %d: NextAttempt-Since = %v, but slept %v", i+1, wait, sleeps[i])
				}
				if lo, hi := tt.floor, tt.floor+b.ceiling(i+1); wait < lo || wait > hi {
					t.Errorf("failure %d: pause %v outside [%v, %v]", i+1, wait, lo, hi)
				}
			}
			if forwarded != 0 {
				t.Errorf("%d units forwarded, want 0", forwarded)
			}
			// The first attempt's states, in order.
			var states []State
			for _, st := range log.list()[:3] {
				states = append(states, st.State)
			}
			if want := []State{StateQueued, StateConnecting, tt.state}; fmt.Sprint(states) != fmt.Sprint(want) {
				t.Errorf("states %v, want %v", states, want)
			}
			if got := s.Status().State; got != StateStopped {
				t.Errorf("after Run: state %q, want %q", got, StateStopped)
			}
		})
	}
}

// A unit published after the source returned never reaches Publish.
func TestLatePublishDropped(t *testing.T) {
	var leaked func(*media.Unit)
	forwarded := 0
	src := &fakeSource{run: func(_ context.Context, publish func(*media.Unit)) error {
		if leaked == nil {
			publish(unitFor(camA))
			leaked = publish
		}
		return fmt.Errorf("EOF: %w", media.ErrProtocol)
	}}
	c, s := newInstant(Config{CameraID: camA, Source: src, Publish: func(*media.Unit) { forwarded++ }})
	c.runUntil(s, func([]time.Duration, time.Time) bool {
		leaked(unitFor(camA))
		return true
	})
	if forwarded != 1 {
		t.Errorf("forwarded %d units, want 1", forwarded)
	}
}

func TestStartDelayAndDisabled(t *testing.T) {
	t.Run("start delay", func(t *testing.T) {
		var log statusLog
		c, _ := runInstant(Config{Source: &fakeSource{run: refused}, StartDelay: 7 * time.Second, OnChange: log.add}, afterSleeps(2))
		if got := c.Waits()[0]; got != 7*time.Second {
			t.Errorf("first pause %v, want the 7s start delay", got)
		}
		first := log.list()[0]
		if first.State != StateStarting || first.NextAttempt.Sub(first.Since) != 7*time.Second {
			t.Errorf("first status %+v, want starting for 7s", first)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		called := false
		src := &fakeSource{run: func(context.Context, func(*media.Unit)) error { called = true; return nil }}
		s := New(Config{Source: src, Publish: func(*media.Unit) {}, Disabled: true})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		waitFor(t, func() bool { return s.Status().State == StateDisabled })
		if err := s.Run(ctx); !errors.Is(err, errRunning) {
			t.Errorf("second Run = %v, want %v", err, errRunning)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if called {
			t.Error("a disabled supervisor ran its source")
		}
		if got := s.Status().State; got != StateStopped {
			t.Errorf("state %q, want %q", got, StateStopped)
		}
	})
}

func TestNewRejectsMissingParts(t *testing.T) {
	for _, cfg := range []Config{{Publish: func(*media.Unit) {}}, {Source: &fakeSource{}}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", cfg)
				}
			}()
			New(cfg)
		}()
	}
}

// waitFor polls cond on the real clock for up to 10 s; on timeout it
// fails with the statuses of sups.
func waitFor(t *testing.T, cond func() bool, sups ...*Supervisor) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			var sts []string
			for _, s := range sups {
				sts = append(sts, fmt.Sprintf("%+v", s.Status()))
			}
			t.Fatalf("condition not met within 10s; statuses:\n%s", strings.Join(sts, "\n"))
		}
		time.Sleep(time.Millisecond)
	}
}
