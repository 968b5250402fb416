package simcam

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtplpcm"
)

const (
	audioRate = 8000 // G.711 sample rate, Hz
	toneHz    = 440
)

// feed is one camera's stream: its camera, its gortsplib stream and RTP
// encoders. Only the feed's run goroutine touches the camera and encoders.
type feed struct {
	plays  atomic.Int64 // PLAY requests answered (Server.Plays)
	cam    *Camera
	audio  bool
	stream *gortsplib.ServerStream
	vEnc   videoEncoder // rtph264, or rtph265 for an H.265 file camera
	aEnc   *rtplpcm.Encoder
	// RTP timestamps; zero is fine because readers only use differences.
	samples uint64 // audio samples sent so far (tone phase and timestamp)
	// firstFrame is the capture time of the first rendered frame: video
	// RTP time is the frame slot of the capture time since then, as a real
	// camera's clock runs, so a simulator that falls behind on a loaded
	// machine still stamps each frame with the moment its picture shows.
	firstFrame time.Time
	lastSlot   int64  // frame slot of the last frame sent
	frames     uint64 // video frames sent
}

func (f *feed) open(srv *gortsplib.Server) error {
	f.stream = &gortsplib.ServerStream{Server: srv, Desc: f.description()}
	if err := f.stream.Initialize(); err != nil {
		return fmt.Errorf("camera %s stream: %w", f.cam.ID(), err)
	}
	var err error
	if f.vEnc, err = newVideoEncoder(f.stream.Desc.Medias[0].Formats[0]); err != nil {
		return fmt.Errorf("camera %s: %w", f.cam.ID(), err)
	}
	if f.audio {
		if f.aEnc, err = f.stream.Desc.Medias[1].Formats[0].(*format.G711).CreateEncoder(); err != nil {
			return fmt.Errorf("camera %s g711 packetizer: %w", f.cam.ID(), err)
		}
	}
	return nil
}

func (f *feed) close() {
	if f.stream != nil {
		f.stream.Close()
	}
}

// run produces one frame per tick until ctx ends. Frames are produced even
// while stalled so that the picture's clock and schedule keep going.
func (f *feed) run(ctx context.Context, stalled func() bool) error {
	fps := f.cam.Config().FPS
	t := time.NewTicker(f.cam.frameInterval())
	defer t.Stop()
	wasStalled := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if s := stalled(); s != wasStalled {
			wasStalled = s
			if !s {
				f.cam.RequestIDR() // readers missed the references
			}
		}
		au, err := f.cam.Next()
		if err != nil {
			return err
		}
		if wasStalled {
			f.samples += audioRate / uint64(fps)
			continue
		}
		if err := f.writeVideo(au); err != nil {
			return err
		}
		if f.audio {
			if err := f.writeAudio(au.Time, audioRate/fps); err != nil {
				return err
			}
		}
	}
}

func (f *feed) writeVideo(au AccessUnit) error {
	pkts, err := f.vEnc.Encode(au.NALUs)
	if err != nil {
		return fmt.Errorf("camera %s packetize frame %d: %w", f.cam.ID(), au.Frame, err)
	}
	if f.firstFrame.IsZero() {
		f.firstFrame = au.Time
	}
	// The frame slot of the capture time: whole frame intervals, like a
	// camera's encoder clock; a late frame takes the slot it was shown in.
	fps := int64(f.cam.Config().FPS)
	slot := (int64(au.Time.Sub(f.firstFrame))*fps + int64(time.Second)/2) / int64(time.Second)
	if f.frames > 0 && slot <= f.lastSlot { // a tick delivered late, then at once: the next slot
		slot = f.lastSlot + 1
	}
	f.lastSlot = slot
	f.frames++
	ts := uint32(slot * 90000 / fps)
	if f.cam.file != nil { // file mode: presentation time, reordered by B-frames
		ts = rtp90k(au.PTS)
	}
	medi := f.stream.Desc.Medias[0]
	for _, p := range pkts {
		p.Timestamp = ts
		// The NTP time feeds RTCP sender reports: readers can map media time
		// to the camera's wall clock, as with a real camera.
		if err := f.stream.WritePacketRTPWithNTP(medi, p, au.Time); err != nil {
			return fmt.Errorf("camera %s write frame %d: %w", f.cam.ID(), au.Frame, err)
		}
	}
	return nil
}

// writeAudio sends n samples of a µ-law sine tone.
func (f *feed) writeAudio(now time.Time, n int) error {
	buf := make([]byte, n)
	for i := range buf {
		ph := 2 * math.Pi * toneHz * float64(f.samples+uint64(i)) / audioRate
		buf[i] = muLaw(int16(8000 * math.Sin(ph)))
	}
	pkts, err := f.aEnc.Encode(buf)
	if err != nil {
		return fmt.Errorf("camera %s packetize audio: %w", f.cam.ID(), err)
	}
	medi := f.stream.Desc.Medias[1]
	for _, p := range pkts {
		p.Timestamp = uint32(f.samples)
		f.samples += uint64(len(p.Payload))
		if err := f.stream.WritePacketRTPWithNTP(medi, p, now); err != nil {
			return fmt.Errorf("camera %s write audio: %w", f.cam.ID(), err)
		}
	}
	return nil
}

// muLaw encodes a 16-bit linear sample as G.711 µ-law.
func muLaw(s int16) byte {
	const bias, clip = 0x84, 32635
	x := int(s)
	sign := 0
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, clip) + bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := x >> (exp + 3) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}
