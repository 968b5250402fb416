package nal

import "github.com/bluenviron/mediacommon/v2/pkg/bits"

// sliceHeadBytes bounds how much of a slice is unescaped to read its first
// header fields: two ue(v) codes of at most 32 leading zeros (65 bits each)
// fit, so a large slice is never copied whole as
// h264.EmulationPreventionRemove would.
const sliceHeadBytes = 20

// UnescapePrefix fills dst, up to its capacity, with the start of an escaped
// NAL unit with its emulation-prevention bytes (the 03 of 00 00 03) removed,
// and returns it.
//
// It is written here rather than on h264.EmulationPreventionRemove because
// that function takes no bound and allocates its result: bounding it by
// slicing its input would still cost an allocation per slice on the ingest
// path, where this one writes into the caller's stack array.
// FuzzUnescapePrefix checks it against mediacommon's.
func UnescapePrefix(dst, escaped []byte) []byte {
	dst = dst[:0]
	zeros := 0
	for _, b := range escaped {
		if len(dst) == cap(dst) {
			break
		}
		if zeros >= 2 && b == 3 {
			zeros = 0
			continue
		}
		dst = append(dst, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return dst
}

// H264FirstMB returns first_mb_in_slice of an H.264 slice NAL unit (7.3.3):
// 0 when the slice starts a picture. ok is false when the header is
// truncated or malformed.
func H264FirstMB(nalu []byte) (mb uint32, ok bool) {
	if len(nalu) < 2 {
		return 0, false
	}
	var buf [sliceHeadBytes]byte
	head := UnescapePrefix(buf[:], nalu[1:])
	pos := 0
	return readUE(head, &pos)
}

// readUE reads an ue(v) code whose value fits a uint32: at most 31 leading
// zeros. mediacommon's reader also takes 32 and wraps the value around
// (2^32 - 1 + the suffix), so a malformed header of 32 zero bits and a
// suffix of 1 read as first_mb_in_slice 0, a picture's first slice
// (FuzzSliceHeader found it). No field read here comes near 2^31.
func readUE(buf []byte, pos *int) (uint32, bool) {
	for p, zeros := *pos, 0; ; p, zeros = p+1, zeros+1 {
		if p >= len(buf)*8 || zeros > 31 {
			return 0, false
		}
		if buf[p/8]&(0x80>>(p%8)) != 0 {
			break
		}
	}
	v, err := bits.ReadGolombUnsigned(buf, pos)
	return v, err == nil
}

// H264SliceType returns slice_type of an H.264 slice NAL unit (0..9: P, B,
// I, SP, SI, and the same plus 5 when every slice of the picture has it).
func H264SliceType(nalu []byte) (typ uint32, ok bool) {
	if len(nalu) < 2 {
		return 0, false
	}
	var buf [sliceHeadBytes]byte
	head := UnescapePrefix(buf[:], nalu[1:])
	pos := 0
	if _, ok := readUE(head, &pos); !ok {
		return 0, false
	}
	return readUE(head, &pos)
}

// H265FirstSliceInPic returns first_slice_segment_in_pic_flag of an H.265
// slice NAL unit, the first bit after its two-byte header (7.3.6.1).
func H265FirstSliceInPic(nalu []byte) (first, ok bool) {
	if len(nalu) < 3 {
		return false, false
	}
	// The header's second byte is never zero (nuh_temporal_id_plus1 > 0),
	// so the byte after it cannot be an emulation-prevention byte.
	return nalu[2]&0x80 != 0, true
}
