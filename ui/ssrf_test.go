package ui

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr/ingest"
)

// SSRF: every place a non-admin gives a camera URL (adding a camera to the
// household, editing one, testing a connection) refuses other schemes and
// any spelling of this appliance or a link-local address, names that
// resolve to one included; the admin may use loopback (the demo does).
func TestCameraURLSSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Names resolve through a fake: rebind.example → loopback, meta.example
	// → the cloud metadata address, lan.example → a LAN camera.
	f.srv.lookup = func(_ context.Context, host string) ([]string, error) {
		switch host {
		case "rebind.example":
			return []string{"127.0.0.1"}, nil
		case "meta.example":
			return []string{"203.0.113.9", "169.254.169.254"}, nil
		case "v6.example":
			return []string{"::ffff:127.0.0.1"}, nil
		case "lan.example":
			return []string{"192.0.2.50"}, nil
		}
		return nil, errors.New("no such host")
	}
	own := ownInterfaceAddr(t)
	local := []string{
		"rtsp://127.0.0.1:8554/x", "rtsp://localhost/x", "rtsp://LOCALHOST./x", "rtsp://cam.localhost/x",
		"rtsp://127.1/x", "rtsp://0x7f000001/x", "rtsp://2130706433/x", "rtsp://0177.0.0.1/x", "rtsp://127.0.0.1./x",
		"rtsp://[::1]/x", "rtsp://[::ffff:127.0.0.1]/x", "rtsp://[::ffff:7f00:1]/x", "rtsp://0.0.0.0/x", "rtsp://[::]/x",
		"rtsp://169.254.169.254/latest/meta-data", "rtsp://[fe80::1]/x",
		"rtsp://rebind.example/x", "rtsp://meta.example:554/x", "rtsp://v6.example/x",
		"rtsps://" + own + ":8080/x", // the appliance's own LAN address: its web and WebRTC ports
	}
	schemes := []string{"http://192.0.2.60/x", "file:///etc/passwd", "gopher://192.0.2.60:554/", "rtmp://192.0.2.60/x",
		"rtspu://192.0.2.60/x", "//192.0.2.60/x", "javascript:alert(1)", "rtsp:/etc/passwd"}
	ana := f.login("ana")
	probes := 0
	f.srv.probe = func(context.Context, ingest.ProbeRequest) (ingest.ProbeResult, error) {
		probes++
		return ingest.ProbeResult{}, errors.New("probe must not run")
	}
	checked := 0
	check := func(what, method, path, body string, raw string, wantWord string) {
		t.Helper()
		checked++
		r := f.do(method, path, []any{ana}, body)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, wantWord) {
			t.Errorf("%s %s: %d %s; want 400 naming %q", what, raw, r.StatusCode, r.body, wantWord)
		}
	}
	for _, list := range []struct {
		urls []string
		word string
	}{{local, "only the appliance admin can set such an address"}, {schemes, "rtsp"}} {
		for _, u := range list.urls {
			check("household add", http.MethodPost, "/api/household/cameras", `{"name":"X","main_url":"`+u+`"}`, u, list.word)
			check("household add (sub)", http.MethodPost, "/api/household/cameras", `{"name":"X","main_url":"rtsp://192.0.2.61/","sub_url":"`+u+`"}`, u, list.word)
			check("edit", http.MethodPatch, "/api/cameras/"+string(f.camA2.ID), `{"main_url":"`+u+`"}`, u, list.word)
			check("edit (sub)", http.MethodPatch, "/api/cameras/"+string(f.camA2.ID), `{"sub_url":"`+u+`"}`, u, list.word)
			check("probe", http.MethodPost, "/api/cameras/test", `{"url":"`+u+`"}`, u, list.word)
		}
	}
	if probes != 0 {
		t.Errorf("the probe ran %d times for refused URLs", probes)
	}
	// A LAN camera by name or address is fine for the owner.
	for _, u := range []string{"rtsp://lan.example/x", "rtsp://192.0.2.62/x"} {
		if r := f.do(http.MethodPost, "/api/household/cameras", []any{ana}, `{"name":"LAN `+u[7:10]+`","main_url":"`+u+`"}`); r.StatusCode != http.StatusCreated {
			t.Errorf("owner adding %s: %d %s", u, r.StatusCode, r.body)
		}
	}
	// The admin may point a camera at loopback (a local simcam, the demo),
	// but never at another scheme.
	root := f.login("root")
	if r := f.do(http.MethodPatch, "/api/cameras/"+string(f.camA2.ID), []any{root}, `{"main_url":"rtsp://127.0.0.1:8554/x"}`); r.StatusCode != http.StatusOK {
		t.Errorf("admin editing to loopback: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPatch, "/api/cameras/"+string(f.camA2.ID), []any{root}, `{"main_url":"http://127.0.0.1:8080/"}`); r.StatusCode != http.StatusBadRequest {
		t.Errorf("admin editing to http: %d %s", r.StatusCode, r.body)
	}
	t.Logf("SSRF: %d refused URL submissions checked", checked)
}

// ownInterfaceAddr returns a non-loopback address of this machine, or
// 127.0.0.1 when it has none.
func ownInterfaceAddr(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
			return ipn.IP.String()
		}
	}
	return "127.0.0.1"
}
