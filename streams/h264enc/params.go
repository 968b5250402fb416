package h264enc

// levelIDC picks the smallest level whose MaxFS (frame size in macroblocks,
// Table A-1) fits; decoders size buffers from it. PCM bitrates exceed the
// level's MaxBR, which decoders do not enforce.
func levelIDC(mbs int) uint32 {
	switch {
	case mbs <= 1620:
		return 30
	case mbs <= 3600:
		return 31
	case mbs <= 8192:
		return 40
	case mbs <= 22080:
		return 50
	default:
		return 51
	}
}

// buildSPS writes seq_parameter_set_rbsp (7.3.2.1.1) for Constrained Baseline.
func (e *Encoder) buildSPS() []byte {
	w := &bitWriter{}
	w.u(8, 66)   // profile_idc: Baseline
	w.u(8, 0xc0) // constraint_set0_flag=1, constraint_set1_flag=1 (Constrained Baseline), rest 0
	w.u(8, levelIDC(e.mbW*e.mbH))
	w.ue(0)                   // seq_parameter_set_id
	w.ue(log2MaxFrameNum - 4) // log2_max_frame_num_minus4
	w.ue(2)                   // pic_order_cnt_type: output order = decode order
	w.ue(1)                   // max_num_ref_frames
	w.flag(false)             // gaps_in_frame_num_value_allowed_flag
	w.ue(uint32(e.mbW - 1))   // pic_width_in_mbs_minus1
	w.ue(uint32(e.mbH - 1))   // pic_height_in_map_units_minus1
	w.flag(true)              // frame_mbs_only_flag
	w.flag(true)              // direct_8x8_inference_flag
	w.flag(false)             // frame_cropping_flag
	w.flag(true)              // vui_parameters_present_flag
	e.writeVUI(w)
	w.trailing()
	return nalUnit(3, naluSPS, w.buf)
}

// writeVUI writes vui_parameters (E.1.1): timing, and a bitstream restriction
// that tells decoders no frame is reordered, so they output each frame at once.
func (e *Encoder) writeVUI(w *bitWriter) {
	w.flag(false) // aspect_ratio_info_present_flag
	w.flag(false) // overscan_info_present_flag
	// Full range, so samples mean what they say: a decoder converting to
	// gray or RGB does not stretch 16..235, and tests compare bit-exactly.
	w.flag(true)  // video_signal_type_present_flag
	w.u(3, 5)     // video_format: unspecified
	w.flag(true)  // video_full_range_flag
	w.flag(false) // colour_description_present_flag
	w.flag(false) // chroma_loc_info_present_flag
	if e.cfg.FPS > 0 {
		w.flag(true)                 // timing_info_present_flag
		w.u(32, 1)                   // num_units_in_tick
		w.u(32, uint32(2*e.cfg.FPS)) // time_scale: two ticks per frame
		w.flag(true)                 // fixed_frame_rate_flag
	} else {
		w.flag(false)
	}
	w.flag(false) // nal_hrd_parameters_present_flag
	w.flag(false) // vcl_hrd_parameters_present_flag
	w.flag(false) // pic_struct_present_flag
	w.flag(true)  // bitstream_restriction_flag
	w.flag(true)  // motion_vectors_over_pic_boundaries_flag
	w.ue(0)       // max_bytes_per_pic_denom
	w.ue(0)       // max_bits_per_mb_denom
	w.ue(16)      // log2_max_mv_length_horizontal
	w.ue(16)      // log2_max_mv_length_vertical
	w.ue(0)       // max_num_reorder_frames
	w.ue(1)       // max_dec_frame_buffering
}

// buildPPS writes pic_parameter_set_rbsp (7.3.2.2).
func buildPPS() []byte {
	w := &bitWriter{}
	w.ue(0)       // pic_parameter_set_id
	w.ue(0)       // seq_parameter_set_id
	w.flag(false) // entropy_coding_mode_flag: CAVLC
	w.flag(false) // bottom_field_pic_order_in_frame_present_flag
	w.ue(0)       // num_slice_groups_minus1
	w.ue(0)       // num_ref_idx_l0_default_active_minus1
	w.ue(0)       // num_ref_idx_l1_default_active_minus1
	w.flag(false) // weighted_pred_flag
	w.u(2, 0)     // weighted_bipred_idc
	w.se(0)       // pic_init_qp_minus26
	w.se(0)       // pic_init_qs_minus26
	w.se(0)       // chroma_qp_index_offset
	w.flag(true)  // deblocking_filter_control_present_flag: lets slices turn it off
	w.flag(false) // constrained_intra_pred_flag
	w.flag(false) // redundant_pic_cnt_present_flag
	w.trailing()
	return nalUnit(3, naluPPS, w.buf)
}

// AnnexB joins NAL units with 4-byte start codes, for .h264 files and pipes.
func AnnexB(nalus [][]byte) []byte {
	n := 0
	for _, u := range nalus {
		n += 4 + len(u)
	}
	out := make([]byte, 0, n)
	for _, u := range nalus {
		out = append(out, 0, 0, 0, 1)
		out = append(out, u...)
	}
	return out
}
