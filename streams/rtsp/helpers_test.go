package rtsp

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

const (
	idA = "aaaaaaaaaaaaaaaa0000000000000001"
	idB = "bbbbbbbbbbbbbbbb0000000000000002"
)

// startSimcam runs a simulated camera server on 127.0.0.1:0 until the test ends.
func startSimcam(t testing.TB, cfg simcam.ServerConfig) *simcam.Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, err := simcam.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("simcam Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("simcam Run did not return after cancel")
		}
	})
	return s
}

// collector gathers published units; it is the publish func of a test.
type collector struct {
	mu    sync.Mutex
	units []*media.Unit
	wait  func(units []*media.Unit) bool // stop condition
	done  chan struct{}
	once  sync.Once
}

func newCollector(stop func([]*media.Unit) bool) *collector {
	return &collector{wait: stop, done: make(chan struct{})}
}

func (c *collector) publish(u *media.Unit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.units = append(c.units, u)
	if c.wait != nil && c.wait(c.units) {
		c.once.Do(func() { close(c.done) })
	}
}

func (c *collector) snapshot() []*media.Unit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*media.Unit(nil), c.units...)
}

// videoUnits counts video units.
func videoUnits(us []*media.Unit) []*media.Unit {
	var out []*media.Unit
	for _, u := range us {
		if u.Info.Tracks[u.Track].Codec.IsVideo() {
			out = append(out, u)
		}
	}
	return out
}

// runUntil runs a client until the collector's condition holds or limit
// passes, then cancels it and checks that Run returned nil.
func runUntil(t testing.TB, cfg Config, col *collector, limit time.Duration) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- c.Run(ctx, col.publish) }()
	select {
	case <-col.done:
	case err := <-errc:
		t.Fatalf("Run returned early: %v (units: %d)", err, len(col.snapshot()))
	case <-time.After(limit):
		t.Errorf("condition not met within %v (units: %d)", limit, len(col.snapshot()))
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// runErr runs a client that is expected to fail, bounded by limit.
func runErr(t testing.TB, cfg Config, limit time.Duration) (time.Duration, error) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	err = c.Run(ctx, func(*media.Unit) {})
	if err == nil {
		t.Fatalf("Run = nil after %v, want an error", time.Since(start))
	}
	return time.Since(start), err
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func requireKind(t testing.TB, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %q is not %q", err, kind)
	}
}
