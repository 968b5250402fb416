// Package nal holds byte-level helpers for H.264/H.265 NAL units that
// several packages share: inserting emulation prevention (mediacommon only
// removes it) and reading the first slice-header fields without copying a
// whole slice (the ingest's picture assembly, the motion detector's picture
// classes), with mediacommon's bit reader.
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
