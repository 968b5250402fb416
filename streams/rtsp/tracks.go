package rtsp

import (
	"fmt"
	"strings"

	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"

	"github.com/hearthnvr/hearth/streams/media"
)

// selection is the media chosen from a DESCRIBE answer.
type selection struct {
	video      *description.Media
	videoForma format.Format // *format.H264 or *format.H265
	audio      *description.Media
	audioForma format.Format // *format.MPEG4Audio, *format.G711 or *format.Opus
	audioTrack media.Track
}

// selectTracks picks the first H.264/H.265 video format and the first
// supported audio format. With no usable video it returns an error naming
// the codecs that were offered.
func selectTracks(desc *description.Session) (selection, error) {
	var sel selection
	var offered []string
	for _, m := range desc.Medias {
		for _, f := range m.Formats {
			switch f := f.(type) {
			case *format.H264:
				if sel.video == nil && (f.PacketizationMode == 0 || f.PacketizationMode == 1) {
					sel.video, sel.videoForma = m, f
				}
			case *format.H265:
				if sel.video == nil {
					sel.video, sel.videoForma = m, f
				}
			case *format.MPEG4Audio:
				if sel.audio == nil && f.Config != nil {
					ch := int(f.Config.ChannelConfig)
					if ch == 7 {
						ch = 8
					}
					cfg, err := f.Config.Marshal()
					if err == nil {
						sel.audio, sel.audioForma = m, f
						sel.audioTrack = media.Track{Codec: media.AAC, ClockRate: f.ClockRate(),
							SampleRate: f.Config.SampleRate, Channels: ch, AACConfig: cfg}
					}
				}
			case *format.G711:
				if sel.audio == nil {
					codec := media.PCMA
					if f.MULaw {
						codec = media.PCMU
					}
					sel.audio, sel.audioForma = m, f
					sel.audioTrack = media.Track{Codec: codec, ClockRate: f.ClockRate(),
						SampleRate: f.SampleRate, Channels: f.ChannelCount}
				}
			case *format.Opus:
				if sel.audio == nil {
					sel.audio, sel.audioForma = m, f
					sel.audioTrack = media.Track{Codec: media.Opus, ClockRate: f.ClockRate(),
						SampleRate: 48000, Channels: f.ChannelCount}
				}
			}
			if m.Type == description.MediaTypeVideo || m.Type == description.MediaTypeAudio {
				offered = append(offered, fmt.Sprintf("%s %s", m.Type, codecName(f)))
			}
		}
	}
	if sel.video == nil {
		if len(offered) == 0 {
			return sel, fmt.Errorf("no video track")
		}
		return sel, fmt.Errorf("no H.264/H.265 video track; camera offers %s", strings.Join(offered, ", "))
	}
	if sel.audio != nil && sel.audio == sel.video {
		sel.audio = nil // one media carrying both is not something cameras do
	}
	return sel, nil
}

// codecName names a format for messages, with the SDP rtpmap when the
// library does not know the codec.
func codecName(f format.Format) string {
	switch f := f.(type) {
	case *format.Generic:
		if f.RTPMa != "" {
			return f.RTPMa
		}
	case *format.MJPEG:
		return "M-JPEG"
	case *format.MPEG4Video:
		return "MPEG-4 Video"
	case *format.MPEG1Video:
		return "MPEG-1/2 Video"
	case *format.AV1:
		return "AV1"
	case *format.VP8:
		return "VP8"
	case *format.VP9:
		return "VP9"
	case *format.H264:
		return "H264"
	case *format.H265:
		return "H265"
	}
	if m := f.RTPMap(); m != "" {
		return m
	}
	return fmt.Sprintf("RTP payload type %d", f.PayloadType())
}
