package webrtc

import (
	"context"
	"fmt"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	pion "github.com/pion/webrtc/v4"
)

// rtpMTU is the RTP payload size: 1200-byte packets, as browsers send, fit
// any path with IPv6, SRTP and TURN-like overheads.
const rtpMTU = 1200 - 12

// rtpWriter packetizes one track's units and writes them to a pion track.
// Not safe for concurrent use (the session's sending goroutine owns it).
type rtpWriter struct {
	track *pion.TrackLocalStaticRTP
	codec media.Codec
	pay   rtp.Payloader
	h264  *h264Payloader // H.264: packetizes without allocating (pay unused)
	seq   uint16
	clock *retimer
	annex []byte // reused Annex-B buffer
	pace  *pacer // shared by the session's writers
	ctx   context.Context
}

func newRTPWriter(ctx context.Context, p *pacer, track *pion.TrackLocalStaticRTP, codec media.Codec, rate int, seq uint16, base uint32) *rtpWriter {
	w := &rtpWriter{track: track, codec: codec, seq: seq, clock: newRetimer(rate, base), pace: p, ctx: ctx}
	switch codec {
	case media.H264:
		w.h264 = &h264Payloader{}
	case media.H265:
		w.pay = &codecs.H265Payloader{}
	case media.Opus:
		w.pay = &codecs.OpusPayloader{}
	default: // G.711: raw samples
		w.pay = &codecs.G711Payloader{}
	}
	return w
}

func (w *rtpWriter) write(p rtp.Packet) (int, error) {
	if err := w.pace.wait(w.ctx, len(p.Payload)+12); err != nil {
		return 0, err
	}
	p.Version = 2
	p.SequenceNumber = w.seq
	w.seq++
	if err := w.track.WriteRTP(&p); err != nil {
		return 0, fmt.Errorf("write rtp: %w", err)
	}
	return len(p.Payload), nil
}

// writeVideo sends one picture. Keyframes get the parameter sets in band
// when the camera sent them out of band only, so every keyframe decodes.
func (w *rtpWriter) writeVideo(u *media.Unit, ts uint32) (int, error) {
	if w.h264 != nil {
		var params [][]byte
		if t := &u.Info.Tracks[u.Track]; u.Key && !hasParams(u.NALUs, w.codec) {
			params = [][]byte{t.SPS, t.PPS}
		}
		return w.writePayloads(w.h264.payload(rtpMTU, params, u.NALUs), ts)
	}
	w.annex = w.annex[:0]
	if u.Key {
		t := &u.Info.Tracks[u.Track]
		var params [][]byte
		if w.codec == media.H265 {
			params = [][]byte{t.VPS, t.SPS, t.PPS}
		} else {
			params = [][]byte{t.SPS, t.PPS}
		}
		if !hasParams(u.NALUs, w.codec) {
			for _, p := range params {
				if len(p) > 0 {
					w.annex = append(append(w.annex, 0, 0, 0, 1), p...)
				}
			}
		}
	}
	for _, n := range u.NALUs {
		if len(n) > 0 {
			w.annex = append(append(w.annex, 0, 0, 0, 1), n...)
		}
	}
	return w.writePayloads(w.pay.Payload(rtpMTU, w.annex), ts)
}

// writePayloads sends one picture's payloads, the marker on the last.
func (w *rtpWriter) writePayloads(payloads [][]byte, ts uint32) (int, error) {
	sent := 0
	for i, p := range payloads {
		n, err := w.write(rtp.Packet{Header: rtp.Header{Marker: i == len(payloads)-1, Timestamp: ts}, Payload: p})
		if err != nil {
			return sent, err
		}
		sent += n
	}
	return sent, nil
}

// hasParams reports whether the picture carries its own SPS (H.264) or VPS
// (H.265).
func hasParams(nalus [][]byte, c media.Codec) bool {
	for _, n := range nalus {
		if len(n) == 0 {
			continue
		}
		if c == media.H265 {
			if len(n) >= 2 && (n[0]>>1)&0x3f == 32 {
				return true
			}
		} else if n[0]&0x1f == 7 {
			return true
		}
	}
	return false
}

// writeAudio sends one audio unit: each payload frame is a packet (G.711
// split to the MTU), later frames timestamped after the earlier ones.
func (w *rtpWriter) writeAudio(u *media.Unit, ts uint32) (int, error) {
	sent := 0
	for _, frame := range u.Payload {
		for _, p := range w.pay.Payload(rtpMTU, frame) {
			n, err := w.write(rtp.Packet{Header: rtp.Header{Marker: false, Timestamp: ts}, Payload: p})
			if err != nil {
				return sent, err
			}
			sent += n
			if w.codec != media.Opus {
				ts += uint32(len(p)) // G.711: one byte per sample
			}
		}
		if w.codec == media.Opus {
			ts += opusSamples(frame)
		}
	}
	return sent, nil
}

// opusSamples is the duration of an Opus packet in 48 kHz samples (RFC 6716
// section 3.1), 960 (20 ms) when the packet is too short to tell.
func opusSamples(p []byte) uint32 {
	if len(p) == 0 {
		return 960
	}
	toc := p[0]
	cfg := toc >> 3
	var frame uint32 // samples per frame at 48 kHz
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = [4]uint32{480, 960, 1920, 2880}[cfg&3]
	case cfg < 16: // hybrid: 10, 20 ms
		frame = [2]uint32{480, 960}[cfg&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [4]uint32{120, 240, 480, 960}[cfg&3]
	}
	switch toc & 3 {
	case 0:
		return frame
	case 1, 2:
		return 2 * frame
	}
	if len(p) < 2 {
		return 960
	}
	return frame * uint32(p[1]&0x3f)
}
