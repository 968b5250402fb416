// Package ptz moves cameras over ONVIF for the people the policy lets
// (nvr.ActionControlPTZ): continuous moves that the camera ends by itself,
// stop, and presets. Commands are rate-limited per camera, so a stuck
// button or a script cannot flood a camera.
package ptz

import (
	"context"
	"errors"
	"math"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/onvif"
)

// Limits.
const (
	// MoveFor is how long one move lasts at most: the camera stops by
	// itself after it, so a lost stop never leaves a camera turning.
	MoveFor = 2 * time.Second
	// perSecond and burst bound each camera's commands.
	perSecond = 5
	burst     = 10
	// maxCameras bounds the rate limiter's memory.
	maxCameras = 4096
	timeout    = 10 * time.Second
)

// Command is one PTZ request.
type Command struct {
	// Action is move, stop, presets, goto or save.
	Action string `json:"action"`
	// Pan, Tilt and Zoom are speeds in -1..1 for move.
	Pan  float64 `json:"pan"`
	Tilt float64 `json:"tilt"`
	Zoom float64 `json:"zoom"`
	// Preset is a preset's token, for goto.
	Preset string `json:"preset"`
	// Name names the position saved, for save.
	Name string `json:"name"`
}

// Preset is one stored position.
type Preset struct {
	Token string `json:"token"`
	Name  string `json:"name"`
}

// Result answers a command.
type Result struct {
	Presets []Preset `json:"presets"`
}

// Controller runs PTZ commands. The zero value is not usable: NewController.
// Safe for concurrent use.
type Controller struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[nvr.CameraID]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewController returns a controller; now is the clock (time.Now).
func NewController(now func() time.Time) *Controller {
	if now == nil {
		now = time.Now
	}
	return &Controller{now: now, buckets: map[nvr.CameraID]*bucket{}}
}

// errRate is the answer to a camera's commands coming too fast.
var errRate = nvr.Errorf("ptz", nvr.KindUnavailable, "too many PTZ commands for this camera; slow down")

// allow takes one token of cam's bucket.
func (c *Controller) allow(cam nvr.CameraID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	b := c.buckets[cam]
	if b == nil {
		if len(c.buckets) >= maxCameras {
			clear(c.buckets) // full buckets all round: the limit is per second anyway
		}
		b = &bucket{tokens: burst, at: now}
		c.buckets[cam] = b
	}
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.tokens = math.Min(burst, b.tokens+dt*perSecond)
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Do runs cmd on g's camera. g must be a control-ptz grant; a camera
// without an ONVIF address is KindInvalid; a camera that does not answer,
// KindUnavailable.
func (c *Controller) Do(ctx context.Context, g nvr.CameraGrant, cmd Command) (Result, error) {
	const op = "ptz"
	if err := g.Require(nvr.ActionControlPTZ); err != nil {
		return Result{}, err
	}
	cam := g.Camera()
	if cam.ONVIFURL == "" {
		return Result{}, nvr.Errorf(op, nvr.KindInvalid, "the camera has no ONVIF address: set it in the camera's settings")
	}
	switch cmd.Action {
	case "move", "stop", "presets", "goto", "save":
	default:
		return Result{}, nvr.Errorf(op, nvr.KindInvalid, "action must be move, stop, presets, goto or save")
	}
	for _, v := range []float64{cmd.Pan, cmd.Tilt, cmd.Zoom} {
		if math.IsNaN(v) || v < -1 || v > 1 {
			return Result{}, nvr.Errorf(op, nvr.KindInvalid, "pan, tilt and zoom must be -1 to 1")
		}
	}
	if cmd.Action == "goto" && (cmd.Preset == "" || len(cmd.Preset) > 64) {
		return Result{}, nvr.Errorf(op, nvr.KindInvalid, "goto needs a preset token")
	}
	if cmd.Action == "save" {
		name := strings.TrimSpace(cmd.Name)
		if name == "" || utf8.RuneCountInString(name) > 32 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return Result{}, nvr.Errorf(op, nvr.KindInvalid, "name the position: 1 to 32 printable characters")
		}
		cmd.Name = name
	}
	if !c.allow(cam.ID) {
		return Result{}, errRate
	}
	user, pw := cam.ONVIFCredentials()
	cl, err := onvif.New(onvif.Config{URL: cam.ONVIFURL, Username: user, Password: pw.Reveal(), CheckAddr: nvr.CheckAddrFor(cam.LocalOK)})
	if err != nil {
		return Result{}, nvr.Errorf(op, nvr.KindInvalid, "%s", err.Error())
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := c.run(ctx, cl, cmd)
	if err != nil {
		if errors.Is(err, onvif.ErrUnauthorized) {
			return Result{}, &nvr.Error{Op: op, Kind: nvr.KindUnavailable, Msg: "the camera refused its stored credentials", Err: err}
		}
		return Result{}, &nvr.Error{Op: op, Kind: nvr.KindUnavailable, Msg: failureWords(err), Err: err}
	}
	return res, nil
}

func (c *Controller) run(ctx context.Context, cl *onvif.Client, cmd Command) (Result, error) {
	if _, err := cl.SyncTime(ctx); err != nil && !errors.Is(err, onvif.ErrUnauthorized) {
		return Result{}, err
	}
	profiles, err := cl.Profiles(ctx)
	if err != nil {
		return Result{}, err
	}
	if len(profiles) == 0 {
		return Result{}, errors.New("the camera has no media profile")
	}
	// The head is the device's: any profile moves it; the first is the
	// one cameras attach their PTZ configuration to.
	profile := profiles[0].Token
	switch cmd.Action {
	case "move":
		return Result{}, cl.ContinuousMove(ctx, profile, cmd.Pan, cmd.Tilt, cmd.Zoom, MoveFor)
	case "stop":
		return Result{}, cl.Stop(ctx, profile)
	case "goto":
		return Result{}, cl.GotoPreset(ctx, profile, cmd.Preset)
	case "save":
		// Saved where the head is now, under a new token the camera picks.
		tok, err := cl.SetPreset(ctx, profile, cmd.Name)
		if err != nil {
			return Result{}, err
		}
		return Result{Presets: []Preset{{Token: tok, Name: cmd.Name}}}, nil
	}
	ps, err := cl.Presets(ctx, profile)
	if err != nil {
		return Result{}, err
	}
	out := Result{Presets: []Preset{}}
	for _, p := range ps {
		out.Presets = append(out.Presets, Preset{Token: p.Token, Name: p.Name})
	}
	return out, nil
}

// failureWords says why the camera did not move in a household's words:
// a camera that cannot be reached is said so (the raw error named the
// camera's ONVIF address and ran off a phone's screen); what the camera
// answered is kept, shortened.
func failureWords(err error) string {
	var (
		dnsErr *net.DNSError
		opErr  *net.OpError
		netErr net.Error
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		return "the camera could not be reached to move it: is it on and connected?"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "the camera did not answer in time"
	}
	return "the camera did not do it: " + short(err)
}

func short(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
