// Package fmp4live packages a live camera stream as fragmented MP4 for a
// browser's MediaSource: an init segment, then one small fragment per
// access unit, so the player is at most a frame behind what it was sent.
// It carries the video track and, when the camera has one, an AAC or Opus
// audio track (what browsers decode in MP4; G.711 they do not: AudioNote
// says so), passes the bitstream through unchanged (the SEI identity stamp
// included) and knows nothing of users or sockets.
package fmp4live

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/opus"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"

	"github.com/hearthnvr/hearth/streams/media"
)

const (
	trackID      = 1
	audioTrackID = 2
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
	Codec     string // RFC 6381 codecs of the Init that follows: the video's, then the audio's if carried ("avc1.42c01e,mp4a.40.2")
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

	// Audio, when the init carries it: the source track, its timescale
	// (the sample rate), and the output time of the end of the last
	// audio sample (audio timescale).
	audio     int // index into info.Tracks, -1 when no audio is carried
	audioRate int64
	audioNext int64
	audioOn   bool // audioNext is set
}

// NewMuxer returns a Muxer waiting for its first keyframe.
func NewMuxer() *Muxer { return &Muxer{waitKey: true, lastDur: defaultDur, audio: -1} }

// carriedAudio returns the index of the audio track of info the muxer
// carries (the first AAC or Opus track), or -1.
func carriedAudio(info *media.StreamInfo) int {
	for i, t := range info.Tracks {
		switch t.Codec {
		case media.AAC:
			var asc mpeg4audio.AudioSpecificConfig
			if asc.Unmarshal(t.AACConfig) == nil && asc.SampleRate > 0 {
				return i
			}
		case media.Opus:
			return i
		}
	}
	return -1
}

// AudioNote says why the audio of info is not carried, or "" when it is
// (or when there is none): the words the player shows.
func AudioNote(info *media.StreamInfo) string {
	if info == nil || carriedAudio(info) >= 0 {
		return ""
	}
	for _, t := range info.Tracks {
		switch t.Codec {
		case media.PCMU, media.PCMA:
			return "G.711 audio is not played in this view: browsers do not decode G.711 in MP4 (the WebRTC view plays it)"
		case media.AAC:
			return "AAC audio is not played: its configuration is missing or unreadable"
		}
	}
	return ""
}

// Write adds u. Units before the first keyframe (of the stream, or after
// a parameter change) and units of tracks not carried are dropped.
func (m *Muxer) Write(u *media.Unit) (Output, error) {
	var out Output
	if u.Info == nil {
		return out, nil
	}
	if u.Track != u.Info.Video() {
		if u.Info == m.info && u.Track == m.audio && !m.waitKey && m.started {
			return out, m.writeAudio(&out, u)
		}
		return out, nil
	}
	if u.Info != m.info {
		if m.info == nil || !sameParams(m.info, u.Info) {
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
			m.audio, m.audioOn = carriedAudio(u.Info), false
			var at *media.Track
			if m.audio >= 0 {
				at = &u.Info.Tracks[m.audio]
				ac, err := audioCodec(*at)
				if err != nil {
					return out, err
				}
				codec += "," + ac
			}
			init, err := m.init(t, at)
			if err != nil {
				return out, err
			}
			out.Codec, out.Init = codec, init
			m.waitKey = false
		}
		m.info = u.Info
		m.audio = carriedAudio(u.Info)
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

func (m *Muxer) init(t media.Track, audio *media.Track) ([]byte, error) {
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
	if audio != nil {
		at := &fmp4.InitTrack{ID: audioTrackID}
		switch audio.Codec {
		case media.AAC:
			var asc mpeg4audio.AudioSpecificConfig
			if err := asc.Unmarshal(audio.AACConfig); err != nil {
				return nil, fmt.Errorf("fmp4 init: AAC config: %w", err)
			}
			at.TimeScale, at.Codec = uint32(asc.SampleRate), &codecs.MPEG4Audio{Config: asc}
		case media.Opus:
			at.TimeScale, at.Codec = 48000, &codecs.Opus{ChannelCount: max(1, audio.Channels)}
		}
		m.audioRate = int64(at.TimeScale)
		in.Tracks = append(in.Tracks, at)
	}
	m.buf.Reset()
	if err := in.Marshal(&m.buf); err != nil {
		return nil, fmt.Errorf("fmp4 init: %w", err)
	}
	return bytes.Clone(m.buf.Bytes()), nil
}

// sameParams reports whether a and b make the same init: the same video
// parameters and the same carried audio.
func sameParams(a, b *media.StreamInfo) bool {
	va, vb := a.Tracks[a.Video()], b.Tracks[b.Video()]
	if va.Codec != vb.Codec || !bytes.Equal(va.SPS, vb.SPS) || !bytes.Equal(va.PPS, vb.PPS) || !bytes.Equal(va.VPS, vb.VPS) {
		return false
	}
	ia, ib := carriedAudio(a), carriedAudio(b)
	if ia < 0 || ib < 0 {
		return ia == ib
	}
	x, y := a.Tracks[ia], b.Tracks[ib]
	return x.Codec == y.Codec && x.Channels == y.Channels && bytes.Equal(x.AACConfig, y.AACConfig)
}

// audioCodec returns the RFC 6381 codecs parameter of a carried audio
// track: "mp4a.40.<object type>" for AAC, "opus".
func audioCodec(t media.Track) (string, error) {
	if t.Codec == media.Opus {
		return "opus", nil
	}
	var asc mpeg4audio.AudioSpecificConfig
	if err := asc.Unmarshal(t.AACConfig); err != nil {
		return "", fmt.Errorf("codec string: AAC config: %w", err)
	}
	return fmt.Sprintf("mp4a.40.%d", asc.Type), nil
}

// writeAudio writes audio unit u as a fragment of its own at once (its
// frames have known durations), on the video's output timeline: the unit's
// media time shifted by the video's offset. Audio that would overlap what
// was written (a reconnect's rebase) is dropped.
func (m *Muxer) writeAudio(out *Output, u *media.Unit) error {
	rate := m.audioRate
	src := int64(u.Info.Tracks[u.Track].ClockRate)
	if rate <= 0 || src <= 0 || len(u.Payload) == 0 {
		return nil
	}
	at := (u.DTS*media.VideoClockRate/src + m.offset) * rate / media.VideoClockRate
	if m.audioOn {
		switch d := at - m.audioNext; {
		case d < -rate/10:
			return nil // overlaps: dropped rather than written back in time
		case d < rate/100:
			at = m.audioNext // jitter of the source's timestamps: no gap, no overlap
		}
	}
	if at < 0 {
		return nil
	}
	samples := make([]*fmp4.Sample, 0, len(u.Payload))
	next := at
	for _, f := range u.Payload {
		d := int64(mpeg4audio.SamplesPerAccessUnit)
		if u.Info.Tracks[u.Track].Codec == media.Opus {
			if d = opus.PacketDuration2(f); d <= 0 {
				continue
			}
		}
		samples = append(samples, &fmp4.Sample{Duration: uint32(d), Payload: f})
		next += d
	}
	if len(samples) == 0 {
		return nil
	}
	m.seq++
	part := fmp4.Part{SequenceNumber: m.seq, Tracks: []*fmp4.PartTrack{{ID: audioTrackID, BaseTime: uint64(at), Samples: samples}}}
	m.buf.Reset()
	if err := part.Marshal(&m.buf); err != nil {
		return fmt.Errorf("fmp4 audio fragment: %w", err)
	}
	out.Fragments = append(out.Fragments, bytes.Clone(m.buf.Bytes()))
	m.audioNext, m.audioOn = next, true
	return nil
}
