package nal

import (
	"bytes"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
)

// ue encodes v as an unsigned Exp-Golomb code into a bit string.
func ue(v uint32) string {
	b := []byte{}
	code := uint64(v) + 1
	n := 0
	for c := code; c > 1; c >>= 1 {
		n++
	}
	for range n {
		b = append(b, '0')
	}
	for i := n; i >= 0; i-- {
		b = append(b, byte('0'+code>>i&1))
	}
	return string(b)
}

// packBits packs a bit string, padding the last byte with a stop bit.
func packBits(s string) []byte {
	s += "1"
	for len(s)%8 != 0 {
		s += "0"
	}
	out := make([]byte, len(s)/8)
	for i, c := range s {
		out[i/8] |= byte(c-'0') << (7 - i%8)
	}
	return out
}

func TestH264SliceHeader(t *testing.T) {
	t.Parallel()
	for _, mb := range []uint32{0, 1, 2, 7, 8, 100, 8159, 34559, 1 << 20} {
		for _, st := range []uint32{0, 1, 2, 5, 7} {
			// An IDR slice header, escaped as on the wire.
			n := append([]byte{0x65}, AppendEscaped(nil, packBits(ue(mb)+ue(st)+ue(0)))...)
			if got, ok := H264FirstMB(n); !ok || got != mb {
				t.Errorf("first_mb %d: read %d %v", mb, got, ok)
			}
			if got, ok := H264SliceType(n); !ok || got != st {
				t.Errorf("first_mb %d slice_type %d: read %d %v", mb, st, got, ok)
			}
		}
	}
	// 00 00 03 01 ff ff ff: the 03 is dropped, so 23 zero bits, a one, then
	// 23 ones.
	if v, ok := H264FirstMB([]byte{0x41, 0x00, 0x00, 0x03, 0x01, 0xff, 0xff, 0xff}); !ok || v != 1<<24-2 {
		t.Errorf("ue across emulation prevention = %d %v, want %d", v, ok, 1<<24-2)
	}
	for _, n := range [][]byte{nil, {}, {0x65}, {0x65, 0x00}, {0x65, 0x00, 0x00, 0x00, 0x00, 0x00}} {
		if _, ok := H264FirstMB(n); ok {
			t.Errorf("truncated %x: ok", n)
		}
	}
	if _, ok := H264SliceType([]byte{0x65, 0x80}); ok {
		t.Error("a slice_type past the end was read")
	}
	// 32 zero bits, a one and a suffix of 1 would be 2^32, which wraps
	// around to 0 in a uint32: malformed, never "the first slice". 31
	// zero bits still read (2^31 - 1 + the suffix).
	if v, ok := H264FirstMB([]byte{0x30, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0xe4}); ok {
		t.Errorf("32 leading zeros read as %d", v)
	}
	if v, ok := H264FirstMB([]byte{0x30, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}); !ok || v != 1<<31-1 {
		t.Errorf("31 leading zeros = %d %v, want %d", v, ok, uint32(1<<31-1))
	}
}

func TestH265FirstSliceInPic(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n         []byte
		first, ok bool
	}{{[]byte{0x26, 0x01, 0xaf}, true, true}, {[]byte{0x02, 0x01, 0x2f}, false, true}, {[]byte{0x26, 0x01}, false, false}} {
		if first, ok := H265FirstSliceInPic(c.n); first != c.first || ok != c.ok {
			t.Errorf("%x: %v %v, want %v %v", c.n, first, ok, c.first, c.ok)
		}
	}
}

// FuzzUnescapePrefix: the prefix is exactly the start of what mediacommon's
// whole-unit removal gives.
func FuzzUnescapePrefix(f *testing.F) {
	for _, s := range [][]byte{{}, {0, 0, 3}, {0, 0, 3, 0, 0, 3, 1}, {0, 0, 3, 0, 3}, {1, 0, 0, 0, 3, 3}} {
		f.Add(s, uint8(4))
	}
	f.Fuzz(func(t *testing.T, esc []byte, n uint8) {
		got := UnescapePrefix(make([]byte, 0, n), esc)
		want := h264.EmulationPreventionRemove(esc)
		if len(want) > int(n) {
			want = want[:n]
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("UnescapePrefix(% x, %d) = % x, want % x", esc, n, got, want)
		}
		H264FirstMB(esc)
		H264SliceType(esc)
	})
}
