// Package media holds the vocabulary every streams package shares: codecs,
// track descriptions and access units. It knows nothing of users or
// households; the camera identity it carries is an opaque string set by the
// source from its own configuration, never looked up.
package media

import "time"

// Codec names a media codec.
type Codec string

// Codecs Hearth carries. Video is passed through, never transcoded.
const (
	H264 Codec = "h264"
	H265 Codec = "h265"
	AAC  Codec = "aac"  // MPEG-4 Audio
	PCMU Codec = "pcmu" // G.711 µ-law
	PCMA Codec = "pcma" // G.711 A-law
	Opus Codec = "opus"
)

// IsVideo reports whether c is a video codec.
func (c Codec) IsVideo() bool { return c == H264 || c == H265 }

// VideoClockRate is the RTP clock of every video track: media time of video
// is always in 90 kHz units.
const VideoClockRate = 90000

// Track describes one elementary stream of a camera stream.
type Track struct {
	Codec     Codec
	ClockRate int // units of Unit.PTS/DTS per second (90000 for video)

	// Video.
	Width, Height int
	FPS           float64 // from the SPS timing info when present, else 0
	VPS, SPS, PPS []byte  // current parameter sets (VPS: H.265 only), no start codes

	// Audio.
	Channels   int
	SampleRate int
	AACConfig  []byte // MPEG-4 AudioSpecificConfig, for AAC
}

// StreamInfo is an immutable snapshot of a camera stream's tracks. A source
// makes a new one when the tracks change (a reconnect, a new SPS), so a
// subscriber notices a change by comparing pointers.
type StreamInfo struct {
	CameraID string // the camera's immutable ID, from the source's configuration
	Stream   string // "main" or "sub"
	Tracks   []Track
}

// Video returns the index of the first video track, or -1.
func (s *StreamInfo) Video() int {
	for i, t := range s.Tracks {
		if t.Codec.IsVideo() {
			return i
		}
	}
	return -1
}

// Unit is one access unit: a whole video picture (all its slices) or a
// group of audio frames. Units are immutable once published: the hub hands
// the same *Unit to every subscriber, so nobody may modify one.
type Unit struct {
	Info  *StreamInfo // the tracks this unit belongs to; carries the camera ID
	Track int         // index into Info.Tracks

	// PTS and DTS are media time in Info.Tracks[Track].ClockRate units,
	// unwrapped from 32-bit RTP time and starting near 0 at session start.
	PTS, DTS int64
	// Wall is the wall-clock capture time: the session's wall anchor plus
	// the media time elapsed since it (RTCP sender reports when available).
	Wall time.Time

	Key     bool     // video: a random access point (IDR/IRAP with parameter sets available)
	NALUs   [][]byte // video: the picture's NAL units, without start codes
	Payload [][]byte // audio: frames (AAC access units, G.711 bytes, Opus packets)
}

// CameraID returns the ID of the camera the unit came from.
func (u *Unit) CameraID() string { return u.Info.CameraID }

// Size returns the unit's payload size in bytes.
func (u *Unit) Size() int {
	n := 0
	for _, b := range u.NALUs {
		n += len(b)
	}
	for _, b := range u.Payload {
		n += len(b)
	}
	return n
}
