// Package nal holds byte-level helpers for H.264/H.265 NAL units that the
// packages writing them share. (mediacommon removes emulation prevention;
// it has no helper to insert it.)
package nal

// AppendEscaped appends rbsp to dst with emulation-prevention bytes: a 0x03
// after any two zero bytes that a byte <= 3 follows, so a start code can
// never appear inside a NAL unit.
func AppendEscaped(dst, rbsp []byte) []byte {
	zeros := 0
	for _, b := range rbsp {
		if zeros >= 2 && b <= 3 {
			dst = append(dst, 3)
			zeros = 0
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
