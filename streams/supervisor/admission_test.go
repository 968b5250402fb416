package supervisor

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAdmission(t *testing.T) {
	if got := NewAdmission(0).Limit(); got != DefaultAdmissionLimit {
		t.Errorf("NewAdmission(0).Limit() = %d, want %d", got, DefaultAdmissionLimit)
	}
	a := NewAdmission(2)
	r1, err := a.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r2, err := a.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.InFlight() != 2 || a.Peak() != 2 {
		t.Errorf("InFlight %d, Peak %d, want 2, 2", a.InFlight(), a.Peak())
	}

	// Full: Acquire waits and gives up with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := a.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire on a full admission = %v, want %v", err, context.DeadlineExceeded)
	}
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := a.Acquire(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire with a cancelled context = %v, want %v", err, context.Canceled)
	}

	// Release is idempotent: a double release frees one slot, not two.
	r1()
	r1()
	if got := a.InFlight(); got != 1 {
		t.Errorf("InFlight after a double release = %d, want 1", got)
	}
	r3, err := a.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx3, cancel3 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel3()
	if _, err := a.Acquire(ctx3); err == nil {
		t.Error("a third slot was granted with a limit of 2")
	}
	r2()
	r3()
	a.ResetPeak()
	if a.InFlight() != 0 || a.Peak() != 0 {
		t.Errorf("after release and ResetPeak: InFlight %d, Peak %d, want 0, 0", a.InFlight(), a.Peak())
	}
}
