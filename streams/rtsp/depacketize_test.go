package rtsp

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/pion/rtp"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// h264Packets packetizes n frames of a simulated camera (I_PCM: large NAL
// units, so most packets are FU-A) with gortsplib's encoder, as a camera
// would send them; small NAL units are aggregated in STAP-A.
func h264Packets(tb testing.TB, n int) []*rtp.Packet {
	tb.Helper()
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: idA})
	if err != nil {
		tb.Fatal(err)
	}
	enc := &rtph264.Encoder{PayloadType: 96, PacketizationMode: 1}
	if err := enc.Init(); err != nil {
		tb.Fatal(err)
	}
	var pkts []*rtp.Packet
	for i := range n {
		au, err := cam.Next()
		if err != nil {
			tb.Fatal(err)
		}
		nalus := au.NALUs
		if au.IDR {
			nalus = append([][]byte{cam.SPS(), cam.PPS()}, nalus...)
		}
		ps, err := enc.Encode(nalus)
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range ps {
			p.Timestamp = uint32(i * 9000)
		}
		pkts = append(pkts, ps...)
	}
	return pkts
}

// gortsplibDepacketizer is the path h264Depacketizer replaced.
func gortsplibDepacketizer(tb testing.TB) func(*rtp.Packet) ([][]byte, error) {
	dec := &rtph264.Decoder{}
	if err := dec.Init(); err != nil {
		tb.Fatal(err)
	}
	return depacketizer(dec.Decode, rtph264.ErrMorePacketsNeeded, rtph264.ErrNonStartingPacketAndNoPrevious)
}

// The depacketizer gives the NAL units gortsplib's decoder gives, packet by
// packet, for whole streams, streams joined mid-NAL unit, lost packets and
// malformed payloads.
func TestH264DepacketizerMatchesGortsplib(t *testing.T) {
	t.Parallel()
	pkts := h264Packets(t, 30)
	lossy := slices.Clone(pkts)
	lossy = append(lossy[:40], lossy[41:]...)
	junk := []*rtp.Packet{
		{Payload: nil}, {Payload: []byte{28}}, {Payload: []byte{24, 0}}, {Payload: []byte{24, 0, 9, 1}},
		{Payload: []byte{24, 0, 0, 0, 0}}, {Payload: []byte{25, 1, 2}}, {Payload: []byte{0x65, 0, 0, 0, 1, 0x41, 7}},
		{Payload: []byte{0x41, 1, 2}},
	}
	for name, stream := range map[string][]*rtp.Packet{
		"whole":      pkts,
		"mid-NALU":   pkts[3:],
		"lost":       lossy,
		"junk":       append(slices.Clone(junk), pkts[:20]...),
		"junk-after": append(slices.Clone(pkts[:20]), junk...),
	} {
		t.Run(name, func(t *testing.T) {
			old, mine := gortsplibDepacketizer(t), &h264Depacketizer{}
			nalus := 0
			for i, p := range stream {
				want, werr := old(p)
				got, gerr := mine.decode(p)
				if (werr == nil) != (gerr == nil) {
					t.Fatalf("packet %d: error %v, gortsplib %v", i, gerr, werr)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
					t.Fatalf("packet %d: %d NAL units, gortsplib %d", i, len(got), len(want))
				}
				nalus += len(got)
			}
			if nalus == 0 && name != "junk" {
				t.Fatal("no NAL units")
			}
		})
	}
	if _, err := (&h264Depacketizer{}).decode(&rtp.Packet{}); err == nil || errors.Is(err, errFUMissing) {
		t.Fatalf("empty payload: %v", err)
	}
}

// BenchmarkDepacketize runs RTP packets of the simulated camera through
// depacketizing, picture assembly and the unit copy (the ingest path of a
// session without the network), with gortsplib's decoder and with
// h264Depacketizer. Run: go test ./streams/rtsp -run '^$' -bench Depacketize
func BenchmarkDepacketize(b *testing.B) {
	pkts := h264Packets(b, 50)
	var bytes int64
	for _, p := range pkts {
		bytes += int64(len(p.Payload))
	}
	for _, bc := range []struct {
		name string
		dec  func() func(*rtp.Packet) ([][]byte, error)
	}{
		{"gortsplib", func() func(*rtp.Packet) ([][]byte, error) { return gortsplibDepacketizer(b) }},
		{"hearth", func() func(*rtp.Packet) ([][]byte, error) { return (&h264Depacketizer{}).decode }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(bytes)
			b.ReportAllocs()
			// One long session: the depacketizer and assembler keep their
			// buffers from round to round, as they do from GOP to GOP.
			units := 0
			dec, asm := bc.dec(), newAssembler(media.H264)
			var st videoState
			st.codec = media.H264
			for b.Loop() {
				for _, p := range pkts {
					nalus, err := dec(p)
					if err != nil {
						b.Fatal(err)
					}
					asm.push(nalus, p.Timestamp, p.Marker, func(pic picture) {
						if _, ok, _ := st.picture(pic.NALUs, int64(pic.TS)); ok {
							units++
						}
					})
				}
			}
			if units < b.N*40 {
				b.Fatalf("%d units in %d rounds", units, b.N)
			}
		})
	}
}
