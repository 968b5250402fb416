package restream_test

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// rawClient is a minimal RTSP client over TCP with digest auth, for the
// things ffmpeg will not do on purpose (stop reading).
type rawClient struct {
	t           *testing.T
	c           *net.TCPConn
	r           *bufio.Reader
	user, token string
	nonce       string
	cseq        int
	session     string
}

func dialRaw(t *testing.T, addr, user, token string) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	tc := c.(*net.TCPConn)
	return &rawClient{t: t, c: tc, r: bufio.NewReader(tc), user: user, token: token}
}

// do sends one request (answering a digest challenge once) and returns the
// status line, headers and body.
func (rc *rawClient) do(method, uri string, hdr map[string]string) (string, map[string]string, string) {
	rc.t.Helper()
	for attempt := 0; attempt < 2; attempt++ {
		rc.cseq++
		req := fmt.Sprintf("%s %s RTSP/1.0\r\nCSeq: %d\r\n", method, uri, rc.cseq)
		for k, v := range hdr {
			req += k + ": " + v + "\r\n"
		}
		if rc.session != "" {
			req += "Session: " + rc.session + "\r\n"
		}
		if rc.nonce != "" {
			md := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
			resp := md(md(rc.user+":"+nvr.DigestRealm+":"+rc.token) + ":" + rc.nonce + ":" + md(method+":"+uri))
			req += fmt.Sprintf("Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\"\r\n",
				rc.user, nvr.DigestRealm, rc.nonce, uri, resp)
		}
		_ = rc.c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := rc.c.Write([]byte(req + "\r\n")); err != nil {
			rc.t.Fatal(err)
		}
		status, h, body := rc.read()
		if strings.Contains(status, "401") && rc.nonce == "" {
			m := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(h["www-authenticate"])
			if m == nil {
				rc.t.Fatalf("no challenge: %s %v", status, h)
			}
			rc.nonce = m[1]
			continue
		}
		if s := h["session"]; s != "" {
			rc.session, _, _ = strings.Cut(s, ";")
		}
		return status, h, body
	}
	rc.t.Fatalf("%s %s: refused after the challenge", method, uri)
	return "", nil, ""
}

func (rc *rawClient) read() (string, map[string]string, string) {
	rc.t.Helper()
	line, err := rc.r.ReadString('\n')
	if err != nil {
		rc.t.Fatal(err)
	}
	h := map[string]string{}
	n := 0
	for {
		l, err := rc.r.ReadString('\n')
		if err != nil {
			rc.t.Fatal(err)
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		k, v, _ := strings.Cut(l, ":")
		h[strings.ToLower(k)] = strings.TrimSpace(v)
		if strings.EqualFold(k, "Content-Length") {
			fmt.Sscan(strings.TrimSpace(v), &n)
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(rc.r, body); err != nil {
		rc.t.Fatal(err)
	}
	return strings.TrimSpace(line), h, string(body)
}

// TestRestreamSlowClient: a client that stops reading overflows its own
// queue and drops to the next keyframe (counted), while an ffmpeg client of
// the same camera plays on and ingest goes on (the camera keeps one
// upstream session).
func TestRestreamSlowClient(t *testing.T) {
	t.Parallel()
	cam := simcam.CameraConfig{Width: 640, Height: 368, FPS: 10, GOP: 10}
	w := newWorld(t, cam, cam)
	addr := w.rs.Addr().String()
	done := startFFmpeg(t, inputFile(t, w.url("ana", w.tokA, w.camA.ID)))
	waitFor(t, 20*time.Second, "ffmpeg playing", func() bool { return w.sessions.Count() == 1 })

	rc := dialRaw(t, addr, "ana", w.tokA)
	// A tiny receive window, then no reading at all after PLAY.
	if err := rc.c.SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	base := "rtsp://" + addr + "/cam/" + string(w.camA.ID)
	status, _, sdp := rc.do("DESCRIBE", base, map[string]string{"Accept": "application/sdp"})
	if !strings.Contains(status, "200") {
		t.Fatalf("DESCRIBE: %s", status)
	}
	control := regexp.MustCompile(`a=control:(\S+)`).FindAllStringSubmatch(sdp, -1)
	setupURI := base
	if len(control) > 0 {
		if c := control[len(control)-1][1]; strings.HasPrefix(c, "rtsp://") {
			setupURI = c
		} else if c != "*" {
			setupURI = base + "/" + c
		}
	}
	if status, _, _ := rc.do("SETUP", setupURI, map[string]string{"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}); !strings.Contains(status, "200") {
		t.Fatalf("SETUP %s: %s", setupURI, status)
	}
	if status, _, _ := rc.do("PLAY", base, nil); !strings.Contains(status, "200") {
		t.Fatalf("PLAY: %s", status)
	}
	waitFor(t, 10*time.Second, "two sessions", func() bool { return w.sessions.Count() == 2 })
	waitFor(t, 60*time.Second, "the slow client drops units", func() bool { return w.rs.Stats().DroppedUnits > 0 })
	t.Logf("dropped %d units for the slow client", w.rs.Stats().DroppedUnits)
	select {
	case <-done:
		t.Fatal("the fast client's ffmpeg ended")
	default:
	}
	if got := w.sim.Plays(1); got != 1 {
		t.Fatalf("camera played %d times, want 1", got)
	}
}
