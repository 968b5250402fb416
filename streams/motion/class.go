package motion

import "github.com/hearthnvr/hearth/streams/media"

// pictureClass groups pictures whose coded sizes are comparable: an encoder
// spends very different bits on P and B pictures, and on reference and
// non-reference ones, so each class keeps its own baseline ("per GOP
// position" in the sense that matters). It is read from the first slice's
// NAL header (and for H.264 its slice_type), never from the slice data.
type pictureClass uint16

// classOf returns the class of a picture: H.264 slice_type (0..4, P B I SP
// SI) and whether it is a reference (nal_ref_idc); H.265 NAL unit type and
// temporal layer. Pictures whose first slice cannot be read share class 0.
func classOf(codec media.Codec, nalus [][]byte) pictureClass {
	for _, n := range nalus {
		switch {
		case len(n) < 2:
		case codec == media.H264:
			t := n[0] & 0x1f
			if t < 1 || t > 5 {
				continue
			}
			r := expGolomb{b: n[1:]}
			r.ue() // first_mb_in_slice
			st, ok := r.ue()
			if !ok {
				return 0
			}
			return h264Class(st, n[0]&0x60 != 0)
		case codec == media.H265:
			t := (n[0] >> 1) & 0x3f
			if t > 31 {
				continue
			}
			return 1 + (pictureClass(t)<<3 | pictureClass(n[1]&0x07)) // type, temporal id
		}
	}
	return 0
}

// h264Class is the class of an H.264 picture of slice_type st (0..9).
func h264Class(st uint32, ref bool) pictureClass {
	c := 1 + pictureClass(st%5)<<1
	if ref {
		c++
	}
	return c
}

// expGolomb reads unsigned Exp-Golomb codes from the start of an RBSP,
// skipping emulation-prevention bytes (00 00 03).
type expGolomb struct {
	b     []byte
	pos   int // bit position in b
	zeros int // consecutive zero bytes before the current byte
}

// bit returns the next bit, or false at the end.
func (r *expGolomb) bit() (uint32, bool) {
	i := r.pos / 8
	if r.pos%8 == 0 && i < len(r.b) {
		if r.zeros >= 2 && r.b[i] == 3 { // emulation prevention
			r.b = append(r.b[:i:i], r.b[i+1:]...)
			r.zeros = 0
		}
		if i < len(r.b) {
			if r.b[i] == 0 {
				r.zeros++
			} else {
				r.zeros = 0
			}
		}
	}
	if i >= len(r.b) {
		return 0, false
	}
	v := uint32(r.b[i]>>(7-r.pos%8)) & 1
	r.pos++
	return v, true
}

// ue reads one ue(v); false when the data ends or the code is absurd.
func (r *expGolomb) ue() (uint32, bool) {
	lz := 0
	for {
		v, ok := r.bit()
		if !ok {
			return 0, false
		}
		if v == 1 {
			break
		}
		if lz++; lz > 31 {
			return 0, false
		}
	}
	var x uint32
	for range lz {
		v, ok := r.bit()
		if !ok {
			return 0, false
		}
		x = x<<1 | v
	}
	return 1<<lz - 1 + x, true
}
