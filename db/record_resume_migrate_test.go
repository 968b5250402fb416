package db

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestRecordResumeMode: migration 0017 lets a camera stored before it
// resume its own mode (events only stays events only; an off camera
// resumes continuous), and every write of the mode afterwards keeps the
// last mode other than off, whichever path writes it.
func TestRecordResumeMode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hearth.db")
	before := migrationBefore(t, "_record_resume_mode.sql")
	writeDatabaseAt(t, path, before,
		`INSERT INTO households (public_id, name, created_at_ns) VALUES ('`+nvr.NewPublicID()+`', 'Smiths', 1)`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns, record_mode) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1, 'Door', 'rtsp://cam.example/1', 1, 'events')`,
		`INSERT INTO cameras (id, household_id, name, main_url, created_at_ns, record_mode) VALUES ('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 1, 'Yard', 'rtsp://cam.example/2', 1, 'off')`)
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	resume := func(id nvr.CameraID) (nvr.RecordMode, nvr.RecordMode) {
		t.Helper()
		c, err := d.Camera(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.RecordMode, c.ResumeRecordMode
	}
	if m, r := resume("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); m != nvr.RecordEvents || r != nvr.RecordEvents {
		t.Errorf("events-only camera after the migration: mode %q resumes %q, want events and events", m, r)
	}
	if m, r := resume("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"); m != nvr.RecordOff || r != nvr.RecordContinuous {
		t.Errorf("off camera after the migration: mode %q resumes %q, want off and continuous", m, r)
	}

	set := func(id nvr.CameraID, m nvr.RecordMode) {
		t.Helper()
		c, err := d.Camera(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		c.RecordMode = m
		if err := d.UpdateCamera(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	id := nvr.CameraID("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	for _, step := range []struct{ set, resume nvr.RecordMode }{
		{nvr.RecordOff, nvr.RecordEvents},
		{nvr.RecordContinuous, nvr.RecordContinuous},
		{nvr.RecordOff, nvr.RecordContinuous},
		{nvr.RecordEvents, nvr.RecordEvents},
	} {
		set(id, step.set)
		if m, r := resume(id); m != step.set || r != step.resume {
			t.Errorf("after setting %q: mode %q resumes %q, want %q", step.set, m, r, step.resume)
		}
	}
	c, err := d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: 1, Name: "Gate",
		MainURL: "rtsp://cam.example/3", RecordMode: nvr.RecordOff, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if m, r := resume(c.ID); m != nvr.RecordOff || r != nvr.RecordContinuous || c.ResumeRecordMode != r {
		t.Errorf("new camera stored off: mode %q resumes %q (returned %q), want off and continuous", m, r, c.ResumeRecordMode)
	}
}
