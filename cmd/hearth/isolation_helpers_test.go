package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
)

// isoUser is one user of an isolation site and what it may see.
type isoUser struct {
	name      string
	household int
	owner     bool
	visible   map[string]bool // camera IDs this user may see
	cookie    string          // "hearth_session=..." once logged in
	token     string          // a view-scope bearer token
}

// isoSite is a data directory with several households, their users and
// cameras, and the simulated cameras (a fleet that can be killed and
// restarted together) that feed them.
type isoSite struct {
	data       string
	households []string
	cams       [][]string        // per household
	owner      map[string]string // camera ID → household name
	users      []*isoUser
	trigger    []string // per household: a trigger token of its owner
	fleet      *simFleet
}

// isoConfig sizes a site.
type isoConfig struct {
	Households, CamsPerHousehold, Servers int
	// ViewersPerHousehold is 1 or 2: each viewer is assigned half the
	// household's cameras (a different half for the second).
	ViewersPerHousehold func(h int) int
	Camera              simcam.CameraConfig // template: size, fps, GOP, schedule
	Tokens              bool
}

func newIsoSite(t *testing.T, cfg isoConfig) *isoSite {
	t.Helper()
	s := &isoSite{data: t.TempDir(), owner: map[string]string{}}
	for h := range cfg.Households {
		name := fmt.Sprintf("House%d", h)
		s.households = append(s.households, name)
		mustCLI(t, "", "household", "add", name, "--data", s.data)
		var cams []string
		for i := range cfg.CamsPerHousehold {
			id := addCamera(t, s.data, name, fmt.Sprintf("h%d cam %d", h, i), "rtsp://127.0.0.1:9/unset")
			cams = append(cams, id)
			s.owner[id] = name
		}
		s.cams = append(s.cams, cams)
		owner := &isoUser{name: fmt.Sprintf("own%d", h), household: h, owner: true, visible: map[string]bool{}}
		for _, id := range cams {
			owner.visible[id] = true
		}
		mustCLI(t, sitePassword+"\n", "user", "add", owner.name, "--household", name, "--role", "owner", "--data", s.data)
		s.users = append(s.users, owner)
		viewers := 1
		if cfg.ViewersPerHousehold != nil {
			viewers = cfg.ViewersPerHousehold(h)
		}
		for v := range viewers {
			u := &isoUser{name: fmt.Sprintf("view%d_%d", h, v), household: h, visible: map[string]bool{}}
			mustCLI(t, sitePassword+"\n", "user", "add", u.name, "--household", name, "--role", "viewer", "--data", s.data)
			for i, id := range cams {
				if i%2 == v%2 {
					mustCLI(t, "", "user", "assign", u.name, id, "--data", s.data)
					u.visible[id] = true
				}
			}
			s.users = append(s.users, u)
		}
		if cfg.Tokens {
			s.trigger = append(s.trigger, strings.TrimSpace(mustCLI(t, "", "token", "create", "--user", owner.name,
				"--scope", "trigger", "--name", "bell", "--data", s.data)))
		}
	}
	if cfg.Tokens {
		for _, u := range s.users {
			u.token = strings.TrimSpace(mustCLI(t, "", "token", "create", "--user", u.name, "--scope", "view", "--data", s.data))
		}
	}
	var all []string
	for _, cams := range s.cams {
		all = append(all, cams...)
	}
	s.fleet = startFleet(t, all, cfg.Servers, cfg.Camera)
	for i, id := range all {
		mustCLI(t, "", "camera", "edit", id, "--main", s.fleet.url(i), "--data", s.data)
	}
	return s
}

// login logs every user in and keeps the session cookie.
func (s *isoSite) login(t *testing.T, base string) {
	t.Helper()
	for _, u := range s.users {
		body := `{"username":"` + u.name + `","password":"` + sitePassword + `"}`
		resp, err := http.Post(base+"/api/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "hearth_session" {
				u.cookie = c.Name + "=" + c.Value
			}
		}
		if resp.StatusCode != 200 || u.cookie == "" {
			t.Fatalf("login %s: %d", u.name, resp.StatusCode)
		}
	}
}

// allCams lists every camera of the site, in fleet order.
func (s *isoSite) allCams() []string {
	var all []string
	for _, cams := range s.cams {
		all = append(all, cams...)
	}
	return all
}

// simFleet is a few simcam servers on fixed loopback ports, killed and
// restarted together (a power cut on the camera VLAN).
type simFleet struct {
	t      *testing.T
	cfgs   [][]simcam.CameraConfig // per server
	addrs  []string
	mu     sync.Mutex
	cancel []context.CancelFunc
	done   []chan struct{}
}

func startFleet(t *testing.T, ids []string, servers int, tmpl simcam.CameraConfig) *simFleet {
	t.Helper()
	f := &simFleet{t: t, cfgs: make([][]simcam.CameraConfig, servers)}
	for i, id := range ids {
		c := tmpl
		c.ID = id
		f.cfgs[i%servers] = append(f.cfgs[i%servers], c)
	}
	f.addrs = make([]string, servers)
	for i := range f.addrs {
		f.addrs[i] = "127.0.0.1:0"
	}
	if err := f.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.stop)
	return f
}

// url is the RTSP URL of camera i of the ids given to startFleet.
func (f *simFleet) url(i int) string {
	n := len(f.cfgs)
	return fmt.Sprintf("rtsp://%s/cam/%d", f.addrs[i%n], i/n+1)
}

func (f *simFleet) start() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, cfgs := range f.cfgs {
		var srv *simcam.Server
		var err error
		// The port was ours a moment ago; a listen may briefly fail.
		for try := 0; try < 50; try++ {
			if srv, err = simcam.Listen(simcam.ServerConfig{Addr: f.addrs[i], Cameras: cfgs}); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("restart simcam %s: %w", f.addrs[i], err)
		}
		f.addrs[i] = srv.Addr()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = srv.Run(ctx); close(done) }()
		f.cancel = append(f.cancel, cancel)
		f.done = append(f.done, done)
	}
	return nil
}

// stop kills every server and waits for them.
func (f *simFleet) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.cancel {
		c()
	}
	for _, d := range f.done {
		<-d
	}
	f.cancel, f.done = nil, nil
}

// restart kills every camera at once and brings them all back.
func (f *simFleet) restart(pause time.Duration) error {
	f.stop()
	time.Sleep(pause)
	return f.start()
}

// listedCameras parses GET /api/cameras.
func listedCameras(b []byte) ([]string, error) {
	var v struct {
		Cameras []struct {
			ID string `json:"id"`
		} `json:"cameras"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(v.Cameras))
	for _, c := range v.Cameras {
		out = append(out, c.ID)
	}
	return out, nil
}

// listedEvents parses GET /api/events.
func listedEvents(b []byte) ([]apiEvent, error) {
	var v struct {
		Events []apiEvent `json:"events"`
	}
	err := json.Unmarshal(b, &v)
	return v.Events, err
}

// readAllLimit reads a response body of at most n bytes.
func readAllLimit(r io.Reader, n int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, n))
}
