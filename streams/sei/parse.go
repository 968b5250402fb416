package sei

import (
	"encoding/binary"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
)

// Parse extracts a Hearth stamp from an H.264 NAL unit (without start code).
// It returns false for any other NAL unit, for SEI NAL units without a Hearth
// message, and for malformed input; it never panics.
func Parse(nalu []byte) (Stamp, bool) {
	if len(nalu) < 1 || nalu[0]&0x80 != 0 || nalu[0]&0x1f != naluTypeH264SEI {
		return Stamp{}, false
	}
	return parseMessages(h264.EmulationPreventionRemove(nalu[1:]))
}

// ParseH265 is Parse for H.265 prefix and suffix SEI NAL units (types 39, 40).
func ParseH265(nalu []byte) (Stamp, bool) {
	if len(nalu) < 2 || nalu[0]&0x80 != 0 {
		return Stamp{}, false
	}
	if t := nalu[0] >> 1 & 0x3f; t != naluTypeH265Prefix && t != naluTypeH265Prefix+1 {
		return Stamp{}, false
	}
	// H.265 escapes its payload exactly as H.264 does (H.265 7.4.2), so
	// mediacommon's H.264 remover serves both.
	return parseMessages(h264.EmulationPreventionRemove(nalu[2:]))
}

// Find returns the first Hearth stamp among an H.264 access unit's NAL units.
func Find(au [][]byte) (Stamp, bool) {
	for _, n := range au {
		if s, ok := Parse(n); ok {
			return s, true
		}
	}
	return Stamp{}, false
}

// FindH265 is Find for H.265 access units.
func FindH265(au [][]byte) (Stamp, bool) {
	for _, n := range au {
		if s, ok := ParseH265(n); ok {
			return s, true
		}
	}
	return Stamp{}, false
}

// parseMessages walks sei_message()s until the trailing bits (7.3.2.3.1).
func parseMessages(p []byte) (Stamp, bool) {
	for len(p) > 0 && p[0] != 0x80 { // 0x80 alone is rbsp_trailing_bits
		typ, rest, ok := readVarSize(p)
		if !ok {
			return Stamp{}, false
		}
		size, rest, ok := readVarSize(rest)
		if !ok || size > len(rest) {
			return Stamp{}, false
		}
		if typ == payloadTypeUserData {
			if s, ok := parseUserData(rest[:size]); ok {
				return s, true
			}
		}
		p = rest[size:]
	}
	return Stamp{}, false
}

// readVarSize reads a payload type or size: 0xff bytes each add 255, the
// first other byte ends the value.
func readVarSize(p []byte) (v int, rest []byte, ok bool) {
	for i, b := range p {
		v += int(b)
		if b != 0xff {
			return v, p[i+1:], true
		}
		if v > 1<<20 { // larger than any NAL unit we accept; stop early on garbage
			return 0, nil, false
		}
	}
	return 0, nil, false
}

func parseUserData(p []byte) (Stamp, bool) {
	if len(p) < len(UUID)+2 || string(p[:len(UUID)]) != UUID {
		return Stamp{}, false
	}
	p = p[len(UUID):]
	if p[0] != version {
		return Stamp{}, false
	}
	n := int(p[1])
	p = p[2:]
	if n > MaxIDLen || len(p) != n+8 {
		return Stamp{}, false
	}
	return Stamp{CameraID: string(p[:n]), Frame: binary.BigEndian.Uint64(p[n:])}, true
}
