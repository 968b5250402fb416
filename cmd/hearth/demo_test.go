package main

import (
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/rtsp"
	"github.com/hearthnvr/hearth/streams/sei"
)

// TestDemo runs "hearth demo" as the README's first command does and checks
// that each household sees its own two cameras streaming within 10 s.
func TestDemo(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	addr := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--data", data, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0"},
			env{stdin: strings.NewReader(""), stdout: out, stderr: io.Discard, onListen: func(a string) { addr <- a }})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo exit code %d", code)
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case code := <-done:
		t.Fatalf("demo exited %d: %s", code, out.String())
	case <-time.After(90 * time.Second): // a start takes 1-2 s; under -race beside the suite's browsers, up to 20 s was seen
		t.Fatal("demo did not start")
	}
	started := time.Now()
	logins := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  (\w+)\s+([a-z0-9]{12})\s`).FindAllStringSubmatch(out.String(), -1) {
		logins[m[1]] = m[2]
	}
	if len(logins) != 4 {
		t.Fatalf("logins printed: %v\n%s", logins, out.String())
	}
	for user, want := range map[string]int{"alice": 2, "bob": 2, "vera": 1, "admin": 0} {
		c := newClient(t, base)
		c.login(user, logins[user])
		for {
			code, body := c.call("GET", "/api/cameras", "")
			var v struct {
				Cameras []struct {
					State string `json:"state"`
				} `json:"cameras"`
			}
			if code != 200 || json.Unmarshal([]byte(body), &v) != nil {
				t.Fatalf("%s cameras: %d %s", user, code, body)
			}
			streaming := 0
			for _, cam := range v.Cameras {
				if cam.State == "streaming" {
					streaming++
				}
			}
			if len(v.Cameras) != want {
				t.Fatalf("%s sees %d cameras, want %d", user, len(v.Cameras), want)
			}
			if streaming == want {
				break
			}
			if time.Since(started) > 10*time.Second {
				t.Fatalf("%s: %d of %d cameras streaming after 10 s: %s", user, streaming, want, body)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("demo: all cameras streaming %v after start", time.Since(started).Round(time.Millisecond))
}

// TestSimcamCommand runs "hearth simcam" as its own process and reads each
// camera with the RTSP client: every access unit carries the printed ID.
func TestSimcamCommand(t *testing.T) {
	t.Parallel()
	cams := simcamProcess(t, "--cameras=2", "--fps=10", "--gop=5", "--user=viewer", "--pass=simcam-pass")
	for _, cam := range cams {
		var keys []int // indexes of the keyframes among the video units
		c, err := rtsp.New(rtsp.Config{CameraID: string(cam.ID), URL: cam.MainURL, Username: "viewer", Password: "simcam-pass"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		units, bad := 0, 0
		err = c.Run(ctx, func(u *media.Unit) {
			if !u.Info.Tracks[u.Track].Codec.IsVideo() {
				return
			}
			if st, ok := sei.Find(u.NALUs); !ok || st.CameraID != string(cam.ID) {
				bad++
			}
			if u.Key {
				keys = append(keys, units)
			}
			if units++; units == 20 {
				cancel()
			}
		})
		cancel()
		if err != nil || units < 20 || bad != 0 {
			t.Fatalf("camera %s: err %v, %d units, %d with a wrong or missing SEI ID", cam.ID, err, units, bad)
		}
		// --gop=5: a keyframe every fifth frame.
		if len(keys) < 3 {
			t.Fatalf("camera %s: keyframes at %v in %d frames; want one every 5", cam.ID, keys, units)
		}
		for i := 1; i < len(keys); i++ {
			if keys[i]-keys[i-1] != 5 {
				t.Fatalf("camera %s: keyframes at %v; want one every 5 frames (--gop=5)", cam.ID, keys)
			}
		}
	}
	if _, errs, code := cli(t, "", "simcam", "--gop", "0"); code != 2 || !strings.Contains(errs, "--gop must be") {
		t.Errorf("simcam --gop 0: exit %d, %q; want 2 and the limit", code, errs)
	}
	// Without the credentials the simulated camera refuses to play.
	c, _ := rtsp.New(rtsp.Config{CameraID: string(cams[0].ID), URL: cams[0].MainURL})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Run(ctx, func(*media.Unit) {}); err == nil || !strings.Contains(err.Error(), "authentication") {
		t.Fatalf("no credentials: %v", err)
	}
}
