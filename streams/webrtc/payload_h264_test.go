package webrtc

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/pion/rtp/codecs"
)

// nalOf returns a NAL unit of type typ (NRI 3) and size bytes.
func nalOf(r *rand.Rand, typ byte, size int) []byte {
	n := make([]byte, size)
	for i := range n {
		n[i] = byte(r.IntN(256))
	}
	n[0] = 0x60 | typ
	return n
}

// payloadPictures are pictures (each a list of NAL units) exercising
// every branch: single NAL units, FU-A of several sizes (one byte over the
// MTU, exact multiples), SPS and PPS into a STAP-A (also across pictures),
// AUD and filler dropped, an SPS alone, empty NAL units.
func payloadPictures() [][][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	return [][][]byte{
		{nalOf(r, 9, 2), nalOf(r, 7, 20), nalOf(r, 8, 4), nalOf(r, 5, 5000)},
		{nalOf(r, 1, 500)},
		{nalOf(r, 1, rtpMTU), nalOf(r, 1, rtpMTU+1)},
		{nalOf(r, 1, 1+2*(rtpMTU-2)), nalOf(r, 12, 40), {}},
		{nalOf(r, 7, 20)}, // SPS alone: held
		{nalOf(r, 8, 4), nalOf(r, 5, 30000)},
		{nalOf(r, 6, 30), nalOf(r, 1, 2500), nalOf(r, 1, 2500)},
		{nalOf(r, 7, 700), nalOf(r, 8, 600), nalOf(r, 5, 100)}, // STAP-A over the MTU: dropped, as pion does
	}
}

func annexB(nalus [][]byte) []byte {
	var b []byte
	for _, n := range nalus {
		if len(n) > 0 {
			b = append(append(b, 0, 0, 0, 1), n...)
		}
	}
	return b
}

// TestH264PayloaderMatchesPion checks the payloads packet by packet
// against pion's payloader over a run of pictures (the STAP-A state
// carries from one picture to the next in both).
func TestH264PayloaderMatchesPion(t *testing.T) {
	t.Parallel()
	pion, mine := &codecs.H264Payloader{}, &h264Payloader{}
	for i, pic := range payloadPictures() {
		want := pion.Payload(rtpMTU, annexB(pic))
		got := mine.payload(rtpMTU, nil, pic)
		if len(got) != len(want) {
			t.Fatalf("picture %d: %d payloads, pion %d", i, len(got), len(want))
		}
		for j := range want {
			if !bytes.Equal(got[j], want[j]) {
				t.Fatalf("picture %d payload %d differs (%d bytes, pion %d)", i, j, len(got[j]), len(want[j]))
			}
		}
	}
	// The parameter sets given apart lead the picture, as the Annex-B path
	// put them first.
	r := rand.New(rand.NewPCG(3, 4))
	sps, pps, idr := nalOf(r, 7, 20), nalOf(r, 8, 4), nalOf(r, 5, 4000)
	want := (&codecs.H264Payloader{}).Payload(rtpMTU, annexB([][]byte{sps, pps, idr}))
	got := (&h264Payloader{}).payload(rtpMTU, [][]byte{sps, pps}, [][]byte{idr})
	if len(got) != len(want) {
		t.Fatalf("params apart: %d payloads, pion %d", len(got), len(want))
	}
	for j := range want {
		if !bytes.Equal(got[j], want[j]) {
			t.Fatalf("params apart: payload %d differs", j)
		}
	}
}

// BenchmarkH264Payload packetizes the same pictures with pion's payloader
// (after the Annex-B copy the writer made for it) and with Hearth's:
// compare B/op and allocs/op.
func BenchmarkH264Payload(b *testing.B) {
	pics := payloadPictures()
	b.Run("pion", func(b *testing.B) {
		b.ReportAllocs()
		p := &codecs.H264Payloader{}
		var annex []byte
		for b.Loop() {
			for _, pic := range pics {
				annex = annex[:0]
				for _, n := range pic {
					if len(n) > 0 {
						annex = append(append(annex, 0, 0, 0, 1), n...)
					}
				}
				_ = p.Payload(rtpMTU, annex)
			}
		}
	})
	b.Run("hearth", func(b *testing.B) {
		b.ReportAllocs()
		p := &h264Payloader{}
		for b.Loop() {
			for _, pic := range pics {
				_ = p.payload(rtpMTU, nil, pic)
			}
		}
	})
}
