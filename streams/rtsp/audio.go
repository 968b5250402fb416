package rtsp

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtpmpeg4audio"
	"github.com/pion/rtp"
)

// newAudioPath makes the depacketizer of the selected audio format. Every
// decoder returns frames that may alias the packet; onAudio copies them.
func newAudioPath(sel selection) (*audioPath, error) {
	a := &audioPath{track: sel.audioTrack}
	a.wall.clockRate = int64(sel.audioTrack.ClockRate)
	switch f := sel.audioForma.(type) {
	case *format.MPEG4Audio:
		dec, err := f.CreateDecoder()
		if err != nil {
			return nil, fmt.Errorf("aac: %w", err)
		}
		a.decode = func(p *rtp.Packet) ([][]byte, error) {
			aus, err := dec.Decode(p)
			if errors.Is(err, rtpmpeg4audio.ErrMorePacketsNeeded) {
				return nil, nil
			}
			return aus, err
		}
	case *format.G711:
		dec, err := f.CreateDecoder()
		if err != nil {
			return nil, fmt.Errorf("g711: %w", err)
		}
		a.decode = single(dec.Decode)
	case *format.Opus:
		dec, err := f.CreateDecoder()
		if err != nil {
			return nil, fmt.Errorf("opus: %w", err)
		}
		a.decode = single(dec.Decode)
	default:
		return nil, fmt.Errorf("audio codec %s", codecName(f))
	}
	return a, nil
}

func single(dec func(*rtp.Packet) ([]byte, error)) func(*rtp.Packet) ([][]byte, error) {
	return func(p *rtp.Packet) ([][]byte, error) {
		b, err := dec(p)
		if err != nil || len(b) == 0 {
			return nil, err
		}
		return [][]byte{b}, nil
	}
}

func urlUser(user, pass string) *url.Userinfo { return url.UserPassword(user, pass) }
