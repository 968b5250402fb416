package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// TestCameraShutterCLI: the local administrator closes, schedules and
// opens a camera's shutter; each switch is an audit row of "cli"; bad
// input is a usage error (exit 2). In-process, < 1 s.
func TestCameraShutterCLI(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	out := mustCLI(t, "", "camera", "add", "Door", "--household", "Alpha", "--main", "rtsp://192.0.2.10/main", "--data", data)
	m := cameraIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("add: %q", out)
	}
	id := m[1]
	if out := mustCLI(t, "", "camera", "shutter", id, "--data", data); !strings.Contains(out, "privacy shutter open") {
		t.Fatalf("status: %q", out)
	}
	if out := mustCLI(t, "", "camera", "shutter", id, "close", "--data", data); !strings.Contains(out, "privacy shutter closed") {
		t.Fatalf("close: %q", out)
	}
	// A window that starts two hours from now (the CLI reads the wall
	// clock): opening by hand is allowed outside it.
	now := time.Now()
	win := nvr.DailyWindow{Start: (now.Hour()*60 + 120) % nvr.MinutesPerDay, End: (now.Hour()*60 + 180) % nvr.MinutesPerDay}
	if out := mustCLI(t, "", "camera", "shutter", id, "open", "--schedule", win.String(), "--data", data); !strings.Contains(out, "schedule: "+win.String()) || !strings.Contains(out, "privacy shutter open") {
		t.Fatalf("open with a schedule: %q", out)
	}
	for _, args := range [][]string{
		{"camera", "shutter", id, "ajar"},
		{"camera", "shutter", id, "close", "--schedule", "7-22"},
		{"camera", "shutter"},
	} {
		if _, errs, code := cli(t, "", append(args, "--data", data)...); code != 2 || errs == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 with a message", args, code, errs)
		}
	}
	if _, errs, code := cli(t, "", "camera", "shutter", "0123456789abcdef0123456789abcdef", "close", "--data", data); code == 0 || !strings.Contains(errs, "not found") {
		t.Errorf("missing camera: exit %d, %q", code, errs)
	}

	d, err := db.Open(context.Background(), filepath.Join(data, "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	audits, err := d.Audit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range audits {
		if strings.HasPrefix(e.Action, "shutter-") {
			got = append(got, e.Action+"/"+e.Principal+"/"+string(e.CameraID))
		}
	}
	want := "shutter-open/cli/" + id + ",shutter-close/cli/" + id
	if strings.Join(got, ",") != want {
		t.Fatalf("audit rows %v, want %s", got, want)
	}
}
