package main

import (
	"strings"
	"testing"
)

// TestRTSPListenValidates: --rtsp-listen is off by default and must be
// host:port when given.
func TestRTSPListenValidates(t *testing.T) {
	t.Parallel()
	if d := defaultServiceOptions(); d.RTSPListen != "" {
		t.Fatalf("restream on by default: %q", d.RTSPListen)
	}
	for addr, ok := range map[string]bool{":8554": true, "127.0.0.1:0": true, "[::1]:8554": true,
		"8554": false, "rtsp://x:8554": false, "host:": false} {
		o := defaultServiceOptions()
		o.RTSPListen = addr
		err := o.Validate()
		if (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", addr, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--rtsp-listen") {
			t.Errorf("%q: message %q does not name the flag", addr, err)
		}
	}
}
