package hub

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// BenchmarkPublish measures Publish with N subscribers, each drained by its
// own goroutine as a live consumer would. drops/op shows how often readers
// fell behind the back-to-back publisher (the overflow path).
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			h := New("cam-1", Options{})
			units := gen(avInfo("cam-1"), 450, 30, 0, true)
			var wg sync.WaitGroup
			for range n {
				s := h.Subscribe(SubscribeOptions{})
				wg.Go(func() {
					for {
						if _, err := s.Next(context.Background()); err != nil {
							return
						}
					}
				})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h.Publish(units[i%len(units)])
			}
			b.StopTimer()
			b.ReportMetric(float64(h.Stats().Dropped)/float64(b.N), "drops/op")
			h.Close()
			wg.Wait()
		})
	}
}

// BenchmarkPublishInline is the CPU cost of the delivery path without
// scheduler noise: one goroutine publishes and then takes the unit from each
// of N subscriptions with TryNext, so no queue ever overflows.
func BenchmarkPublishInline(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			h := New("cam-1", Options{})
			defer h.Close()
			units := gen(avInfo("cam-1"), 450, 30, 0, true)
			subs := make([]*Subscription, n)
			for i := range subs {
				subs[i] = h.Subscribe(SubscribeOptions{})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h.Publish(units[i%len(units)])
				for _, s := range subs {
					s.TryNext()
				}
			}
			b.StopTimer()
			if d := h.Stats().Dropped; d != 0 {
				b.Fatalf("dropped %d", d)
			}
		})
	}
}

// BenchmarkLatency measures publish → receive latency with idle readers
// blocked in Next (a camera sends 30 units/s; readers wait between them).
// Each iteration publishes one unit and waits until every reader has it.
func BenchmarkLatency(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			h := New("cam-1", Options{})
			info := avInfo("cam-1")
			// Units are reused once every reader is done with them, so
			// the loop allocates nothing.
			units := make([]*media.Unit, 2)
			for i := range units {
				units[i] = &media.Unit{Info: info, Key: true, NALUs: [][]byte{payload}}
			}
			samples := make([][]time.Duration, n)
			got := make(chan struct{}, n)
			var wg sync.WaitGroup
			for i := range n {
				samples[i] = make([]time.Duration, 0, b.N)
				s := h.Subscribe(SubscribeOptions{Start: StartNextKeyframe})
				wg.Go(func() {
					for {
						u, err := s.Next(context.Background())
						if err != nil {
							return
						}
						samples[i] = append(samples[i], time.Since(u.Wall))
						got <- struct{}{}
					}
				})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				u := units[i%len(units)]
				u.Wall = time.Now()
				h.Publish(u)
				for range n {
					<-got
				}
			}
			b.StopTimer()
			h.Close()
			wg.Wait()
			all := slices.Concat(samples...)
			slices.Sort(all)
			b.ReportMetric(float64(all[len(all)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(all[len(all)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}
