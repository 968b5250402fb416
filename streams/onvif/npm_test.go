package onvif_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// requireNodeONVIF finds node and the pinned npm onvif in testdata/node
// (.ci/deps runs `npm ci` there): a skip on a developer's machine without
// them, a failure under CI=true.
func requireNodeONVIF(t *testing.T) string {
	t.Helper()
	node := testpeer.Require(t, "node")
	if _, err := os.Stat(filepath.Join("testdata", "node", "node_modules", "onvif", "package.json")); err != nil {
		testpeer.Missing(t, "npm onvif is missing: run `npm ci` in streams/onvif/testdata/node (.ci/deps does): %v", err)
	}
	return node
}

type nodeProbe struct {
	Error string `json:"error"`
	Info  struct {
		Manufacturer, Model, SerialNumber string
	} `json:"info"`
	DefaultProfile string `json:"defaultProfile"`
	Profiles       []struct {
		Token, Name, Encoding, URI string
		Width, Height              int
	} `json:"profiles"`
}

func runNodeProbe(t *testing.T, node, addr, password string) nodeProbe {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The password goes on stdin: a command line is readable by every
	// local user.
	cmd := exec.CommandContext(ctx, node, "probe.js", host, port, user)
	cmd.Dir = filepath.Join("testdata", "node")
	cmd.Stdin = strings.NewReader(password + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output() // the JSON line says what failed
	var res nodeProbe
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("node probe: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	return res
}

// TestNodeONVIFClient: npm onvif 0.8.3, an ONVIF client Hearth shares no
// code with, connects to simcam's device (whose clock is two hours off),
// reads its identity, both profiles and their stream addresses (every
// call after the first is signed, and simcam refuses a token five minutes
// off its clock, so this also proves the two implementations agree on the
// clock offset); with a wrong password it is refused.
func TestNodeONVIFClient(t *testing.T) {
	t.Parallel()
	node := requireNodeONVIF(t)
	s := startSimcam(t, simcam.ONVIFConfig{Manufacturer: "Hearth Labs", Model: "SimCam 2"})
	res := runNodeProbe(t, node, s.ONVIFAddr(), pass)
	if res.Error != "" {
		t.Fatalf("npm onvif: %s", res.Error)
	}
	if res.Info.Manufacturer != "Hearth Labs" || res.Info.Model != "SimCam 2" || res.Info.SerialNumber != camMain {
		t.Errorf("device information = %+v", res.Info)
	}
	if len(res.Profiles) != 2 {
		t.Fatalf("profiles = %+v", res.Profiles)
	}
	want := []struct {
		name, uri string
		w, h      int
	}{{"main", s.URL(1), 640, 368}, {"sub", s.URL(2), 512, 288}}
	for i, w := range want {
		p := res.Profiles[i]
		if p.Name != w.name || p.URI != w.uri || p.Width != w.w || p.Height != w.h || p.Encoding != "H264" {
			t.Errorf("profile %d = %+v, want %s %s %dx%d H264", i, p, w.name, w.uri, w.w, w.h)
		}
	}
	if res.DefaultProfile != "profile_1" {
		t.Errorf("default profile = %q", res.DefaultProfile)
	}
	if bad := runNodeProbe(t, node, s.ONVIFAddr(), "wrong"); bad.Error == "" {
		t.Error("npm onvif connected with a wrong password")
	}
}

// TestNodeONVIFEvents: npm onvif subscribes to simcam's events through a
// pull point and receives the scripted person detection.
func TestNodeONVIFEvents(t *testing.T) {
	t.Parallel()
	node := requireNodeONVIF(t)
	s := startSimcam(t, simcam.ONVIFConfig{PersonEvery: 200 * time.Millisecond})
	host, port, err := net.SplitHostPort(s.ONVIFAddr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "events.js", host, port, user)
	cmd.Dir = filepath.Join("testdata", "node")
	cmd.Stdin = strings.NewReader(pass + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	var res struct {
		Error    string `json:"error"`
		Messages []struct {
			Topic string            `json:"topic"`
			Data  map[string]string `json:"data"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil || res.Error != "" {
		t.Fatalf("npm onvif events: %v %s\nstdout: %s\nstderr: %s", err, res.Error, out, stderr.String())
	}
	found := false
	for _, m := range res.Messages {
		if m.Topic == simcam.PersonTopic && m.Data["State"] == "true" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no person detection among %+v", res.Messages)
	}
}

// TestNodeONVIFPush: npm onvif subscribes by base notification to a
// simcam without a pull point, naming a consumer it serves itself; simcam
// pushes the scripted person detection there, and npm's renewal and
// unsubscription of the subscription manager simcam named are honoured.
func TestNodeONVIFPush(t *testing.T) {
	t.Parallel()
	node := requireNodeONVIF(t)
	s := startSimcam(t, simcam.ONVIFConfig{PersonEvery: 200 * time.Millisecond, NoPullPoint: true})
	host, port, err := net.SplitHostPort(s.ONVIFAddr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "push.js", host, port, user)
	cmd.Dir = filepath.Join("testdata", "node")
	cmd.Stdin = strings.NewReader(pass + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	var res struct {
		Error    string `json:"error"`
		Posts    int    `json:"posts"`
		Messages []struct {
			Topic string            `json:"topic"`
			Data  map[string]string `json:"data"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil || res.Error != "" {
		t.Fatalf("npm onvif push: %v %s\nstdout: %s\nstderr: %s", err, res.Error, out, stderr.String())
	}
	found := false
	for _, m := range res.Messages {
		if m.Topic == simcam.PersonTopic && m.Data["State"] == "true" {
			found = true
		}
	}
	if !found || res.Posts == 0 {
		t.Fatalf("no person detection among %d posts: %+v", res.Posts, res.Messages)
	}
	if n := s.ONVIFSubscriptions(); n != 0 {
		t.Errorf("%d subscriptions after npm's Unsubscribe", n)
	}
}

// TestNodeONVIFPTZ: npm onvif pans simcam's head right and stops it: the
// picture moves (the scene shifts left), a preset it stores is listed,
// and the status it reads agrees with simcam's head.
func TestNodeONVIFPTZ(t *testing.T) {
	t.Parallel()
	node := requireNodeONVIF(t)
	s := startSimcam(t, simcam.ONVIFConfig{})
	host, port, err := net.SplitHostPort(s.ONVIFAddr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "ptz.js", host, port, user)
	cmd.Dir = filepath.Join("testdata", "node")
	cmd.Stdin = strings.NewReader(pass + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	var res struct {
		Error   string          `json:"error"`
		Presets map[string]any  `json:"presets"`
		Status  json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil || res.Error != "" {
		t.Fatalf("npm onvif PTZ: %v %s\nstdout: %s\nstderr: %s", err, res.Error, out, stderr.String())
	}
	pan, tilt, _ := s.PTZPosition()
	if pan <= 0 || tilt != 0 {
		t.Fatalf("head at %v,%v after npm's move right", pan, tilt)
	}
	if dx, _ := s.Camera(1).ViewOffset(); pan > 0.01 && dx >= 0 {
		t.Errorf("picture offset %d after panning right", dx)
	}
	if _, ok := res.Presets["gate"]; !ok {
		t.Errorf("presets %v lack gate", res.Presets)
	}
	if !strings.Contains(string(res.Status), "IDLE") {
		t.Errorf("status after stop: %s", res.Status)
	}
}
