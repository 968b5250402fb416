package rtsp

import "github.com/hearthnvr/hearth/streams/media"

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
// first_mb_in_slice, the ue(v) right after the one-byte NAL header, is 0
// (7.3.3). ok is false when the header is truncated or malformed.
func firstSliceH264(nalu []byte) (first, ok bool) {
	r := bitReader{buf: nalu, pos: 1}
	v, ok := r.ue()
	return ok && v == 0, ok
}

// firstSliceH265 reports first_slice_segment_in_pic_flag, the first bit
// after the two-byte NAL header (7.3.6.1).
func firstSliceH265(nalu []byte) (first, ok bool) {
	r := bitReader{buf: nalu, pos: 2}
	b, ok := r.bit()
	return ok && b == 1, ok
}

// bitReader reads bits from an escaped NAL unit, skipping emulation
// prevention bytes (0x000003). It reads at most a few bytes; it never panics.
type bitReader struct {
	buf   []byte
	pos   int // next byte
	cur   byte
	left  int // bits left in cur
	zeros int // zero bytes seen in a row
}

func (r *bitReader) bit() (uint, bool) {
	if r.left == 0 {
		if r.pos >= len(r.buf) {
			return 0, false
		}
		b := r.buf[r.pos]
		r.pos++
		if r.zeros >= 2 && b == 3 { // emulation prevention byte
			r.zeros = 0
			if r.pos >= len(r.buf) {
				return 0, false
			}
			b = r.buf[r.pos]
			r.pos++
		}
		if b == 0 {
			r.zeros++
		} else {
			r.zeros = 0
		}
		r.cur, r.left = b, 8
	}
	r.left--
	return uint(r.cur>>r.left) & 1, true
}

// ue reads an unsigned Exp-Golomb code of up to 31 leading zeros.
func (r *bitReader) ue() (uint32, bool) {
	zeros := 0
	for {
		b, ok := r.bit()
		if !ok {
			return 0, false
		}
		if b == 1 {
			break
		}
		if zeros++; zeros > 31 {
			return 0, false
		}
	}
	var v uint32
	for range zeros {
		b, ok := r.bit()
		if !ok {
			return 0, false
		}
		v = v<<1 | uint32(b)
	}
	return (1<<zeros - 1) + v, true
}
