package rtsp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// addrLog records the addresses a CheckAddr hook saw.
type addrLog struct {
	mu    sync.Mutex
	addrs []netip.Addr
}

func (l *addrLog) add(a netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addrs = append(l.addrs, a)
	return len(l.addrs)
}

func (l *addrLog) seen() []netip.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]netip.Addr(nil), l.addrs...)
}

const refusedMsg = "camera address resolves to this appliance; refused"

// TestCheckAddrRefusesBeforeConnect: a hook refusing loopback stops the
// session in the dialer, after resolution and before connect: the camera
// never sees a connection (so no DESCRIBE), and the error is the hook's,
// classed unreachable and matching ErrAddrRefused. A host name resolving
// to loopback is refused the same way: the hook sees the resolved address.
// An allowing hook streams, having seen the address dialed.
func TestCheckAddrRefusesBeforeConnect(t *testing.T) {
	t.Parallel()
	srv := startSimcam(t, simcam.ServerConfig{Cameras: []simcam.CameraConfig{{ID: idA, FPS: 25, GOP: 10}}})
	proxy, accepts := testpeer.CountingProxy(t, srv.Addr())
	_, port, _ := net.SplitHostPort(proxy)
	refuseLoopback := func(log *addrLog) func(netip.Addr) error {
		return func(a netip.Addr) error {
			log.add(a)
			if a.Unmap().IsLoopback() {
				return errors.New(refusedMsg)
			}
			return nil
		}
	}
	for _, tc := range []struct{ name, url, transport string }{
		{"address", "rtsp://" + proxy + "/cam/1", TransportTCP},
		{"name", "rtsp://localhost:" + port + "/cam/1", TransportTCP},
		{"udp", "rtsp://" + proxy + "/cam/1", TransportUDP},
		{"auto", "rtsp://localhost:" + port + "/cam/1", TransportAuto},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			var log addrLog
			_, err := runErr(t, Config{CameraID: idA, URL: tc.url, Transport: tc.transport,
				ReadTimeout: 3 * time.Second, CheckAddr: refuseLoopback(&log)}, 10*time.Second)
			requireKind(t, err, media.ErrUnreachable)
			requireKind(t, err, ErrAddrRefused)
			if !strings.Contains(err.Error(), refusedMsg) {
				t.Errorf("error %q does not carry the hook's message", err)
			}
			seen := log.seen()
			if len(seen) == 0 || !seen[0].Unmap().IsLoopback() {
				t.Errorf("hook saw %v, want the resolved loopback address", seen)
			}
		})
	}
	if n := accepts.Load(); n != 0 {
		t.Fatalf("the camera saw %d connections from refused sessions, want 0", n)
	}

	t.Run("allowed", func(t *testing.T) {
		var log addrLog
		col := newCollector(func(us []*media.Unit) bool { return len(videoUnits(us)) >= 3 })
		runUntil(t, Config{CameraID: idA, URL: "rtsp://" + proxy + "/cam/1", ReadTimeout: 3 * time.Second,
			CheckAddr: func(a netip.Addr) error { log.add(a); return nil }}, col, 10*time.Second)
		if seen := log.seen(); len(seen) != 1 || seen[0] != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("hook saw %v, want [127.0.0.1]", seen)
		}
		if accepts.Load() == 0 {
			t.Error("the camera saw no connection")
		}
	})
}

// TestCheckAddrGuardsUDPWrites: over UDP the client sends RTP/RTCP to the
// address the camera's SETUP answer names; those writes pass the hook too.
// Here the hook allows the RTSP connection (its first call) and refuses
// everything after it: the session fails at PLAY with the refusal. The
// simulated camera speaks TCP only, so the peer is GStreamer's RTSP server.
func TestCheckAddrGuardsUDPWrites(t *testing.T) {
	t.Parallel()
	url := startGst(t, fmt.Sprintf(gstH264, ""))
	var log addrLog
	_, err := runErr(t, Config{CameraID: idA, URL: url, Transport: TransportUDP, ReadTimeout: 3 * time.Second,
		CheckAddr: func(a netip.Addr) error {
			if log.add(a) > 1 {
				return errors.New("udp destination refused")
			}
			return nil
		}}, 10*time.Second)
	requireKind(t, err, ErrAddrRefused)
	if !strings.Contains(err.Error(), "udp destination refused") {
		t.Errorf("error %q does not carry the hook's message", err)
	}
	if seen := log.seen(); len(seen) < 2 {
		t.Errorf("hook saw %v, want the dial and a UDP write", seen)
	}
}
