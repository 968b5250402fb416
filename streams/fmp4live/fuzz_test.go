package fmp4live

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// FuzzMuxer feeds the live fMP4 muxer (the MSE route) units made from
// arbitrary bytes: parameter sets as the camera sent them, keyframe flags,
// decode times that jump back and forth, empty and odd NAL units. It must
// never panic: a hostile camera's SPS reaches Codec and the init writer.
//
// Encoding of units: each is [flags][dts delta int16][n NALUs] then n times
// [len][bytes]; flags bit 0 = key, bit 1 = H.265, bit 2 = new parameters.
func FuzzMuxer(f *testing.F) {
	src := newSource(f, 512, 0)
	u := src.next(f)
	sps, pps := src.info.Tracks[0].SPS, src.info.Tracks[0].PPS
	frame := []byte{1, 0x0e, 0x10, byte(len(u.NALUs))}
	for _, n := range u.NALUs {
		if len(n) > 255 {
			n = n[:255]
		}
		frame = append(frame, byte(len(n)))
		frame = append(frame, n...)
	}
	f.Add(sps, pps, frame)
	f.Add(sps, pps, append(append([]byte{}, frame...), 0, 0xff, 0xff, 1, 0)) // an empty NAL unit, DTS backwards
	f.Add([]byte{}, []byte{}, []byte{1, 0, 0, 0})
	f.Add([]byte{0x67}, []byte{0x68}, []byte{3, 0, 0, 1, 1, 0x26}) // H.265, truncated SPS
	f.Add(sps[:len(sps)/2], pps, frame)
	f.Fuzz(func(t *testing.T, sps, pps, data []byte) {
		done := make(chan struct{})
		go func() { defer close(done); muxFuzz(sps, pps, data) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("the muxer hung on sps %x pps %x data %x", sps, pps, data)
		}
	})
}

func muxFuzz(sps, pps, data []byte) {
	{
		m := NewMuxer()
		info := &media.StreamInfo{CameraID: "f1", Stream: "main", Tracks: []media.Track{{Codec: media.H264, ClockRate: media.VideoClockRate, SPS: sps, PPS: pps}}}
		var dts int64
		for units := 0; len(data) >= 4 && units < 64; units++ {
			flags := data[0]
			dts += int64(int16(binary.BigEndian.Uint16(data[1:3])))
			n := int(data[3])
			data = data[4:]
			var nalus [][]byte
			for i := 0; i < n && len(data) > 0; i++ {
				l := min(int(data[0]), len(data)-1)
				nalus = append(nalus, data[1:1+l])
				data = data[1+l:]
			}
			if flags&4 != 0 || flags&2 != 0 && info.Tracks[0].Codec != media.H265 {
				tr := info.Tracks[0]
				if flags&2 != 0 {
					tr.Codec, tr.VPS = media.H265, sps
				}
				if len(nalus) > 0 {
					tr.SPS = nalus[0]
				}
				info = &media.StreamInfo{CameraID: "f1", Stream: "main", Tracks: []media.Track{tr}}
			}
			_, _ = m.Write(&media.Unit{Info: info, Key: flags&1 != 0, DTS: dts, PTS: dts, NALUs: nalus})
		}
	}
}
