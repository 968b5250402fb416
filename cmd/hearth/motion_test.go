package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestMotionEventsEndToEnd runs the production wiring (no test hooks):
// simulated cameras move an object on a schedule; the bitstream detector
// on one camera and the ffmpeg pixel detector (overlay masked) on the
// other open motion events within a second of each movement, and each
// event's thumbnail is a JPEG whose pixels carry its own camera's ID.
func TestMotionEventsEndToEnd(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	bits := addCamera(t, data, "Alpha", "Bitstream cam", "rtsp://127.0.0.1:9/unset")
	pixel := addCamera(t, data, "Alpha", "Pixel cam", "rtsp://127.0.0.1:9/unset")

	// Movement starts 15 s after the schedule's origin and every 18 s after:
	// the quiet between is longer than post-roll plus the merge gap, so each
	// movement is an event of its own.
	sched := simcam.Schedule{Start: time.Now().Truncate(time.Second), Still: 15 * time.Second, Move: 3 * time.Second}
	var cfgs []simcam.CameraConfig
	for _, id := range []string{bits, pixel} {
		cfgs = append(cfgs, simcam.CameraConfig{ID: id, FPS: 10, GOP: 10, Schedule: sched})
	}
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: cfgs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sim.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	overlay := float64(simcam.OverlayHeight) / simcam.DefaultHeight
	mask := fmt.Sprintf(`[{"name":"overlay","mask":true,"polygon":[[0,0],[1,0],[1,%g],[0,%g]]}]`, overlay, overlay)
	mustCLI(t, "", "camera", "edit", bits, "--main", sim.URL(1), "--motion", "bitstream", "--data", data)
	mustCLI(t, "", "camera", "edit", pixel, "--main", sim.URL(2), "--motion", "pixel", "--zones", mask, "--data", data)

	srv := startServer(t, data)
	c := newClient(t, srv.url)
	c.login("ana", sitePassword)

	// Two movements each, the first after a baseline of quiet footage.
	type event struct {
		ID     string    `json:"id"`
		Camera string    `json:"camera"`
		Kind   string    `json:"kind"`
		Start  time.Time `json:"start"`
	}
	var events map[string][]event
	deadline := time.Now().Add(75 * time.Second)
	for {
		events = map[string][]event{}
		code, body := c.call("GET", "/api/events?limit=100", "")
		var list struct {
			Events []event `json:"events"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &list) != nil {
			t.Fatalf("list events: %d %s", code, body)
		}
		for _, e := range list.Events {
			events[e.Camera] = append(events[e.Camera], e)
		}
		if len(events[bits]) >= 2 && len(events[pixel]) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, cam := range []string{bits, pixel} {
		if len(events[cam]) < 2 {
			t.Fatalf("camera %s: %d motion events in 75 s of scheduled movement, want 2 or more: %+v", cam, len(events[cam]), events)
		}
		for _, e := range events[cam] {
			// The movement this event belongs to: the last start at or before it, or the next.
			moveStart, _ := sched.NextMove(e.Start.Add(-2 * time.Second))
			if off := e.Start.Sub(moveStart); e.Kind != "motion" || off < -time.Second || off > time.Second {
				t.Errorf("camera %s: %s event at %v, %v from the movement at %v; want motion within ±1 s",
					cam, e.Kind, e.Start.Format(time.TimeOnly+".000"), off, moveStart.Format(time.TimeOnly))
			}
		}
		// The thumbnail shows this camera (written once the event has a keyframe).
		ev := events[cam][len(events[cam])-1]
		var code int
		var body string
		for range 40 {
			if code, body = c.call("GET", fmt.Sprintf("/api/events/%s/thumbnail", ev.ID), ""); code == 200 {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		if code != 200 {
			t.Fatalf("thumbnail of event %s: %d %s", ev.ID, code, body)
		}
		img, err := jpeg.Decode(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatalf("thumbnail of event %s is not a JPEG: %v", ev.ID, err)
		}
		y, ok := img.(*image.YCbCr)
		if !ok {
			t.Fatalf("thumbnail of event %s: %T, want YCbCr", ev.ID, img)
		}
		b := y.Bounds()
		id, _, err := simcam.ReadPattern(y.Y, b.Dx(), b.Dy(), y.YStride)
		if err != nil || id != cam {
			t.Errorf("thumbnail of camera %s's event shows camera %q (%v)", cam, id, err)
		}
	}
}
