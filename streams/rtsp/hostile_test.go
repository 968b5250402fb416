package rtsp

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	rtpcodecs "github.com/pion/rtp/codecs"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// hostileSession is one scripted RTSP session over TCP: the replies to
// OPTIONS, DESCRIBE, SETUP and PLAY, then interleaved RTP frames. A test
// mutates any part of it; the client must fail cleanly or play, never
// panic, hang or mislabel media.
type hostileSession struct {
	replies map[string]string // by method; "{cseq}" is replaced by the CSeq
	frames  [][]byte          // interleaved frames sent after PLAY ("$", channel, length, packet)
}

// validSession scripts a session that plays: a simulated camera's first
// GOP, H.264 packetized by pion's payloader into single NAL units and FU-As.
func validSession(t *testing.T) hostileSession {
	t.Helper()
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: idA, Width: 512, Height: 224, GOP: 5, FPS: 25})
	if err != nil {
		t.Fatal(err)
	}
	sprop := base64.StdEncoding.EncodeToString(cam.SPS()) + "," + base64.StdEncoding.EncodeToString(cam.PPS())
	sdp := sdpHead + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" +
		"a=fmtp:96 packetization-mode=1;sprop-parameter-sets=" + sprop + "\r\na=control:trackID=0\r\n"
	s := hostileSession{replies: map[string]string{
		"OPTIONS": "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n",
		"DESCRIBE": "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Type: application/sdp\r\nContent-Base: rtsp://127.0.0.1/cam/\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(sdp)) + sdp,
		"SETUP":    "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 12345678;timeout=60\r\n\r\n",
		"PLAY":     "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nSession: 12345678\r\nRange: npt=0.000-\r\n\r\n",
		"TEARDOWN": "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n\r\n",
	}}
	pk := rtp.NewPacketizer(1200, 96, 0x1234, &rtpcodecs.H264Payloader{}, rtp.NewRandomSequencer(), 90000)
	for range 10 {
		au, err := cam.Next()
		if err != nil {
			t.Fatal(err)
		}
		var annexB []byte
		for _, n := range au.NALUs {
			annexB = append(annexB, 0, 0, 0, 1)
			annexB = append(annexB, n...)
		}
		for _, p := range pk.Packetize(annexB, 90000/25) {
			b, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			s.frames = append(s.frames, interleaved(0, b))
		}
	}
	return s
}

func interleaved(channel byte, pkt []byte) []byte {
	out := []byte{'$', channel, 0, 0}
	binary.BigEndian.PutUint16(out[2:], uint16(len(pkt)))
	return append(out, pkt...)
}

// rtpFrame is an interleaved RTP packet with the given H.264 payload.
func rtpFrame(seq uint16, marker bool, payload []byte) []byte {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: 9000, SSRC: 0x1234, Marker: marker}, Payload: payload}
	b, _ := p.Marshal()
	return interleaved(0, b)
}

// serveHostile serves s to every connection on 127.0.0.1:0 until the test
// ends. After the last frame the connection stays open and silent, so a
// client that played ends by its read timeout.
func serveHostile(t *testing.T, s hostileSession) string {
	t.Helper()
	return serveTCP(t, s.serve)
}

func (s hostileSession) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	for range 16 { // requests per connection
		method, cseq, ok := readRequest(r)
		if !ok {
			return
		}
		reply, known := s.replies[method]
		if !known {
			reply = "RTSP/1.0 501 Not Implemented\r\nCSeq: {cseq}\r\n\r\n"
		}
		if _, err := c.Write([]byte(strings.ReplaceAll(reply, "{cseq}", cseq))); err != nil {
			return
		}
		if method == "PLAY" {
			for _, f := range s.frames {
				if _, err := c.Write(f); err != nil {
					return
				}
			}
		}
	}
}

// readRequest reads one request's method and CSeq; ok is false at EOF.
// Interleaved frames the client sends (RTCP receiver reports) are skipped.
func readRequest(r *bufio.Reader) (method, cseq string, ok bool) {
	for {
		b, err := r.Peek(1)
		if err != nil {
			return "", "", false
		}
		if b[0] != '$' {
			break
		}
		hdr := make([]byte, 4)
		if _, err := r.Read(hdr); err != nil {
			return "", "", false
		}
		if _, err := r.Discard(int(binary.BigEndian.Uint16(hdr[2:]))); err != nil {
			return "", "", false
		}
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return "", "", false
	}
	method, _, _ = strings.Cut(line, " ")
	cseq = "1"
	for {
		h, err := r.ReadString('\n')
		if err != nil {
			return "", "", false
		}
		h = strings.TrimSpace(h)
		if h == "" {
			return method, cseq, true
		}
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "CSeq") {
			cseq = strings.TrimSpace(v)
		}
	}
}

// mutate changes 1-4 random bytes of b: flips, inserts, deletes or a cut.
func mutate(rng *rand.Rand, b []byte) []byte {
	b = append([]byte(nil), b...)
	for range 1 + rng.IntN(4) {
		if len(b) == 0 {
			return b
		}
		i := rng.IntN(len(b))
		switch rng.IntN(5) {
		case 0:
			b[i] ^= byte(1 << rng.IntN(8))
		case 1:
			b[i] = byte(rng.IntN(256))
		case 2:
			b = append(b[:i], append([]byte{byte(rng.IntN(256))}, b[i:]...)...)
		case 3:
			b = append(b[:i], b[i+1:]...)
		case 4:
			b = b[:i]
		}
	}
	return b
}

