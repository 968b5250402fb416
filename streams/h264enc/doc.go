// Package h264enc is a tiny pure-Go H.264 Constrained Baseline encoder.
//
// It codes every macroblock of an IDR picture as I_PCM (raw samples) and, in
// P pictures, codes changed macroblocks as I_PCM and unchanged ones as P_Skip.
// The output is lossless, so a decoder reproduces the input bit-exactly, which
// is what a simulated camera needs: pixels that tests can read back. Bitrate is
// high for busy scenes and low for still ones, like a real camera's.
//
// Output is a list of NAL units without start codes; the caller chooses
// Annex-B (see AnnexB) or RTP packetization.
package h264enc
