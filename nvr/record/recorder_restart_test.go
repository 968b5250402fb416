package record

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/hub"
)

// fragmentsOf counts the fragments indexed for a camera.
func fragmentsOf(t *testing.T, store nvr.RecordingStore, id nvr.CameraID) int {
	t.Helper()
	n := 0
	for _, s := range allSegments(t, store) {
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
func turnsOf(t *testing.T, r *Recorder, id nvr.CameraID) uint64 {
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
	const syncEvery = 50 * time.Millisecond
	e := newRecorderEnv(t, nvr.CameraChanges{}, RecorderConfig{SyncInterval: syncEvery, Target: time.Minute,
		StallGrace: 200 * time.Millisecond, AssumedGOP: time.Second})
	cam := e.cam
	e.start()
	e.publish(25) // 2.5 one-second GOPs
	nvrtest.WaitFor(t, 5*time.Second, "two fragments indexed", func() bool { return fragmentsOf(t, e.store, cam.ID) >= 2 })
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
	nvrtest.WaitFor(t, 5*time.Second, "waiting", func() bool { return e.rec.statusOf(cam).State == RecordingWaiting })

	// The new hub streams: footage is indexed again.
	indexed := fragmentsOf(t, e.store, cam.ID)
	e.hub = h2
	e.publish(35)
	nvrtest.WaitFor(t, 5*time.Second, "new fragments from the new hub", func() bool {
		return fragmentsOf(t, e.store, cam.ID) >= indexed+2
	})
	if st := e.rec.statusOf(cam); st.State != RecordingActive {
		t.Errorf("indexing again, state %+v", st)
	}
	e.stop()
	checkClean(t, e.store, e.dir)
}

// TestRecorderKeepsRecordingAfterCameraEdit runs the path an edit takes
// (the API and the CLI change the stored camera; Ingest re-reads it and
// restarts the camera's pipeline on a new hub) against real simulated
// RTSP cameras: after a transport change and after a URL change to
// another stream, new footage is indexed again and the state says
// recording only while it is.
func TestRecorderKeepsRecordingAfterCameraEdit(t *testing.T) {
	t.Parallel()
	w := dbtest.NewWorld(t, nil)
	fleet, cams := w.SimCameras(t, 2, 10) // GOP 2 s
	cam, other := cams[0], cams[1]
	// Only cam is recorded: other is a second stream to point cam at.
	off := false
	if _, err := w.Ops.EditCamera(context.Background(), other.ID, nvr.CameraChanges{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	in := ingest.NewIngest(ingest.IngestConfig{Cameras: w.DB, Poll: 100 * time.Millisecond, StaggerWindow: 100 * time.Millisecond})
	ictx, icancel := context.WithCancel(context.Background())
	idone := make(chan struct{})
	go func() { _ = in.Run(ictx); close(idone) }()
	defer func() { icancel(); <-idone }()

	store := w.DB
	rec := NewRecorder(RecorderConfig{Ingest: in, Store: store, DataDir: t.TempDir(), Target: time.Minute,
		SyncInterval: 100 * time.Millisecond, Poll: 100 * time.Millisecond, Pause: 200 * time.Millisecond,
		StallGrace: time.Second})
	stop := runRecorder(t, rec)
	defer stop()

	nvrtest.WaitFor(t, 30*time.Second, "recording", func() bool { return rec.statusOf(cam).State == RecordingActive })
	auto, tcp, admin := nvr.TransportAuto, nvr.TransportTCP, true
	for _, edit := range []struct {
		name   string
		change nvr.CameraChanges
	}{
		{"transport auto", nvr.CameraChanges{Transport: &auto}},
		{"transport tcp", nvr.CameraChanges{Transport: &tcp}},
		{"another stream", nvr.CameraChanges{MainURL: &other.MainURL, LocalOK: &admin}},
	} {
		hubBefore := in.RecordHub(cam.ID)
		var err error
		if cam, err = w.Ops.EditCamera(context.Background(), cam.ID, edit.change); err != nil {
			t.Fatalf("%s: %v", edit.name, err)
		}
		in.Reconcile()
		nvrtest.WaitFor(t, 10*time.Second, edit.name+": pipeline restarted", func() bool {
			h := in.RecordHub(cam.ID)
			return h != nil && h != hubBefore
		})
		editedAt := time.Now()
		indexed := fragmentsOf(t, store, cam.ID)
		// Two new GOPs of the new session reach the index.
		nvrtest.WaitFor(t, 30*time.Second, edit.name+": footage indexed again", func() bool {
			return fragmentsOf(t, store, cam.ID) >= indexed+2
		})
		st := rec.statusOf(cam)
		if st.State != RecordingActive || st.Since.IsZero() {
			t.Fatalf("%s: footage indexed, state %+v", edit.name, st)
		}
		t.Logf("%s: recording again after %v (%+v)", edit.name, time.Since(editedAt).Round(time.Millisecond), st)
	}
	// The camera stops streaming (disabled): nothing is indexed, and the
	// state stops saying recording within its GOP + sync + grace.
	fleet.Kill()
	nvrtest.WaitFor(t, 30*time.Second, "not recording once the camera is gone", func() bool {
		return rec.statusOf(cam).State == RecordingWaiting
	})
	n := fragmentsOf(t, store, cam.ID)
	time.Sleep(200 * time.Millisecond)
	if m := fragmentsOf(t, store, cam.ID); m != n {
		t.Fatalf("fragments %d → %d while the camera is gone", n, m)
	}
}
