// Package simcamcmd is the "simcam" command line, shared by hearth (a
// test peer for anyone trying an NVR without a camera) and hearth-bench
// (the cameras of its scenarios, in another process).
package simcamcmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/cmd/internal/cmdline"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// simcamConfig is the typed configuration of "hearth simcam".
type simcamConfig struct {
	Listen        string
	Cameras       int
	FPS           int
	GOP           int // frames from one IDR to the next
	Width, Height int
	Flap          time.Duration
	Stall         bool
	Audio         bool
	User, Pass    string
	File          string // loop this H.264/H.265 or MPEG-TS file instead of rendering
	// ONVIF, when set, is the HTTP address of an ONVIF device whose
	// profiles are the cameras (main: camera 1, sub: camera 2);
	// Discovery, the UDP address of its unicast WS-Discovery responder.
	ONVIF, Discovery string
	// NoPullPoint makes the ONVIF device offer base notification (push)
	// only; PersonEvery scripts its person detection (0: none).
	NoPullPoint bool
	PersonEvery time.Duration
	SubW, SubH  int // camera 2's size when given (--sub-size)
	// IDSeed, when set, derives the camera IDs from it, so a restarted
	// simulator serves the same cameras (storm benchmarks).
	IDSeed string
}

func (c simcamConfig) Validate() error {
	if c.Cameras < 1 || c.Cameras > 1000 {
		return cmdline.Usagef("--cameras must be 1-1000")
	}
	if c.FPS < 1 || c.FPS > 60 {
		return cmdline.Usagef("--fps must be 1-60")
	}
	if c.GOP < 1 || c.GOP > 600 {
		return cmdline.Usagef("--gop must be 1-600 frames")
	}
	if c.File != "" {
		if _, err := os.Stat(c.File); err != nil {
			return cmdline.Usagef("--file: %v", err)
		}
	} else if c.Width%16 != 0 || c.Height%16 != 0 || c.Width < simcam.MinWidth || c.Height < simcam.MinHeight || c.Width > 1920 || c.Height > 1088 {
		return cmdline.Usagef("--size must be WxH in multiples of 16, from %dx%d to 1920x1088", simcam.MinWidth, simcam.MinHeight)
	}
	if c.Discovery != "" && c.ONVIF == "" {
		return cmdline.Usagef("--onvif-discovery needs --onvif")
	}
	if (c.NoPullPoint || c.PersonEvery != 0) && c.ONVIF == "" {
		return cmdline.Usagef("--onvif-no-pullpoint and --onvif-person-every need --onvif")
	}
	if c.PersonEvery < 0 {
		return cmdline.Usagef("--onvif-person-every must not be negative")
	}
	if c.SubW != 0 && (c.Cameras < 2 || c.File != "" || c.SubW%16 != 0 || c.SubH%16 != 0 || c.SubW < simcam.MinWidth || c.SubH < simcam.MinHeight || c.SubW > 1920 || c.SubH > 1088) {
		return cmdline.Usagef("--sub-size needs --cameras 2 or more, a rendered camera, and WxH in multiples of 16 from %dx%d to 1920x1088", simcam.MinWidth, simcam.MinHeight)
	}
	if (c.User == "") != (c.Pass == "") {
		return cmdline.Usagef("--user and --pass go together")
	}
	return nil
}

// parseSize reads "640x368".
func parseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(s, "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, cmdline.Usagef("--size %q: want WxH, e.g. 640x368", s)
	}
	return w, h, nil
}

