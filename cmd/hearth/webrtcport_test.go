package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestWebRTCPortInUse: the demo (no --webrtc-udp-port) takes a free port
// when the default is held by another program and says which; serve, or a
// demo given the port, stops with the port in the message.
func TestWebRTCPortInUse(t *testing.T) {
	held, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.LocalAddr().(*net.UDPAddr).Port

	cfg := serveConfig{Service: defaultServiceOptions()}
	cfg.Service.WebRTC.UDPPort = port
	cfg.Service.WebRTC.ICE = iceLoopback
	log := slog.New(slog.DiscardHandler)

	_, err = listenWebRTC(cfg, env{stdout: io.Discard}, log)
	if err == nil || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Fatalf("serve with port %d held: err %v, want a refusal naming the port", port, err)
	}

	cfg.AnyFreeWebRTCPort = true
	var out bytes.Buffer
	rtc, err := listenWebRTC(cfg, env{stdout: &out}, log)
	if err != nil {
		t.Fatalf("demo with port %d held: %v", port, err)
	}
	defer rtc.Close()
	if rtc.Port() == port || rtc.Port() == 0 {
		t.Fatalf("demo took port %d with %d held", rtc.Port(), port)
	}
	if want := "using port " + strconv.Itoa(rtc.Port()); !strings.Contains(out.String(), want) {
		t.Fatalf("demo said %q, want it to name the port it uses (%q)", out.String(), want)
	}
}

func TestDemoFallsBackOnlyWithoutAPortFlag(t *testing.T) {
	e := env{stdout: io.Discard, stderr: io.Discard}
	cfg, err := parseDemoFlags(nil, e)
	if err != nil || !cfg.AnyFreeWebRTCPort {
		t.Fatalf("demo without --webrtc-udp-port: fallback %v, err %v; want on", cfg.AnyFreeWebRTCPort, err)
	}
	cfg, err = parseDemoFlags([]string{"--webrtc-udp-port", "8189"}, e)
	if err != nil || cfg.AnyFreeWebRTCPort {
		t.Fatalf("demo with --webrtc-udp-port: fallback %v, err %v; want off", cfg.AnyFreeWebRTCPort, err)
	}
}
