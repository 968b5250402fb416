package rtsp

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/pion/rtp"
)

// h264Depacketizer returns the NAL units of one RTP packet (RFC 6184:
// single NAL unit, STAP-A, FU-A), like gortsplib's rtph264 decoder with the
// marker forced, without its per-packet allocations: single and STAP-A NAL
// units alias the packet; an FU-A NAL unit is reassembled in a buffer reused
// from one NAL unit to the next. Everything returned is valid only until
// the next call: the assembler copies it at once. Profiles of 32 cameras
// at 4 Mbit/s showed gortsplib's join of the fragments as a quarter of all
// bytes allocated.
//
// Answers "need more packets" and "a continuation before any start" with
// (nil, nil), as depacketizer does. One goroutine at a time.
type h264Depacketizer struct {
	fu []byte // the FU-A NAL unit being reassembled
	// bufs, when set, lends fu for each FU-A NAL unit; release gives it
	// back (see Buffers). nil keeps one buffer for the depacketizer's life.
	bufs    *Buffers
	inFU    bool
	nextSeq uint16
	seen    bool // a packet other than an FU continuation was received
	annexB  bool // the camera wraps NAL units in Annex-B start codes
	out     [][]byte
}

var errFUMissing = errors.New("discarding frame since a RTP packet is missing")

func (d *h264Depacketizer) decode(pkt *rtp.Packet) ([][]byte, error) {
	p := pkt.Payload
	if len(p) < 1 {
		d.inFU = false
		return nil, errors.New("payload is too short")
	}
	d.out = d.out[:0]
	switch typ := h264.NALUType(p[0] & 0x1F); typ {
	case h264.NALUTypeFUA:
		if len(p) < 2 {
			return nil, errors.New("invalid FU-A packet (invalid size)")
		}
		start, end := p[1]&0x80 != 0, p[1]&0x40 != 0
		switch {
		case start:
			if d.fu == nil && d.bufs != nil {
				d.fu = d.bufs.get()
			}
			d.fu = append(append(d.fu[:0], p[0]&0xE0|p[1]&0x1F), p[2:]...)
			d.inFU, d.seen = true, true
		case !d.inFU && !d.seen:
			return nil, nil // joined mid-NAL unit
		case !d.inFU:
			return nil, errors.New("invalid FU-A packet (non-starting)")
		case pkt.SequenceNumber != d.nextSeq:
			d.inFU = false
			return nil, errFUMissing
		case len(d.fu)+len(p)-2 > maxAUSize:
			d.inFU = false
			if cap(d.fu) > maxAUSize/4 {
				d.fu = nil
			}
			return nil, fmt.Errorf("NALU size (%d) is too big, maximum is %d", len(d.fu)+len(p)-2, maxAUSize)
		default:
			d.fu = append(d.fu, p[2:]...)
		}
		d.nextSeq = pkt.SequenceNumber + 1
		if !end {
			return nil, nil
		}
		d.inFU = false
		d.out = append(d.out, d.fu)
	case h264.NALUTypeSTAPA:
		d.inFU, d.seen = false, true
		for b := p[1:]; len(b) > 0; {
			if len(b) < 2 {
				return nil, errors.New("invalid STAP-A packet (invalid size)")
			}
			size := int(b[0])<<8 | int(b[1])
			b = b[2:]
			if size == 0 {
				if isZeros(b) { // padding
					break
				}
				return nil, errors.New("invalid STAP-A packet (invalid size)")
			}
			if size > len(b) {
				return nil, errors.New("invalid STAP-A packet (invalid size)")
			}
			d.out = append(d.out, b[:size])
			b = b[size:]
		}
		if len(d.out) == 0 {
			return nil, errors.New("STAP-A packet doesn't contain any NALU")
		}
	case h264.NALUTypeSTAPB, h264.NALUTypeMTAP16, h264.NALUTypeMTAP24, h264.NALUTypeFUB:
		d.inFU, d.seen = false, true
		return nil, fmt.Errorf("packet type not supported (%v)", typ)
	default:
		d.inFU, d.seen = false, true
		d.out = append(d.out, p)
	}
	return d.unwrapAnnexB(d.out)
}

// release gives the FU-A buffer back to bufs unless a NAL unit is being
// reassembled in it. The caller is done with what decode returned.
func (d *h264Depacketizer) release() {
	if d.bufs != nil && !d.inFU && d.fu != nil {
		clear(d.out) // it may alias fu
		d.bufs.put(d.fu)
		d.fu = nil
	}
}

var annexBStart = []byte{0, 0, 0, 1}

// unwrapAnnexB splits a lone NAL unit that carries Annex-B start codes
// (some cameras wrap them so); once seen, the camera is assumed to keep
// doing it.
func (d *h264Depacketizer) unwrapAnnexB(nalus [][]byte) ([][]byte, error) {
	if len(nalus) != 1 {
		return nalus, nil
	}
	n := nalus[0]
	if !d.annexB && !bytes.Contains(n, annexBStart) {
		return nalus, nil
	}
	d.annexB = true
	if !bytes.HasPrefix(n, annexBStart) {
		n = append(append([]byte{}, annexBStart...), n...)
	}
	var au h264.AnnexB
	err := au.Unmarshal(n)
	return au, err
}

func isZeros(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
