package mqtt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Service runs one broker connection per integration, starting and
// stopping them as integrations are added and removed. Run it once.
type Service struct {
	cfg  Config
	deps Deps
}

// New checks cfg and returns the service.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Policy == nil || deps.Integrations == nil || deps.Status == nil || deps.Events == nil ||
		deps.Cameras == nil || deps.Queue == nil {
		return nil, errors.New("mqtt: every dependency is required")
	}
	if _, err := cfg.tlsConfig(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg.withDefaults(), deps: deps}, nil
}

// errRemoved ends a worker whose integration is gone: it clears what it
// published, unlike a shutdown, which leaves Home Assistant its entities
// (shown unavailable through the last will).
var errRemoved = errors.New("integration removed")

type running struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
	w      *worker
}

// Run serves until ctx ends, then stops every connection and waits for it.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	workers := map[int64]*running{}
	defer func() {
		for _, r := range workers {
			r.cancel(context.Canceled)
		}
		wg.Wait()
	}()
	reconcile := func() {
		ins, err := s.deps.Integrations.Integrations(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.cfg.Log.Warn("mqtt: read integrations", "err", err)
			}
			return
		}
		seen := map[int64]bool{}
		for _, in := range ins {
			seen[in.ID] = true
			if workers[in.ID] != nil {
				continue
			}
			wctx, cancel := context.WithCancelCause(ctx)
			r := &running{cancel: cancel, done: make(chan struct{}), w: newWorker(s.cfg, s.deps, in)}
			workers[in.ID] = r
			wg.Go(func() {
				defer close(r.done)
				r.w.run(wctx)
			})
		}
		for id, r := range workers {
			if !seen[id] {
				r.cancel(errRemoved)
				delete(workers, id)
			}
		}
	}
	reconcile()
	var reported int64
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			reconcile()
			// Drops are counted, never waited for; say so when they grow.
			total := s.deps.Queue.Dropped()
			for _, r := range workers {
				total += r.w.dropped.Load()
			}
			if total != reported {
				s.cfg.Log.Warn("mqtt: event notices or commands dropped (broker away or slow)", "total", total)
				reported = total
			}
		case n := <-s.deps.Queue.ch:
			for _, r := range workers {
				r.w.offer(n)
			}
		}
	}
}

// String names an integration in logs: its row and prefix, no secret.
func integrationName(in nvr.Integration) string {
	return fmt.Sprintf("%d (%s)", in.ID, in.TopicPrefix)
}
