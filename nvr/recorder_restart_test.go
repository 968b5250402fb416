package nvr

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/hub"
)

// fragmentsOf counts the fragments indexed for a camera.
func fragmentsOf(t *testing.T, store *memStore, id CameraID) int {
	t.Helper()
	n := 0
	for _, s := range store.segments() {
		if s.CameraID != id {
			continue
		}
		fr, err := store.Fragments(context.Background(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		n += len(fr)
	}
	return n
}

// turnsOf reads how often the camera's recording loops went round.
func turnsOf(t *testing.T, r *Recorder, id CameraID) uint64 {
	t.Helper()
	r.mu.Lock()
	cr := r.cams[id]
	r.mu.Unlock()
	if cr == nil {
		t.Fatalf("no recorder for camera %s", id)
	}
	return cr.turns.Load()
}

// TestRecorderFollowsRestartedHub is what editing a camera does to its
// recorder: Ingest closes the camera's hub and starts a new one. The
// recorder must leave the closed hub (not spin on its ErrClosed, taking
// it for an idle sync interval) and record from the new one.
func TestRecorderFollowsRestartedHub(t *testing.T) {
	t.Parallel()
	cam := Camera{ID: NewCameraID(), Enabled: true, MainURL: "rtsp://x"}
	const syncEvery = 50 * time.Millisecond
	e := newRecorderEnv(t, cam, RecorderConfig{SyncInterval: syncEvery, Target: time.Minute,
		StallGrace: 200 * time.Millisecond, AssumedGOP: time.Second})
	e.start()
	e.publish(25) // 2.5 one-second GOPs
	waitFor(t, 5*time.Second, "two fragments indexed", func() bool { return fragmentsOf(t, e.store, cam.ID) >= 2 })
	if st := e.rec.statusOf(cam); st.State != RecordingActive {
		t.Fatalf("fragments indexed, state %+v", st)
	}

	// The pipeline restarts: the old hub closes, a new one replaces it and
	// stays quiet for a while (the camera reconnecting).
	e.hub.Close()
	h2 := hub.New(string(cam.ID), hub.Options{Stream: "main"})
	e.hubs.set(cam.ID, h2)
	time.Sleep(100 * time.Millisecond) // the recorder moves to the new hub
	const quiet = time.Second
	before := turnsOf(t, e.rec, cam.ID)
	time.Sleep(quiet)
	turns := turnsOf(t, e.rec, cam.ID) - before
	// Waiting on the new hub, the loop wakes once per sync interval:
	// about 20 times in the window. 10x that is the bound; the busy loop
	// went round millions of times.
	if limit := uint64(10 * quiet / syncEvery); turns > limit {
		t.Fatalf("recording loop went round %d times in a quiet %v (limit %d): it waits on nothing", turns, quiet, limit)
	}
	t.Logf("%d turns in a quiet %v", turns, quiet)
	// Nothing is indexed any more: the state stops saying recording.
	waitFor(t, 5*time.Second, "waiting", func() bool { return e.rec.statusOf(cam).State == RecordingWaiting })

	// The new hub streams: footage is indexed again.
	indexed := fragmentsOf(t, e.store, cam.ID)
	e.hub = h2
	e.publish(35)
	waitFor(t, 5*time.Second, "new fragments from the new hub", func() bool {
		return fragmentsOf(t, e.store, cam.ID) >= indexed+2
	})
	if st := e.rec.statusOf(cam); st.State != RecordingActive {
		t.Errorf("indexing again, state %+v", st)
	}
	e.stop()
	checkClean(t, e.store, e.dir)
}
