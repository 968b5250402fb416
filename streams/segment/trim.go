package segment

import (
	"encoding/binary"
	"errors"
)

// trimMoof returns a copy of moof (a whole moof box, with tfdt values
// already rewritten) that keeps, in each track, only the samples that
// start before limit90k (90 kHz, clip timeline); timescales maps track ID
// to timescale. The mdat is left as is: the dropped samples' bytes stay in
// it, unreferenced. Data offsets are adjusted for the smaller moof, which
// must be directly followed by its mdat. Only the trun layouts this
// package writes are supported (base-is-moof, per-sample entries).
func trimMoof(moof []byte, limit90k int64, timescales map[uint32]uint32) ([]byte, error) {
	kids, ok := children(moof[8:])
	if !ok {
		return nil, errors.New("trim: bad moof")
	}
	var w boxWriter
	w.start("moof")
	var dataOffs []int
	for _, k := range kids {
		raw := moof[8+k.off : 8+k.off+k.size]
		if k.typ != "traf" {
			w.bytes(raw)
			continue
		}
		tp := raw[k.hdr:]
		tk, ok := children(tp)
		if !ok {
			return nil, errors.New("trim: bad traf")
		}
		var ts uint32
		var base int64
		if b, ok := find(tk, "tfhd"); ok && b.size-b.hdr >= 8 {
			ts = timescales[binary.BigEndian.Uint32(sub(tp, b)[4:])]
		}
		if b, ok := find(tk, "tfdt"); ok {
			q := sub(tp, b)
			if len(q) >= 12 && q[0] == 1 {
				base = int64(binary.BigEndian.Uint64(q[4:]))
			} else if len(q) >= 8 {
				base = int64(binary.BigEndian.Uint32(q[4:]))
			}
		}
		if ts == 0 {
			return nil, errors.New("trim: unknown track")
		}
		limit := limit90k * int64(ts) / 90000
		w.start("traf")
		for _, b := range tk {
			q := tp[b.off : b.off+b.size]
			if b.typ != "trun" {
				w.bytes(q)
				continue
			}
			p := q[b.hdr:]
			if len(p) < 12 {
				return nil, errors.New("trim: short trun")
			}
			flags := binary.BigEndian.Uint32(p) & 0xffffff
			if flags&0x1 == 0 || flags&0x100 == 0 {
				return nil, errors.New("trim: unsupported trun")
			}
			n := int(binary.BigEndian.Uint32(p[4:]))
			hdr := 12
			if flags&0x4 != 0 {
				hdr += 4
			}
			per := 0
			for _, bit := range []uint32{0x100, 0x200, 0x400, 0x800} {
				if flags&bit != 0 {
					per += 4
				}
			}
			if len(p) < hdr+n*per {
				return nil, errors.New("trim: short trun")
			}
			keep, t := 0, base
			for keep < n && t < limit {
				t += int64(binary.BigEndian.Uint32(p[hdr+keep*per:]))
				keep++
			}
			w.start("trun")
			w.bytes(p[:4])
			w.u32(uint32(keep))
			dataOffs = append(dataOffs, w.pos())
			w.bytes(p[8:hdr])
			w.bytes(p[hdr : hdr+keep*per])
			w.end()
		}
		w.end()
	}
	w.end()
	shrink := int32(len(moof) - len(w.b))
	for _, at := range dataOffs {
		v := int32(binary.BigEndian.Uint32(w.b[at:]))
		binary.BigEndian.PutUint32(w.b[at:], uint32(v-shrink))
	}
	return w.b, nil
}
