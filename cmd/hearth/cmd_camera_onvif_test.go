package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
)

// onvifSimcam runs a simcam with an ONVIF device and a unicast
// WS-Discovery responder on loopback until the test ends: camera 1 is the
// main stream (640×368), camera 2 the sub (512×288).
func onvifSimcam(t *testing.T, user, pass string) *simcam.Server {
	t.Helper()
	s, err := simcam.Listen(simcam.ServerConfig{
		Addr: "127.0.0.1:0",
		Cameras: []simcam.CameraConfig{{ID: "aaaaaaaaaaaaaaaa0000000000000001", Width: 640, Height: 368},
			{ID: "bbbbbbbbbbbbbbbb0000000000000002", Width: 512, Height: 288}},
		Username: user, Password: pass,
		ONVIF: &simcam.ONVIFConfig{Addr: "127.0.0.1:0", DiscoveryAddr: "127.0.0.1:0", Manufacturer: "Acme", Model: "Cam 9",
			ClockOffset: -3 * time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("simcam did not stop")
		}
	})
	return s
}

// TestCameraAddONVIF: `camera add --onvif` asks the camera for its
// streams, shows vendor, model, codec and resolution, and saves the
// largest profile as main and the smallest as sub with the credentials;
// a refused password, a missing one, a bad address and --onvif with
// --main are clear errors that never show the password. `camera
// discover --target` finds the device by a unicast probe.
func TestCameraAddONVIF(t *testing.T) {
	t.Parallel()
	const secret = "CANARY-onvif-pw"
	s := onvifSimcam(t, "admin", secret)
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	addr := "http://" + s.ONVIFAddr()

	out := mustCLI(t, secret+"\n", "camera", "add", "Porch", "--household", "Alpha", "--onvif", addr, "--rtsp-user", "admin", "--data", data)
	for _, want := range []string{"onvif: Acme Cam 9", `main: profile "main" H264 640x368 ` + s.URL(1), `sub: profile "sub" H264 512x288 ` + s.URL(2), "credentials stored"} {
		if !strings.Contains(out, want) {
			t.Errorf("add --onvif output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) {
		t.Fatalf("output shows the password: %s", out)
	}
	list := mustCLI(t, "", "camera", "list", "--data", data)
	if !strings.Contains(list, s.URL(1)) || !strings.Contains(list, s.URL(2)) {
		t.Errorf("camera list does not show the ONVIF streams:\n%s", list)
	}

	// The ONVIF address was kept: the camera's own events may count; an
	// ONVIF address on another host than the streams is refused.
	id := cameraIDRe.FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no camera ID in %q", out)
	}
	mustCLI(t, "", "camera", "edit", id[1], "--event-source", "camera", "--data", data)
	if _, errs, code := cli(t, "", "camera", "edit", id[1], "--onvif", "http://192.0.2.99", "--data", data); code != 1 || !strings.Contains(errs, "main stream's host") {
		t.Errorf("ONVIF on another host: exit %d %q", code, errs)
	}
	if _, errs, code := cli(t, "", "camera", "edit", id[1], "--event-source", "sometimes", "--data", data); code != 2 {
		t.Errorf("bad event source: exit %d %q", code, errs)
	}

	bad := []struct {
		name, stdin, want string
		args              []string
		code              int
	}{
		{"wrong password", "wrong\n", "refused the credentials", []string{"--onvif", addr, "--rtsp-user", "admin"}, 1},
		{"no credentials", "", "wants credentials", []string{"--onvif", addr}, 1},
		{"not http", "", "want the camera's address", []string{"--onvif", "ftp://" + s.ONVIFAddr()}, 1},
		{"with --main", "", "without --main", []string{"--onvif", addr, "--main", s.URL(1)}, 2},
	}
	for _, b := range bad {
		args := append([]string{"camera", "add", "X-" + b.name, "--household", "Alpha", "--data", data}, b.args...)
		out, errs, code := cli(t, b.stdin, args...)
		if code != b.code || !strings.Contains(errs, b.want) || strings.Contains(out+errs, secret) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d and %q", b.name, code, out, errs, b.code, b.want)
		}
	}

	out = mustCLI(t, "", "camera", "discover", "--target", s.DiscoveryAddr(), "--wait", "3s", "--data", data)
	if !strings.Contains(out, "device "+addr+"/onvif/device_service") || !strings.Contains(out, `"Cam 9"`) || !strings.Contains(out, "1 device\n") {
		t.Errorf("discover: %s", out)
	}
}
