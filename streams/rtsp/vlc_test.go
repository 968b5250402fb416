package rtsp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestVLCUDP reads an H.264 file served by VLC (RTP over UDP only; VLC runs
// as nobody because it refuses root) with Transport "udp".
func TestVLCUDP(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "cvlc")
	testpeer.Require(t, "ffmpeg")
	testpeer.Require(t, "runuser")
	dir, err := os.MkdirTemp("", "hearth-rtsp-vlc-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "x.h264")
	out, err := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
		"-t", "4", "-c:v", "libx264", "-g", "25", "-bf", "0", "-f", "h264", "-y", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for range 3 {
		port := freePort(t)
		url := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", port)
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, "runuser", "-u", "nobody", "--", "cvlc", "-I", "dummy", "--loop",
			"--demux", "h264", "--h264-fps", "25", file, "--sout", "#rtp{sdp="+url+"}")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.WaitDelay = 2 * time.Second
		// runuser leaves VLC running when only runuser is killed: run them
		// in their own process group and end the whole group.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		stopVLC := func() { cancel(); _ = cmd.Wait() }
		// Wait for the RTSP port.
		deadline := time.Now().Add(10 * time.Second)
		col := newCollector(func(us []*media.Unit) bool { return len(us) >= 50 })
		var c *Client
		c, err = New(Config{CameraID: idB, URL: url, Transport: TransportUDP, ReadTimeout: 3 * time.Second})
		if err != nil {
			stopVLC()
			t.Fatal(err)
		}
		var runErr error
		var firstAt, lastAt time.Time
		for time.Now().Before(deadline) {
			rctx, rcancel := context.WithTimeout(context.Background(), 8*time.Second)
			go func() { <-col.done; rcancel() }()
			runErr = c.Run(rctx, func(u *media.Unit) {
				if firstAt.IsZero() {
					firstAt = time.Now()
				}
				lastAt = time.Now()
				col.publish(u)
			})
			rcancel()
			if len(col.snapshot()) >= 50 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		stopVLC()
		units := col.snapshot()
		if len(units) < 50 {
			lastErr = fmt.Errorf("got %d units, last Run error %v; vlc: %s", len(units), runErr, stderr.String())
			continue
		}
		if runErr != nil {
			t.Errorf("Run = %v after cancel, want nil", runErr)
		}
		// VLC stamps raw H.264 at twice the frame duration (7200 per frame
		// at --h264-fps 25), so the rate is measured on arrival.
		rate := float64(len(units)-1) / lastAt.Sub(firstAt).Seconds()
		vt := units[0].Info.Tracks[0]
		// VLC's RTP timestamps for raw H.264 also step back at every IDR
		// (…, 172800, 90000, …): they are passed through as they are.
		for i, u := range units {
			if countSlices(u.NALUs) != 1 {
				t.Fatalf("unit %d: %d slices, want 1", i, countSlices(u.NALUs))
			}
		}
		t.Logf("%d units, %.1f/s, %dx%d, first key %v", len(units), rate, vt.Width, vt.Height, units[0].Key)
		if vt.Width != 640 || vt.Height != 360 || !units[0].Key || units[0].CameraID() != idB {
			t.Errorf("track %dx%d key %v camera %s", vt.Width, vt.Height, units[0].Key, units[0].CameraID())
		}
		// Arrival rate is noisy under load (VLC starts in bursts, and
		// a busy machine slows it); the slice count above is the precise
		// check, this only catches ×N splits.
		if rate > 35 {
			t.Errorf("%.1f units/s, want at most about 25", rate)
		}
		return
	}
	t.Fatal(lastErr)
}
