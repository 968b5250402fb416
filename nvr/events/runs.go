package events

import (
	"context"
	"sync"

	"github.com/hearthnvr/hearth/nvr"
)

// cameraRuns is a set of per-camera goroutines (motion detectors, ONVIF
// event subscriptions), each started from a key: what it depends on. The
// events loop reconciles it with the cameras as they are now; Stop ends
// them all and starts none after. Safe for concurrent use.
type cameraRuns[K comparable] struct {
	mu      sync.Mutex
	runs    map[nvr.CameraID]*cameraRun[K]
	stopped bool
}

type cameraRun[K comparable] struct {
	key    K
	cancel context.CancelFunc
	done   chan struct{}
}

func newCameraRuns[K comparable]() *cameraRuns[K] {
	return &cameraRuns[K]{runs: map[nvr.CameraID]*cameraRun[K]{}}
}

// reconcile stops the runs whose camera is gone, no longer wanted or
// changed (keyOf's key differs), waiting for each, then starts run under
// ctx for every wanted camera that has none.
func (r *cameraRuns[K]) reconcile(ctx context.Context, cams map[nvr.CameraID]nvr.Camera,
	keyOf func(nvr.Camera) (key K, want bool), run func(context.Context, nvr.Camera)) {
	var stop []*cameraRun[K]
	r.mu.Lock()
	for id, cr := range r.runs {
		c, ok := cams[id]
		k, want := keyOf(c)
		if !ok || !want || k != cr.key {
			stop = append(stop, cr)
			delete(r.runs, id)
		}
	}
	r.mu.Unlock()
	for _, cr := range stop {
		cr.cancel()
		<-cr.done
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	for id, c := range cams {
		k, want := keyOf(c)
		if _, running := r.runs[id]; !want || running {
			continue
		}
		runCtx, cancel := context.WithCancel(ctx)
		cr := &cameraRun[K]{key: k, cancel: cancel, done: make(chan struct{})}
		r.runs[id] = cr
		go func() {
			defer close(cr.done)
			run(runCtx, c)
		}()
	}
}

// Stop ends every run and waits for it; later reconciles start nothing.
func (r *cameraRuns[K]) Stop() {
	r.mu.Lock()
	runs := r.runs
	r.runs = map[nvr.CameraID]*cameraRun[K]{}
	r.stopped = true
	r.mu.Unlock()
	for _, cr := range runs {
		cr.cancel()
		<-cr.done
	}
}
