package rtsp

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// fakeServer is a tiny TCP server on 127.0.0.1:0 that answers each RTSP
// request with reply(method, cseq); an empty reply sends nothing. It stops
// with the test.
func fakeServer(t *testing.T, reply func(method, cseq string) string) string {
	t.Helper()
	return serveTCP(t, func(c net.Conn) { serveFake(c, reply) })
}

// serveTCP runs handle for every connection to a listener on 127.0.0.1:0
// until the test ends, then closes the connections and waits for handle.
func serveTCP(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { handle(c) })
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

func serveFake(c net.Conn, reply func(method, cseq string) string) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		method, _, _ := strings.Cut(line, " ")
		cseq := "1"
		for {
			h, err := r.ReadString('\n')
			if err != nil {
				return
			}
			h = strings.TrimSpace(h)
			if h == "" {
				break
			}
			if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "CSeq") {
				cseq = strings.TrimSpace(v)
			}
		}
		if out := reply(method, cseq); out != "" {
			if _, err := c.Write([]byte(out)); err != nil {
				return
			}
		}
	}
}

// describeReply answers OPTIONS normally and DESCRIBE with the given
// headers and body.
func describeReply(headers, body string) func(method, cseq string) string {
	return func(method, cseq string) string {
		switch method {
		case "OPTIONS":
			return "RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n"
		case "DESCRIBE":
			return "RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\n" + headers + "\r\n" + body
		}
		return "RTSP/1.0 501 Not Implemented\r\nCSeq: " + cseq + "\r\n\r\n"
	}
}

func sdpReply(body string) func(method, cseq string) string {
	return describeReply(fmt.Sprintf("Content-Type: application/sdp\r\nContent-Length: %d\r\n", len(body)), body)
}

const sdpHead = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"

func TestFaults(t *testing.T) {
	t.Parallel()
	// Bounds below are generous multiples: they catch hangs and busy loops,
	// not speed, so a loaded machine does not fail them.
	const timeout = 600 * time.Millisecond
	refused := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cases := []struct {
		name  string
		addr  func(t *testing.T) string
		kind  error
		inMsg string // a substring the error must contain
		max   time.Duration
	}{
		{"refused", func(*testing.T) string { return refused }, media.ErrUnreachable, "refused", 3 * time.Second},
		{"silent", func(t *testing.T) string { return fakeServer(t, func(string, string) string { return "" }) },
			media.ErrUnreachable, "", 6 * timeout},
		{"garbage", func(t *testing.T) string {
			return fakeServer(t, func(string, string) string { return "\x00\xffHTTP/9 what\r\n\x01\x02garbage\r\n\r\n" })
		}, media.ErrProtocol, "", 6 * timeout},
		{"content-length-negative", func(t *testing.T) string {
			return fakeServer(t, describeReply("Content-Type: application/sdp\r\nContent-Length: -1\r\n", "v=0\r\n"))
		}, media.ErrProtocol, "", 6 * timeout},
		{"content-length-huge", func(t *testing.T) string {
			return fakeServer(t, describeReply("Content-Type: application/sdp\r\nContent-Length: 999999999\r\n", "v=0\r\n"))
		}, media.ErrProtocol, "", 6 * timeout},
		{"sdp-broken", func(t *testing.T) string {
			return fakeServer(t, sdpReply("v=0\r\nm=video notaport RTP/AVP x\r\na=rtpmap:\r\n"))
		}, media.ErrProtocol, "", 6 * timeout},
		{"sdp-not-sdp", func(t *testing.T) string {
			return fakeServer(t, describeReply("Content-Type: text/html\r\nContent-Length: 5\r\n", "hello"))
		}, media.ErrProtocol, "", 6 * timeout},
		{"garbage-rtsp-like", func(t *testing.T) string {
			return fakeServer(t, func(string, string) string { return "RTSP/1.0 abc def\r\nCSeq 1\r\n\r\n" })
		}, media.ErrProtocol, "", 6 * timeout},
		{"sdp-no-media", func(t *testing.T) string { return fakeServer(t, sdpReply(sdpHead)) },
			media.ErrProtocol, "no media", 6 * timeout},
		{"mjpeg", func(t *testing.T) string {
			return fakeServer(t, sdpReply(sdpHead+"m=video 0 RTP/AVP 26\r\na=control:trackID=0\r\n"))
		}, media.ErrUnsupported, "M-JPEG", 6 * timeout},
		{"mpeg4-part2", func(t *testing.T) string {
			return fakeServer(t, sdpReply(sdpHead+"m=video 0 RTP/AVP 96\r\na=rtpmap:96 MP4V-ES/90000\r\n"+
				"a=fmtp:96 profile-level-id=1;config=000001B001000001B58913000001000000012000C48D8800F50A041E1463000001B24C61766335382E3133342E313030\r\na=control:trackID=0\r\n"))
		}, media.ErrUnsupported, "MPEG-4 Video", 6 * timeout},
		{"h264-mode2", func(t *testing.T) string {
			return fakeServer(t, sdpReply(sdpHead+"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"+
				"a=fmtp:96 packetization-mode=2\r\na=control:trackID=0\r\n"))
		}, media.ErrUnsupported, "H264", 6 * timeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := tc.addr(t)
			took, err := runErr(t, Config{CameraID: idA, URL: "rtsp://" + addr + "/cam", ReadTimeout: timeout}, 10*time.Second)
			t.Logf("after %v: %v", took, err)
			requireKind(t, err, tc.kind)
			if !strings.Contains(err.Error(), tc.inMsg) {
				t.Errorf("error %q does not contain %q", err, tc.inMsg)
			}
			if took > tc.max {
				t.Errorf("took %v, want at most %v", took, tc.max)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	bad := []Config{
		{URL: "rtsp://h/p"},
		{CameraID: idA, URL: "http://h/p"},
		{CameraID: idA, URL: "rtsp://user:Canary-pw@h/p"},
		{CameraID: idA, URL: "rtsp:///p"},
		{CameraID: idA, URL: "rtsp://h/p", Transport: "sctp"},
		{CameraID: idA, URL: "rtsp://h/p", Stream: "third"},
	}
	for _, cfg := range bad {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		} else if strings.Contains(err.Error(), "Canary-pw") {
			t.Errorf("error leaks password: %v", err)
		}
	}
	if _, err := New(Config{CameraID: idA, URL: "rtsps://cam.local:322/s?token=x"}); err != nil {
		t.Fatal(err)
	}
	if got := redactedURL("rtsp://h:1/p?token=abc"); got != "rtsp://h:1/p?REDACTED" {
		t.Errorf("redactedURL = %q", got)
	}
}
