package motion

import (
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/nal"
)

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
			st, ok := nal.H264SliceType(n)
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