// Run serves simulated cameras over RTSP until ctx ends, printing one
// "camera ID URL" line per camera on stdout; onListen, when set, is told
// the bound address. prog names the binary in flag errors.
func Run(ctx context.Context, prog string, args []string, stdout, stderr io.Writer, onListen func(addr string)) error {
	cfg := simcamConfig{}
	fs := cmdline.NewFlags(prog, "simcam", stderr)
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8554", "RTSP listen address")
	fs.IntVar(&cfg.Cameras, "cameras", 4, "number of cameras, served at rtsp://ADDR/cam/1..N")
	fs.IntVar(&cfg.FPS, "fps", 10, "frames per second")
	fs.IntVar(&cfg.GOP, "gop", simcam.DefaultGOP, "frames from one keyframe (IDR) to the next; rendered cameras only")
	size := fs.String("size", "640x368", "frame size WxH (multiples of 16)")
	fs.DurationVar(&cfg.Flap, "flap", 0, "drop every connection at this interval (fault mode)")
	fs.BoolVar(&cfg.Stall, "stall", false, "accept connections but send no media (fault mode)")
	fs.BoolVar(&cfg.Audio, "audio", false, "add a G.711 tone track")
	fs.StringVar(&cfg.User, "user", "", "require this RTSP user name")
	fs.StringVar(&cfg.Pass, "pass", "", "require this RTSP password (a test camera's, not a secret of Hearth's)")
	fs.StringVar(&cfg.ONVIF, "onvif", "", "also serve an ONVIF device (device and media services) at this HTTP address, e.g. 127.0.0.1:8000;\n"+
		"its profiles are the cameras: main is camera 1, sub camera 2")
	fs.StringVar(&cfg.Discovery, "onvif-discovery", "", "answer WS-Discovery probes sent to this UDP address, e.g. 127.0.0.1:3702 (with --onvif)")
	fs.BoolVar(&cfg.NoPullPoint, "onvif-no-pullpoint", false, "the ONVIF device offers no pull point: events reach a recorder only by base notification (wsnt:Subscribe, then pushed Notify)")
	fs.DurationVar(&cfg.PersonEvery, "onvif-person-every", 0, "raise an ONVIF person detection, present then gone, at this interval (with --onvif; 0: none)")
	subSize := fs.String("sub-size", "", "camera 2's frame size WxH, so the ONVIF sub profile is smaller than main")
	fs.StringVar(&cfg.IDSeed, "id-seed", "", "derive camera IDs from this text (the same IDs on every start) instead of random ones")
	fs.StringVar(&cfg.File, "file", "", "loop this Annex-B H.264/H.265 (.h264 .264 .h265 .265 .hevc) or MPEG-TS (.ts) file\n"+
		"on every camera, stamped with the camera's SEI; size comes from the file, and fps from its SPS, else --fps, else 25")
	pos, err := cmdline.ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return cmdline.Usagef("simcam takes no arguments")
	}
	if cfg.Width, cfg.Height, err = parseSize(*size); err != nil {
		return err
	}
	if *subSize != "" {
		if cfg.SubW, cfg.SubH, err = parseSize(*subSize); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	fileFPS := 0 // file mode: the SPS rate, else --fps only if given, else simcam.DefaultFileFPS
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "fps" {
			fileFPS = cfg.FPS
		}
	})
	cams := make([]simcam.CameraConfig, cfg.Cameras)
	for i := range cams {
		id := string(nvr.NewCameraID())
		if cfg.IDSeed != "" {
			sum := sha256.Sum256([]byte(cfg.IDSeed + "/" + strconv.Itoa(i+1)))
			id = hex.EncodeToString(sum[:16])
		}
		cams[i] = simcam.CameraConfig{ID: id, Width: cfg.Width, Height: cfg.Height, FPS: cfg.FPS, GOP: cfg.GOP}
		if cfg.File != "" {
			cams[i] = simcam.CameraConfig{ID: cams[i].ID, FPS: fileFPS, File: cfg.File} // loaded once, shared by all cameras
		}
		if i == 1 && cfg.SubW != 0 {
			cams[i].Width, cams[i].Height = cfg.SubW, cfg.SubH
		}
	}
	scfg := simcam.ServerConfig{Addr: cfg.Listen, Cameras: cams, Username: cfg.User,
		Password: cfg.Pass, FlapEvery: cfg.Flap, Stall: cfg.Stall, Audio: cfg.Audio}
	if cfg.ONVIF != "" {
		scfg.ONVIF = &simcam.ONVIFConfig{Addr: cfg.ONVIF, DiscoveryAddr: cfg.Discovery, NoPullPoint: cfg.NoPullPoint, PersonEvery: cfg.PersonEvery}
	}
	srv, err := simcam.Listen(scfg)
	if err != nil {
		return fmt.Errorf("simcam: %w", err)
	}
	for i, c := range cams {
		fmt.Fprintf(stdout, "camera %s %s\n", c.ID, srv.URL(i+1))
	}
	if a := srv.ONVIFAddr(); a != "" {
		fmt.Fprintf(stdout, "onvif http://%s/onvif/device_service\n", a)
	}
	if a := srv.DiscoveryAddr(); a != "" {
		fmt.Fprintf(stdout, "ws-discovery udp://%s\n", a)
	}
	if onListen != nil {
		onListen(srv.Addr())
	}
	return srv.Run(ctx)
}