// playHostile runs the client against s and checks the outcome: Run ends
// within the bound with a classified error, and every unit it delivered
// carries the configured camera's ID. It returns the video units delivered.
func playHostile(t *testing.T, s hostileSession, path string, readTimeout time.Duration) int {
	t.Helper()
	addr := serveHostile(t, s)
	c, err := New(Config{CameraID: idA, URL: "rtsp://" + addr + path, ReadTimeout: readTimeout})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 8 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var mu sync.Mutex
	var wrong []string
	video := 0
	start := time.Now()
	err = c.Run(ctx, func(u *media.Unit) {
		mu.Lock()
		if u.Info.Tracks[u.Track].Codec.IsVideo() {
			video++
		}
		mu.Unlock()
		if u.CameraID() != idA || (u.Info.Tracks[u.Track].Codec.IsVideo() && len(u.NALUs) == 0) {
			mu.Lock()
			wrong = append(wrong, fmt.Sprintf("camera %q, %d NAL units", u.CameraID(), len(u.NALUs)))
			mu.Unlock()
		}
	})
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("client still running after %v (hang or busy loop)", took)
	}
	classes := []error{media.ErrAuth, media.ErrUnreachable, media.ErrUnsupported, media.ErrNoMedia, media.ErrProtocol}
	classified := false
	for _, k := range classes {
		classified = classified || errors.Is(err, k)
	}
	if !classified {
		t.Errorf("Run = %v after %v; want one of the classified errors", err, took)
	}
	if len(wrong) > 0 {
		t.Errorf("units with the wrong identity or no data: %v", wrong)
	}
	return video
}

// TestHostileServer plays sessions known to have broken RTSP stacks, then
// random mutations of a valid session (fixed seeds, so a failure repeats).
func TestHostileServer(t *testing.T) {
	t.Parallel()
	base := validSession(t)
	t.Run("valid", func(t *testing.T) {
		// The script itself plays: the mutations start from a working session.
		// A generous timeout: on a loaded machine (or under -race) the
		// client must not give up between the replies.
		if n := playHostile(t, base, "/cam", 3*time.Second); n < 5 {
			t.Fatalf("valid session delivered %d video units, want at least 5", n)
		}
	})

	with := func(method string, edit func(string) string) hostileSession {
		s := hostileSession{replies: make(map[string]string), frames: base.frames}
		for k, v := range base.replies {
			s.replies[k] = v
		}
		s.replies[method] = edit(s.replies[method])
		return s
	}
	withFrames := func(frames ...[]byte) hostileSession {
		return hostileSession{replies: base.replies, frames: frames}
	}
	sps, pps := base.frames[0], base.frames[1] // single NAL unit packets
	known := []struct {
		name string
		s    hostileSession
		path string
	}{
		{"content-length-negative", with("DESCRIBE", func(r string) string {
			return strings.Replace(r, "Content-Length: ", "Content-Length: -", 1)
		}), "/cam"},
		{"quote-in-header", with("SETUP", func(r string) string {
			return strings.Replace(r, "Session: 12345678;timeout=60", `Session: ="`, 1)
		}), "/cam"},
		{"empty-origin-fields", with("DESCRIBE", func(r string) string {
			return strings.Replace(r, "o=- 0 0 IN IP4 127.0.0.1", "o= 0 0  ", 1)
		}), "/cam"},
		{"clock-rate-zero", with("DESCRIBE", func(r string) string {
			return strings.Replace(r, "H264/90000", "H264/0", 1)
		}), "/cam"},
		{"empty-path", base, ""},
		{"truncated-fu-a", withFrames(sps, pps, rtpFrame(1, false, []byte{0x7c, 0x85}),
			rtpFrame(2, true, []byte{0x7c})), "/cam"},
		{"empty-nal-unit", withFrames(sps, pps, rtpFrame(1, true, nil),
			rtpFrame(2, true, []byte{0x18, 0, 0, 0, 0})), "/cam"},
		{"interleaved-length-beyond-packet", withFrames(sps, pps, []byte{'$', 0, 0xff, 0xff, 0x80}), "/cam"},
	}
	for _, tc := range known {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			playHostile(t, tc.s, tc.path, 400*time.Millisecond)
		})
	}

	// Random mutations: of one reply, or of the media.
	rounds := 120
	if testing.Short() {
		rounds = 30
	}
	methods := []string{"OPTIONS", "DESCRIBE", "SETUP", "PLAY"}
	for i := range rounds {
		rng := rand.New(rand.NewPCG(uint64(i), 0x4ea27))
		var s hostileSession
		if i%2 == 0 {
			m := methods[rng.IntN(len(methods))]
			s = with(m, func(r string) string { return string(mutate(rng, []byte(r))) })
		} else {
			frames := make([][]byte, len(base.frames))
			copy(frames, base.frames)
			for range 1 + rng.IntN(3) {
				j := rng.IntN(len(frames))
				frames[j] = mutate(rng, frames[j])
			}
			s = withFrames(frames...)
		}
		t.Run(fmt.Sprintf("mutation-%d", i), func(t *testing.T) {
			t.Parallel()
			playHostile(t, s, "/cam", 400*time.Millisecond)
		})
	}
}
