package simcam

import (
	"errors"
	"fmt"
)

// A minimal MPEG-TS demuxer (ISO/IEC 13818-1) for file mode: it finds the
// first H.264 (stream_type 0x1b) or H.265 (0x24) elementary stream of the
// first program and concatenates its PES payloads, which for these codecs is
// an Annex-B byte stream. mediacommon's formats/mpegts Reader would do the
// same, but it pulls in github.com/asticode/go-astits, a module this one
// does not require; file mode needs only this much. Assumptions: 188-byte
// packets, PAT and PMT each within one packet (true of ffmpeg, GStreamer and
// cameras' muxers). Damaged packets (transport_error_indicator) are skipped.

const (
	tsPacketSize     = 188
	tsSync           = 0x47
	tsStreamTypeH264 = 0x1b
	tsStreamTypeH265 = 0x24
)

// readTS returns the codec and the Annex-B elementary stream of data's first
// H.264 or H.265 track.
func readTS(data []byte) (codec string, es []byte, err error) {
	if len(data) < tsPacketSize || data[0] != tsSync {
		return "", nil, errors.New("mpeg-ts: no sync byte")
	}
	pmtPID, videoPID := -1, -1
	es = make([]byte, 0, len(data))
	for off := 0; off+tsPacketSize <= len(data); off += tsPacketSize {
		pkt := data[off : off+tsPacketSize]
		if pkt[0] != tsSync {
			return "", nil, fmt.Errorf("mpeg-ts: lost sync at byte %d", off)
		}
		if pkt[1]&0x80 != 0 { // transport_error_indicator
			continue
		}
		start := pkt[1]&0x40 != 0
		pid := int(pkt[1]&0x1f)<<8 | int(pkt[2])
		payload, ok := tsPayload(pkt)
		if !ok {
			continue
		}
		switch {
		case pid == 0 && start && pmtPID < 0:
			pmtPID = tsPATFirstPMT(payload)
		case pid == pmtPID && start && videoPID < 0:
			videoPID, codec = tsPMTVideo(payload)
		case pid == videoPID && videoPID >= 0:
			if start {
				if payload, ok = tsPESPayload(payload); !ok {
					continue
				}
			}
			es = append(es, payload...)
		}
	}
	switch {
	case pmtPID < 0:
		return "", nil, errors.New("mpeg-ts: no PAT")
	case videoPID < 0:
		return "", nil, errors.New("mpeg-ts: no H.264 or H.265 track")
	case len(es) == 0:
		return "", nil, errors.New("mpeg-ts: empty video track")
	}
	return codec, es, nil
}

// tsPayload returns a packet's payload, after any adaptation field.
func tsPayload(pkt []byte) ([]byte, bool) {
	afc := pkt[3] >> 4 & 3
	p := pkt[4:]
	if afc == 2 || afc == 3 { // adaptation field present
		n := int(p[0])
		if 1+n > len(p) {
			return nil, false
		}
		p = p[1+n:]
	}
	return p, (afc == 1 || afc == 3) && len(p) > 0
}

// tsSection returns the body of a PSI section with the given table_id, from
// after the 8-byte header (table_id … last_section_number) to before the CRC.
func tsSection(payload []byte, tableID byte) ([]byte, bool) {
	if len(payload) < 1 || 1+int(payload[0]) >= len(payload) {
		return nil, false
	}
	p := payload[1+int(payload[0]):] // skip pointer_field
	if len(p) < 3 || p[0] != tableID {
		return nil, false
	}
	n := int(p[1]&0x0f)<<8 | int(p[2]) // section_length: bytes after this field
	if n < 9 || 3+n > len(p) {
		return nil, false
	}
	return p[8 : 3+n-4], true
}

// tsPATFirstPMT returns the PMT PID of the PAT's first program, or -1.
func tsPATFirstPMT(payload []byte) int {
	body, ok := tsSection(payload, 0x00)
	if !ok {
		return -1
	}
	for ; len(body) >= 4; body = body[4:] {
		if program := int(body[0])<<8 | int(body[1]); program != 0 { // 0 is the network PID
			return int(body[2]&0x1f)<<8 | int(body[3])
		}
	}
	return -1
}

// tsPMTVideo returns the PID and codec of the PMT's first H.264 or H.265
// stream, or -1.
func tsPMTVideo(payload []byte) (int, string) {
	body, ok := tsSection(payload, 0x02)
	if !ok || len(body) < 4 {
		return -1, ""
	}
	infoLen := int(body[2]&0x0f)<<8 | int(body[3])
	if 4+infoLen > len(body) {
		return -1, ""
	}
	for body = body[4+infoLen:]; len(body) >= 5; {
		typ, pid := body[0], int(body[1]&0x1f)<<8|int(body[2])
		esInfoLen := int(body[3]&0x0f)<<8 | int(body[4])
		switch typ {
		case tsStreamTypeH264:
			return pid, CodecH264
		case tsStreamTypeH265:
			return pid, CodecH265
		}
		if 5+esInfoLen > len(body) {
			break
		}
		body = body[5+esInfoLen:]
	}
	return -1, ""
}

// tsPESPayload strips a PES header (video streams always have the optional
// header: flags and PES_header_data_length).
func tsPESPayload(p []byte) ([]byte, bool) {
	if len(p) < 9 || p[0] != 0 || p[1] != 0 || p[2] != 1 {
		return nil, false
	}
	n := 9 + int(p[8])
	if n > len(p) {
		return nil, false
	}
	return p[n:], true
}
