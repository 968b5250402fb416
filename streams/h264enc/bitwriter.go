package h264enc

import "github.com/hearthnvr/hearth/streams/nal"

// bitWriter accumulates an RBSP (raw byte sequence payload) MSB first.
// Emulation prevention is applied separately, when the RBSP becomes a NAL unit.
type bitWriter struct {
	buf   []byte
	cur   byte // bits not yet flushed to buf, left-aligned as they arrive
	nbits uint // number of valid bits in cur (0..7)
}

// u writes the n low bits of v (n <= 32), most significant first.
func (w *bitWriter) u(n uint, v uint32) {
	for i := int(n) - 1; i >= 0; i-- {
		w.bit(uint8(v>>uint(i)) & 1)
	}
}

func (w *bitWriter) bit(b uint8) {
	w.cur = w.cur<<1 | b&1
	w.nbits++
	if w.nbits == 8 {
		w.buf = append(w.buf, w.cur)
		w.cur, w.nbits = 0, 0
	}
}

func (w *bitWriter) flag(b bool) {
	if b {
		w.bit(1)
	} else {
		w.bit(0)
	}
}

// ue writes an unsigned exp-Golomb code (H.264 9.1).
func (w *bitWriter) ue(v uint32) {
	x := uint64(v) + 1
	n := uint(0)
	for t := x; t > 1; t >>= 1 {
		n++
	}
	w.u(n, 0)
	for i := int(n); i >= 0; i-- {
		w.bit(uint8(x>>uint(i)) & 1)
	}
}

// se writes a signed exp-Golomb code (H.264 9.1.1): k>0 maps to 2k-1, k<=0 to -2k.
func (w *bitWriter) se(v int32) {
	if v > 0 {
		w.ue(uint32(2*int64(v) - 1))
	} else {
		w.ue(uint32(-2 * int64(v)))
	}
}

func (w *bitWriter) aligned() bool { return w.nbits == 0 }

// alignZero pads with zero bits to the next byte boundary (pcm_alignment_zero_bit).
func (w *bitWriter) alignZero() {
	for !w.aligned() {
		w.bit(0)
	}
}

// bytes appends whole bytes; the writer must be byte aligned (PCM samples are).
func (w *bitWriter) bytes(p []byte) {
	if !w.aligned() {
		for _, b := range p {
			w.u(8, uint32(b))
		}
		return
	}
	w.buf = append(w.buf, p...)
}

// trailing writes rbsp_trailing_bits: a stop bit then zero alignment.
func (w *bitWriter) trailing() {
	w.bit(1)
	w.alignZero()
}

// nalUnit wraps an RBSP into a NAL unit: one header byte then the payload with
// emulation-prevention bytes inserted (H.264 7.4.1).
func nalUnit(refIdc, typ uint8, rbsp []byte) []byte {
	out := make([]byte, 0, len(rbsp)+len(rbsp)/64+2)
	out = append(out, refIdc<<5|typ&0x1f)
	return nal.AppendEscaped(out, rbsp)
}
