package simcam

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hearthnvr/hearth/streams/h264enc"
	"github.com/hearthnvr/hearth/streams/sei"
)

// Camera defaults.
const (
	DefaultWidth  = 640
	DefaultHeight = 368
	DefaultFPS    = 10
	DefaultGOP    = 25
)

// CameraConfig configures a Camera. Zero fields take the defaults.
type CameraConfig struct {
	// ID is the camera's identity: 1 to 32 lowercase hex digits (Hearth IDs
	// are 32). It is drawn in the pattern and carried in every SEI stamp.
	ID            string
	Width, Height int // multiples of 16, at least MinWidth×MinHeight
	FPS           int
	GOP           int // frames from one IDR to the next
	Slices        int // slices per picture (default 1)
	// Now is the wall clock stamped into frames and driving the schedule.
	Now      func() time.Time
	Schedule Schedule
	// File, when set, is an Annex-B H.264/H.265 or MPEG-TS file that the
	// camera loops instead of rendering frames (file mode, see fileplay.go).
	File string
}

// AccessUnit is one encoded frame.
type AccessUnit struct {
	NALUs [][]byte // SPS, PPS (IDR only), SEI stamp, slices; no start codes
	IDR   bool
	Frame uint64        // counter from 0, as in the SEI stamp
	PTS   time.Duration // media time: Frame / FPS
	Time  time.Time     // wall-clock time drawn into the frame
}

// Camera renders and encodes frames. Next is for one goroutine at a time;
// RequestIDR may be called from any goroutine.
type Camera struct {
	cfg     CameraConfig
	enc     *h264enc.Encoder
	frame   *h264enc.Frame
	idField []byte
	n       uint64
	idr     atomic.Bool
	file    *filePlayer // file mode; enc and frame are nil then
	// view, when set, shifts the picture (the simulated PTZ head).
	view atomic.Pointer[func(width, height int) (dx, dy int)]
}

// NewCamera validates cfg and returns a camera whose first frame is an IDR.
func NewCamera(cfg CameraConfig) (*Camera, error) {
	if err := ValidateID(cfg.ID); err != nil {
		return nil, fmt.Errorf("new camera: %w", err)
	}
	if cfg.File != "" {
		return newFileCamera(cfg, nil)
	}
	cfg = cfg.withDefaults()
	if cfg.Width < MinWidth || cfg.Height < MinHeight {
		return nil, fmt.Errorf("new camera: %dx%d is smaller than %dx%d", cfg.Width, cfg.Height, MinWidth, MinHeight)
	}
	enc, err := h264enc.New(h264enc.Config{Width: cfg.Width, Height: cfg.Height, FPS: cfg.FPS, Slices: cfg.Slices})
	if err != nil {
		return nil, fmt.Errorf("new camera: %w", err)
	}
	return &Camera{
		cfg:     cfg,
		enc:     enc,
		frame:   h264enc.NewFrame(cfg.Width, cfg.Height, bgY, bgCb, bgCr),
		idField: idField(cfg.ID),
	}, nil
}

func (c CameraConfig) withDefaults() CameraConfig {
	if c.Width == 0 {
		c.Width = DefaultWidth
	}
	if c.Height == 0 {
		c.Height = DefaultHeight
	}
	if c.FPS <= 0 {
		c.FPS = DefaultFPS
	}
	if c.GOP <= 0 {
		c.GOP = DefaultGOP
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Schedule = c.Schedule.withDefaults()
	return c
}

// ID returns the camera's ID.
func (c *Camera) ID() string { return c.cfg.ID }

// Config returns the configuration with defaults applied.
func (c *Camera) Config() CameraConfig { return c.cfg }

// SPS returns the sequence parameter set (H.265 for an H.265 file camera).
func (c *Camera) SPS() []byte {
	if c.file != nil {
		return c.file.src.sps
	}
	return c.enc.SPS()
}

// PPS returns the picture parameter set (H.265 for an H.265 file camera).
func (c *Camera) PPS() []byte {
	if c.file != nil {
		return c.file.src.pps
	}
	return c.enc.PPS()
}

// RequestIDR makes the next frame an IDR, e.g. after a reader missed frames.
func (c *Camera) RequestIDR() { c.idr.Store(true) }

// Next renders and encodes the next frame at the current wall-clock time.
func (c *Camera) Next() (AccessUnit, error) {
	if c.file != nil {
		return c.nextFromFile()
	}
	t := c.cfg.Now()
	dx, dy := 0, 0
	if v := c.view.Load(); v != nil {
		dx, dy = (*v)(c.cfg.Width, c.cfg.Height)
	}
	render(c.frame, c.idField, c.cfg.ID, c.cfg.Schedule, t, dx, dy)
	force := c.n%uint64(c.cfg.GOP) == 0 || c.idr.Swap(false)
	nalus, idr, err := c.enc.Encode(c.frame, force)
	if err != nil {
		return AccessUnit{}, fmt.Errorf("camera %s frame %d: %w", c.cfg.ID, c.n, err)
	}
	stamp, err := sei.Marshal(c.cfg.ID, c.n)
	if err != nil {
		return AccessUnit{}, fmt.Errorf("camera %s frame %d: %w", c.cfg.ID, c.n, err)
	}
	// The SEI goes after any parameter sets and before the first slice.
	at := 0
	if idr {
		at = 2
	}
	out := make([][]byte, 0, len(nalus)+1)
	out = append(out, nalus[:at]...)
	out = append(out, stamp)
	out = append(out, nalus[at:]...)
	au := AccessUnit{
		NALUs: out,
		IDR:   idr,
		Frame: c.n,
		PTS:   time.Duration(c.n) * time.Second / time.Duration(c.cfg.FPS),
		Time:  t,
	}
	c.n++
	return au, nil
}

// ViewOffset returns how far the picture is shifted now (by the simulated
// PTZ head; 0, 0 without one).
func (c *Camera) ViewOffset() (dx, dy int) {
	if v := c.view.Load(); v != nil {
		return (*v)(c.cfg.Width, c.cfg.Height)
	}
	return 0, 0
}
