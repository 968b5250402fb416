package events

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/onvif"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// TestCameraEventsFromONVIF, on a real SQLite file against simcam's ONVIF
// device: a camera whose event source is "camera" gets its scripted
// person detection as a trigger event labelled "person (PeopleRule)",
// through its pull point signed with its stored credentials; switching
// the source back to Hearth's detector ends the subscription.
func TestCameraEventsFromONVIF(t *testing.T) {
	t.Parallel()
	const user, pass = "admin", "onvif-events-pw"
	sim := startONVIFSimcam(t, user, pass, false)

	w := dbtest.NewWorld(t, nil)
	main, onvifURL, src, local, u, pw := sim.URL(1), "http://"+sim.ONVIFAddr(), nvr.EventSourceCamera, true, user, nvr.NewSecret(pass)
	cam := w.Camera(t, nvr.CameraChanges{MainURL: &main, ONVIFURL: &onvifURL, EventSource: &src, LocalOK: &local, Username: &u, Password: &pw})
	e := NewEvents(EventsConfig{Store: w.DB, Cameras: w.DB, DataDir: t.TempDir(), Tick: 20 * time.Millisecond, Poll: 50 * time.Millisecond,
		ONVIFTerm: onvifTestTerm})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("events did not stop")
		}
	}()

	deadline := time.Now().Add(30 * time.Second)
	var found *nvr.Event
	for found == nil && time.Now().Before(deadline) {
		for _, ev := range allEvents(t, w.DB) {
			if ev.CameraID == cam.ID && ev.Kind == nvr.EventTrigger && ev.Label == "person (PeopleRule)" {
				found = &ev
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if found == nil {
		t.Fatalf("no person event from the camera; events: %+v", allEvents(t, w.DB))
	}
	if sim.ONVIFSubscriptions() != 1 {
		t.Errorf("%d subscriptions, want 1", sim.ONVIFSubscriptions())
	}
	// Renewed at half its term, the pull point outlives three terms: the
	// camera (which drops it at its termination time) made no other.
	time.Sleep(3 * onvifTestTerm) // a span of the camera's clock to outlive, not a synchronisation
	if made, now := sim.ONVIFSubscriptionsMade(), sim.ONVIFSubscriptions(); made != 1 || now != 1 {
		t.Errorf("after three terms: %d subscriptions made, %d live; want the one, renewed", made, now)
	}
	hearth := nvr.EventSourceHearth
	if _, err := w.Ops.EditCamera(context.Background(), cam.ID, nvr.CameraChanges{EventSource: &hearth}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile()
	for time.Now().Before(deadline.Add(30*time.Second)) && sim.ONVIFSubscriptions() != 0 {
		time.Sleep(50 * time.Millisecond)
	}
	if n := sim.ONVIFSubscriptions(); n != 0 {
		t.Errorf("%d subscriptions after switching to Hearth's detector", n)
	}
}

// TestCameraActivity maps detections to the lifecycle's activity.
func TestCameraActivity(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	a := cameraActivity("c", onvifDetection("motion", true, false, ""), now)
	if a.kind != nvr.EventMotion || !a.moving || a.stop || a.label != "" {
		t.Errorf("motion: %+v", a)
	}
	a = cameraActivity("c", onvifDetection("vehicle", false, false, "Drive"), now)
	if a.kind != nvr.EventTrigger || a.moving || !a.stop || a.label != "vehicle (Drive)" {
		t.Errorf("vehicle gone: %+v", a)
	}
	a = cameraActivity("c", onvifDetection("line-crossing", true, true, strings.Repeat("x", 100)), now)
	if a.kind != nvr.EventTrigger || !a.moving || !a.until.After(a.at) || len([]rune(a.label)) > nvr.MaxLabelLen {
		t.Errorf("line crossing: %+v", a)
	}
}

func onvifDetection(kind string, active, instant bool, label string) onvif.Detection {
	return onvif.Detection{Kind: kind, Active: active, Instant: instant, Label: label}
}

// TestEventSourcePicksDetectors: Hearth's detector runs for hearth (the
// default) and both, the camera's subscription for camera and both (with
// an ONVIF address only).
func TestEventSourcePicksDetectors(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	for _, c := range []struct {
		src                 nvr.EventSource
		onvifURL            string
		wantHearth, wantCam bool
	}{
		{"", "http://192.0.2.1/onvif/device_service", true, false},
		{nvr.EventSourceHearth, "http://192.0.2.1/onvif/device_service", true, false},
		{nvr.EventSourceCamera, "http://192.0.2.1/onvif/device_service", false, true},
		{nvr.EventSourceBoth, "http://192.0.2.1/onvif/device_service", true, true},
		{nvr.EventSourceBoth, "", true, false},
	} {
		cam := nvr.Camera{ID: "c", Enabled: true, MainURL: "rtsp://192.0.2.1/main", ONVIFURL: c.onvifURL,
			Detection: nvr.Detection{Source: c.src}}
		if got := keyOf(cam, now).want; got != c.wantHearth {
			t.Errorf("%q: Hearth's detector %v, want %v", c.src, got, c.wantHearth)
		}
		if _, got := onvifKeyOf(cam, now); got != c.wantCam {
			t.Errorf("%q: camera events %v, want %v", c.src, got, c.wantCam)
		}
	}
}

// startONVIFSimcam runs a simcam with one camera and an ONVIF device an
// hour off our clock, announcing a person every 300 ms, with
// or without a pull point, until the test ends.
func startONVIFSimcam(t *testing.T, user, pass string, noPullPoint bool) *simcam.Server {
	t.Helper()
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Username: user, Password: pass,
		Cameras: []simcam.CameraConfig{{ID: string(nvr.NewCameraID())}},
		ONVIF: &simcam.ONVIFConfig{Addr: "127.0.0.1:0", PersonEvery: 300 * time.Millisecond, ClockOffset: time.Hour,
			NoPullPoint: noPullPoint}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	return sim
}
