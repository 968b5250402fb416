package main

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestDemoCamerasKeepsAddedOnes: at a restart the demo points only its own
// four cameras (made together at the first start, renamed or not) at the
// simulator; a camera added later, e.g. from simcam --onvif, keeps its own
// address and credentials instead of showing a simulated camera's picture.
func TestDemoCamerasKeepsAddedOnes(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	all := []nvr.Camera{
		{ID: "added", Name: "Porch PTZ", CreatedAt: t0.Add(time.Hour)},
		{ID: "a", Name: "Front door", CreatedAt: t0},
		{ID: "b", Name: "Garden, renamed", CreatedAt: t0.Add(100 * time.Millisecond)},
		{ID: "c", Name: "Driveway", CreatedAt: t0.Add(200 * time.Millisecond)},
		{ID: "d", Name: "Back porch", CreatedAt: t0.Add(300 * time.Millisecond)},
	}
	got := demoCameras(all)
	if len(got) != 4 {
		t.Fatalf("%d demo cameras, want 4: %+v", len(got), got)
	}
	for _, c := range got {
		if c.ID == "added" {
			t.Errorf("the added camera is taken for a demo camera")
		}
	}
}
