package webrtc

import (
	"strings"

	"github.com/pion/sdp/v3"
)

// offerDesc is what a session needs from the viewer's SDP offer, read from
// one parse of the offer text with pion's sdp/v3. Pion parses the text again
// inside SetRemoteDescription, but its copy is not read here: its
// RemoteDescription().Unmarshal() caches into the description pion itself
// reads, a data race (-race caught it). Immutable once parsed, so Trickle
// reads it without a lock.
type offerDesc struct {
	offerCaps
	// ufrag and pwd are the offer's ICE credentials: the first of each
	// (session level, or the first m= section; with BUNDLE all sections
	// share them).
	ufrag, pwd string
}

// offerCaps is what an offer can receive.
type offerCaps struct {
	video, audio           bool
	h265, opus, pcmu, pcma bool
}

// parseOffer parses an SDP offer. An offer that sdp/v3 refuses is one pion
// would refuse too (it parses with the same package).
func parseOffer(text string) (offerDesc, error) {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(text); err != nil {
		return offerDesc{}, err
	}
	var o offerDesc
	o.ice(d.Attributes)
	for _, m := range d.MediaDescriptions {
		section := m.MediaName.Media
		o.video = o.video || section == "video"
		o.audio = o.audio || section == "audio"
		o.ice(m.Attributes)
		for _, a := range m.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			_, enc, _ := strings.Cut(a.Value, " ")
			enc = strings.ToLower(strings.TrimSpace(enc))
			switch {
			case section == "video" && strings.HasPrefix(enc, "h265/"):
				o.h265 = true
			case section == "audio" && strings.HasPrefix(enc, "opus/48000"):
				o.opus = true
			case section == "audio" && enc == "pcmu/8000":
				o.pcmu = true
			case section == "audio" && enc == "pcma/8000":
				o.pcma = true
			}
		}
	}
	return o, nil
}

// ice keeps the first non-empty ice-ufrag and ice-pwd among attrs.
func (o *offerDesc) ice(attrs []sdp.Attribute) {
	for _, a := range attrs {
		v := strings.TrimSpace(a.Value)
		switch {
		case a.Key == "ice-ufrag" && o.ufrag == "":
			o.ufrag = v
		case a.Key == "ice-pwd" && o.pwd == "":
			o.pwd = v
		}
	}
}
