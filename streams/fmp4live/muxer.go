// Package fmp4live packages a live camera stream as fragmented MP4 for a
// browser's MediaSource: an init segment, then one small fragment per
// access unit, so the player is at most a frame behind what it was sent.
// It carries the video track only (audio is not sent), passes the
// bitstream through unchanged (the SEI identity stamp included) and knows
// nothing of users or sockets.
package fmp4live

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"

	"github.com/hearthnvr/hearth/streams/media"
)

const (
	trackID = 1
	// maxStep is the largest DTS step kept as is; a larger one, or a step
	// back, is a discontinuity (a reconnect) and the output timeline just
	// continues.
	maxStep = 10 * media.VideoClockRate
	// defaultDur is a frame's duration before a real one is known (30 fps).
	defaultDur = media.VideoClockRate / 30
)

// Output is what to send to the player for one unit, in order: when Codec
// is set, tell the player the (new) codec; then Init, if any; then the
// fragments.
type Output struct {
	Codec     string // RFC 6381 codec of the Init that follows
	Init      []byte
	Fragments [][]byte
}

// Muxer turns the units of one camera stream into fMP4. A fragment is
// written when the next unit arrives (its DTS gives the exact duration, so
// the buffered media has no holes), i.e. one frame late. Output timestamps
// start at 0 and never go backwards, also across reconnects. A StreamInfo
// with other parameter sets starts a new init segment at the next keyframe.
// Not safe for concurrent use.
type Muxer struct {
	info    *media.StreamInfo
	waitKey bool
	pend    *media.Unit // written when the next unit gives its duration
	pendOut int64       // output DTS of pend
	offset  int64       // output DTS = unit DTS + offset
	lastDur int64
	rebase  bool
	started bool
	seq     uint32
	buf     seekablebuffer.Buffer
}

// NewMuxer returns a Muxer waiting for its first keyframe.
func NewMuxer() *Muxer { return &Muxer{waitKey: true, lastDur: defaultDur} }

// Write adds u. Units before the first keyframe (of the stream, or after
// a parameter change) and non-video units are dropped.
func (m *Muxer) Write(u *media.Unit) (Output, error) {
	var out Output
	if u.Info == nil || u.Track != u.Info.Video() {
		return out, nil
	}
	if u.Info != m.info {
		if m.info == nil || !sameParams(m.info.Tracks[m.info.Video()], u.Info.Tracks[u.Track]) {
			if !u.Key {
				return out, nil // the new parameters start at a keyframe
			}
			if err := m.flush(&out, m.lastDur); err != nil {
				return out, err
			}
			t := u.Info.Tracks[u.Track]
			codec, err := Codec(t)
			if err != nil {
				return out, err
			}
			init, err := m.init(t)
			if err != nil {
				return out, err
			}
			out.Codec, out.Init = codec, init
			m.waitKey = false
		}
		m.info = u.Info
		m.rebase = true // a new source session: its DTS may start anew
	}
	if m.waitKey && !u.Key {
		return out, nil
	}
	m.waitKey = false
	dts := u.DTS + m.offset
	if !m.started || m.rebase || dts <= m.pendOut || dts-m.pendOut > maxStep {
		next := int64(0)
		if m.started {
			next = m.pendOut + m.lastDur
		}
		m.offset = next - u.DTS
		dts = next
		m.rebase = false
	}
	m.started = true
	if m.pend != nil {
		if err := m.flush(&out, dts-m.pendOut); err != nil {
			return out, err
		}
	}
	m.pend, m.pendOut = u, dts
	return out, nil
}

// flush writes the pending unit as a fragment of duration dur.
func (m *Muxer) flush(out *Output, dur int64) error {
	u := m.pend
	if u == nil {
		return nil
	}
	m.pend = nil
	m.lastDur = dur
	payload, err := h264.AVCC(u.NALUs).Marshal() // the same length framing for H.265
	if err != nil {
		return fmt.Errorf("fmp4 fragment: %w", err)
	}
	m.seq++
	part := fmp4.Part{SequenceNumber: m.seq, Tracks: []*fmp4.PartTrack{{
		ID:       trackID,
		BaseTime: uint64(m.pendOut),
		Samples: []*fmp4.Sample{{
			Duration:        uint32(dur),
			PTSOffset:       int32(u.PTS - u.DTS),
			IsNonSyncSample: !u.Key,
			Payload:         payload,
		}},
	}}}
	m.buf.Reset()
	if err := part.Marshal(&m.buf); err != nil {
		return fmt.Errorf("fmp4 fragment: %w", err)
	}
	out.Fragments = append(out.Fragments, bytes.Clone(m.buf.Bytes()))
	return nil
}

func (m *Muxer) init(t media.Track) ([]byte, error) {
	var c codecs.Codec
	switch t.Codec {
	case media.H264:
		c = &codecs.H264{SPS: t.SPS, PPS: t.PPS}
	case media.H265:
		c = &codecs.H265{VPS: t.VPS, SPS: t.SPS, PPS: t.PPS}
	default:
		return nil, fmt.Errorf("fmp4 init: codec %q", t.Codec)
	}
	in := fmp4.Init{Tracks: []*fmp4.InitTrack{{ID: trackID, TimeScale: media.VideoClockRate, Codec: c}}}
	m.buf.Reset()
	if err := in.Marshal(&m.buf); err != nil {
		return nil, fmt.Errorf("fmp4 init: %w", err)
	}
	return bytes.Clone(m.buf.Bytes()), nil
}

func sameParams(a, b media.Track) bool {
	return a.Codec == b.Codec && bytes.Equal(a.SPS, b.SPS) && bytes.Equal(a.PPS, b.PPS) && bytes.Equal(a.VPS, b.VPS)
}
