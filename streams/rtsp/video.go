package rtsp

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/hearthnvr/hearth/streams/media"
)

// videoState turns assembled pictures into the content of video units: it
// tracks the current parameter sets (out of band from the SDP, in band from
// the stream), decides which pictures are keys, prepends parameter sets to
// keys that lack them and computes DTS. It is pure; one goroutine at a time.
type videoState struct {
	codec         media.Codec
	vps, sps, pps []byte // current parameter sets
	width, height int
	fps           float64
	reorder       bool // the SPS allows B-frames: DTS comes from the extractor
	started       bool // a key has been accepted
	dts264        *h264.DTSExtractor
	dts265        *h265.DTSExtractor
}

// videoUnit is the result of videoState.picture.
type videoUnit struct {
	NALUs         [][]byte // a fresh copy, safe to publish
	Key           bool
	DTS           int64
	ParamsChanged bool // the track's parameter sets changed with this picture
}

// setParams installs parameter sets (from the SDP or the stream). It
// returns whether anything changed. A set that does not parse is kept (the
// decoder may know better) but leaves the size as it was.
func (v *videoState) setParams(vps, sps, pps []byte) bool {
	changed := false
	if vps != nil && !bytes.Equal(vps, v.vps) {
		v.vps, changed = bytes.Clone(vps), true
	}
	if pps != nil && !bytes.Equal(pps, v.pps) {
		v.pps, changed = bytes.Clone(pps), true
	}
	if sps != nil && !bytes.Equal(sps, v.sps) {
		v.sps, changed = bytes.Clone(sps), true
		v.parseSPS()
	}
	return changed
}

func (v *videoState) parseSPS() {
	switch v.codec {
	case media.H264:
		var s h264.SPS
		if err := s.Unmarshal(v.sps); err != nil {
			return
		}
		v.width, v.height, v.fps = s.Width(), s.Height(), s.FPS()
		v.reorder = s.ProfileIdc != 66 &&
			(s.VUI == nil || s.VUI.BitstreamRestriction == nil || s.VUI.BitstreamRestriction.MaxNumReorderFrames > 0)
	case media.H265:
		var s h265.SPS
		if err := s.Unmarshal(v.sps); err != nil {
			return
		}
		v.width, v.height, v.fps = s.Width(), s.Height(), s.FPS()
		v.reorder = false
		for _, n := range s.MaxNumReorderPics {
			v.reorder = v.reorder || n > 0
		}
	}
	v.dts264, v.dts265 = nil, nil // a new sequence: restart DTS extraction at the next key
	v.started = false
}

// track returns the media.Track for the current state.
func (v *videoState) track() media.Track {
	return media.Track{
		Codec: v.codec, ClockRate: media.VideoClockRate,
		Width: v.width, Height: v.height, FPS: v.fps,
		VPS: v.vps, SPS: v.sps, PPS: v.pps,
	}
}

// picture processes one assembled picture with media time pts. ok is false
// when the picture is dropped (before the first key, or undecodable DTS).
func (v *videoState) picture(nalus [][]byte, pts int64) (u videoUnit, ok bool, err error) {
	var vps, sps, pps []byte
	irap := false
	for _, n := range nalus {
		switch nalType(v.codec, n) {
		case typeVPS:
			vps = n
		case typeSPS:
			sps = n
		case typePPS:
			pps = n
		case typeIRAP:
			irap = true
		}
	}
	// A new SPS restarts the sequence (setParams clears started): pictures
	// are dropped until a key of the new sequence.
	u.ParamsChanged = v.setParams(vps, sps, pps)
	restart := !v.started
	haveParams := v.sps != nil && v.pps != nil && (v.codec != media.H265 || v.vps != nil)
	u.Key = irap && haveParams
	if u.Key {
		v.started = true
	}
	if !v.started {
		return u, false, nil
	}
	if u.Key {
		u.NALUs = v.withParams(nalus, vps == nil, sps == nil, pps == nil)
	} else {
		u.NALUs = cloneNALUs(nalus)
	}
	u.DTS, err = v.dts(u.NALUs, pts, restart)
	if err != nil {
		v.started = false // resynchronize on the next key
		return u, false, fmt.Errorf("dts: %w", err)
	}
	return u, true, nil
}

// dts returns the decoding time of a picture; restart is set on the first
// key after a (re)synchronization.
func (v *videoState) dts(nalus [][]byte, pts int64, restart bool) (int64, error) {
	if !v.reorder {
		return pts, nil
	}
	switch v.codec {
	case media.H264:
		if v.dts264 == nil || restart {
			v.dts264 = &h264.DTSExtractor{}
			v.dts264.Initialize()
		}
		return v.dts264.Extract(nalus, pts)
	default:
		if v.dts265 == nil || restart {
			v.dts265 = &h265.DTSExtractor{}
			v.dts265.Initialize()
		}
		return v.dts265.Extract(nalus, pts)
	}
}

// withParams copies a key picture, inserting the missing parameter sets
// after any leading AUD, so that the unit decodes on its own.
func (v *videoState) withParams(nalus [][]byte, needVPS, needSPS, needPPS bool) [][]byte {
	var extra [][]byte
	if needVPS && v.codec == media.H265 {
		extra = append(extra, v.vps)
	}
	if needSPS {
		extra = append(extra, v.sps)
	}
	if needPPS {
		extra = append(extra, v.pps)
	}
	if len(extra) == 0 {
		return cloneNALUs(nalus)
	}
	at := 0
	if len(nalus) > 0 && nalType(v.codec, nalus[0]) == typeAUD {
		at = 1
	}
	return cloneNALUs(nalus[:at], extra, nalus[at:])
}

// cloneNALUs copies NAL units into one new buffer (two allocations). The
// bytes are copied by bytes.Join, which allocates without zeroing first:
// make plus append cleared every byte of the stream once before copying
// it (half of the recorder's memclr time in the record bench's profile).
func cloneNALUs(parts ...[][]byte) [][]byte {
	all := parts[0]
	if len(parts) > 1 {
		all = slices.Concat(parts...)
	}
	buf := bytes.Join(all, nil)
	out := make([][]byte, len(all))
	at := 0
	for i, b := range all {
		out[i] = buf[at : at+len(b) : at+len(b)]
		at += len(b)
	}
	return out
}

type nalClass int

const (
	typeOtherNAL nalClass = iota
	typeVPS
	typeSPS
	typePPS
	typeAUD
	typeIRAP // H.264 IDR slice, H.265 IRAP slice (16..21)
)

func nalType(codec media.Codec, n []byte) nalClass {
	if codec == media.H265 {
		if len(n) < 2 {
			return typeOtherNAL
		}
		switch t := n[0] >> 1 & 0x3f; {
		case t == 32:
			return typeVPS
		case t == 33:
			return typeSPS
		case t == 34:
			return typePPS
		case t == 35:
			return typeAUD
		case t >= 16 && t <= 21:
			return typeIRAP
		}
		return typeOtherNAL
	}
	if len(n) < 1 {
		return typeOtherNAL
	}
	switch n[0] & 0x1f {
	case 7:
		return typeSPS
	case 8:
		return typePPS
	case 9:
		return typeAUD
	case 5:
		return typeIRAP
	}
	return typeOtherNAL
}
