package supervisor

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// One supervisor's source panics on every attempt and another's publish
// callback panics on every unit; a third, sharing their admission, keeps
// streaming on its first attempt, and the process survives.
func TestPanicIsolation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		adm := NewAdmission(2)
		var logs logBuffer
		streamer := func(id string) Source {
			return &fakeSource{run: func(ctx context.Context, publish func(*media.Unit)) error {
				time.Sleep(100 * time.Millisecond)
				for {
					publish(unitFor(id))
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-time.After(time.Second):
					}
				}
			}}
		}
		panicky := New(Config{CameraID: "panicky", Admission: adm, Logger: logs.logger(),
			Publish: func(*media.Unit) {},
			Source: &fakeSource{run: func(context.Context, func(*media.Unit)) error {
				time.Sleep(100 * time.Millisecond)
				panicInSource()
				return nil
			}}})
		badSink := New(Config{CameraID: "badsink", Admission: adm, Logger: logs.logger(),
			Source:  streamer("badsink"),
			Publish: func(*media.Unit) { panic("sink exploded") }})
		var healthyUnits int
		healthy := New(Config{CameraID: "healthy", Admission: adm, Logger: logs.logger(),
			Source:  streamer("healthy"),
			Publish: func(*media.Unit) { healthyUnits++ }})

		var wg sync.WaitGroup
		for _, s := range []*Supervisor{panicky, badSink, healthy} {
			wg.Go(func() { s.Run(ctx) })
		}
		time.Sleep(3 * time.Minute)
		synctest.Wait()

		h := healthy.Status()
		if h.State != StateStreaming || h.Attempts != 1 || h.LastError != "" {
			t.Errorf("healthy: %+v, want streaming on attempt 1 with no error", h)
		}
		if healthyUnits < 170 {
			t.Errorf("healthy forwarded %d units in 3 min, want ≥ 170", healthyUnits)
		}
		for _, tt := range []struct {
			s    *Supervisor
			want string
		}{
			{panicky, "source panicked: injected source panic"},
			{badSink, "publish callback panicked: sink exploded"},
		} {
			st := tt.s.Status()
			// Every attempt failed, but the 3 minutes may end while one is
			// under way (the backoff's jitter decides): it is not a failure
			// yet.
			failed := st.Attempts
			if st.State == StateConnecting {
				failed--
			}
			if st.Attempts < 5 || st.ConsecutiveFailures != failed || st.LastError != tt.want {
				t.Errorf("%s: %+v, want ≥ 5 failed attempts with %q", st.CameraID, st, tt.want)
			}
		}
		cancel()
		wg.Wait()
		out := logs.String()
		if !strings.Contains(out, "recovered panic") || !strings.Contains(out, "panicInSource") {
			t.Errorf("log lacks the recovered panic with its stack:\n%.2000s", out)
		}
		if got := adm.InFlight(); got != 0 {
			t.Errorf("InFlight = %d after Run, want 0: a panic leaked a slot", got)
		}
	})
}

// panicInSource is a named frame to find in the logged stack.
func panicInSource() { panic("injected source panic") }
