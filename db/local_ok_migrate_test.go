package db

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// TestMigrateLocalOKKeepsOldCamerasWorking upgrades a version 4 database
// holding a camera aimed at 127.0.0.1 (an admin's local restreamer, say):
// migration 0005 marks it local_ok, so the ingest, which refuses this
// appliance's addresses for cameras without it, still streams from it. A
// camera stored afterwards without the flag gets 0, and the ingest refuses
// it at the dial.
func TestMigrateLocalOKKeepsOldCamerasWorking(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	cfg := simcam.ServerConfig{Addr: "127.0.0.1:0"}
	old, fresh := nvr.NewCameraID(), nvr.NewCameraID()
	cfg.Cameras = []simcam.CameraConfig{{ID: string(old), FPS: 25, GOP: 10}, {ID: string(fresh), FPS: 25, GOP: 10}}
	srv, err := simcam.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	simDone := make(chan error, 1)
	go func() { simDone <- srv.Run(ctx) }()
	defer func() { cancel(); <-simDone }()

	path := filepath.Join(t.TempDir(), "hearth.db")
	before := migrationBefore(t, "_camera_local_ok.sql")
	var stmts []string
	stmts = append(stmts,
		`INSERT INTO households (name, created_at_ns) VALUES ('Smiths', 1)`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns) VALUES ('`+string(old)+`', 1, 'Door', '`+srv.URL(1)+`', 1)`)
	writeDatabaseAt(t, path, before, stmts...)
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := d.Camera(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	if !c.LocalOK {
		t.Fatal("a camera from before migration 0005 is not local_ok")
	}
	f, err := d.CreateCamera(ctx, nvr.Camera{ID: fresh, HouseholdID: 1, Name: "Yard", MainURL: srv.URL(2),
		Enabled: true, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if f, err = d.Camera(ctx, f.ID); err != nil || f.LocalOK {
		t.Fatalf("a new camera without the flag: local_ok %v, %v; want false", f.LocalOK, err)
	}

	in := ingest.NewIngest(ingest.IngestConfig{Cameras: d, Poll: 100 * time.Millisecond, StaggerWindow: time.Millisecond})
	inDone := make(chan error, 1)
	go func() { inDone <- in.Run(ctx) }()
	defer func() { cancel(); <-inDone }()
	deadline := time.Now().Add(15 * time.Second)
	for in.BytesIngested(old) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the migrated local camera does not stream")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := in.BytesIngested(fresh); n != 0 {
		t.Fatalf("the camera without local_ok on 127.0.0.1 delivered %d bytes", n)
	}
}

// TestEditCameraLocalOK: who gives a camera's URLs decides local_ok. The
// admin's URLs set it (also unchanged ones: a confirmation); anyone else's
// change of a URL clears it; other edits keep it.
func TestEditCameraLocalOK(t *testing.T) {
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
	owner, err := nvrtest.Operator(dir).AddCamera(ctx, nvr.NewCamera{HouseholdID: h.ID, Name: "Door", MainURL: "rtsp://cam.lan/main"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := nvrtest.Operator(dir).AddCamera(ctx, nvr.NewCamera{HouseholdID: h.ID, Name: "Hall", MainURL: "rtsp://127.0.0.1:8554/hall", LocalOK: true})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	str := func(s string) *string { return &s }
	steps := []struct {
		name string
		id   nvr.CameraID
		ch   nvr.CameraChanges
		want bool
	}{
		{"owner's camera as added", owner.ID, nvr.CameraChanges{}, false},
		{"admin's camera as added", admin.ID, nvr.CameraChanges{}, true},
		{"rename keeps it", admin.ID, nvr.CameraChanges{Name: str("Hallway")}, true},
		{"owner resubmits the same URL", admin.ID, nvr.CameraChanges{MainURL: str("rtsp://127.0.0.1:8554/hall"), LocalOK: &no}, true},
		{"owner adds a sub URL", admin.ID, nvr.CameraChanges{SubURL: str("rtsp://cam.lan/sub"), LocalOK: &no}, false},
		{"admin confirms unchanged URLs", admin.ID, nvr.CameraChanges{MainURL: str("rtsp://127.0.0.1:8554/hall"), LocalOK: &yes}, true},
		{"a URL change without saying who", admin.ID, nvr.CameraChanges{MainURL: str("rtsp://127.0.0.1:8554/other")}, false},
		{"admin sets the owner's URL", owner.ID, nvr.CameraChanges{MainURL: str("rtsp://cam.lan/main2"), LocalOK: &yes}, true},
	}
	for _, s := range steps {
		if _, err := nvrtest.Operator(dir).EditCamera(ctx, s.id, s.ch); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		c, err := d.Camera(ctx, s.id)
		if err != nil {
			t.Fatal(err)
		}
		if c.LocalOK != s.want {
			t.Fatalf("%s: local_ok %v, want %v", s.name, c.LocalOK, s.want)
		}
	}
}
