package onvif_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/onvif"
	"github.com/hearthnvr/hearth/streams/simcam"
)

const (
	camMain = "aaaaaaaaaaaaaaaa0000000000000001"
	camSub  = "bbbbbbbbbbbbbbbb0000000000000002"
	user    = "admin"
	pass    = "s3cret pass <&>"
)

// startSimcam runs a simcam with an ONVIF device on loopback until the
// test ends: camera 1 is the main stream (640×368), camera 2 the sub
// (512×288), its clock offset by two hours from ours.
func startSimcam(t *testing.T, ocfg simcam.ONVIFConfig) *simcam.Server {
	t.Helper()
	ocfg.Addr = "127.0.0.1:0"
	if ocfg.ClockOffset == 0 {
		ocfg.ClockOffset = 2 * time.Hour
	}
	s, err := simcam.Listen(simcam.ServerConfig{
		Addr:     "127.0.0.1:0",
		Cameras:  []simcam.CameraConfig{{ID: camMain, Width: 640, Height: 368}, {ID: camSub, Width: 512, Height: 288}},
		Username: user, Password: pass,
		ONVIF: &ocfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("simcam Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("simcam did not stop")
		}
	})
	return s
}

func newClient(t *testing.T, addr, u, p string) *onvif.Client {
	t.Helper()
	c, err := onvif.New(onvif.Config{URL: "http://" + addr, Username: u, Password: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestProbeSimcam: Hearth's client reads simcam's identity, both profiles
// and their RTSP addresses, signing with the device's clock (two hours
// off ours), and picks the larger profile as main and the smaller as sub.
func TestProbeSimcam(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{Manufacturer: "Hearth Labs", Model: "SimCam 2"})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	res, err := c.Probe(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Device.Manufacturer != "Hearth Labs" || res.Device.Model != "SimCam 2" || res.Device.SerialNumber != camMain {
		t.Errorf("device = %+v", res.Device)
	}
	if !res.CredentialsOK {
		t.Error("credentials not reported as working")
	}
	if off := c.ClockOffset(); off < 2*time.Hour-time.Minute || off > 2*time.Hour+time.Minute {
		t.Errorf("clock offset %v, want about 2h", off)
	}
	if len(res.Streams) != 2 {
		t.Fatalf("streams = %+v", res.Streams)
	}
	if res.Main == nil || res.Main.URI != s.URL(1) || res.Main.Width != 640 || res.Main.Height != 368 || res.Main.Encoding != "H264" || res.Main.FPS != 10 {
		t.Errorf("main = %+v, want %s 640x368 H264", res.Main, s.URL(1))
	}
	if res.Sub == nil || res.Sub.URI != s.URL(2) || res.Sub.Width != 512 || res.Sub.Height != 288 {
		t.Errorf("sub = %+v, want %s 512x288", res.Sub, s.URL(2))
	}
	if !c.SameHost(res.Main.URI) {
		t.Errorf("%s not on the device's host %s", res.Main.URI, c.Host())
	}
}

// TestProbeWrongPassword: a refused password is ErrUnauthorized, and the
// message does not carry the password.
func TestProbeWrongPassword(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{})
	c := newClient(t, s.ONVIFAddr(), user, "wrong-password-canary")
	_, err := c.Probe(ctxFor(t))
	if !errors.Is(err, onvif.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-password-canary") {
		t.Errorf("error shows the password: %v", err)
	}
}

// TestClockOffsetMatters: without GetSystemDateAndTime first, a token
// stamped with our clock is two hours off the device's and refused; after
// it, accepted. The offset handling is what makes the probe work.
func TestClockOffsetMatters(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{})
	c := newClient(t, s.ONVIFAddr(), user, pass)
	ctx := ctxFor(t)
	if _, err := c.DeviceInformation(ctx); !errors.Is(err, onvif.ErrUnauthorized) {
		t.Fatalf("unsynchronised token: err = %v, want ErrUnauthorized", err)
	}
	if _, err := c.SyncTime(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeviceInformation(ctx); err != nil {
		t.Fatalf("after SyncTime: %v", err)
	}
}

// TestDiscoverUnicast: a unicast WS-Discovery probe to simcam's responder
// on loopback finds the device and its service address.
func TestDiscoverUnicast(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{DiscoveryAddr: "127.0.0.1:0", Model: "SimCam 2"})
	found, err := onvif.Discover(ctxFor(t), onvif.DiscoverConfig{Target: s.DiscoveryAddr(), Wait: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 {
		t.Fatalf("found %+v, want one device", found)
	}
	d := found[0]
	if len(d.XAddrs) != 1 || d.XAddrs[0] != "http://"+s.ONVIFAddr()+"/onvif/device_service" || d.Hardware() != "SimCam 2" || !strings.HasPrefix(d.Endpoint, "urn:uuid:") {
		t.Errorf("found %+v", d)
	}
}

// TestCheckAddrRefuses: the caller's address rule applies to the dial.
func TestCheckAddrRefuses(t *testing.T) {
	t.Parallel()
	s := startSimcam(t, simcam.ONVIFConfig{})
	c, err := onvif.New(onvif.Config{URL: "http://" + s.ONVIFAddr(), CheckAddr: func(a netip.Addr) error {
		if a.IsLoopback() {
			return errors.New("loopback refused")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.SyncTime(ctxFor(t)); !errors.Is(err, onvif.ErrAddrRefused) {
		t.Fatalf("err = %v, want ErrAddrRefused", err)
	}
}

// TestHostileDevice: answers too large, too deep, with a DOCTYPE, or a
// redirect elsewhere are refused; the redirect target sees no request.
func TestHostileDevice(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	env := func(inner string) string {
		return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` + inner + `</s:Body></s:Envelope>`
	}
	cases := []struct {
		name   string
		want   error // nil: any error
		answer func(w http.ResponseWriter, r *http.Request)
	}{
		{"huge", onvif.ErrTooLarge, func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(env(`<X>`)))
			chunk := []byte(strings.Repeat("A", 64<<10))
			for range 20 { // 1.25 MiB
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}},
		{"deep", nil, func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(env(strings.Repeat("<a>", 1000) + strings.Repeat("</a>", 1000))))
		}},
		{"doctype", nil, func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>` + env(`<R>&b;</R>`)))
		}},
		{"redirect", nil, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/onvif/device_service", http.StatusTemporaryRedirect)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(tc.answer))
			defer srv.Close()
			c := newClient(t, strings.TrimPrefix(srv.URL, "http://"), user, pass)
			_, err := c.DeviceInformation(ctxFor(t))
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

func asFault(err error, f **onvif.Fault) bool { return errors.As(err, f) }
