package supervisor

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// site is a fleet of simulated cameras that can all drop at once and refuse
// connections for a while (a switch reboot, a power cut).
type site struct {
	handshake time.Duration
	down      atomic.Bool
	mu        sync.Mutex
	drop      chan struct{} // closed to cut every live session
}

func (s *site) dropChan() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drop
}

// outage cuts every session and refuses connections until restore.
func (s *site) outage() {
	s.down.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.drop)
	s.drop = make(chan struct{})
}

func (s *site) restore() { s.down.Store(false) }

// camera returns the source of camera id: a handshake, then a unit a second
// until the session is cut.
func (s *site) camera(id string) Source {
	return &fakeSource{run: func(ctx context.Context, publish func(*media.Unit)) error {
		if s.down.Load() {
			time.Sleep(5 * time.Millisecond)
			return fmt.Errorf("dial tcp: connect: connection refused: %w", media.ErrUnreachable)
		}
		drop := s.dropChan()
		select {
		case <-time.After(s.handshake):
		case <-ctx.Done():
			return ctx.Err()
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			publish(unitFor(id))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-drop:
				return fmt.Errorf("read: connection reset by peer: %w", media.ErrUnreachable)
			case <-tick.C:
			}
		}
	}}
}

// 200 cameras start together and later all drop and come back together: at
// no point are more than 8 handshakes in flight, every camera reaches
// streaming within a bound, and no unit ever reaches another camera's
// supervisor. Time is synctest's fake clock.
func TestAdmissionStorm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			cameras   = 200
			limit     = 8
			handshake = 500 * time.Millisecond
		)
		ctx, cancel := context.WithCancel(t.Context())
		st := &site{handshake: handshake, drop: make(chan struct{})}
		adm := NewAdmission(limit)
		sups := make([]*Supervisor, cameras)
		var wrongCamera atomic.Int64
		var wg sync.WaitGroup
		for i := range sups {
			id := fmt.Sprintf("cam%028d", i)
			sups[i] = New(Config{
				CameraID:  id,
				Source:    st.camera(id),
				Admission: adm,
				Rand:      newSeed(uint64(i)),
				Publish: func(u *media.Unit) {
					if u.CameraID() != id {
						wrongCamera.Add(1)
					}
				},
			})
			wg.Go(func() { sups[i].Run(ctx) })
		}
		allStreaming := func(bound time.Duration) time.Duration {
			t.Helper()
			start := time.Now()
			for {
				n := 0
				for _, s := range sups {
					if s.Status().State == StateStreaming {
						n++
					}
				}
				if n == cameras {
					return time.Since(start)
				}
				if time.Since(start) > bound {
					t.Fatalf("%d of %d cameras streaming after %v", n, cameras, bound)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}

		// Cold start: 200 handshakes of 0.5 s through 8 slots take 12.5 s.
		took := allStreaming(20 * time.Second)
		t.Logf("cold start: all %d streaming after %v, peak in flight %d", cameras, took, adm.Peak())
		if got := adm.Peak(); got != limit {
			t.Errorf("cold start: Peak = %d, want %d (never more, and the limit used)", got, limit)
		}
		if want := cameras / limit * handshake; took < want || took > want+time.Second {
			t.Errorf("cold start took %v, want about %v", took, want)
		}

		// Storm: every session drops, the site refuses connections for 20 s,
		// then everything comes back. A camera's pause is at most Cap (30 s)
		// and the queue drains in 12.5 s.
		adm.ResetPeak()
		st.outage()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		for _, s := range sups {
			if got := s.Status().State; got == StateStreaming {
				t.Fatalf("a camera is streaming during the outage")
			}
		}
		st.restore()
		bound := 30*time.Second + cameras/limit*handshake + time.Second
		took = allStreaming(bound)
		t.Logf("storm: all %d streaming %v after restore (bound %v), peak in flight %d", cameras, took, bound, adm.Peak())
		if got := adm.Peak(); got > limit {
			t.Errorf("storm: Peak = %d, want ≤ %d", got, limit)
		}
		if got := wrongCamera.Load(); got != 0 {
			t.Errorf("%d units reached another camera's supervisor", got)
		}
		cancel()
		wg.Wait()
		if got := adm.InFlight(); got != 0 {
			t.Errorf("InFlight = %d after every Run returned, want 0", got)
		}
	})
}
