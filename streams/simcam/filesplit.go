package simcam

import (
	"errors"
	"fmt"
	"sort"

	"github.com/bluenviron/mediacommon/v2/pkg/bits"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/hearthnvr/hearth/streams/sei"
)

// build fills s from the file's NAL units: parameter sets, access units,
// presentation shifts.
func (s *FileSource) build(nalus [][]byte) error {
	if err := s.setParams(nalus); err != nil {
		return err
	}
	aus := s.group(nalus)
	for len(aus) > 0 && !aus[0].key { // a loop must start where a decoder can
		aus = aus[1:]
	}
	if len(aus) == 0 {
		return errors.New("no IDR picture")
	}
	s.aus = aus
	for _, au := range aus {
		for _, n := range au.nalus {
			s.bytes += int64(len(n))
		}
	}
	s.setShifts()
	return nil
}

// group splits NAL units into access units. A new access unit starts at the
// first slice of a new picture (H.264 first_mb_in_slice == 0, H.265
// first_slice_segment_in_pic_flag), or at an AUD, parameter set, SEI or other
// prefix NAL unit that follows a slice (H.264 7.4.1.2.3, H.265 7.4.2.4.4).
// Several slices of one picture stay together. End-of-sequence, end-of-stream
// and filler NAL units are dropped (they would break the loop), and so are
// Hearth stamps already in the file (the camera adds its own).
func (s *FileSource) group(nalus [][]byte) []fileAU {
	var (
		out []fileAU
		cur fileAU
	)
	cur.vclAt = -1
	flush := func() {
		if cur.vclAt >= 0 { // an access unit without a picture is no frame
			out = append(out, cur)
		}
		cur = fileAU{vclAt: -1}
	}
	for _, n := range nalus {
		vcl, first, drop, prefix, key := s.classify(n)
		if drop {
			continue
		}
		hasVCL := cur.vclAt >= 0
		if hasVCL && (prefix || (vcl && first)) {
			flush()
		}
		if vcl && cur.vclAt < 0 {
			cur.vclAt = len(cur.nalus)
		}
		cur.key = cur.key || key
		cur.nalus = append(cur.nalus, n)
	}
	flush()
	return out
}

// classify reports how a NAL unit takes part in access-unit grouping.
func (s *FileSource) classify(n []byte) (vcl, firstSlice, drop, prefix, key bool) {
	if n[0]&0x80 != 0 { // forbidden_zero_bit: not a NAL unit
		return false, false, true, false, false
	}
	if s.codec == CodecH264 {
		switch t := h264.NALUType(n[0] & 0x1f); {
		case t >= h264.NALUTypeNonIDR && t <= h264.NALUTypeIDR:
			// first_mb_in_slice is ue(v): 0 is coded as a single 1 bit.
			return true, len(n) > 1 && n[1]&0x80 != 0, false, false, t == h264.NALUTypeIDR
		case t == h264.NALUTypeEndOfSequence || t == h264.NALUTypeEndOfStream || t == h264.NALUTypeFillerData:
			return false, false, true, false, false
		case t == h264.NALUTypeSEI:
			_, stamp := sei.Parse(n)
			return false, false, stamp, true, false
		case t == h264.NALUTypeAccessUnitDelimiter || t == h264.NALUTypeSPS || t == h264.NALUTypePPS || (t >= 14 && t <= 18):
			return false, false, false, true, false
		}
		return false, false, false, false, false
	}
	if len(n) < 3 {
		return false, false, true, false, false
	}
	switch t := h265.NALUType(n[0] >> 1 & 0x3f); {
	case t < h265.NALUType_VPS_NUT:
		key = t >= h265.NALUType_BLA_W_LP && t <= h265.NALUType_IDR_N_LP
		return true, n[2]&0x80 != 0, false, false, key
	case t == h265.NALUType_EOS_NUT || t == h265.NALUType_EOB_NUT || t == h265.NALUType_FD_NUT:
		return false, false, true, false, false
	case t == h265.NALUType_PREFIX_SEI_NUT || t == h265.NALUType_SUFFIX_SEI_NUT:
		_, stamp := sei.ParseH265(n)
		return false, false, stamp, t == h265.NALUType_PREFIX_SEI_NUT, false
	case t <= h265.NALUType_AUD_NUT || (t >= 41 && t <= 44) || (t >= 48 && t <= 55):
		return false, false, false, true, false
	}
	return false, false, false, false, false
}

// setShifts derives each access unit's presentation order from its picture
// order count, so files with B-frames get correct presentation timestamps.
// Within a coded video sequence (keyframe to keyframe) the presentation index
// is the rank of the POC. If a slice header cannot be read, or the stream
// uses H.264 POC type 1 or field pictures, decode order is used.
func (s *FileSource) setShifts() {
	pocs, err := s.pocs()
	if err != nil {
		for i := range s.aus {
			s.aus[i].shift = 0
		}
		s.delay = 0
		return
	}
	for start := 0; start < len(s.aus); {
		end := start + 1
		for end < len(s.aus) && !s.aus[end].key {
			end++
		}
		order := make([]int, end-start)
		for i := range order {
			order[i] = start + i
		}
		sort.SliceStable(order, func(a, b int) bool { return pocs[order[a]] < pocs[order[b]] })
		for rank, i := range order {
			s.aus[i].shift = rank - (i - start)
			s.delay = max(s.delay, -s.aus[i].shift)
		}
		start = end
	}
}

