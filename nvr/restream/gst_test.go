package restream_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// gstClient plays HEARTH_RTSP_URL (from the environment, never the
// command line) with GStreamer's rtspsrc over TCP, decodes it with
// openh264dec and prints how many pictures it decoded, stopping after
// HEARTH_FRAMES or 20 s.
const gstClient = `
import os, sys, gi
gi.require_version('Gst', '1.0')
from gi.repository import Gst, GLib
Gst.init(None)
p = Gst.parse_launch('rtspsrc name=src protocols=tcp latency=0 ! rtph264depay ! h264parse ! openh264dec ! fakesink name=sink signal-handoffs=true')
p.get_by_name('src').set_property('location', os.environ['HEARTH_RTSP_URL'])
want = int(os.environ['HEARTH_FRAMES'])
n = [0]
loop = GLib.MainLoop()
def handoff(*args):
    n[0] += 1
    if n[0] >= want:
        GLib.idle_add(loop.quit)
p.get_by_name('sink').connect('handoff', handoff)
def on_msg(bus, msg):
    if msg.type == Gst.MessageType.ERROR:
        err, _ = msg.parse_error()
        print('error:', err.message, file=sys.stderr)
        loop.quit()
    elif msg.type == Gst.MessageType.EOS:
        loop.quit()
bus = p.get_bus()
bus.add_signal_watch()
bus.connect('message', on_msg)
GLib.timeout_add_seconds(20, loop.quit)
p.set_state(Gst.State.PLAYING)
loop.run()
p.set_state(Gst.State.NULL)
print(n[0])
`

// TestRestreamGStreamer: GStreamer's RTSP client (rtspsrc, digest over
// TCP) plays and decodes the own camera; a foreign camera decodes nothing.
func TestRestreamGStreamer(t *testing.T) {
	t.Parallel()
	py := "/usr/bin/python3" // the system python has gi (FIELD-NOTES)
	if _, err := os.Stat(py); err != nil {
		testpeer.Missing(t, "%s: %v", py, err)
	}
	w := newWorld(t)
	script := filepath.Join(t.TempDir(), "client.py")
	if err := os.WriteFile(script, []byte(gstClient), 0o600); err != nil {
		t.Fatal(err)
	}
	play := func(url string) (int, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, script)
		cmd.Env = append(os.Environ(), "HEARTH_RTSP_URL="+url, "HEARTH_FRAMES=30")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gst client: %v\n%s", err, stderr.String())
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatalf("gst client printed %q", out)
		}
		return n, stderr.String()
	}
	if n, stderr := play(w.url("ana", w.tokA, w.camA.ID)); n < 30 {
		t.Fatalf("GStreamer decoded %d pictures of the own camera, want 30: %s", n, stderr)
	}
	if n, stderr := play(w.url("ana", w.tokA, w.camB.ID)); n != 0 || !strings.Contains(stderr, "error") {
		t.Fatalf("GStreamer decoded %d pictures of another household's camera (stderr %q)", n, stderr)
	}
}
