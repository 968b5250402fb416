package record

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestRecorderRecordsSimcam runs the real path: simulated RTSP cameras →
// Ingest → hub → Recorder → segment files and index.
func TestRecorderRecordsSimcam(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	w := dbtest.NewWorld(t, nil)
	_, cams := w.SimCameras(t, 2, 10) // GOP 2 s
	in := ingest.NewIngest(ingest.IngestConfig{Cameras: w.DB, Poll: 100 * time.Millisecond, StaggerWindow: 200 * time.Millisecond})
	ictx, icancel := context.WithCancel(context.Background())
	idone := make(chan struct{})
	go func() { _ = in.Run(ictx); close(idone) }()
	defer func() { icancel(); <-idone }()

	data := t.TempDir()
	store := w.DB
	// A linger as long as a GOP: whatever the cameras' phases, each
	// append finds the other camera's within it.
	rec := NewRecorder(RecorderConfig{Ingest: in, Store: store, DataDir: data, Target: 3 * time.Second,
		Poll: 100 * time.Millisecond, Pause: 200 * time.Millisecond, IndexLinger: 2 * time.Second})
	stop := runRecorder(t, rec)

	closedOf := func(id nvr.CameraID) int {
		n := 0
		for _, s := range allSegments(t, store) {
			if s.CameraID == id && s.State == nvr.SegmentClosed {
				n++
			}
		}
		return n
	}
	nvrtest.WaitFor(t, 40*time.Second, "two closed segments per camera", func() bool {
		return closedOf(cams[0].ID) >= 2 && closedOf(cams[1].ID) >= 2
	})
	for _, c := range cams {
		if st := rec.statusOf(c); st.State != RecordingActive || st.Mode != nvr.RecordContinuous {
			t.Errorf("status of %s = %+v, want recording", c.ID, st)
		}
	}
	stop()

	dir := filepath.Join(data, recordstore.RecordingsDirName)
	segs := allSegments(t, store)
	for _, s := range segs {
		if s.State != nvr.SegmentClosed {
			t.Errorf("segment %d is %s after a clean stop", s.ID, s.State)
		}
		if !strings.HasPrefix(s.Path, string(s.CameraID)+"/") || s.Event {
			t.Errorf("segment %+v", s)
		}
		abs := segAbs(dir, s)
		fi, err := os.Stat(abs)
		if err != nil || fi.Size() != s.Bytes {
			t.Errorf("segment %d: file %v, size mismatch with %d bytes", s.ID, err, s.Bytes)
			continue
		}
		if msg := recDecodeErrors(t, abs); msg != "" {
			t.Errorf("ffmpeg decoding %s: %s", s.Path, msg)
		}
		ids := recStamps(t, abs)
		if len(ids) == 0 {
			t.Errorf("%s: no SEI stamps", s.Path)
		}
		for _, id := range ids {
			if id != string(s.CameraID) {
				t.Fatalf("%s: stored sample stamped by camera %s", s.Path, id)
			}
		}
		frags, _ := store.Fragments(context.Background(), s.ID)
		if len(frags) == 0 || !frags[0].Key {
			t.Errorf("segment %d: fragments %+v", s.ID, frags)
		}
	}
	// The cameras' fragments shared index transactions (indexBatcher).
	fragments := 0
	for _, s := range segs {
		frags, _ := store.Fragments(context.Background(), s.ID)
		fragments += len(frags)
	}
	if commits := rec.IndexCommits(); commits == 0 || int(commits) >= fragments {
		t.Errorf("%d index transactions for %d fragments of two cameras: want them shared", commits, fragments)
	} else {
		t.Logf("%d index transactions for %d fragments of two cameras", commits, fragments)
	}
	// The two cameras rotate at different times (staggered first target).
	first := map[nvr.CameraID]time.Duration{}
	for _, s := range segs {
		if _, ok := first[s.CameraID]; !ok {
			first[s.CameraID] = s.End.Sub(s.Start)
		}
	}
	if first[cams[0].ID] == first[cams[1].ID] {
		t.Logf("first segments equally long (%v); stagger %v vs %v", first[cams[0].ID], stagger(3*time.Second, 0), stagger(3*time.Second, 1))
	}
	checkClean(t, store, dir)
}

func TestStaggerSpreadsFirstTargets(t *testing.T) {
	t.Parallel()
	seen := map[time.Duration]bool{}
	for i := 0; i < 8; i++ {
		d := stagger(time.Minute, i)
		if d < 30*time.Second || d > time.Minute || seen[d] {
			t.Fatalf("stagger(%d) = %v", i, d)
		}
		seen[d] = true
	}
}

// recorderEnv is a recorder fed from a hub the test publishes to.
type recorderEnv struct {
	t     *testing.T
	data  string
	dir   string
	world *dbtest.World
	store *db.DB
	hubs  *fakeHubs
	cam   nvr.Camera // added to the database by newRecorderEnv
	hub   *hub.Hub
	feed  *nvrtest.UnitFeed
	rec   *Recorder
	stop  func()
}

