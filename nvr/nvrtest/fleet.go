package nvrtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// CameraList lists a fixed, changeable set of cameras (the lister Ingest
// reads), for a test whose cameras need no directory (ingest's storm);
// tests that change cameras do it through a real one (db/dbtest). Safe for
// concurrent use.
type CameraList struct {
	mu   sync.Mutex
	cams []nvr.Camera
}

var _ interface {
	Cameras(context.Context, nvr.HouseholdID) ([]nvr.Camera, error)
} = (*CameraList)(nil)

// Cameras returns the current list.
func (l *CameraList) Cameras(context.Context, nvr.HouseholdID) ([]nvr.Camera, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]nvr.Camera(nil), l.cams...), nil
}

// Set replaces the list.
func (l *CameraList) Set(cams []nvr.Camera) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cams = cams
}

// SimFleet serves simulated cameras from several RTSP servers that can be
// killed and restarted on the same addresses.
type SimFleet struct {
	t       *testing.T
	configs [][]simcam.CameraConfig
	addrs   []string
	servers []*simcam.Server
	stops   []func()
}

// NewSimFleet starts servers RTSP servers of perServer simulated cameras
// each at fps, on loopback; the test's cleanup kills them.
func NewSimFleet(t *testing.T, servers, perServer, fps int) *SimFleet {
	t.Helper()
	ids := make([][]nvr.CameraID, servers)
	for s := range ids {
		for range perServer {
			ids[s] = append(ids[s], nvr.NewCameraID())
		}
	}
	return NewSimFleetOf(t, fps, ids...)
}

// NewSimFleetOf starts one RTSP server on loopback for each list of
// camera IDs, serving those cameras at fps (a keyframe every 2 s): the
// cameras a test added to its directory, so their frames carry the IDs
// the directory gave them. The test's cleanup kills the servers.
func NewSimFleetOf(t *testing.T, fps int, servers ...[]nvr.CameraID) *SimFleet {
	t.Helper()
	f := &SimFleet{t: t}
	for _, ids := range servers {
		var cfgs []simcam.CameraConfig
		for _, id := range ids {
			cfgs = append(cfgs, simcam.CameraConfig{ID: string(id), Width: simcam.MinWidth,
				Height: simcam.MinHeight, FPS: fps, GOP: 2 * fps})
		}
		f.configs = append(f.configs, cfgs)
		f.addrs = append(f.addrs, "127.0.0.1:0")
	}
	f.Start()
	t.Cleanup(f.Kill)
	return f
}

// Start (re)starts the servers on their addresses.
func (f *SimFleet) Start() {
	f.t.Helper()
	f.servers, f.stops = nil, nil
	for i, cfgs := range f.configs {
		var srv *simcam.Server
		var err error
		for try := 0; try < 50; try++ { // the old listener's port may take a moment to free
			if srv, err = simcam.Listen(simcam.ServerConfig{Addr: f.addrs[i], Cameras: cfgs}); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			f.t.Fatalf("simcam listen %s: %v", f.addrs[i], err)
		}
		f.addrs[i] = srv.Addr()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = srv.Run(ctx); close(done) }()
		f.servers = append(f.servers, srv)
		f.stops = append(f.stops, func() { cancel(); <-done })
	}
}

// Kill stops every server.
func (f *SimFleet) Kill() {
	for _, stop := range f.stops {
		stop()
	}
	f.stops = nil
}

// Cameras returns the fleet as cameras of eight households, reachable on
// loopback.
func (f *SimFleet) Cameras() []nvr.Camera {
	var cams []nvr.Camera
	for i, cfgs := range f.configs {
		for n, c := range cfgs {
			cams = append(cams, nvr.Camera{ID: nvr.CameraID(c.ID), HouseholdID: nvr.HouseholdID(1 + len(cams)%8),
				Name: fmt.Sprintf("cam %d", len(cams)), MainURL: f.servers[i].URL(n + 1), Transport: nvr.TransportTCP, Enabled: true,
				LocalOK: true}) // an admin's cameras: on loopback here
		}
	}
	return cams
}