// pocs returns every access unit's picture order count (H.264 8.2.1,
// H.265 8.3.1), read from its first slice header.
func (s *FileSource) pocs() ([]int, error) {
	if s.codec == CodecH264 {
		return s.pocsH264()
	}
	return s.pocsH265()
}

func (s *FileSource) pocsH264() ([]int, error) {
	var sps h264.SPS
	if err := sps.Unmarshal(s.sps); err != nil {
		return nil, err
	}
	out := make([]int, len(s.aus))
	if sps.PicOrderCntType == 2 { // output order is decode order
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	if sps.PicOrderCntType != 0 {
		return nil, fmt.Errorf("poc type %d not supported", sps.PicOrderCntType)
	}
	maxLsb := 1 << (sps.Log2MaxPicOrderCntLsbMinus4 + 4)
	prevMsb, prevLsb := 0, 0
	for i, au := range s.aus {
		n := au.nalus[au.vclAt]
		idr := h264.NALUType(n[0]&0x1f) == h264.NALUTypeIDR
		b := h264.EmulationPreventionRemove(n[1:min(len(n), 40)])
		pos := 0
		for range 3 { // first_mb_in_slice, slice_type, pic_parameter_set_id
			if _, err := bits.ReadGolombUnsigned(b, &pos); err != nil {
				return nil, err
			}
		}
		if sps.SeparateColourPlaneFlag {
			pos += 2
		}
		pos += int(sps.Log2MaxFrameNumMinus4 + 4) // frame_num
		if !sps.FrameMbsOnlyFlag {
			field, err := bits.ReadFlag(b, &pos)
			if err != nil {
				return nil, err
			}
			if field {
				return nil, errors.New("field pictures not supported")
			}
		}
		if idr {
			if _, err := bits.ReadGolombUnsigned(b, &pos); err != nil { // idr_pic_id
				return nil, err
			}
			prevMsb, prevLsb = 0, 0
		}
		v, err := bits.ReadBits(b, &pos, int(sps.Log2MaxPicOrderCntLsbMinus4+4))
		if err != nil {
			return nil, err
		}
		lsb := int(v)
		msb := pocMsb(prevMsb, prevLsb, lsb, maxLsb)
		out[i] = msb + lsb
		if n[0]>>5&3 != 0 { // reference pictures anchor the next msb
			prevMsb, prevLsb = msb, lsb
		}
	}
	return out, nil
}

func (s *FileSource) pocsH265() ([]int, error) {
	var sps h265.SPS
	if err := sps.Unmarshal(s.sps); err != nil {
		return nil, err
	}
	var pps h265.PPS
	if err := pps.Unmarshal(s.pps); err != nil {
		return nil, err
	}
	maxLsb := 1 << (sps.Log2MaxPicOrderCntLsbMinus4 + 4)
	out := make([]int, len(s.aus))
	prevMsb, prevLsb := 0, 0
	for i, au := range s.aus {
		n := au.nalus[au.vclAt]
		t := h265.NALUType(n[0] >> 1 & 0x3f)
		tid := int(n[1]&7) - 1
		if au.key { // IDR or BLA: NoRaslOutputFlag, POC msb 0
			prevMsb, prevLsb = 0, 0
		}
		if t == h265.NALUType_IDR_W_RADL || t == h265.NALUType_IDR_N_LP {
			out[i] = 0
			continue
		}
		b := h264.EmulationPreventionRemove(n[2:min(len(n), 40)])
		pos := 1 // first_slice_segment_in_pic_flag
		if t >= h265.NALUType_BLA_W_LP && t <= h265.NALUType_RSV_IRAP_VCL23 {
			pos++ // no_output_of_prior_pics_flag
		}
		if _, err := bits.ReadGolombUnsigned(b, &pos); err != nil { // slice_pic_parameter_set_id
			return nil, err
		}
		pos += int(pps.NumExtraSliceHeaderBits)
		if _, err := bits.ReadGolombUnsigned(b, &pos); err != nil { // slice_type
			return nil, err
		}
		if pps.OutputFlagPresentFlag {
			pos++
		}
		if sps.SeparateColourPlaneFlag {
			pos += 2
		}
		v, err := bits.ReadBits(b, &pos, int(sps.Log2MaxPicOrderCntLsbMinus4+4))
		if err != nil {
			return nil, err
		}
		lsb := int(v)
		msb := 0
		if !au.key {
			msb = pocMsb(prevMsb, prevLsb, lsb, maxLsb)
		}
		out[i] = msb + lsb
		// prevTid0Pic: TemporalId 0 and not RADL, RASL or a sub-layer non-reference picture.
		slnr := t <= h265.NALUType_RSV_VCL_N14 && t%2 == 0
		if tid == 0 && !slnr && (t < h265.NALUType_RADL_N || t > h265.NALUType_RASL_R) {
			prevMsb, prevLsb = msb, lsb
		}
	}
	return out, nil
}

// pocMsb is PicOrderCntMsb (H.264 8-3, H.265 8-1).
func pocMsb(prevMsb, prevLsb, lsb, maxLsb int) int {
	switch {
	case lsb < prevLsb && prevLsb-lsb >= maxLsb/2:
		return prevMsb + maxLsb
	case lsb > prevLsb && lsb-prevLsb > maxLsb/2:
		return prevMsb - maxLsb
	}
	return prevMsb
}
