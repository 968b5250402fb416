package supervisor

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Cancelling Run's context stops it promptly in every state, cancels the
// source's context, and leaves no goroutine behind. Real clock: this is
// about real goroutines.
func TestStopPromptlyWithoutLeaks(t *testing.T) {
	// streaming: a source with its own goroutine, which it stops and waits
	// for before returning, as Source's contract asks.
	var sourceSawCancel atomic.Bool
	streaming := &fakeSource{run: func(ctx context.Context, publish func(*media.Unit)) error {
		var wg sync.WaitGroup
		wg.Go(func() {
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				publish(unitFor(camA))
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		})
		wg.Wait()
		sourceSawCancel.Store(true)
		return ctx.Err()
	}}
	handshaking := &fakeSource{run: func(ctx context.Context, _ func(*media.Unit)) error {
		<-ctx.Done()
		sourceSawCancel.Store(true)
		return ctx.Err()
	}}
	full := NewAdmission(1)
	hold, err := full.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer hold()

	tests := []struct {
		name       string
		cfg        Config
		state      State
		sourceRuns bool
	}{
		{"streaming", Config{Source: streaming}, StateStreaming, true},
		{"connecting", Config{Source: handshaking}, StateConnecting, true},
		{"backoff", Config{Source: &fakeSource{run: refused}, Backoff: Backoff{Base: time.Hour, Cap: time.Hour}}, StateUnreachable, false},
		{"queued", Config{Source: streaming, Admission: full}, StateQueued, false},
		{"starting", Config{Source: streaming, StartDelay: time.Hour}, StateStarting, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			sourceSawCancel.Store(false)
			cfg := tt.cfg
			cfg.CameraID = camA
			cfg.Publish = func(*media.Unit) {}
			s := New(cfg)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			waitFor(t, func() bool { return s.Status().State == tt.state })

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run = %v, want nil", err)
				}
			case <-time.After(time.Second):
				t.Fatal("Run did not return within 1s of cancel")
			}
			if tt.sourceRuns && !sourceSawCancel.Load() {
				t.Error("the source's context was not cancelled before Run returned")
			}
			if got := s.Status().State; got != StateStopped {
				t.Errorf("state %q after Run, want %q", got, StateStopped)
			}
			deadline := time.Now().Add(2 * time.Second)
			for runtime.NumGoroutine() > base {
				if time.Now().After(deadline) {
					buf := make([]byte, 1<<16)
					t.Fatalf("%d goroutines, baseline %d:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}
