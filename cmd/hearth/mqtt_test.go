package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestMQTTEndToEnd runs the real serve path with a configuration file
// naming a real mosquitto (user and password): `hearth mqtt add` makes
// Alpha's integration; Home Assistant discovery and the measured state of
// its camera appear; a scheduled movement of the simulated camera makes a
// motion event whose start and end are published, and the retained
// thumbnail a fresh subscriber reads is byte for byte the event's JPEG as
// the API serves it. Bravo's camera is never mentioned.
func TestMQTTEndToEnd(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg") // the production thumbnailer's JPEG
	broker := startMosquitto(t)
	sub := func(ctx context.Context, args ...string) *exec.Cmd {
		return broker.Client(ctx, "mosquitto_sub", args...)
	}

	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, "", "household", "add", "Bravo", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	cam := addCamera(t, data, "Alpha", "Porch", "rtsp://127.0.0.1:9/unset")
	other := addCamera(t, data, "Bravo", "Bravo door", "rtsp://127.0.0.1:9/unset")
	sched := simcam.Schedule{Start: time.Now().Truncate(time.Second), Still: 15 * time.Second, Move: 3 * time.Second}
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: []simcam.CameraConfig{
		{ID: cam, FPS: 10, GOP: 10, Schedule: sched}, {ID: other, FPS: 10, GOP: 10, Schedule: sched}}})
	if err != nil {
		t.Fatal(err)
	}
	simCtx, stopSim := context.WithCancel(context.Background())
	simDone := make(chan struct{})
	go func() { _ = sim.Run(simCtx); close(simDone) }()
	t.Cleanup(func() { stopSim(); <-simDone })
	mustCLI(t, "", "camera", "edit", cam, "--main", sim.URL(1), "--motion", "bitstream", "--post-roll", "2s", "--data", data)
	mustCLI(t, "", "camera", "edit", other, "--main", sim.URL(2), "--motion", "bitstream", "--data", data)
	out := mustCLI(t, "", "mqtt", "add", "Alpha", "--token-user", "ana", "--data", data)
	if strings.Contains(out, "hth_") {
		t.Errorf("mqtt add printed a token: %s", out)
	}
	var prefix string
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "hearth/") {
			prefix = strings.TrimSuffix(f, ",")
		}
	}
	if prefix == "" {
		t.Fatalf("mqtt add named no topic prefix: %s", out)
	}

	cfgPath := broker.config()

	// Everything the broker carries, from before Hearth connects.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var subOut syncBuffer
	subCmd := sub(ctx, "-t", "#", "-F", "%t\t%x")
	subCmd.Stdout = &subOut
	if err := subCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = subCmd.Wait() })
	messages := func() map[string][]string {
		m := map[string][]string{}
		for _, line := range strings.Split(subOut.String(), "\n") {
			topic, payload, ok := strings.Cut(line, "\t")
			if ok {
				m[topic] = append(m[topic], payload)
			}
		}
		return m
	}

	srv := startServer(t, data, "--config", cfgPath)
	c := newClient(t, srv.url)
	c.login("ana", sitePassword)

	until := func(limit time.Duration, what string, cond func(map[string][]string) bool) {
		t.Helper()
		end := time.Now().Add(limit)
		for !cond(messages()) {
			if time.Now().After(end) {
				t.Fatalf("timed out after %v waiting for %s; log: %s", limit, what, srv.stderr.String())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	hexOf := func(s string) string { return hex.EncodeToString([]byte(s)) }
	until(30*time.Second, "discovery of the camera", func(m map[string][]string) bool {
		ps := m["homeassistant/switch/hearth/"+cam+"/config"]
		return len(ps) > 0 && ps[len(ps)-1] != ""
	})
	until(45*time.Second, "measured state recording", func(m map[string][]string) bool {
		ps := m[prefix+"/"+cam+"/state"]
		return len(ps) > 0 && ps[len(ps)-1] == hexOf("recording")
	})
	until(60*time.Second, "a motion event's start and end", func(m map[string][]string) bool {
		var start, end bool
		for _, p := range m[prefix+"/"+cam+"/event"] {
			b, _ := hex.DecodeString(p)
			var ev struct{ Type, Kind string }
			if json.Unmarshal(b, &ev) == nil && ev.Kind == "motion" {
				start = start || ev.Type == "start"
				end = end || ev.Type == "end"
			}
		}
		return start && end
	})
	until(30*time.Second, "a thumbnail", func(m map[string][]string) bool {
		return len(m[prefix+"/"+cam+"/thumbnail"]) > 0
	})

	// The retained thumbnail a Home Assistant starting now reads, and the
	// event it belongs to (the last that ended before it was published).
	var lastEnd string
	for _, p := range messages()[prefix+"/"+cam+"/event"] {
		b, _ := hex.DecodeString(p)
		var ev struct{ Type, ID string }
		if json.Unmarshal(b, &ev) == nil && ev.Type == "end" {
			lastEnd = ev.ID
		}
	}
	got, err := sub(ctx, "-t", prefix+"/"+cam+"/thumbnail", "-C", "1", "-W", "5", "-F", "%r\t%x").Output()
	if err != nil {
		t.Fatalf("read the retained thumbnail: %v", err)
	}
	retained, thumbHex, _ := strings.Cut(strings.TrimSpace(string(got)), "\t")
	code, want := c.call("GET", "/api/events/"+lastEnd+"/thumbnail", "")
	if code != 200 {
		t.Fatalf("thumbnail of event %s: %d", lastEnd, code)
	}
	if retained != "1" || thumbHex != hexOf(want) || !bytes.HasPrefix([]byte(want), []byte{0xff, 0xd8}) {
		t.Errorf("retained thumbnail (retained=%s, %d hex chars) is not event %s's JPEG (%d bytes)", retained, len(thumbHex), lastEnd, len(want))
	}

	// The broker goes away mid-run: recording goes on (measured: bytes
	// indexed lately) and motion events keep being made; when the broker is
	// back, Hearth reconnects and says online again.
	broker.Stop()
	waitLog := func(limit time.Duration, what, needle string) {
		t.Helper()
		end := time.Now().Add(limit)
		for !strings.Contains(srv.stderr.String(), needle) {
			if time.Now().After(end) {
				t.Fatalf("timed out after %v waiting for %s", limit, what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitLog(30*time.Second, "the lost broker noticed", "mqtt connection lost")
	eventsBefore := strings.Count(srv.stderr.String(), "event opened")
	endOutage := time.Now().Add(60 * time.Second)
	for strings.Count(srv.stderr.String(), "event opened") == eventsBefore {
		if time.Now().After(endOutage) {
			t.Fatal("no motion event during the broker outage")
		}
		time.Sleep(200 * time.Millisecond)
	}
	code, body := c.call("GET", "/api/cameras/"+cam, "")
	var st struct {
		Recording string `json:"recording"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &st) != nil || st.Recording != "recording" {
		t.Errorf("camera during the broker outage: %d %s, want recording", code, body)
	}
	broker.Start()
	for end := time.Now().Add(60 * time.Second); ; {
		o, _ := sub(ctx, "-t", prefix+"/availability", "-C", "1", "-W", "3").Output()
		if strings.TrimSpace(string(o)) == "online" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("not online again after the broker came back; log: %s", srv.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Home Assistant's privacy switch, as mosquitto_pub sends it: the
	// shutter closes (the API says so, live view is refused), the switch
	// reads ON, and OFF opens it again.
	pub := func(topic, payload string) { broker.Pub(ctx, topic, payload) }
	shutter := func() (closed bool) {
		t.Helper()
		code, body := c.call("GET", "/api/cameras/"+cam, "")
		var st struct {
			Shutter struct {
				Closed bool `json:"closed"`
			} `json:"shutter"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &st) != nil {
			t.Fatalf("camera: %d %s", code, body)
		}
		return st.Shutter.Closed
	}
	if code, _ := c.call("GET", "/api/cameras/"+cam+"/snapshot", ""); code != 200 {
		t.Fatalf("snapshot before the shutter closed: %d", code)
	}
	pub(prefix+"/"+cam+"/privacy/set", "ON")
	until(30*time.Second, "the privacy switch ON", func(m map[string][]string) bool {
		ps := m[prefix+"/"+cam+"/privacy"]
		return len(ps) > 0 && ps[len(ps)-1] == hexOf("ON") && shutter()
	})
	if code, _ := c.call("GET", "/api/cameras/"+cam+"/snapshot", ""); code != 404 {
		t.Errorf("snapshot while Home Assistant had closed the shutter: %d, want 404 (the policy's refusal)", code)
	}
	pub(prefix+"/"+cam+"/privacy/set", "OFF")
	until(30*time.Second, "the privacy switch OFF", func(m map[string][]string) bool {
		ps := m[prefix+"/"+cam+"/privacy"]
		return len(ps) > 0 && ps[len(ps)-1] == hexOf("OFF") && !shutter()
	})

	for topic, ps := range messages() {
		if strings.Contains(topic, other) || strings.Contains(strings.Join(ps, ""), hexOf(other)) {
			t.Errorf("Bravo's camera appears on %s", topic)
		}
	}
	if strings.Contains(srv.stderr.String(), mqttBrokerPassword) {
		t.Errorf("the broker password appears in Hearth's log")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
