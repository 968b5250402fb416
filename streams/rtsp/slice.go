package rtsp

import (
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/nal"
)

// NAL unit kinds the assembler needs to tell apart.
type naluKind int

const (
	kindOther  naluKind = iota // stays with the current picture (filler, end of sequence, suffix SEI, ...)
	kindPrefix                 // parameter sets, AUD, prefix SEI: open a new picture if the current one has slices
	kindSlice                  // a coded slice (VCL)
)

// classifyNALU returns the kind of an H.264 or H.265 NAL unit (no start code)
// and, for slices, whether it is the first slice of its picture. ok is false
// for NAL units too short to carry a header.
func classifyNALU(codec media.Codec, nalu []byte) (kind naluKind, first bool, ok bool) {
	if codec == media.H265 {
		if len(nalu) < 2 {
			return kindOther, false, false
		}
		typ := nalu[0] >> 1 & 0x3f
		switch {
		case typ <= 31: // VCL
			f, ok := firstSliceH265(nalu)
			return kindSlice, f, ok
		case typ >= 32 && typ <= 35, typ == 39, typ >= 41 && typ <= 44, typ >= 48 && typ <= 55:
			return kindPrefix, false, true // VPS, SPS, PPS, AUD, prefix SEI, reserved/unspecified prefix types
		default:
			return kindOther, false, true
		}
	}
	if len(nalu) < 1 {
		return kindOther, false, false
	}
	switch typ := nalu[0] & 0x1f; {
	case typ >= 1 && typ <= 5:
		f, ok := firstSliceH264(nalu)
		return kindSlice, f, ok
	case typ >= 6 && typ <= 9, typ >= 14 && typ <= 18:
		return kindPrefix, false, true // SEI, SPS, PPS, AUD, prefix NAL, subset SPS, reserved
	default:
		return kindOther, false, true
	}
}

// firstSliceH264 reports whether an H.264 slice NAL unit starts a picture:
// its first_mb_in_slice is 0. ok is false when the header is truncated or
// malformed.
func firstSliceH264(nalu []byte) (first, ok bool) {
	mb, ok := nal.H264FirstMB(nalu)
	return ok && mb == 0, ok
}

// firstSliceH265 reports first_slice_segment_in_pic_flag.
func firstSliceH265(nalu []byte) (first, ok bool) { return nal.H265FirstSliceInPic(nalu) }
