package ui

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestDNSRebindingRefusedAtConnect runs the ui, nvr, db and RTSP stack with
// a real DNS server on loopback that the test rebinds. A household owner
// saves a camera whose name resolves to a LAN address (accepted); the name
// then answers 127.0.0.1, where a camera (think: the admin's restreamer
// shared by all households) listens. The ingest resolves again at the dial
// and refuses: the camera's status says so, and the local camera never
// sees a connection. The test connection refuses the same way when the
// name rebinds between its check and its dial. Once the appliance admin
// sets the same URL, the camera connects and streams.
func TestDNSRebindingRefusedAtConnect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })

	lan := netip.MustParseAddr("192.168.213.7")
	if err := nvr.RefuseLocalAddr(lan); err != nil {
		t.Fatalf("%s is an address of this machine; the test needs a foreign one", lan)
	}
	const host = "cam.rebind.test"
	dns := startFakeDNS(t, host, lan)
	resolver := dns.resolver()
	sim := startSimcam(t, "", "")
	proxy, accepts := testpeer.CountingProxy(t, sim.Addr())
	_, port, _ := net.SplitHostPort(proxy)
	camURL := "rtsp://" + host + ":" + port + "/cam/1"

	in := ingest.NewIngest(ingest.IngestConfig{Cameras: f.store, Resolver: resolver, ReadTimeout: 3 * time.Second,
		StaggerWindow: 10 * time.Millisecond, Poll: 100 * time.Millisecond})
	policy := nvr.NewPolicy(f.store, f.clock, nil)
	auth := nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock})
	f.ts.Close()
	f.srv = NewServer(Config{}, Deps{Policy: policy, Auth: auth, Directory: f.dir, Status: in,
		Resolver: resolver, Now: f.clock})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
	ana, root := f.login("ana"), f.login("root")

	// Saved while the name answers a LAN address.
	r := f.do(http.MethodPost, "/api/household/cameras", []any{ana}, `{"name":"Rebind","main_url":"`+camURL+`"}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("owner adding a camera that resolves to the LAN: %d %s", r.StatusCode, r.body)
	}
	cam := decode[adminCameraResponse](t, r.body)
	if got := dns.given(); len(got) == 0 || got[0] != lan {
		t.Fatalf("the save-time check did not resolve through the DNS server: answers %v", got)
	}
	if c := must(f.store.Camera(ctx, cam.ID))(t); c.LocalOK {
		t.Fatal("an owner's camera is stored local_ok")
	}

	// Rebound to this appliance before the ingest connects.
	loop := netip.MustParseAddr("127.0.0.1")
	dns.set(loop)
	wg.Go(func() { _ = in.Run(ctx) })
	path := "/api/cameras/" + string(cam.ID)
	status := func(c *http.Cookie) cameraResponse {
		t.Helper()
		r := f.do(http.MethodGet, path, []any{c}, "")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("camera status: %d %s", r.StatusCode, r.body)
		}
		return decode[cameraResponse](t, r.body)
	}
	waitStatus := func(what string, ok func(cameraResponse) bool) cameraResponse {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			st := status(ana)
			if ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("camera never %s: %+v", what, st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	const refusal = "camera address resolves to this appliance; refused"
	refused := func(st cameraResponse) bool {
		return len(st.Streams) > 0 && strings.Contains(st.Streams[0].LastError, refusal)
	}
	st := waitStatus("refused", refused)
	if st.State != "unreachable" || st.Streams[0].NextAttempt == nil {
		t.Errorf("refused camera: state %q, next attempt %v; want unreachable with a backoff", st.State, st.Streams[0].NextAttempt)
	}
	// A second refusal: it keeps retrying with backoff, never connecting.
	first := st.Streams[0].Since
	waitStatus("refused again", func(st cameraResponse) bool { return refused(st) && st.Streams[0].Since.After(first) })
	if n := accepts.Load(); n != 0 {
		t.Fatalf("the local camera saw %d connections from an owner's camera", n)
	}
	if got := dns.given(); got[len(got)-1] != loop {
		t.Fatalf("the dial did not resolve the name again: answers %v", got)
	}

	// The test connection: the check sees the LAN address, the dial the
	// loopback one.
	dns.answerOnce(lan)
	r = f.do(http.MethodPost, "/api/cameras/test", []any{ana}, `{"url":"`+camURL+`"}`)
	if pr := decode[probeResponse](t, r.body); r.StatusCode != http.StatusOK || pr.OK || pr.ErrorClass != ingest.ProbeRefused ||
		pr.Error != refusal {
		t.Fatalf("owner's test connection rebound to loopback: %d %s", r.StatusCode, r.body)
	}
	if n := accepts.Load(); n != 0 {
		t.Fatalf("the local camera saw %d connections from an owner's test", n)
	}

	// The owner renaming it changes nothing; the admin setting the same
	// URL allows it to reach this appliance.
	if r := f.do(http.MethodPatch, path, []any{ana}, `{"name":"Rebound"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("owner rename: %d %s", r.StatusCode, r.body)
	}
	if c := must(f.store.Camera(ctx, cam.ID))(t); c.LocalOK {
		t.Fatal("a rename made the camera local_ok")
	}
	if r := f.do(http.MethodPatch, path, []any{root}, `{"main_url":"`+camURL+`"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("admin edit: %d %s", r.StatusCode, r.body)
	}
	if c := must(f.store.Camera(ctx, cam.ID))(t); !c.LocalOK {
		t.Fatal("the admin's URL is not local_ok")
	}
	waitStatus("streaming for the admin", func(st cameraResponse) bool { return st.State == "streaming" })
	if accepts.Load() == 0 {
		t.Fatal("the admin's camera streams without reaching the local camera")
	}
	// The admin's test connection reaches it too.
	r = f.do(http.MethodPost, "/api/cameras/test", []any{root}, `{"url":"`+camURL+`"}`)
	if pr := decode[probeResponse](t, r.body); !pr.OK {
		t.Fatalf("admin's test connection: %d %s", r.StatusCode, r.body)
	}

	// The owner saving the form with the URL unchanged (the name now
	// resolves to loopback, which the save-time check refuses for a new
	// URL) keeps the admin's decision.
	if r := f.do(http.MethodPatch, path, []any{ana}, `{"name":"Restream","main_url":"`+camURL+`"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("owner saving the unchanged URL: %d %s", r.StatusCode, r.body)
	}
	if c := must(f.store.Camera(ctx, cam.ID))(t); !c.LocalOK || c.Name != "Restream" {
		t.Fatalf("after the owner's unchanged save: local_ok %v, name %q", c.LocalOK, c.Name)
	}
	// A new loopback URL from the owner is refused at save time.
	if r := f.do(http.MethodPatch, path, []any{ana}, `{"main_url":"rtsp://127.0.0.1:`+port+`/cam/1"}`); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("owner's new loopback URL: %d %s", r.StatusCode, r.body)
	}

	// An owner changing the URL takes the permission away again.
	other := "rtsp://" + host + ":" + port + "/cam/1?owner"
	dns.answerOnce(lan)
	if r := f.do(http.MethodPatch, path, []any{ana}, `{"main_url":"`+other+`"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("owner URL change: %d %s", r.StatusCode, r.body)
	}
	if c := must(f.store.Camera(ctx, cam.ID))(t); c.LocalOK {
		t.Fatal("an owner's new URL kept local_ok")
	}
	waitStatus("refused after the owner's change", refused)
}
