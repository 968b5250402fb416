package supervisor

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// A source that publishes once and then stalls is cancelled exactly
// ReadTimeout after its last unit and reconnected; the state names the
// cause as no media. A source that never publishes is cancelled after
// ConnectTimeout and frees its admission slot the same way. Time is
// synctest's fake clock: the test takes no real seconds.
func TestReadTimeout(t *testing.T) {
	tests := []struct {
		name     string
		units    int
		errorHas string
		timeout  time.Duration
	}{
		{"stall after one unit", 1, "no media: no unit for 10s", DefaultReadTimeout},
		{"no unit at all", 0, "no media: no unit within 30s of connecting", DefaultConnectTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				adm := NewAdmission(1)
				var lastUnit, cancelled []time.Time
				src := &fakeSource{run: func(ctx context.Context, publish func(*media.Unit)) error {
					time.Sleep(200 * time.Millisecond) // handshake
					for range tt.units {
						publish(unitFor(camA))
						lastUnit = append(lastUnit, time.Now())
					}
					<-ctx.Done()
					cancelled = append(cancelled, time.Now())
					return ctx.Err()
				}}
				var log statusLog
				s := New(Config{CameraID: camA, Source: src, Publish: func(*media.Unit) {},
					Admission: adm, OnChange: log.add, Rand: newSeed(3)})
				done := make(chan error, 1)
				go func() { done <- s.Run(ctx) }()

				time.Sleep(5 * time.Second)
				synctest.Wait()
				want := StateStreaming
				if tt.units == 0 {
					want = StateConnecting
				}
				if got := s.Status().State; got != want {
					t.Errorf("after 5s: state %q, want %q", got, want)
				}
				time.Sleep(3*tt.timeout + 10*time.Second)
				synctest.Wait()
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run = %v", err)
				}

				fails := log.failures()
				if len(fails) < 2 {
					t.Fatalf("%d failures, want ≥ 2 reconnects", len(fails))
				}
				for i, st := range fails {
					if st.State != StateBackoff || !strings.HasPrefix(st.LastError, tt.errorHas) {
						t.Errorf("failure %d: %q %q, want %q %q…", i+1, st.State, st.LastError, StateBackoff, tt.errorHas)
					}
				}
				// The first cancel comes exactly ReadTimeout after the last unit
				// (or after the attempt began).
				from := time.Time{}
				if tt.units > 0 {
					from = lastUnit[0]
				} else {
					for _, st := range log.list() {
						if st.State == StateConnecting {
							from = st.Since
							break
						}
					}
				}
				if got := cancelled[0].Sub(from); got != tt.timeout {
					t.Errorf("source cancelled %v after its last sign of life, want %v", got, tt.timeout)
				}
				if got := adm.InFlight(); got != 0 {
					t.Errorf("InFlight = %d after Run, want 0", got)
				}
			})
		})
	}
}

// A camera whose first key picture takes longer than ReadTimeout (a long
// GOP) still streams on its first attempt: until the first unit only
// ConnectTimeout applies.
func TestSlowFirstUnit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		src := &fakeSource{run: func(ctx context.Context, publish func(*media.Unit)) error {
			select {
			case <-time.After(18 * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
			for {
				publish(unitFor(camA))
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Second):
				}
			}
		}}
		s := New(Config{CameraID: camA, Source: src, Publish: func(*media.Unit) {}})
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		time.Sleep(time.Minute)
		synctest.Wait()
		if st := s.Status(); st.State != StateStreaming || st.Attempts != 1 {
			t.Errorf("status %+v, want streaming on attempt 1", st)
		}
		cancel()
		<-done
	})
}
