package events

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/hub"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// scheduleDetector reports motion exactly when the simulated camera's
// schedule moves its object at the unit's capture time: a stand-in for the
// real detectors (streams/motion) with a known answer.
type scheduleDetector struct{ sched simcam.Schedule }

func (d scheduleDetector) Run(ctx context.Context, src UnitSource, emit func(Activity)) error {
	moving := false
	var lastEmit time.Time
	for {
		u, err := src.Next(ctx)
		if err != nil {
			return err
		}
		m := d.sched.Moving(u.Wall)
		switch {
		case m && (!moving || u.Wall.Sub(lastEmit) >= 100*time.Millisecond):
			emit(Activity{Wall: u.Wall, Moving: true, Score: 0.5, Zones: []string{"all"}})
			lastEmit = u.Wall
		case !m && moving:
			emit(Activity{Wall: u.Wall, Moving: false})
		}
		moving = m
	}
}

// keyThumbnailer returns the keyframe's own bytes, so a test can tell
// which camera's picture became the thumbnail.
type keyThumbnailer struct{}

func (keyThumbnailer) Thumbnail(_ context.Context, key *media.Unit) ([]byte, string, error) {
	return bytes.Join(key.NALUs, nil), nvr.ThumbMP4, nil
}

// mapHubs is a hub source; a test may route a camera to the wrong hub.
type mapHubs struct {
	mu   sync.Mutex
	hubs map[nvr.CameraID]*hub.Hub
}

func (m *mapHubs) EventHub(id nvr.CameraID) *hub.Hub {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hubs[id]
}

// publishUnits feeds h synthetic video at 50 fps (a keyframe every 10
// units; the picture bytes carry the camera ID) until ctx ends.
func publishUnits(ctx context.Context, h *hub.Hub) {
	info := &media.StreamInfo{CameraID: h.CameraID(), Stream: "sub",
		Tracks: []media.Track{{Codec: media.H264, ClockRate: media.VideoClockRate, Width: 64, Height: 64}}}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for i := int64(0); ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		key := i%10 == 0
		h.Publish(&media.Unit{Info: info, PTS: i * 1800, DTS: i * 1800, Wall: time.Now(), Key: key,
			NALUs: [][]byte{[]byte("picture-of-" + h.CameraID())}})
	}
}

func TestEventsFromScheduledMotion(t *testing.T) {
	t.Parallel()
	w := newEventsWorld(t)
	camA, camC := addTestCamera(t, w, 0), addTestCamera(t, w, 0)
	store := w.DB
	hubA := hub.New(string(camA.ID), hub.Options{})
	// camC is misrouted to camA's hub: a bug the unit's camera ID catches.
	hubs := &mapHubs{hubs: map[nvr.CameraID]*hub.Hub{camA.ID: hubA, camC.ID: hubA}}
	start := time.Now() // a still period begins
	// The still period between the movements is long enough for a merge gap
	// that outlasts a loaded machine's stalls in delivering units (a 300 ms
	// gap split one movement in two under load).
	sched := simcam.Schedule{Start: start, Still: 1500 * time.Millisecond, Move: 700 * time.Millisecond}
	dir := t.TempDir()
	e := NewEvents(EventsConfig{
		Store: store, Cameras: store, DataDir: dir,
		Detectors:   func(nvr.Camera) (Detector, error) { return scheduleDetector{sched}, nil },
		Thumbnailer: keyThumbnailer{},
		MergeGap:    800 * time.Millisecond, Tick: 20 * time.Millisecond, Pause: 50 * time.Millisecond, // gap > the report interval
		hubs: hubs,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pubCtx, stopPub := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { publishUnits(pubCtx, hubA) })
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()

	// Two motion periods: [start+1.5s, start+2.2s) and [start+3.7s, start+4.4s).
	until := start.Add(2*(1500+700)*time.Millisecond + 100*time.Millisecond)
	time.Sleep(time.Until(until))
	stopPub()
	wg.Wait()
	// Wait (bounded) until both are closed.
	deadline := time.Now().Add(5 * time.Second)
	var evs []nvr.Event
	for {
		evs = allEvents(t, store)
		closed := 0
		for _, ev := range evs {
			if !ev.Open() {
				closed++
			}
		}
		if closed >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var got []nvr.Event
	for _, ev := range evs {
		if ev.CameraID == camC.ID {
			t.Fatalf("misrouted camera got an event: %+v", ev)
		}
		got = append(got, ev)
	}
	if len(got) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(got), got)
	}
	for i, ev := range got {
		moveStart := start.Add(time.Duration(i)*2200*time.Millisecond + 1500*time.Millisecond)
		moveEnd := moveStart.Add(700 * time.Millisecond)
		if d := ev.Start.Sub(moveStart).Abs(); d > time.Second {
			t.Errorf("event %d starts %v from the schedule", i, d)
		}
		if d := ev.End.Sub(moveEnd).Abs(); ev.Open() || d > time.Second {
			t.Errorf("event %d ends %v (open %v) from the schedule", i, d, ev.Open())
		}
		t.Logf("event %d: start %+v, end %+v from the schedule", i, ev.Start.Sub(moveStart), ev.End.Sub(moveEnd))
	}
	// Thumbnails: camA's own picture, at the path of the event row.
	deadline = time.Now().Add(5 * time.Second)
	for _, ev := range got {
		for {
			cur, _ := getEvent(t, store, ev.ID)
			if cur.ThumbType != "" || time.Now().After(deadline) {
				ev = cur
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		path, ok := e.thumbPath(ev.CameraID, ev.Seq, ev.ThumbType)
		if !ok {
			t.Fatalf("event %s has no thumbnail", ev.ID)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != "picture-of-"+string(camA.ID) {
			t.Fatalf("thumbnail %s = %q, %v", path, b, err)
		}
	}
	// A trigger on the misrouted camera: an event, but never camA's picture.
	ev, err := e.Trigger(ctx, nvrtest.CameraGrant(t, camC, nvr.ActionTriggerEvent), "doorbell", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if cur, _ := getEvent(t, store, ev.ID); cur.ThumbType != "" || cur.Open() {
		t.Fatalf("misrouted trigger event: %+v", cur)
	}
	if entries, _ := os.ReadDir(ThumbnailsDir(dir) + "/" + string(camC.ID)); len(entries) != 0 {
		t.Fatalf("misrouted camera has thumbnail files: %v", entries)
	}
}
