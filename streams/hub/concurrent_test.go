package hub

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hearthnvr/hearth/streams/media"
)

func TestConcurrentReaderGetsEverything(t *testing.T) {
	h := New("cam-1", Options{})
	defer h.Close()
	units := gen(avInfo("cam-1"), 5000, 30, 0, true)
	// The queue holds every unit, so the reader cannot fall behind however
	// it is scheduled; what is checked is delivery across goroutines.
	s := h.Subscribe(SubscribeOptions{QueueUnits: len(units)})
	got := make(chan []*media.Unit)
	go func() {
		var us []*media.Unit
		for range units {
			u, err := s.Next(context.Background())
			if err != nil {
				break
			}
			us = append(us, u)
		}
		got <- us
	}()
	for _, u := range units {
		h.Publish(u)
	}
	us := <-got
	if len(us) != len(units) {
		t.Fatalf("got %d units, want %d", len(us), len(units))
	}
	for i := range us {
		if us[i] != units[i] {
			t.Fatalf("unit %d has PTS %d, want %d", i, us[i].PTS, i)
		}
	}
}

func TestConcurrentSubscribeClosePublish(t *testing.T) {
	h := New("cam-1", Options{MaxGOPUnits: 40})
	units := gen(avInfo("cam-1"), 20000, 30, 0, true)
	intruder := gen(avInfo("cam-2"), 100, 30, 0, true)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	results := make([][]*media.Unit, 3)

	// Long-lived readers, each checking its own stream as it goes.
	for i, ov := range []Overflow{DropBacklog, KeepCompleteGOPs, DropBacklog} {
		s := h.Subscribe(SubscribeOptions{QueueUnits: 16 << i, Overflow: ov})
		wg.Go(func() {
			var got []*media.Unit
			for {
				u, err := s.Next(context.Background())
				if err != nil {
					break
				}
				if u.CameraID() != "cam-1" {
					errs <- fmt.Errorf("reader %d got a unit of %s", i, u.CameraID())
					return
				}
				got = append(got, u)
			}
			// Checked on the test goroutine after Wait.
			results[i] = got
		})
	}
	// Churning subscribers.
	for range 4 {
		wg.Go(func() {
			for j := range 300 {
				s := h.Subscribe(SubscribeOptions{QueueUnits: 8, Start: Start(j % 2)})
				for range j % 5 {
					s.TryNext()
				}
				_ = s.Dropped()
				_ = s.Info()
				s.Close()
			}
		})
	}
	// Observers.
	wg.Go(func() {
		for range 500 {
			_ = h.Stats()
			if k := h.Keyframe(); k != nil && !k.Key {
				errs <- fmt.Errorf("Keyframe() returned a non-keyframe")
				return
			}
		}
	})
	// The source, with an intruder publishing another camera's units.
	var pub sync.WaitGroup
	pub.Go(func() {
		for _, u := range units {
			h.Publish(u)
		}
	})
	pub.Go(func() {
		for _, u := range intruder {
			h.Publish(u)
		}
	})
	pub.Wait()
	h.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Readers race the publisher, so a GOP they are in the middle of may be
	// cut short; holes inside a GOP are never allowed.
	for _, got := range results {
		checkGOPs(t, units, got, false)
	}
	if st := h.Stats(); st.Units != uint64(len(units)) || st.Rejected != uint64(len(intruder)) {
		t.Fatalf("units %d rejected %d, want %d %d", st.Units, st.Rejected, len(units), len(intruder))
	}
}