// newRecorderEnv adds a camera with the changes ch to a fresh database
// and makes a recorder for it (not started), reading its cameras and
// indexing its segments there.
func newRecorderEnv(t *testing.T, ch nvr.CameraChanges, cfg RecorderConfig) *recorderEnv {
	t.Helper()
	w := dbtest.NewWorld(t, nil)
	cam := w.Camera(t, ch)
	e := &recorderEnv{t: t, data: t.TempDir(), world: w, store: w.DB, hubs: &fakeHubs{}, cam: cam}
	e.dir = filepath.Join(e.data, recordstore.RecordingsDirName)
	e.hub = hub.New(string(cam.ID), hub.Options{Stream: "main"})
	e.hubs.set(cam.ID, e.hub)
	e.feed = nvrtest.NewUnitFeed(t, cam.ID, 10, 10, time.Now().Add(-time.Hour).Truncate(time.Second)) // 1 s GOPs
	cfg.Cameras, cfg.Store, cfg.DataDir, cfg.hubs = e.store, e.store, e.data, e.hubs
	if cfg.Poll == 0 {
		cfg.Poll = 50 * time.Millisecond
	}
	if cfg.Pause == 0 {
		cfg.Pause = 100 * time.Millisecond
	}
	if cfg.Target == 0 {
		cfg.Target = 4 * time.Second
	}
	e.rec = NewRecorder(cfg)
	return e
}

func (e *recorderEnv) start() {
	e.stop = runRecorder(e.t, e.rec)
	nvrtest.WaitFor(e.t, 5*time.Second, "recorder ready", func() bool {
		e.rec.mu.Lock()
		defer e.rec.mu.Unlock()
		return e.rec.cams[e.cam.ID] != nil
	})
	time.Sleep(50 * time.Millisecond) // let it subscribe
}

// segments returns every segment row, by camera and start.
func (e *recorderEnv) segments() []nvr.Segment { return allSegments(e.t, e.store) }

// publish sends n frames, pacing them so the recorder keeps up.
func (e *recorderEnv) publish(n int) {
	for i := 0; i < n; i++ {
		e.hub.Publish(e.feed.Next())
		time.Sleep(2 * time.Millisecond)
	}
}

func TestRecorderDiskFull(t *testing.T) {
	t.Parallel()
	disk := &fullDisk{free: 1 << 40}
	var fulls atomic.Int32
	e := newRecorderEnv(t, nvr.CameraChanges{}, RecorderConfig{createFile: disk.create, SyncInterval: time.Millisecond, Target: time.Minute,
		OnDiskFull: func() { fulls.Add(1) }, Pause: 300 * time.Millisecond})
	cam := e.cam
	e.start()
	<-e.rec.Recovered()
	e.publish(25) // 2.5 GOPs
	nvrtest.WaitFor(t, 5*time.Second, "two fragments indexed", func() bool {
		s := e.segments()
		if len(s) != 1 {
			return false
		}
		fr, _ := e.store.Fragments(context.Background(), s[0].ID)
		return len(fr) >= 2
	})
	// The disk fills in the middle of the next fragment.
	disk.setFree(3000)
	e.publish(10)
	nvrtest.WaitFor(t, 5*time.Second, "disk-full state", func() bool { return e.rec.statusOf(cam).State == RecordingDiskFull })
	if fulls.Load() == 0 {
		t.Fatal("OnDiskFull not called")
	}
	segs := e.segments()
	if len(segs) != 1 || segs[0].State != nvr.SegmentClosed {
		t.Fatalf("after ENOSPC: %+v", segs)
	}
	abs := segAbs(e.dir, segs[0])
	l, err := recordstore.ScanPath(abs)
	if err != nil || l.ValidSize != l.Size || l.Size != segs[0].Bytes {
		t.Fatalf("failed segment: err %v, layout %d/%d bytes, row %d", err, l.ValidSize, l.Size, segs[0].Bytes)
	}
	frags, _ := e.store.Fragments(context.Background(), segs[0].ID)
	if len(frags) != len(l.Fragments) {
		t.Fatalf("index has %d fragments, file %d", len(frags), len(l.Fragments))
	}
	// Space comes back (retention's emergency pass); recording resumes at a
	// keyframe after the pause.
	disk.setFree(1 << 40)
	time.Sleep(400 * time.Millisecond)
	e.publish(35)
	nvrtest.WaitFor(t, 5*time.Second, "recording again", func() bool {
		return e.rec.statusOf(cam).State == RecordingActive && len(e.segments()) >= 2
	})
	e.stop()
	for _, s := range e.segments() {
		if s.State != nvr.SegmentClosed {
			t.Errorf("segment %d %s", s.ID, s.State)
		}
		if msg := recDecodeErrors(t, segAbs(e.dir, s)); msg != "" {
			t.Errorf("decode %s: %s", s.Path, msg)
		}
	}
	checkClean(t, e.store, e.dir)
}

