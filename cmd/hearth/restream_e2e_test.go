package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestServeRTSPRestream runs the real serve path with --rtsp-listen: serve
// prints the restream's address, and ffprobe reads a camera's stream
// through it with a user name and a view token made by the CLI (the
// credentials reach ffprobe through a file, never a command line).
func TestServeRTSPRestream(t *testing.T) {
	t.Parallel()
	ffprobe := testpeer.Require(t, "ffprobe")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, "correct horse battery\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	// The simulated camera stamps the ID Hearth gave it.
	id := addCamera(t, data, "Alpha", "Door", "rtsp://127.0.0.1:9/cam/1")
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: []simcam.CameraConfig{
		{ID: id, Width: simcam.MinWidth, Height: simcam.MinHeight, FPS: 10, GOP: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	simDone := make(chan struct{})
	go func() { _ = sim.Run(ctx); close(simDone) }()
	defer func() { cancel(); <-simDone }()

	mustCLI(t, "", "camera", "edit", id, "--main", sim.URL(1), "--data", data)
	token := strings.TrimSpace(mustCLI(t, "", "token", "create", "--user", "ana", "--scope", "view", "--data", data))

	out := &syncBuffer{}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(sctx, []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0",
			"--rtsp-listen", "127.0.0.1:0"}, env{stdin: strings.NewReader(""), stdout: out, stderr: io.Discard})
	}()
	defer func() {
		stop()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exit %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	re := regexp.MustCompile(`RTSP restream: rtsp://([^/]+)/cam/CAMERA-ID`)
	var addr string
	deadline := time.Now().Add(15 * time.Second)
	for addr == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve printed no RTSP address: %q", out.String())
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	list := filepath.Join(t.TempDir(), "in.ffconcat")
	if err := os.WriteFile(list, []byte("ffconcat version 1.0\nfile 'rtsp://ana:"+token+"@"+addr+"/cam/"+id+"'\noption rtsp_transport tcp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The camera may still be connecting: retry until the stream is up.
	var last string
	for {
		pctx, pcancel := context.WithTimeout(ctx, 20*time.Second)
		b, err := exec.CommandContext(pctx, ffprobe, "-v", "error", "-f", "concat", "-safe", "0",
			"-protocol_whitelist", "file,rtsp,rtp,tcp,udp", "-i", list,
			"-show_entries", "stream=codec_name", "-of", "csv=p=0").CombinedOutput()
		pcancel()
		last = string(b)
		if err == nil && strings.TrimSpace(last) == "h264" {
			return
		}
		if time.Now().After(deadline.Add(15 * time.Second)) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("ffprobe through the served restream: %q", last)
}
