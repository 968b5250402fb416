package onvif_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/onvif"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// inNetns is set in the child that runs a test inside its own network
// namespace.
const inNetns = "HEARTH_ONVIF_NETNS"

// runInNetns runs test name again, in a new network namespace whose
// loopback carries multicast (the host's lo does not, and a test must not
// send to the real LAN). It reports whether the caller is that child.
func runInNetns(t *testing.T, name string) bool {
	t.Helper()
	if os.Getenv(inNetns) == "1" {
		return true
	}
	unshare := testpeer.Require(t, "unshare")
	if _, err := exec.LookPath("ip"); err != nil {
		testpeer.Missing(t, "ip (iproute2) not found: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script := `ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$@"`
	cmd := exec.CommandContext(ctx, unshare, "--net", "sh", "-c", script, "sh", os.Args[0], "-test.run", "^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), inNetns+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil && strings.Contains(out.String(), "unshare failed") {
		testpeer.Missing(t, "cannot create a network namespace (needs root or user namespaces): %s", out.String())
	}
	if err == nil && strings.Contains(out.String(), "--- SKIP: "+name) {
		// The child skipped for a missing peer; under CI=true it fails instead.
		t.Skipf("%s skipped in its network namespace:\n%s", name, out.String())
	}
	if err != nil || !strings.Contains(out.String(), "--- PASS: "+name) {
		t.Fatalf("%s in a network namespace: %v\n%s", name, err, out.String())
	}
	t.Logf("ran in a network namespace:\n%s", out.String())
	return false
}

// TestDiscoverMulticast: in a network namespace of its own, Hearth's
// WS-Discovery probe to 239.255.255.250:3702 finds simcam's responder
// (joined on lo), and so does npm onvif's independent discovery.
func TestDiscoverMulticast(t *testing.T) {
	if !runInNetns(t, "TestDiscoverMulticast") {
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
