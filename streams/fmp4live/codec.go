package fmp4live

import (
	"fmt"
	"strings"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/hearthnvr/hearth/streams/media"
)

// Codec returns the RFC 6381 codecs parameter of a video track, for
// MediaSource.isTypeSupported and SourceBuffer.changeType:
// "avc1.PPCCLL" for H.264 (profile, constraint flags, level from the SPS),
// "hvc1.…" for H.265 (ISO/IEC 14496-15 annex E, from the SPS's
// profile_tier_level).
func Codec(t media.Track) (string, error) {
	switch t.Codec {
	case media.H264:
		if len(t.SPS) < 4 {
			return "", fmt.Errorf("codec string: H.264 SPS of %d bytes", len(t.SPS))
		}
		return fmt.Sprintf("avc1.%02x%02x%02x", t.SPS[1], t.SPS[2], t.SPS[3]), nil
	case media.H265:
		return hvc1(t.SPS)
	}
	return "", fmt.Errorf("codec string: %q is not a video codec MSE plays", t.Codec)
}

// hvc1 builds the H.265 codecs parameter from an SPS NAL unit.
func hvc1(sps []byte) (string, error) {
	// NAL header (2 bytes), then vps_id(4) max_sub_layers(3) nesting(1),
	// then the 12-byte general profile_tier_level.
	p := h264.EmulationPreventionRemove(sps)
	if len(p) < 2+1+12 {
		return "", fmt.Errorf("codec string: H.265 SPS of %d bytes", len(sps))
	}
	ptl := p[3:15]
	space := ptl[0] >> 6
	tier := "L"
	if ptl[0]&0x20 != 0 {
		tier = "H"
	}
	profile := ptl[0] & 0x1f
	compat := uint32(ptl[1])<<24 | uint32(ptl[2])<<16 | uint32(ptl[3])<<8 | uint32(ptl[4])
	var rev uint32 // the compatibility flags in reverse bit order
	for i := 0; i < 32; i++ {
		if compat&(1<<i) != 0 {
			rev |= 1 << (31 - i)
		}
	}
	constraints := ptl[5:11]
	n := len(constraints)
	for n > 0 && constraints[n-1] == 0 {
		n--
	}
	var b strings.Builder
	b.WriteString("hvc1.")
	if space > 0 {
		b.WriteByte("ABC"[space-1])
	}
	fmt.Fprintf(&b, "%d.%X.%s%d", profile, rev, tier, ptl[11])
	for _, c := range constraints[:n] {
		fmt.Fprintf(&b, ".%X", c)
	}
	return b.String(), nil
}
