package segment

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/hearthnvr/hearth/streams/media"
)

// ErrUnsupported reports a stream this package cannot store (no track with
// a codec it can carry, or unusable codec parameters).
var ErrUnsupported = errors.New("unsupported stream")

// track is one stored track: a media.Track mapped to an MP4 track.
type track struct {
	id        uint32 // MP4 track_ID, from 1
	src       int    // index into StreamInfo.Tracks
	codec     media.Codec
	timescale uint32 // 90000 for video, the sample rate for audio
	channels  int
	width     int
	height    int
	entry     []byte // the stsd sample entry box
}

func (t *track) video() bool { return t.codec.IsVideo() }

// mapTracks builds the MP4 tracks for info. Tracks with a codec that cannot
// be stored, and storable ones past the first maxTracks, are left out
// (their units are ignored); a stream with no storable track is
// ErrUnsupported.
func mapTracks(info *media.StreamInfo) ([]*track, error) {
	var out []*track
	for i, mt := range info.Tracks {
		if len(out) == maxTracks {
			break // Scan refuses more: the rest are not stored
		}
		t := &track{id: uint32(len(out) + 1), src: i, codec: mt.Codec}
		var err error
		switch mt.Codec {
		case media.H264:
			err = t.h264(mt)
		case media.H265:
			err = t.h265(mt)
		case media.AAC, media.PCMU, media.PCMA, media.Opus:
			err = t.audio(mt)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("track %d (%s): %w", i, mt.Codec, err)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no track with a storable codec", ErrUnsupported)
	}
	return out, nil
}

// sameParams reports whether a and b would produce the same init segment:
// same tracks, codecs and codec configuration. Only then may units of b
// continue a segment started with a.
func sameParams(a, b *media.StreamInfo) bool {
	if a == b {
		return true
	}
	if len(a.Tracks) != len(b.Tracks) || a.CameraID != b.CameraID {
		return false
	}
	for i := range a.Tracks {
		x, y := &a.Tracks[i], &b.Tracks[i]
		if x.Codec != y.Codec || x.ClockRate != y.ClockRate || x.Width != y.Width || x.Height != y.Height ||
			x.Channels != y.Channels || x.SampleRate != y.SampleRate ||
			!bytes.Equal(x.VPS, y.VPS) || !bytes.Equal(x.SPS, y.SPS) || !bytes.Equal(x.PPS, y.PPS) ||
			!bytes.Equal(x.AACConfig, y.AACConfig) {
			return false
		}
	}
	return true
}

func (t *track) h264(mt media.Track) error {
	if len(mt.SPS) < 4 || len(mt.PPS) == 0 {
		return fmt.Errorf("%w: missing SPS/PPS", ErrUnsupported)
	}
	t.timescale = media.VideoClockRate
	t.width, t.height = mt.Width, mt.Height
	if t.width == 0 || t.height == 0 {
		var sps h264.SPS
		if err := sps.Unmarshal(mt.SPS); err != nil {
			return fmt.Errorf("%w: parse SPS: %v", ErrUnsupported, err)
		}
		t.width, t.height = sps.Width(), sps.Height()
	}
	var w boxWriter
	w.start("avcC")
	w.u8(1)
	w.bytes(mt.SPS[1:4]) // profile, compatibility, level
	w.u8(0xfc | 3)       // lengthSizeMinusOne = 3
	w.u8(0xe0 | 1)       // one SPS
	w.u16(uint16(len(mt.SPS)))
	w.bytes(mt.SPS)
	w.u8(1) // one PPS
	w.u16(uint16(len(mt.PPS)))
	w.bytes(mt.PPS)
	w.end()
	t.entry = visualEntry("avc1", t.width, t.height, w.b)
	return nil
}

func (t *track) h265(mt media.Track) error {
	if len(mt.VPS) == 0 || len(mt.SPS) == 0 || len(mt.PPS) == 0 {
		return fmt.Errorf("%w: missing VPS/SPS/PPS", ErrUnsupported)
	}
	var sps h265.SPS
	if err := sps.Unmarshal(mt.SPS); err != nil {
		return fmt.Errorf("%w: parse SPS: %v", ErrUnsupported, err)
	}
	// profile_tier_level's general part: 12 bytes right after the NAL
	// header (2 bytes) and the byte holding vps_id/max_sub_layers/nesting.
	rbsp := h264.EmulationPreventionRemove(mt.SPS)
	if len(rbsp) < 15 {
		return fmt.Errorf("%w: short SPS", ErrUnsupported)
	}
	ptl := rbsp[3:15]
	t.timescale = media.VideoClockRate
	t.width, t.height = mt.Width, mt.Height
	if t.width == 0 || t.height == 0 {
		t.width, t.height = sps.Width(), sps.Height()
	}
	var w boxWriter
	w.start("hvcC")
	w.u8(1)
	w.bytes(ptl[:1])   // profile_space, tier, profile_idc
	w.bytes(ptl[1:5])  // profile compatibility flags
	w.bytes(ptl[5:11]) // constraint indicator flags
	w.u8(ptl[11])      // level_idc
	w.u16(0xf000)      // min_spatial_segmentation_idc = 0
	w.u8(0xfc)         // parallelismType = 0
	w.u8(0xfc | uint8(sps.ChromaFormatIdc&3))
	w.u8(0xf8 | uint8(sps.BitDepthLumaMinus8&7))
	w.u8(0xf8 | uint8(sps.BitDepthChromaMinus8&7))
	w.u16(0) // avgFrameRate
	nested := uint8(0)
	if sps.TemporalIDNestingFlag {
		nested = 1
	}
	// constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3
	w.u8((sps.MaxSubLayersMinus1+1)&7<<3 | nested<<2 | 3)
	w.u8(3) // arrays
	for _, a := range []struct {
		typ  uint8
		nalu []byte
	}{{32, mt.VPS}, {33, mt.SPS}, {34, mt.PPS}} {
		w.u8(0x80 | a.typ) // array_completeness = 1
		w.u16(1)
		w.u16(uint16(len(a.nalu)))
		w.bytes(a.nalu)
	}
	w.end()
	t.entry = visualEntry("hvc1", t.width, t.height, w.b)
	return nil
}

func visualEntry(typ string, width, height int, config []byte) []byte {
	var w boxWriter
	w.start(typ)
	w.zeros(6)
	w.u16(1) // data_reference_index
	w.zeros(16)
	w.u16(uint16(width))
	w.u16(uint16(height))
	w.u32(0x00480000) // 72 dpi
	w.u32(0x00480000)
	w.u32(0)
	w.u16(1) // frame_count
	w.zeros(32)
	w.u16(0x0018) // depth
	w.u16(0xffff) // pre_defined = -1
	w.bytes(config)
	w.end()
	return w.b
}

func (t *track) audio(mt media.Track) error {
	rate := mt.SampleRate
	if rate == 0 {
		rate = mt.ClockRate
	}
	ch := mt.Channels
	if ch == 0 {
		ch = 1
	}
	if rate <= 0 || rate > 1<<16-1 || ch > 8 {
		return fmt.Errorf("%w: sample rate %d, %d channels", ErrUnsupported, rate, ch)
	}
	if mt.ClockRate != 0 && mt.ClockRate != rate {
		// Unit DTS are in ClockRate units; the MP4 track's timescale is
		// the sample rate. Hearth sources use the sample rate as the
		// clock (RFC 3551, RFC 3640 with mpeg4-generic, RFC 7587), so a
		// mismatch is a source bug rather than something to convert.
		if !(mt.Codec == media.Opus && mt.ClockRate == 48000) {
			return fmt.Errorf("%w: clock rate %d differs from sample rate %d", ErrUnsupported, mt.ClockRate, rate)
		}
	}
	t.timescale, t.channels = uint32(rate), ch
	var w boxWriter
	switch mt.Codec {
	case media.AAC:
		if len(mt.AACConfig) == 0 {
			return fmt.Errorf("%w: missing AudioSpecificConfig", ErrUnsupported)
		}
		audioEntryStart(&w, "mp4a", ch, rate)
		w.full("esds", 0, 0)
		asc := mt.AACConfig
		dcd := 13 + 2 + len(asc)
		es := 3 + 2 + dcd + 3
		w.u8(3) // ES_Descriptor
		w.u8(uint8(es))
		w.u16(uint16(t.id)) // ES_ID
		w.u8(0)
		w.u8(4) // DecoderConfigDescriptor
		w.u8(uint8(dcd))
		w.u8(0x40)        // MPEG-4 Audio
		w.u8(0x05<<2 | 1) // AudioStream, upStream 0, reserved 1
		w.bytes([]byte{0, 0, 0})
		w.u32(0) // maxBitrate
		w.u32(0) // avgBitrate
		w.u8(5)  // DecoderSpecificInfo
		w.u8(uint8(len(asc)))
		w.bytes(asc)
		w.u8(6) // SLConfigDescriptor
		w.u8(1)
		w.u8(2)
		w.end()
		w.end()
	case media.PCMU, media.PCMA:
		// QuickTime-style G.711 sample entries, stored as is (one byte per
		// sample per channel); ffmpeg and most players read them.
		typ := "ulaw"
		if mt.Codec == media.PCMA {
			typ = "alaw"
		}
		audioEntryStart(&w, typ, ch, rate)
		w.end()
	case media.Opus:
		t.timescale = 48000
		audioEntryStart(&w, "Opus", ch, 48000)
		w.start("dOps")
		w.u8(0)
		w.u8(uint8(ch))
		w.u16(0) // PreSkip: unknown for a live stream
		w.u32(uint32(rate))
		w.u16(0) // OutputGain
		w.u8(0)  // ChannelMappingFamily
		w.end()
		w.end()
	}
	t.entry = w.b
	return nil
}

func audioEntryStart(w *boxWriter, typ string, channels, rate int) {
	w.start(typ)
	w.zeros(6)
	w.u16(1) // data_reference_index
	w.zeros(8)
	w.u16(uint16(channels))
	w.u16(16) // samplesize
	w.u16(0)
	w.u16(0)
	w.u32(uint32(rate) << 16)
}
