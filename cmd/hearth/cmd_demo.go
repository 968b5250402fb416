package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// demoLogin is one account the demo creates; the file keeps them so a
// second run prints the same logins.
type demoLogin struct {
	User      string `json:"user"`
	Password  string `json:"password"`
	Household string `json:"household"`
	Role      string `json:"role"`
}

const demoLoginsFile = "demo-logins.json"

// cmdDemo runs Hearth with in-process simulated cameras: two households with
// two cameras each, an owner per household, a viewer and an appliance
// admin. Passwords are random per data directory and printed at start.
func cmdDemo(ctx context.Context, args []string, e env) error {
	cfg, err := parseDemoFlags(args, e)
	if err != nil {
		return err
	}
	logins, cams, err := seedDemo(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	// The demo's households may try an off-site copy to a local folder:
	// one set aside beside the demo's data, as an admin would a USB disk.
	offsiteDir, err := filepath.Abs(filepath.Join(cfg.DataDir, "offsite-copies"))
	if err == nil {
		err = os.MkdirAll(offsiteDir, 0o750)
	}
	if err != nil {
		return fmt.Errorf("demo: off-site folder: %w", err)
	}
	cfg.Service.OffsiteDirs = []string{offsiteDir}
	simCams := make([]simcam.CameraConfig, len(cams))
	for i, c := range cams {
		simCams[i] = simcam.CameraConfig{ID: string(c.ID)}
	}
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: simCams, Audio: true})
	if err != nil {
		return fmt.Errorf("start simulated cameras: %w", err)
	}
	// The simulated cameras get a new port each run; point the cameras at it.
	if err := withApp(ctx, env{}, cfg.DataDir, func(a *app) error { // the demo makes its own directory on purpose
		localOK := true // the demo's simulated cameras are on loopback
		for i, c := range cams {
			u := sim.URL(i + 1)
			if _, err := a.operator().EditCamera(ctx, c.ID, nvr.CameraChanges{MainURL: &u, LocalOK: &localOK}); err != nil {
				return fmt.Errorf("point camera %q at the simulator: %w", c.Name, err)
			}
		}
		return nil
	}); err != nil {
		sim.Close()
		return err
	}
	simCtx, stopSim := context.WithCancel(ctx)
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Run(simCtx) }()
	defer func() { stopSim(); <-simDone }()

	return serve(ctx, cfg, e, func(url string, webrtcPort int) {
		fmt.Fprintf(e.stdout, "\nHearth demo: %s  (data in %s)\n", url, cfg.DataDir)
		fmt.Fprintf(e.stdout, "Open %s/ in a browser and sign in with one of the logins below.\n", url)
		fmt.Fprintf(e.stdout, "Ports: HTTP %s (--listen), WebRTC media UDP and TCP %d (--webrtc-udp-port), cameras RTSP %s.\n",
			portOf(url), webrtcPort, portOf(sim.Addr()))
		fmt.Fprintf(e.stdout, "%d simulated cameras at rtsp://%s/cam/1..%d\n", len(cams), sim.Addr(), len(cams))
		fmt.Fprintf(e.stdout, "Off-site copies to a local folder go inside %s (offsite_dirs).\n\nLogins:\n", offsiteDir)
		for _, l := range logins {
			fmt.Fprintf(e.stdout, "  %-6s %-20s  %s\n", l.User, l.Password, l.Role+householdNote(l.Household))
		}
		fmt.Fprintf(e.stdout, "\nTry: curl -c jar -H 'Content-Type: application/json' -d '{\"username\":\"%s\",\"password\":\"%s\"}' %s/api/login && curl -b jar %s/api/cameras\n\n",
			logins[0].User, logins[0].Password, url, url)
	})
}

func householdNote(h string) string {
	if h == "" {
		return ""
	}
	return " of " + h
}

func parseDemoFlags(args []string, e env) (serveConfig, error) {
	cfg := serveConfig{ShutdownTimeout: 5 * time.Second, LogLevel: 0, Service: defaultServiceOptions()}
	// The demo is usually opened in a browser on the same machine.
	cfg.Service.WebRTC.ICE = iceAll
	fl := newFlags("demo", e)
	fl.StringVar(&cfg.DataDir, "data", "./hearth-demo", "data directory for the demo")
	fl.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "HTTP listen address")
	level := fl.String("log-level", "warn", "log level: debug, info, warn, error")
	fl.IntVar(&cfg.Service.WebRTC.UDPPort, "webrtc-udp-port", cfg.Service.WebRTC.UDPPort, "UDP (and TCP) port for all WebRTC media")
	fl.StringVar(&cfg.Service.WebRTC.ICE, "webrtc-ice", cfg.Service.WebRTC.ICE, "local addresses WebRTC media may use: lan, loopback or all")
	pos, err := parseArgs(fl, args)
	if err != nil {
		return cfg, err
	}
	if len(pos) != 0 {
		return cfg, usagef("demo takes no arguments")
	}
	cfg.AnyFreeWebRTCPort = true
	fl.Visit(func(f *flag.Flag) {
		if f.Name == "webrtc-udp-port" {
			cfg.AnyFreeWebRTCPort = false // a port asked for is the port used
		}
	})
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, usagef("--log-level %q: want debug, info, warn or error", *level)
	}
	return cfg, cfg.Validate()
}

