package thumbnail

import (
	"errors"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/hearthnvr/hearth/streams/media"
)

// ErrNotKeyframe means the unit is not a video keyframe with parameter sets.
var ErrNotKeyframe = errors.New("not a video keyframe")

// keyframe is a keyframe split into parameter sets and picture NAL units.
type keyframe struct {
	codec         media.Codec
	vps, sps, pps []byte
	nalus         [][]byte // everything else (SEI, slices), in order
	width, height int
	fps           float64
}

// split checks key and gathers what both outputs need.
func split(key *media.Unit) (*keyframe, error) {
	if key == nil || key.Info == nil || key.Track < 0 || key.Track >= len(key.Info.Tracks) {
		return nil, fmt.Errorf("thumbnail: %w", ErrNotKeyframe)
	}
	t := key.Info.Tracks[key.Track]
	if !t.Codec.IsVideo() || !key.Key {
		return nil, fmt.Errorf("thumbnail: %w", ErrNotKeyframe)
	}
	k := &keyframe{codec: t.Codec, vps: t.VPS, sps: t.SPS, pps: t.PPS, fps: t.FPS}
	for _, n := range key.NALUs {
		if len(n) == 0 {
			continue
		}
		switch kind(t.Codec, n) {
		case "vps":
			k.vps = n
		case "sps":
			k.sps = n
		case "pps":
			k.pps = n
		case "aud":
		default:
			k.nalus = append(k.nalus, n)
		}
	}
	if len(k.sps) == 0 || len(k.pps) == 0 || (t.Codec == media.H265 && len(k.vps) == 0) || len(k.nalus) == 0 {
		return nil, fmt.Errorf("thumbnail: %w: parameter sets or picture missing", ErrNotKeyframe)
	}
	var err error
	switch t.Codec {
	case media.H264:
		var sps h264.SPS
		err = sps.Unmarshal(k.sps)
		k.width, k.height = sps.Width(), sps.Height()
	case media.H265:
		var sps h265.SPS
		err = sps.Unmarshal(k.sps)
		k.width, k.height = sps.Width(), sps.Height()
	}
	if err != nil || k.width <= 0 || k.height <= 0 {
		return nil, fmt.Errorf("thumbnail: bad SPS: %w", errors.Join(err, ErrNotKeyframe))
	}
	return k, nil
}

// kind names the NAL units split treats specially.
func kind(codec media.Codec, n []byte) string {
	if codec == media.H265 {
		switch (n[0] >> 1) & 0x3f {
		case 32:
			return "vps"
		case 33:
			return "sps"
		case 34:
			return "pps"
		case 35:
			return "aud"
		}
		return ""
	}
	switch n[0] & 0x1f {
	case 7:
		return "sps"
	case 8:
		return "pps"
	case 9:
		return "aud"
	}
	return ""
}

// annexB returns the keyframe as an Annex-B stream: parameter sets first.
func (k *keyframe) annexB() []byte {
	var out []byte
	for _, n := range append([][]byte{k.vps, k.sps, k.pps}, k.nalus...) {
		if len(n) > 0 {
			out = append(append(out, 0, 0, 0, 1), n...)
		}
	}
	return out
}
