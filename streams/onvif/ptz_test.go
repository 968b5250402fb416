package onvif_test

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/onvif"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// TestPTZSimcam: Hearth's client pans simcam's head right and tilts it
// up, stops it, and the camera's picture moves with it (the object is
// drawn shifted against the pan); a preset stores the position, and after
// moving away, going to the preset brings the head and the picture back.
func TestPTZSimcam(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	ctx := ctxFor(t)
	if _, err := c.SyncTime(ctx); err != nil {
		t.Fatal(err)
	}
	const profile = "profile_1"
	if err := c.ContinuousMove(ctx, profile, 1, 1, 0, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// Wait for the head to have moved (a condition, not a duration).
	deadline := time.Now().Add(20 * time.Second)
	var st onvif.PTZStatus
	for time.Now().Before(deadline) {
		var err error
		if st, err = c.Status(ctx, profile); err != nil {
			t.Fatal(err)
		}
		if st.Pan > 0.2 && st.Tilt > 0.2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !st.Moving || st.Pan <= 0.2 || st.Tilt <= 0.2 {
		t.Fatalf("status %+v, want moving right and up", st)
	}
	if err := c.Stop(ctx, profile); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, profile)
	if err != nil || st.Moving {
		t.Fatalf("after Stop: %+v %v", st, err)
	}
	if pan, tilt, _ := s.PTZPosition(); pan != st.Pan && (pan-st.Pan > 1e-3 || st.Pan-pan > 1e-3) || tilt < 0.2 {
		t.Errorf("simcam's head at %v,%v; client read %+v", pan, tilt, st)
	}
	dx, dy := s.Camera(1).ViewOffset()
	if dx >= 0 || dy <= 0 {
		t.Fatalf("picture offset %d,%d after panning right and up; want the scene to move left and down", dx, dy)
	}
	token, err := c.SetPreset(ctx, profile, "door")
	if err != nil {
		t.Fatal(err)
	}
	presets, err := c.Presets(ctx, profile)
	if err != nil || len(presets) != 1 || presets[0] != (onvif.Preset{Token: token, Name: "door"}) {
		t.Fatalf("presets %+v %v", presets, err)
	}
	if err := c.ContinuousMove(ctx, profile, -1, 0, 0, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for time.Now().Before(deadline.Add(20 * time.Second)) {
		if st, err = c.Status(ctx, profile); err != nil || st.Pan < 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.GotoPreset(ctx, profile, token); err != nil {
		t.Fatal(err)
	}
	if x, y := s.Camera(1).ViewOffset(); x != dx || y != dy {
		t.Errorf("after the preset the picture is at %d,%d, want %d,%d", x, y, dx, dy)
	}
	var fault *onvif.Fault
	if err := c.GotoPreset(ctx, profile, "nope"); err == nil || !asFault(err, &fault) {
		t.Errorf("unknown preset: %v, want a fault", err)
	}
}
