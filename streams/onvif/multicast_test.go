package onvif_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/onvif"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestDiscoverMulticast: in a network namespace of its own, Hearth's
// WS-Discovery probe to 239.255.255.250:3702 finds simcam's responder
// (joined on lo), and so does npm onvif's independent discovery.
func TestDiscoverMulticast(t *testing.T) {
	if !testpeer.RunInNetns(t, "TestDiscoverMulticast") {
		return
	}
	s := startSimcam(t, simcam.ONVIFConfig{DiscoveryMulticast: "lo", Model: "SimCam 2"})
	want := "http://" + s.ONVIFAddr() + "/onvif/device_service"
	found, err := onvif.Discover(ctxFor(t), onvif.DiscoverConfig{Wait: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || len(found[0].XAddrs) != 1 || found[0].XAddrs[0] != want || found[0].Hardware() != "SimCam 2" {
		t.Fatalf("found %+v, want one device at %s", found, want)
	}

	node := requireNodeONVIF(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "discover.js", "lo")
	cmd.Dir = filepath.Join("testdata", "node")
	out, err := cmd.Output()
	var res struct {
		Error   string `json:"error"`
		Devices []struct {
			Endpoint string   `json:"endpoint"`
			XAddrs   []string `json:"xaddrs"`
		} `json:"devices"`
	}
	if jerr := json.Unmarshal(bytes.TrimSpace(out), &res); jerr != nil || err != nil || res.Error != "" {
		t.Fatalf("npm onvif discovery: %v %v %s: %s", err, jerr, res.Error, out)
	}
	if len(res.Devices) != 1 || res.Devices[0].Endpoint != found[0].Endpoint || len(res.Devices[0].XAddrs) != 1 || res.Devices[0].XAddrs[0] != want {
		t.Fatalf("npm onvif found %+v, want %s at %s", res.Devices, found[0].Endpoint, want)
	}
}