func TestRecorderEventsPreRoll(t *testing.T) {
	t.Parallel()
	mode, pre, post := nvr.RecordEvents, 3*time.Second, 2*time.Second
	e := newRecorderEnv(t, nvr.CameraChanges{RecordMode: &mode, PreRoll: &pre, PostRoll: &post}, RecorderConfig{Target: time.Minute})
	cam := e.cam
	e.start()
	if st := e.rec.statusOf(cam); st.State != RecordingArmed || st.Mode != nvr.RecordEvents {
		t.Fatalf("status %+v, want armed", st)
	}
	e.publish(80) // 8 s, nothing recorded
	time.Sleep(100 * time.Millisecond)
	if n := len(e.segments()); n != 0 {
		t.Fatalf("%d segments before any trigger", n)
	}
	trigger := e.feed.Wall()
	e.rec.Trigger(cam.ID, trigger.Add(time.Second)) // event lasts 1 s
	e.publish(70)                                   // 7 s more
	nvrtest.WaitFor(t, 5*time.Second, "event segment closed", func() bool {
		s := e.segments()
		return len(s) == 1 && s[0].State == nvr.SegmentClosed
	})
	if st := e.rec.statusOf(cam); st.State != RecordingArmed {
		t.Errorf("after the event: %+v", st)
	}
	s := e.segments()[0]
	if !s.Event {
		t.Error("event segment not marked Event")
	}
	// Starts ≈ PreRoll before the trigger: at the keyframe at or before
	// trigger-3s (GOPs are 1 s).
	lead := trigger.Sub(s.Start)
	if lead < 3*time.Second || lead > 4*time.Second {
		t.Errorf("segment starts %v before the trigger, want 3-4 s (pre-roll 3 s, 1 s GOPs)", lead)
	}
	// Ends at the first GOP boundary at or after until + post-roll.
	want := trigger.Add(3 * time.Second)
	if s.End.Before(want) || s.End.After(want.Add(time.Second)) {
		t.Errorf("segment ends %v after the trigger, want 3-4 s", s.End.Sub(trigger))
	}
	// A second trigger records again, with a fresh pre-roll.
	trigger2 := e.feed.Wall()
	e.rec.Trigger(cam.ID, trigger2)
	e.publish(40)
	nvrtest.WaitFor(t, 5*time.Second, "second event", func() bool {
		s := e.segments()
		return len(s) == 2 && s[1].State == nvr.SegmentClosed
	})
	e.stop()
	for _, s := range e.segments() {
		if msg := recDecodeErrors(t, segAbs(e.dir, s)); msg != "" {
			t.Errorf("decode %s: %s", s.Path, msg)
		}
	}
	checkClean(t, e.store, e.dir)
}

func TestRecorderRefusesWrongVolume(t *testing.T) {
	t.Parallel()
	e := newRecorderEnv(t, nvr.CameraChanges{}, RecorderConfig{})
	cam := e.cam
	if _, err := recordstore.OpenVolume(e.data); err != nil {
		t.Fatal(err)
	}
	// The recordings directory is replaced (another disk mounted there).
	if err := os.RemoveAll(e.dir); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if _, err := recordstore.OpenVolume(other); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(other, recordstore.RecordingsDirName), e.dir); err != nil {
		t.Fatal(err)
	}
	stop := runRecorder(t, e.rec)
	nvrtest.WaitFor(t, 5*time.Second, "error state", func() bool {
		return strings.HasPrefix(e.rec.statusOf(cam).State, "error: recordings directory ")
	})
	e.publish(30)
	stop()
	if n := len(e.segments()); n != 0 {
		t.Fatalf("%d segments written to the wrong volume", n)
	}
	ents, _ := os.ReadDir(e.dir)
	for _, d := range ents {
		if d.Name() != recordstore.VolumeMarker {
			t.Errorf("wrote %s into the wrong volume", d.Name())
		}
	}
	select {
	case <-e.rec.Recovered():
		t.Error("recovery ran on the wrong volume")
	default:
	}
	st := e.rec.statusOf(cam)
	if !strings.Contains(st.State, "expected") || st.Since.IsZero() {
		t.Errorf("state %+v", st)
	}
}

func TestRecorderVolumeLostWhileRecording(t *testing.T) {
	t.Parallel()
	e := newRecorderEnv(t, nvr.CameraChanges{}, RecorderConfig{Target: 2 * time.Second})
	cam := e.cam
	e.start()
	e.publish(25)
	nvrtest.WaitFor(t, 5*time.Second, "recording", func() bool { return e.rec.statusOf(cam).State == RecordingActive })
	// The disk goes away: the marker disappears with it.
	if err := os.Remove(filepath.Join(e.dir, recordstore.VolumeMarker)); err != nil {
		t.Fatal(err)
	}
	e.publish(40)
	nvrtest.WaitFor(t, 5*time.Second, "error state", func() bool {
		return strings.HasPrefix(e.rec.statusOf(cam).State, "error: recordings directory ")
	})
	n := len(e.segments())
	e.publish(40)
	time.Sleep(100 * time.Millisecond)
	if m := len(e.segments()); m != n {
		t.Fatalf("segments %d → %d after the volume was lost", n, m)
	}
}

func TestLockRecordings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unlock, err := recordstore.LockRecordings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := recordstore.LockRecordings(dir); !errors.Is(err, recordstore.ErrRecordingsBusy) {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	unlock2, err := recordstore.LockRecordings(dir)
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
}
