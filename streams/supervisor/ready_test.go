package supervisor

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// readySource signals the end of its handshake, then waits without media
// (a camera whose next keyframe is far away).
type readySource struct{}

func (readySource) Run(ctx context.Context, publish func(*media.Unit)) error {
	return readySource{}.RunReady(ctx, publish, func() {})
}

func (readySource) RunReady(ctx context.Context, _ func(*media.Unit), ready func()) error {
	ready()
	<-ctx.Done()
	return ctx.Err()
}

// TestReadySourceFreesSlotAtHandshake: with one admission slot, a second
// camera gets to connect while the first waits for its first unit.
func TestReadySourceFreesSlotAtHandshake(t *testing.T) {
	t.Parallel()
	adm := NewAdmission(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sups []*Supervisor
	for range 2 {
		s := New(Config{Source: readySource{}, Publish: func(*media.Unit) {}, Admission: adm,
			ReadTimeout: -1, ConnectTimeout: -1})
		sups = append(sups, s)
		go func() { _ = s.Run(ctx) }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		a, b := sups[0].Status(), sups[1].Status()
		if a.State == StateConnecting && b.State == StateConnecting && adm.InFlight() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("states %s/%s, in flight %d: the slot was not freed at the handshake", a.State, b.State, adm.InFlight())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
