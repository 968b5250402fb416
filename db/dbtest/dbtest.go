// Package dbtest gives the tests of nvr's subpackages a real database: a
// SQLite file in the test's temporary directory, brought up to date by
// db.Open, with a household whose cameras are added through the real
// directory as the local operator (nvrtest.Operator), so they carry the
// IDs, defaults and audit rows a running appliance gives them. Where a test
// does not inject a fault, it uses this instead of an in-memory store.
//
// It lives beside db because it opens one: nvr/nvrtest may not import db
// (cmd/layout_test.go), and a copy of this file in each subpackage's tests
// would be three worlds to keep alike. Only tests import it; the hearth
// binary links none of it (cmd/layout_test.go).
package dbtest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// CheapArgon2 keeps password hashing fast in tests.
var CheapArgon2 = nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// Open opens a fresh database file in t's temporary directory and closes
// it when the test ends.
func Open(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close database: %v", err)
		}
	})
	return d
}

// World is a database with one household, changed as the local operator
// changes it.
type World struct {
	DB   *db.DB
	Ops  nvrtest.Ops
	Home nvr.Household
	n    int // cameras added, for their names
}

// NewWorld opens a database (Open) and adds a household. now is the
// directory's clock (the cameras' CreatedAt); nil is time.Now.
func NewWorld(t testing.TB, now func() time.Time) *World {
	t.Helper()
	d := Open(t)
	ops := nvrtest.Operator(nvr.NewDirectory(d, now, CheapArgon2))
	h, err := ops.AddHousehold(context.Background(), "Home")
	if err != nil {
		t.Fatalf("add household: %v", err)
	}
	return &World{DB: d, Ops: ops, Home: h}
}

// Camera adds an enabled camera of the household, at an unreachable
// documentation address, with the changes ch applied (zero: the store's
// defaults), and returns it as stored.
func (w *World) Camera(t testing.TB, ch nvr.CameraChanges) nvr.Camera {
	t.Helper()
	ctx := context.Background()
	w.n++
	c, err := w.Ops.AddCamera(ctx, nvr.NewCamera{HouseholdID: w.Home.ID, Name: fmt.Sprintf("cam %d", w.n),
		MainURL: "rtsp://192.0.2.1/stream"})
	if err != nil {
		t.Fatalf("add camera: %v", err)
	}
	if ch != (nvr.CameraChanges{}) {
		if _, err := w.Ops.EditCamera(ctx, c.ID, ch); err != nil {
			t.Fatalf("edit camera %s: %v", c.ID, err)
		}
	}
	if c, err = w.DB.Camera(ctx, c.ID); err != nil {
		t.Fatalf("read camera back: %v", err)
	}
	return c
}

// SimCameras adds n cameras of the household and serves them from one
// simulated RTSP server on loopback at fps (nvrtest.NewSimFleetOf), each
// camera pointed at its stream over TCP by the appliance admin (so its
// loopback URL is allowed, LocalOK). It returns the fleet and the cameras
// as stored.
func (w *World) SimCameras(t *testing.T, n, fps int) (*nvrtest.SimFleet, []nvr.Camera) {
	t.Helper()
	var ids []nvr.CameraID
	for range n {
		ids = append(ids, w.Camera(t, nvr.CameraChanges{}).ID)
	}
	fleet := nvrtest.NewSimFleetOf(t, fps, ids)
	var cams []nvr.Camera
	for _, fc := range fleet.Cameras() {
		url, tr, admin := fc.MainURL, nvr.TransportTCP, true
		c, err := w.Ops.EditCamera(context.Background(), fc.ID, nvr.CameraChanges{MainURL: &url, Transport: &tr, LocalOK: &admin})
		if err != nil {
			t.Fatalf("point camera %s at its stream: %v", fc.ID, err)
		}
		cams = append(cams, c)
	}
	return fleet, cams
}

// Footage indexes a closed segment of cam's main stream from start to end
// as one fragment, without a file: what a coverage query (a timeline, a
// clip link's check) sees of a recording. Playing it fails, as a
// recording whose file is gone does.
func Footage(t testing.TB, store nvr.RecordingStore, cam nvr.CameraID, start, end time.Time) nvr.Segment {
	t.Helper()
	ctx := context.Background()
	seg, err := store.CreateSegment(ctx, nvr.Segment{CameraID: cam, Stream: "main", State: nvr.SegmentOpen,
		Path: fmt.Sprintf("%s/%d-footage.mp4", cam, start.UnixNano()), Start: start, End: start, Codec: "h264"})
	if err != nil {
		t.Fatalf("footage: create segment: %v", err)
	}
	frag := nvr.Fragment{SegmentID: seg.ID, Offset: 1000, Length: 50000, Start: start,
		Duration90k: int64(end.Sub(start)) * 90000 / int64(time.Second), Key: true}
	if err := store.AddFragments(ctx, seg.ID, []nvr.Fragment{frag}); err != nil {
		t.Fatalf("footage: add fragment: %v", err)
	}
	if err := store.CloseSegment(ctx, seg.ID, end, frag.Offset+frag.Length); err != nil {
		t.Fatalf("footage: close segment: %v", err)
	}
	seg.State, seg.End = nvr.SegmentClosed, end
	return seg
}
