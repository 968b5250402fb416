package rtsp

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// requireGstRTSP skips (fails in CI) unless the GStreamer RTSP server's
// Python bindings load in /usr/bin/python3.
func requireGstRTSP(t testing.TB) {
	t.Helper()
	testpeer.Require(t, "/usr/bin/python3")
	if err := exec.Command("/usr/bin/python3", "-c",
		`import gi; gi.require_version("GstRtspServer","1.0"); from gi.repository import GstRtspServer`).Run(); err != nil {
		testpeer.Require(t, "gst-rtsp-server-python-bindings-missing")
	}
}

// startGst serves pipeline at rtsp://127.0.0.1:PORT/cam with the launcher in
// testdata and returns the URL. The port is picked free and retried on
// collision; the server is killed when the test ends.
func startGst(t testing.TB, pipeline string) string {
	t.Helper()
	requireGstRTSP(t)
	var lastErr error
	for range 5 {
		port := freePort(t)
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, "/usr/bin/python3", "testdata/gst_rtsp_server.py", fmt.Sprint(port), "/cam", pipeline)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.WaitDelay = 2 * time.Second
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			ok := sc.Scan() && sc.Text() == "READY"
			ready <- ok
			for sc.Scan() {
			}
		}()
		var ok bool
		select {
		case ok = <-ready:
		case <-time.After(10 * time.Second):
		}
		if ok {
			t.Cleanup(func() {
				stdin.Close()
				cancel()
				_ = cmd.Wait()
			})
			return fmt.Sprintf("rtsp://127.0.0.1:%d/cam", port)
		}
		stdin.Close()
		cancel()
		_ = cmd.Wait()
		lastErr = fmt.Errorf("gst server on port %d: %s", port, stderr.String())
	}
	t.Fatal(lastErr)
	return ""
}

const gstH264 = "videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=25/1 ! " +
	"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 %s ! rtph264pay name=pay0 pt=96 config-interval=-1"

func TestGStreamer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		pipeline string
		codec    media.Codec
		slices   int // minimum slices per picture
		audio    media.Codec
	}{
		{"h264", fmt.Sprintf(gstH264, ""), media.H264, 1, ""},
		// x264 makes 2 slices of 640×360 with slices=4 (ffmpeg reading the same server agrees).
		{"h264-4-slices", fmt.Sprintf(gstH264, `option-string="slices=4"`), media.H264, 2, ""},
		{"h264-sliced-threads", fmt.Sprintf(gstH264, "sliced-threads=true threads=4"), media.H264, 2, ""},
		{"h265", "videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=25/1 ! " +
			"x265enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! h265parse ! rtph265pay name=pay0 pt=96 config-interval=-1",
			media.H265, 1, ""},
		{"h264-aac", fmt.Sprintf(gstH264, "") + " audiotestsrc is-live=true ! audio/x-raw,rate=48000,channels=1 ! voaacenc ! rtpmp4gpay name=pay1 pt=97",
			media.H264, 1, media.AAC},
		{"h264-opus", fmt.Sprintf(gstH264, "") + " audiotestsrc is-live=true ! audio/x-raw,rate=48000 ! opusenc ! rtpopuspay name=pay1 pt=97",
			media.H264, 1, media.Opus},
		{"h264-pcma", fmt.Sprintf(gstH264, "") + " audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8",
			media.H264, 1, media.PCMA},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := startGst(t, tc.pipeline)
			start := time.Now()
			col := newCollector(func(us []*media.Unit) bool {
				v := videoUnits(us)
				return len(v) > 0 && v[len(v)-1].PTS-v[0].PTS >= 2*90000
			})
			runUntil(t, Config{CameraID: idA, URL: url, ReadTimeout: 5 * time.Second}, col, 20*time.Second)
			units := col.snapshot()
			video := videoUnits(units)
			if len(video) == 0 {
				t.Fatal("no video")
			}
			span := float64(video[len(video)-1].PTS-video[0].PTS) / 90000
			rate := float64(len(video)-1) / span
			keys, minSlices := 0, 1<<30
			for _, u := range video {
				if u.Key {
					keys++
				}
				minSlices = min(minSlices, slicesOf(tc.codec, u.NALUs))
			}
			info := video[len(video)-1].Info
			vt := info.Tracks[info.Video()]
			t.Logf("%d video units in %.2fs media (%.1f/s), %d keys, min %d slices/picture, %dx%d %.1f fps, tracks %v, took %v",
				len(video), span, rate, keys, minSlices, vt.Width, vt.Height, vt.FPS, codecs(info), time.Since(start).Round(time.Millisecond))
			if vt.Codec != tc.codec || vt.Width != 640 || vt.Height != 360 {
				t.Errorf("video track %s %dx%d, want %s 640x360", vt.Codec, vt.Width, vt.Height, tc.codec)
			}
			if rate < 22 || rate > 28 {
				t.Errorf("%.1f units per second, want about 25 (whole pictures)", rate)
			}
			if !video[0].Key || keys < 2 {
				t.Errorf("first key %v, %d keys", video[0].Key, keys)
			}
			if minSlices < tc.slices {
				t.Errorf("a picture has %d slices, want at least %d", minSlices, tc.slices)
			}
			for i := 1; i < len(video); i++ {
				if video[i].DTS <= video[i-1].DTS {
					t.Fatalf("DTS not increasing at %d: %d after %d", i, video[i].DTS, video[i-1].DTS)
				}
			}
			if tc.audio != "" {
				if len(info.Tracks) != 2 || info.Tracks[audioTrack].Codec != tc.audio {
					t.Errorf("tracks %v, want audio %s", codecs(info), tc.audio)
				}
				if len(units) == len(video) {
					t.Error("no audio unit")
				}
			}
		})
	}
	t.Run("mjpeg-unsupported", func(t *testing.T) {
		t.Parallel()
		url := startGst(t, "videotestsrc is-live=true ! video/x-raw,format=I420,width=320,height=240,framerate=10/1 ! jpegenc ! rtpjpegpay name=pay0 pt=26")
		_, err := runErr(t, Config{CameraID: idA, URL: url}, 15*time.Second)
		requireKind(t, err, media.ErrUnsupported)
		if !strings.Contains(err.Error(), "JPEG") {
			t.Errorf("error %q does not name the codec", err)
		}
		t.Logf("error: %v", err)
	})
}

func slicesOf(codec media.Codec, nalus [][]byte) int {
	n := 0
	for _, b := range nalus {
		if k, _, _ := classifyNALU(codec, b); k == kindSlice {
			n++
		}
	}
	return n
}

func codecs(info *media.StreamInfo) []media.Codec {
	var out []media.Codec
	for _, t := range info.Tracks {
		out = append(out, t.Codec)
	}
	return out
}
