package segment

import "encoding/binary"

// boxWriter appends ISO BMFF boxes to a byte slice. start/end nest; end
// patches the 32-bit size of the box opened by the matching start.
type boxWriter struct {
	b     []byte
	stack []int
}

func (w *boxWriter) start(typ string) {
	w.stack = append(w.stack, len(w.b))
	w.b = append(w.b, 0, 0, 0, 0, typ[0], typ[1], typ[2], typ[3])
}

// full starts a FullBox: size, type, version, flags.
func (w *boxWriter) full(typ string, version byte, flags uint32) {
	w.start(typ)
	w.u32(uint32(version)<<24 | flags&0xffffff)
}

func (w *boxWriter) end() {
	i := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	binary.BigEndian.PutUint32(w.b[i:], uint32(len(w.b)-i))
}

func (w *boxWriter) u8(v uint8)              { w.b = append(w.b, v) }
func (w *boxWriter) u16(v uint16)            { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *boxWriter) u32(v uint32)            { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *boxWriter) u64(v uint64)            { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *boxWriter) bytes(p []byte)          { w.b = append(w.b, p...) }
func (w *boxWriter) str(s string)            { w.b = append(w.b, s...) }
func (w *boxWriter) zeros(n int)             { w.b = append(w.b, make([]byte, n)...) }
func (w *boxWriter) pos() int                { return len(w.b) }
func (w *boxWriter) putU32(at int, v uint32) { binary.BigEndian.PutUint32(w.b[at:], v) }

// box is one parsed box header inside a byte slice or file.
type box struct {
	typ  string
	off  int64 // offset of the header
	hdr  int64 // header length (8 or 16)
	size int64 // whole box, header included
}

// parseBoxHeader reads a box header from p (at least 8 bytes; 16 for a
// largesize box) whose first byte is at file offset off. limit is the number
// of bytes from off to the end of the enclosing container: a box may never
// claim more, whatever its size field says. ok is false for a malformed or
// truncated header.
func parseBoxHeader(p []byte, off, limit int64) (b box, ok bool) {
	if len(p) < 8 || limit < 8 {
		return box{}, false
	}
	size := int64(binary.BigEndian.Uint32(p))
	b = box{typ: string(p[4:8]), off: off, hdr: 8}
	switch size {
	case 0: // extends to the end of the container
		size = limit
	case 1:
		if len(p) < 16 || limit < 16 {
			return box{}, false
		}
		ls := binary.BigEndian.Uint64(p[8:])
		if ls > uint64(limit) {
			return box{}, false
		}
		size = int64(ls)
		b.hdr = 16
	}
	if size < b.hdr || size > limit {
		return box{}, false
	}
	b.size = size
	return b, true
}

// children parses the boxes inside p (a container payload). It stops at the
// first malformed header and reports ok=false.
func children(p []byte) (out []box, ok bool) {
	var off int64
	for off < int64(len(p)) {
		b, ok := parseBoxHeader(p[off:], off, int64(len(p))-off)
		if !ok {
			return out, false
		}
		out = append(out, b)
		off += b.size
	}
	return out, true
}

func find(bs []box, typ string) (box, bool) {
	for _, b := range bs {
		if b.typ == typ {
			return b, true
		}
	}
	return box{}, false
}

// sub returns the payload of b within p, where b was parsed from p.
func sub(p []byte, b box) []byte { return p[b.off+b.hdr : b.off+b.size] }
