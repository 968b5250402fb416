package h264enc

import (
	"errors"
	"fmt"
)

// NAL unit types and reference priorities this encoder emits.
const (
	naluSlice = 1 // coded slice of a non-IDR picture
	naluIDR   = 5 // coded slice of an IDR picture
	naluSPS   = 7
	naluPPS   = 8

	log2MaxFrameNum = 8 // frame_num is 8 bits and wraps; only one reference frame is used

	mbTypeIPCMInI = 25     // I_PCM in an I slice (Table 7-11)
	mbTypeIPCMInP = 5 + 25 // I_PCM in a P slice: intra types follow the 5 P types
)

// Config describes the stream. Width and Height must be positive multiples of 16.
type Config struct {
	Width, Height int
	// FPS, when positive, is written to the SPS VUI timing info so players
	// know the nominal frame rate.
	FPS int
	// Slices is the number of slices per picture (default 1). Several slices
	// split the picture on macroblock rows, like x264's sliced threads, so that
	// ingest code gets exercised on multi-slice access units.
	Slices int
}

// Encoder turns frames into NAL units. It is not safe for concurrent use.
type Encoder struct {
	cfg      Config
	mbW, mbH int
	sps, pps []byte
	prev     *Frame // the decoder's reference picture (== previous input: coding is lossless)
	frameNum uint32
	idrPicID uint32
	needIDR  bool
}

// New validates cfg and returns an encoder whose first picture is an IDR.
func New(cfg Config) (*Encoder, error) {
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width%16 != 0 || cfg.Height%16 != 0 {
		return nil, fmt.Errorf("size %dx%d: must be positive multiples of 16", cfg.Width, cfg.Height)
	}
	if cfg.FPS < 0 {
		return nil, errors.New("negative fps")
	}
	if cfg.Slices <= 0 {
		cfg.Slices = 1
	}
	e := &Encoder{cfg: cfg, mbW: cfg.Width / 16, mbH: cfg.Height / 16, needIDR: true}
	if cfg.Slices > e.mbH {
		return nil, fmt.Errorf("%d slices: more than the %d macroblock rows", cfg.Slices, e.mbH)
	}
	e.sps = e.buildSPS()
	e.pps = buildPPS()
	e.prev = NewFrame(cfg.Width, cfg.Height, 0, 0, 0)
	return e, nil
}

// SPS returns the sequence parameter set NAL unit.
func (e *Encoder) SPS() []byte { return e.sps }

// PPS returns the picture parameter set NAL unit.
func (e *Encoder) PPS() []byte { return e.pps }

// ForceIDR makes the next Encode produce an IDR picture.
func (e *Encoder) ForceIDR() { e.needIDR = true }

// Encode codes one frame. The result is the access unit's NAL units; an IDR
// access unit starts with the SPS and PPS so a reader can join at any IDR.
// idr reports whether this picture is an IDR (keyframe). forceIDR requests one.
func (e *Encoder) Encode(f *Frame, forceIDR bool) (nalus [][]byte, idr bool, err error) {
	if err := f.check(e.cfg.Width, e.cfg.Height); err != nil {
		return nil, false, fmt.Errorf("encode: %w", err)
	}
	idr = forceIDR || e.needIDR
	if idr {
		e.frameNum = 0
		nalus = append(nalus, e.sps, e.pps)
	}
	for s := 0; s < e.cfg.Slices; s++ {
		// Rows are split as evenly as possible; slice s covers [r0, r1).
		r0 := s * e.mbH / e.cfg.Slices
		r1 := (s + 1) * e.mbH / e.cfg.Slices
		nalus = append(nalus, e.slice(f, idr, r0*e.mbW, r1*e.mbW))
	}
	if idr {
		e.idrPicID = (e.idrPicID + 1) % 2 // consecutive IDRs must differ (7.4.3)
		e.needIDR = false
	}
	e.frameNum = (e.frameNum + 1) % (1 << log2MaxFrameNum)
	e.prev.copyFrom(f)
	return nalus, idr, nil
}

// slice codes macroblocks [mb0, mb1) of f as one slice NAL unit.
func (e *Encoder) slice(f *Frame, idr bool, mb0, mb1 int) []byte {
	w := &bitWriter{buf: make([]byte, 0, 64+(mb1-mb0)*400)}
	// slice_header (7.3.3)
	w.ue(uint32(mb0)) // first_mb_in_slice
	if idr {
		w.ue(7) // slice_type: I, and all slices of the picture are I
	} else {
		w.ue(5) // slice_type: P, and all slices of the picture are P
	}
	w.ue(0) // pic_parameter_set_id
	w.u(log2MaxFrameNum, e.frameNum)
	if idr {
		w.ue(e.idrPicID)
	}
	// pic_order_cnt_type 2: no POC syntax.
	if !idr {
		w.flag(false) // num_ref_idx_active_override_flag
		w.flag(false) // ref_pic_list_modification_flag_l0
	}
	// dec_ref_pic_marking (nal_ref_idc != 0)
	if idr {
		w.flag(false) // no_output_of_prior_pics_flag
		w.flag(false) // long_term_reference_flag
	} else {
		w.flag(false) // adaptive_ref_pic_marking_mode_flag: sliding window
	}
	w.se(0) // slice_qp_delta
	w.ue(1) // disable_deblocking_filter_idc: off, so skipped blocks stay exact copies

	// slice_data (7.3.4), CAVLC.
	skipRun := uint32(0)
	for mb := mb0; mb < mb1; mb++ {
		mbx, mby := mb%e.mbW, mb/e.mbW
		if !idr {
			// P_Skip's predicted motion vector is always zero here: every
			// neighbour is either intra or a zero-vector skip (8.4.1.1).
			if mbEqual(f, e.prev, mbx, mby) {
				skipRun++
				continue
			}
			w.ue(skipRun) // mb_skip_run
			skipRun = 0
			w.ue(mbTypeIPCMInP)
		} else {
			w.ue(mbTypeIPCMInI)
		}
		w.alignZero() // pcm_alignment_zero_bit
		writePCM(w, f, mbx, mby)
	}
	if skipRun > 0 {
		w.ue(skipRun) // trailing skipped macroblocks end the slice
	}
	w.trailing()
	if idr {
		return nalUnit(3, naluIDR, w.buf)
	}
	return nalUnit(2, naluSlice, w.buf)
}

// writePCM writes one macroblock's raw samples: 256 luma, 64 Cb, 64 Cr, raster order.
func writePCM(w *bitWriter, f *Frame, mbx, mby int) {
	for r := 0; r < 16; r++ {
		o := (mby*16+r)*f.Width + mbx*16
		w.bytes(f.Y[o : o+16])
	}
	cw := f.Width / 2
	for _, plane := range [2][]byte{f.Cb, f.Cr} {
		for r := 0; r < 8; r++ {
			o := (mby*8+r)*cw + mbx*8
			w.bytes(plane[o : o+8])
		}
	}
}
