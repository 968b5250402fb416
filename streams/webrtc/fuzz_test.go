package webrtc_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/webrtc"
	"github.com/hearthnvr/hearth/streams/webrtc/webrtctest"
)

// FuzzOffer sends arbitrary SDP offers through the real session set-up (the
// offer scan, codec choice and pion's parser). It must never panic, and
// anything that is not a usable offer must come back as ErrOffer or
// ErrCodec (the WHEP route's 400 and 406), never as a session.
func FuzzOffer(f *testing.F) {
	e := newEngine(f)
	feed := startFeed(f, "f022", 10, 10)
	feed.waitInfo(f)
	c, err := webrtctest.New(webrtctest.Options{})
	if err != nil {
		f.Fatal(err)
	}
	offer, err := c.Offer()
	c.Close()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(offer)
	for _, s := range []string{
		"", "\x00", "v=0", "o= 0 0   ", "m=video", "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/0\r\n",
		"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\n",
		"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP\r\na=rtpmap:\r\na=fmtp:96 =\"\r\n",
		"a=rtpmap:96 H265/90000\nm=audio 9 x 0\na=rtpmap:0 PCMU/8000\n",
		strings.Replace(offer, "H264/90000", "H264/0", -1), strings.Replace(offer, "a=fingerprint", "a=fingerprint:sha-256 ZZ", 1),
		strings.Replace(offer, "a=ice-ufrag", "a=x", -1), offer[:len(offer)/2], strings.Replace(offer, "\r\n", "\n", -1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sdp string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, answer, err := e.NewSession(ctx, webrtc.SessionConfig{Offer: sdp, Source: webrtc.NewHubSource(feed.hub),
			ConnectTimeout: 200 * time.Millisecond})
		if err == nil {
			if s == nil || !strings.Contains(answer, "m=video") {
				t.Fatalf("session %v with answer %q", s, answer)
			}
			s.Close()
			return
		}
		if s != nil {
			t.Fatalf("a session came back with error %v", err)
		}
		if !errors.Is(err, webrtc.ErrOffer) && !errors.Is(err, webrtc.ErrCodec) {
			t.Fatalf("offer refused with an unexpected error kind: %v", err)
		}
	})
}
