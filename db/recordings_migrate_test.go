package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMigrateRecordingsKeepsCameras upgrades a version 1 database holding a
// camera: the camera gets the default recording settings.
func TestMigrateRecordingsKeepsCameras(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	cam := nvr.NewCameraID()
	for _, q := range []string{
		ms[0].sql,
		"PRAGMA user_version = 1",
		`INSERT INTO households (name, created_at_ns) VALUES ('Smiths', 1)`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns) VALUES ('` + string(cam) + `', 1, 'Door', 'rtsp://h/', 1)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := d.Camera(ctx, cam)
	if err != nil {
		t.Fatal(err)
	}
	if c.RecordMode != nvr.RecordContinuous || c.PreRoll != 5*time.Second || c.PostRoll != 10*time.Second ||
		c.RetainContinuous != 14*24*time.Hour || c.RetainEvents != 30*24*time.Hour {
		t.Fatalf("migrated camera settings: %+v", c)
	}
	if err := c.ValidateRecording(); err != nil {
		t.Fatal(err)
	}
}
