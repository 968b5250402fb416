package db

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// TestCredentialsBelongToTheirHost: a camera's stored credentials survive
// edits on their host and are cleared by a main URL on another host
// (another scheme, host or port) unless new ones come with it; a sub URL
// never carries credentials for another host than the main stream's.
func TestCredentialsBelongToTheirHost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dir := nvr.NewDirectory(d, time.Now, nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1})
	h, err := nvrtest.Operator(dir).AddHousehold(ctx, "Smiths")
	if err != nil {
		t.Fatal(err)
	}
	cam, err := nvrtest.Operator(dir).AddCamera(ctx, nvr.NewCamera{HouseholdID: h.ID, Name: "Door", MainURL: "rtsp://admin:pw1@Cam.Lan:554/main"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nvrtest.Operator(dir).AddCamera(ctx, nvr.NewCamera{HouseholdID: h.ID, Name: "Yard", MainURL: "rtsp://cam.lan/main",
		SubURL: "rtsp://u:p@evil.example/sub"}); err == nil || nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Fatalf("sub URL credentials for another host: %v, want invalid", err)
	}
	str := func(s string) *string { return &s }
	secret := func(s string) *nvr.Secret { v := nvr.NewSecret(s); return &v }
	steps := []struct {
		name     string
		ch       nvr.CameraChanges
		wantUser string
		wantPW   string
		invalid  bool // the change is refused as invalid
	}{
		{"same host, other path", nvr.CameraChanges{MainURL: str("rtsp://cam.lan/main2")}, "admin", "pw1", false},
		{"same host, default port spelled", nvr.CameraChanges{MainURL: str("rtsp://CAM.lan:554/main")}, "admin", "pw1", false},
		{"sub on the same host", nvr.CameraChanges{SubURL: str("rtsp://cam.lan/sub")}, "admin", "pw1", false},
		{"sub on another host keeps them for main", nvr.CameraChanges{SubURL: str("rtsp://evil.example/sub")}, "admin", "pw1", false},
		{"sub URL with credentials for another host", nvr.CameraChanges{SubURL: str("rtsp://x:y@evil.example/sub")}, "admin", "pw1", true},
		{"another port", nvr.CameraChanges{MainURL: str("rtsp://cam.lan:8554/main")}, "", "", false},
		{"new credentials in the URL", nvr.CameraChanges{MainURL: str("rtsp://admin:pw2@cam.lan:8554/main")}, "admin", "pw2", false},
		{"rtsps is another host", nvr.CameraChanges{MainURL: str("rtsps://cam.lan:8554/main")}, "", "", false},
		{"new credentials in the fields", nvr.CameraChanges{MainURL: str("rtsp://evil.example/main"), Username: str("root"),
			Password: secret("pw3")}, "root", "pw3", false},
		{"user name sent back alone", nvr.CameraChanges{MainURL: str("rtsp://cam.lan/main"), Username: str("root")}, "root", "", false},
		{"sub URL credentials on the main host", nvr.CameraChanges{SubURL: str("rtsp://v:w@cam.lan:554/sub")}, "v", "w", false},
	}
	for _, s := range steps {
		_, err := nvrtest.Operator(dir).EditCamera(ctx, cam.ID, s.ch)
		if (err != nil) != s.invalid || (err != nil && nvr.ErrorKind(err) != nvr.KindInvalid) {
			t.Fatalf("%s: %v, want invalid %v", s.name, err, s.invalid)
		}
		c, err := d.Camera(ctx, cam.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Username != s.wantUser || c.Password.Reveal() != s.wantPW {
			t.Fatalf("%s: stored %q/%q, want %q/%q", s.name, c.Username, c.Password.Reveal(), s.wantUser, s.wantPW)
		}
	}
}
