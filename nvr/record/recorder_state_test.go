package record

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// refusingStore is a RecordingStore that refuses new segments and
// fragments while refuse is set, like a database on a failing disk: a
// fault SQLite does not produce on demand, so it wraps the real one.
type refusingStore struct {
	nvr.RecordingStore
	refuse atomic.Bool
}

var _ nvr.RecordingStore = (*refusingStore)(nil)

func (s *refusingStore) CreateSegment(ctx context.Context, seg nvr.Segment) (nvr.Segment, error) {
	if s.refuse.Load() {
		return nvr.Segment{}, nvr.Errorf("create segment", nvr.KindUnavailable, "index refuses writes")
	}
	return s.RecordingStore.CreateSegment(ctx, seg)
}

func (s *refusingStore) AddFragments(ctx context.Context, id nvr.SegmentID, frags []nvr.Fragment) error {
	if s.refuse.Load() {
		return nvr.Errorf("add fragments", nvr.KindUnavailable, "index refuses writes")
	}
	return s.RecordingStore.AddFragments(ctx, id, frags)
}

// streamer publishes a recorderEnv's feed in the background, five times
// faster than real time (a 1 s GOP every 200 ms): a source that keeps
// streaming, whatever is recorded. While noKeys is set it drops keyframes,
// after starting a new session (new StreamInfo), so subscribers wait for
// a keyframe that does not come.
type streamer struct {
	noKeys atomic.Bool
	renew  atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}
}

func startStreamer(t *testing.T, e *recorderEnv) *streamer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &streamer{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for range 3000 { // a minute at most
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if s.renew.Swap(false) {
				info := *e.feed.Info
				e.feed.Info = &info
			}
			u := e.feed.Next()
			if u.Key && s.noKeys.Load() {
				continue
			}
			e.hub.Publish(u)
		}
	}()
	t.Cleanup(s.stop)
	return s
}

func (s *streamer) stop() {
	s.cancel()
	<-s.done
}

// TestRecorderStalled: a camera that streams while nothing reaches the
// index is stalled, with the reason, and recording again once footage is
// indexed; the state is recording only while fragments are indexed.
func TestRecorderStalled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		reason string
		// brk stops footage from being indexed; mend undoes it.
		brk, mend func(*refusingStore, *streamer)
	}{
		{
			name:   "index refuses writes",
			reason: "index refuses writes",
			brk:    func(s *refusingStore, _ *streamer) { s.refuse.Store(true) },
			mend:   func(s *refusingStore, _ *streamer) { s.refuse.Store(false) },
		},
		{
			name:   "no keyframe",
			reason: "no keyframe",
			brk:    func(_ *refusingStore, p *streamer) { p.noKeys.Store(true); p.renew.Store(true) },
			mend:   func(_ *refusingStore, p *streamer) { p.noKeys.Store(false) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The feed's GOP is 1 s of media time: due = 1 s GOP + 50 ms
			// sync + 500 ms grace (about 8 streamed GOPs at 5x real time).
			e := newRecorderEnv(t, nvr.CameraChanges{}, RecorderConfig{SyncInterval: 50 * time.Millisecond, Target: time.Minute,
				StallGrace: 500 * time.Millisecond, AssumedGOP: time.Second})
			cam := e.cam
			store := &refusingStore{RecordingStore: e.store}
			e.rec.cfg.Store = store
			if st := e.rec.statusOf(cam); st.State != RecordingWaiting {
				t.Fatalf("before any footage: %+v, want waiting", st)
			}
			e.start()
			p := startStreamer(t, e)
			nvrtest.WaitFor(t, 10*time.Second, "recording", func() bool { return e.rec.statusOf(cam).State == RecordingActive })
			first := e.rec.statusOf(cam).Since
			if first.IsZero() {
				t.Fatal("recording without a since")
			}

			tc.brk(store, p)
			broken := time.Now()
			nvrtest.WaitFor(t, 10*time.Second, "stalled", func() bool { return e.rec.statusOf(cam).State == RecordingStalled })
			st := e.rec.statusOf(cam)
			if !strings.Contains(st.Reason, tc.reason) {
				t.Errorf("stalled reason %q, want it to say %q", st.Reason, tc.reason)
			}
			if st.Since.IsZero() || st.Since.Before(broken.Add(-2*time.Second)) {
				t.Errorf("stalled since %v, broken at %v", st.Since, broken)
			}
			// Nothing is indexed while stalled, and nothing says recording.
			n := fragmentsOf(t, store, cam.ID)
			time.Sleep(200 * time.Millisecond)
			if st := e.rec.statusOf(cam); st.State == RecordingActive || fragmentsOf(t, store, cam.ID) != n {
				t.Fatalf("state %+v with %d → %d fragments", st, n, fragmentsOf(t, store, cam.ID))
			}

			tc.mend(store, p)
			nvrtest.WaitFor(t, 10*time.Second, "recording again", func() bool { return e.rec.statusOf(cam).State == RecordingActive })
			if got := fragmentsOf(t, store, cam.ID); got <= n {
				t.Errorf("recording again with %d fragments, %d while stalled", got, n)
			}
			if st := e.rec.statusOf(cam); !st.Since.After(first) || st.Reason != "" {
				t.Errorf("recording again: %+v; the run since %v ended with the stall", st, first)
			}

			// The source stops: nothing is owed, the camera waits.
			p.stop()
			nvrtest.WaitFor(t, 10*time.Second, "waiting", func() bool { return e.rec.statusOf(cam).State == RecordingWaiting })
		})
	}
}
