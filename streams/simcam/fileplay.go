package simcam

import (
	"errors"
	"fmt"
	"math"
	mathbits "math/bits"
	"path/filepath"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/streams/sei"
)

// File mode: a camera whose CameraConfig.File is set loops that file's
// access units instead of rendering frames. Nothing is drawn into the
// pictures (no pattern, clock or moving object: the file's pixels are what
// they are); the SEI stamp (camera ID, frame counter) is the identity. The
// frame counter and media time keep increasing across loops, and frames are
// paced at the file's rate: the SPS timing info, else CameraConfig.FPS, else
// DefaultFileFPS. Width and Height come from the SPS; Schedule, GOP and
// Slices do not apply. RequestIDR skips to the file's next keyframe.

// filePlayer is a file camera's position in its (shared) FileSource.
// Only the camera's Next goroutine touches it.
type filePlayer struct {
	src      *FileSource
	num, den uint64 // frame rate, frames per second = num/den
	pos      int    // index of the next access unit
}

// newFileCamera returns a camera looping src, or the file cfg.File if src is nil.
func newFileCamera(cfg CameraConfig, src *FileSource) (*Camera, error) {
	if src == nil {
		var err error
		if src, err = LoadFile(cfg.File); err != nil {
			return nil, fmt.Errorf("new camera: %w", err)
		}
	}
	p := &filePlayer{src: src}
	switch {
	case src.fpsDen != 0:
		p.num, p.den = src.fpsNum, src.fpsDen
	case cfg.FPS > 0:
		p.num, p.den = uint64(cfg.FPS), 1
	default:
		p.num, p.den = DefaultFileFPS, 1
	}
	cfg.FPS = max(1, int(math.Round(float64(p.num)/float64(p.den))))
	cfg.Width, cfg.Height = src.width, src.height
	return &Camera{cfg: cfg.withDefaults(), file: p}, nil
}

// Codec returns CodecH264, or for a file camera the file's codec.
func (c *Camera) Codec() string {
	if c.file != nil {
		return c.file.src.codec
	}
	return CodecH264
}

// VPS returns the H.265 video parameter set of a file camera, else nil.
func (c *Camera) VPS() []byte {
	if c.file != nil {
		return c.file.src.vps
	}
	return nil
}

// Source returns the file a file camera loops, or nil.
func (c *Camera) Source() *FileSource {
	if c.file != nil {
		return c.file.src
	}
	return nil
}

// frameInterval is the time between frames.
func (c *Camera) frameInterval() time.Duration {
	if c.file != nil {
		return c.file.duration(1)
	}
	return time.Second / time.Duration(c.cfg.FPS)
}

// nextFromFile returns the file's next access unit with the stamp inserted
// before its first slice (after any AUD, parameter sets and SEI of the file).
// Frame is the decode-order counter; PTS is the presentation time, later than
// Frame's decode time by the file's reorder delay plus this picture's shift,
// and Time is the wall clock at that presentation time, so that RTP and RTCP
// times agree.
func (c *Camera) nextFromFile() (AccessUnit, error) {
	p := c.file
	if c.idr.Swap(false) {
		p.seekKey()
	}
	fau := p.src.aus[p.pos]
	p.pos = (p.pos + 1) % len(p.src.aus)
	var stamp []byte
	var err error
	if p.src.codec == CodecH265 {
		stamp, err = sei.MarshalH265(c.cfg.ID, c.n)
	} else {
		stamp, err = sei.Marshal(c.cfg.ID, c.n)
	}
	if err != nil {
		return AccessUnit{}, fmt.Errorf("camera %s frame %d: %w", c.cfg.ID, c.n, err)
	}
	nalus := make([][]byte, 0, len(fau.nalus)+1)
	nalus = append(nalus, fau.nalus[:fau.vclAt]...)
	nalus = append(nalus, stamp)
	nalus = append(nalus, fau.nalus[fau.vclAt:]...)
	ahead := uint64(p.src.delay + fau.shift) // ≥ 0 by construction of delay
	pts := p.duration(c.n + ahead)
	au := AccessUnit{
		NALUs: nalus,
		IDR:   fau.key,
		Frame: c.n,
		PTS:   pts,
		Time:  c.cfg.Now().Add(pts - p.duration(c.n)),
	}
	c.n++
	return au, nil
}

// seekKey moves to the next keyframe at or after the current position,
// wrapping to the file's start (always a keyframe).
func (p *filePlayer) seekKey() {
	for p.pos != 0 && !p.src.aus[p.pos].key {
		p.pos = (p.pos + 1) % len(p.src.aus)
	}
}

// duration returns the media time of n frames, exactly (rounded down to 1 ns).
func (p *filePlayer) duration(n uint64) time.Duration {
	hi, lo := mathbits.Mul64(n, p.den*uint64(time.Second))
	if hi >= p.num { // beyond 584 years
		return math.MaxInt64
	}
	q, _ := mathbits.Div64(hi, lo, p.num)
	return time.Duration(min(q, math.MaxInt64))
}

// format returns the RTP format announced for the file's codec.
func (p *filePlayer) format() format.Format {
	s := p.src
	if s.codec == CodecH265 {
		return &format.H265{PayloadTyp: 96, VPS: s.vps, SPS: s.sps, PPS: s.pps}
	}
	return &format.H264{PayloadTyp: 96, SPS: s.sps, PPS: s.pps, PacketizationMode: 1}
}

// rtp90k converts a media time to the 90 kHz RTP clock, rounding to nearest
// so that exact frame times (e.g. 1001/30000 s) map to exact ticks.
func rtp90k(d time.Duration) uint32 {
	return uint32((uint64(d)*9 + 50000) / 100000)
}

// videoEncoder packetizes access units: rtph264 or rtph265.
type videoEncoder interface {
	Encode(au [][]byte) ([]*rtp.Packet, error)
}

// newVideoEncoder returns the packetizer for a feed's video format.
func newVideoEncoder(f format.Format) (videoEncoder, error) {
	switch f := f.(type) {
	case *format.H264:
		e, err := f.CreateEncoder()
		if err != nil {
			return nil, fmt.Errorf("h264 packetizer: %w", err)
		}
		return e, nil
	case *format.H265:
		e, err := f.CreateEncoder()
		if err != nil {
			return nil, fmt.Errorf("h265 packetizer: %w", err)
		}
		return e, nil
	}
	return nil, errors.New("unsupported video format")
}

// fileSources loads each file once per Listen, so cameras that loop the same
// file share its memory.
type fileSources map[string]*FileSource

// newCamera returns a file camera sharing an already loaded file, or for a
// config without File, NewCamera(cc).
func (fs fileSources) newCamera(cc CameraConfig) (*Camera, error) {
	if cc.File == "" {
		return NewCamera(cc)
	}
	if err := ValidateID(cc.ID); err != nil {
		return nil, fmt.Errorf("new camera: %w", err)
	}
	key, err := filepath.Abs(cc.File)
	if err != nil {
		key = filepath.Clean(cc.File)
	}
	src := fs[key]
	if src == nil {
		if src, err = LoadFile(cc.File); err != nil {
			return nil, fmt.Errorf("new camera: %w", err)
		}
		fs[key] = src
	}
	return newFileCamera(cc, src)
}