// seedDemo creates the demo households, people and cameras on first run and
// returns the logins and the cameras in simulator order.
func seedDemo(ctx context.Context, dataDir string) ([]demoLogin, []nvr.Camera, error) {
	var (
		logins []demoLogin
		cams   []nvr.Camera
	)
	err := withApp(ctx, env{}, dataDir, func(a *app) error {
		path := filepath.Join(dataDir, demoLoginsFile)
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &logins); err != nil {
				return fmt.Errorf("read %s: %w", path, err)
			}
		case errors.Is(err, fs.ErrNotExist):
			if logins, err = createDemoWorld(ctx, a); err != nil {
				return err
			}
			b, _ := json.MarshalIndent(logins, "", "  ")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		default:
			return fmt.Errorf("read %s: %w", path, err)
		}
		all, err := a.store.Cameras(ctx, 0)
		if err != nil {
			return err
		}
		cams = demoCameras(all)
		return nil
	})
	if err == nil && len(cams) == 0 {
		err = fmt.Errorf("demo data in %s has no cameras; remove the directory to start over", dataDir)
	}
	return logins, cams, err
}

// demoCameras keeps the demo's own cameras: the first made, all within a
// minute at the first start (the seed makes them together). A camera
// someone added since (a real one, or simcam --onvif) keeps its own
// address instead of being pointed at a simulated camera at each start;
// a demo camera renamed or moved stays the demo's.
func demoCameras(all []nvr.Camera) []nvr.Camera {
	if len(all) == 0 {
		return nil
	}
	first := all[0].CreatedAt
	for _, c := range all {
		if c.CreatedAt.Before(first) {
			first = c.CreatedAt
		}
	}
	var out []nvr.Camera
	for _, c := range all {
		if c.CreatedAt.Sub(first) < time.Minute && len(out) < demoCameraCount {
			out = append(out, c)
		}
	}
	return out
}

// demoCameraCount is how many cameras createDemoWorld makes.
const demoCameraCount = 4

func createDemoWorld(ctx context.Context, a *app) ([]demoLogin, error) {
	if hs, err := a.store.Households(ctx); err != nil || len(hs) > 0 {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s holds data that is not the demo's; use another --data directory", a.dataDir)
	}
	d := a.operator()
	var logins []demoLogin
	addUser := func(name string, h nvr.Household, role nvr.Role, admin bool) (nvr.User, error) {
		pw := demoPassword()
		u, err := d.AddUser(ctx, nvr.NewUser{Name: name, HouseholdID: h.ID, Role: role, Admin: admin, Password: pw})
		if err != nil {
			return u, err
		}
		l := demoLogin{User: name, Password: pw, Household: h.Name, Role: string(role)}
		if admin {
			l.Role = "appliance admin"
		}
		logins = append(logins, l)
		return u, nil
	}
	alvarez, err := d.AddHousehold(ctx, "Alvarez")
	if err != nil {
		return nil, err
	}
	brooks, err := d.AddHousehold(ctx, "Brooks")
	if err != nil {
		return nil, err
	}
	placeholder := "rtsp://127.0.0.1:9/unset" // replaced by the simulator's address at each start
	var first nvr.Camera
	for _, c := range []struct {
		h    nvr.Household
		name string
	}{{alvarez, "Front door"}, {alvarez, "Garden"}, {brooks, "Driveway"}, {brooks, "Back porch"}} {
		cam, err := d.AddCamera(ctx, nvr.NewCamera{HouseholdID: c.h.ID, Name: c.name, MainURL: placeholder,
			LocalOK: true}) // the demo's simulated cameras are on loopback
		if err != nil {
			return nil, err
		}
		// The simulated cameras print a clock and their ID at the top of the
		// picture; a mask keeps the pixel detector from calling that motion,
		// as a real camera's timestamp overlay would need.
		overlay := float64(simcam.OverlayHeight) / simcam.DefaultHeight
		masks := []nvr.Zone{{Name: "overlay", Mask: true, Polygon: [][2]float64{{0, 0}, {1, 0}, {1, overlay}, {0, overlay}}}}
		if cam, err = d.EditCamera(ctx, cam.ID, nvr.CameraChanges{Zones: &masks}); err != nil {
			return nil, err
		}
		if first.ID == "" {
			first = cam
		}
	}
	if _, err := addUser("alice", alvarez, nvr.RoleOwner, false); err != nil {
		return nil, err
	}
	if _, err := addUser("bob", brooks, nvr.RoleOwner, false); err != nil {
		return nil, err
	}
	viewer, err := addUser("vera", alvarez, nvr.RoleViewer, false)
	if err != nil {
		return nil, err
	}
	if err := d.Assign(ctx, viewer.PublicID, first.ID, true); err != nil {
		return nil, err
	}
	if _, err := addUser("admin", nvr.Household{}, nvr.RoleMember, true); err != nil {
		return nil, err
	}
	return logins, nil
}

// demoPassword returns 12 random characters from an unambiguous alphabet.
func demoPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// portOf returns the port of a URL or host:port, for the demo's summary.
func portOf(addr string) string {
	if _, rest, ok := strings.Cut(addr, "://"); ok {
		addr = rest
	}
	if _, port, err := net.SplitHostPort(strings.TrimSuffix(addr, "/")); err == nil {
		return port
	}
	return addr
}
