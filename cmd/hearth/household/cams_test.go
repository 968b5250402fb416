package household

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
)

// simCam is one simulated camera on its own RTSP server (127.0.0.1), so
// each can stall, flap, change resolution or credentials alone. A
// restart keeps the port: to Hearth it is the same camera coming back.
type simCam struct {
	mu     sync.Mutex
	cfg    simcam.ServerConfig
	addr   string
	srv    *simcam.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// camFPS and camGOP: a one-second GOP keeps "new footage within GOP + 5 s"
// short; a small picture keeps the in-process encoders cheap under -race.
const (
	camFPS = 10
	camGOP = 10
)

func newSimCam(id, user, pass string, w, h int) (*simCam, error) {
	c := &simCam{addr: "127.0.0.1:0", cfg: simcam.ServerConfig{
		Cameras:  []simcam.CameraConfig{{ID: id, Width: w, Height: h, FPS: camFPS, GOP: camGOP}},
		Username: user, Password: pass,
	}}
	if err := c.start(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *simCam) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cfg := c.cfg
	cfg.Addr = c.addr
	var srv *simcam.Server
	var err error
	// The port was ours a moment ago; a listen may briefly fail.
	for range 100 {
		if srv, err = simcam.Listen(cfg); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("simcam %s: %w", c.addr, err)
	}
	c.srv, c.addr = srv, srv.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	done := c.done
	go func() { _ = srv.Run(ctx); close(done) }()
	return nil
}

// stop ends the server and waits for it.
func (c *simCam) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel == nil {
		return
	}
	c.cancel()
	<-c.done
	c.cancel, c.srv = nil, nil
}

// restart stops the camera and brings it back on the same port with the
// changed configuration.
func (c *simCam) restart(change func(*simcam.ServerConfig)) error {
	c.stop()
	c.mu.Lock()
	change(&c.cfg)
	c.mu.Unlock()
	return c.start()
}

func (c *simCam) url() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return "rtsp://" + c.addr + "/cam/1"
}

func (c *simCam) setStall(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cfg.Stall = on // kept across a restart
	if c.srv != nil {
		c.srv.SetStall(on)
	}
}

func (c *simCam) dropClients() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		c.srv.DropClients()
	}
}
