package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr/onvifprobe"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// startONVIFSimcam runs a simcam with an ONVIF device (main 640×368, sub
// 512×288) and a unicast WS-Discovery responder on loopback.
func startONVIFSimcam(t *testing.T, user, pass string) *simcam.Server {
	t.Helper()
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Username: user, Password: pass,
		Cameras: []simcam.CameraConfig{{ID: "aaaaaaaaaaaaaaaa0000000000000001", Width: 640, Height: 368},
			{ID: "bbbbbbbbbbbbbbbb0000000000000002", Width: 512, Height: 288}},
		ONVIF: &simcam.ONVIFConfig{Addr: "127.0.0.1:0", DiscoveryAddr: "127.0.0.1:0", Manufacturer: "Acme", Model: "Cam 9"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sim.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("simcam did not stop")
		}
	})
	return sim
}

// TestONVIFProbeAPI: POST /api/onvif/probe answers vendor, model, the
// streams with codec and resolution, main and sub, and whether the
// credentials work, to the people who add cameras; members and viewers get
// 404; an owner may not aim it at this appliance (simcam on loopback is
// "this appliance"), the admin may; the password is never in an answer.
func TestONVIFProbeAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const secret = "CANARY-onvif-api"
	sim := startONVIFSimcam(t, "admin", secret)
	body := func(pw string) string {
		return fmt.Sprintf(`{"address":"http://%s","username":"admin","password":%q}`, sim.ONVIFAddr(), pw)
	}
	root := f.login("root")
	r := f.do(http.MethodPost, "/api/onvif/probe", []any{root}, body(secret))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("admin probe: %d %s", r.StatusCode, r.body)
	}
	var res onvifprobe.Result
	if err := json.Unmarshal([]byte(r.body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Manufacturer != "Acme" || res.Model != "Cam 9" || !res.CredentialsOK || len(res.Streams) != 2 ||
		res.Main == nil || res.Main.URL != sim.URL(1) || res.Main.Width != 640 || res.Main.Encoding != "H264" ||
		res.Sub == nil || res.Sub.URL != sim.URL(2) || res.Sub.Height != 288 {
		t.Errorf("admin probe = %s", r.body)
	}
	r = f.do(http.MethodPost, "/api/onvif/probe", []any{root}, body("wrong"))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"credentials_ok":false`) || strings.Contains(r.body, "rtsp://") {
		t.Errorf("wrong password: %d %s", r.StatusCode, r.body)
	}
	cases := []struct {
		user, body string
		status     int
		want       string
	}{
		{"ana", body(secret), http.StatusBadRequest, "reaches this Hearth appliance"},
		{"ana", `{"address":"ftp://192.0.2.1"}`, http.StatusBadRequest, "http://"},
		{"ana", `{}`, http.StatusBadRequest, "address is required"},
		{"mo", body(secret), http.StatusNotFound, ""},
		{"vic", body(secret), http.StatusNotFound, ""},
		{"root", `{"address":"http://127.0.0.1:1"}`, http.StatusServiceUnavailable, "no ONVIF answer"},
	}
	for _, c := range cases {
		r := f.do(http.MethodPost, "/api/onvif/probe", []any{f.login(c.user)}, c.body)
		if r.StatusCode != c.status || !strings.Contains(r.body, c.want) || strings.Contains(r.body, secret) {
			t.Errorf("%s %s: %d %s; want %d %q", c.user, c.body, r.StatusCode, r.body, c.status, c.want)
		}
	}
	if r := f.do(http.MethodPost, "/api/onvif/probe", nil, body(secret)); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a session: %d", r.StatusCode)
	}
}

// TestONVIFDiscoverAPI: a WS-Discovery scan is the appliance admin's
// alone (it sees every household's cameras): owners, members and viewers
// get 404; the admin's unicast probe finds simcam; a request that names
// neither a target nor a multicast scan is refused.
func TestONVIFDiscoverAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sim := startONVIFSimcam(t, "", "")
	req := fmt.Sprintf(`{"target":%q,"wait_ms":3000}`, sim.DiscoveryAddr())
	for _, u := range []string{"ana", "mo", "vic", "bea"} {
		if r := f.do(http.MethodPost, "/api/admin/onvif/discover", []any{f.login(u)}, req); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d %s, want 404", u, r.StatusCode, r.body)
		}
	}
	r := f.do(http.MethodPost, "/api/admin/onvif/discover", []any{f.login("root")}, req)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"address":"http://`+sim.ONVIFAddr()+`/onvif/device_service"`) || !strings.Contains(r.body, `"hardware":"Cam 9"`) {
		t.Errorf("admin discover: %d %s", r.StatusCode, r.body)
	}
	// A LAN scan goes out only when asked for by name (multicast: true).
	for _, bad := range []string{`{"target":"nonsense"}`, `{}`, `{"target":"127.0.0.1:1","multicast":true}`, `{"multicast":true,"wait_ms":60000}`} {
		if r := f.do(http.MethodPost, "/api/admin/onvif/discover", []any{f.login("root")}, bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, r.StatusCode, r.body)
		}
	}
}
