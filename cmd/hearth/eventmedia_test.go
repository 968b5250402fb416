package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/events"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/motion"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// The adapter's choices: which detector each setting gets with and without
// ffmpeg, and a thumbnail that still shows the right camera without it.
func TestEventMediaChoices(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	with, without := eventMedia{ffmpeg: "/usr/bin/ffmpeg", log: log}, eventMedia{log: log}
	cam := func(mode nvr.DetectorMode, sub string) nvr.Camera {
		return nvr.Camera{ID: nvr.NewCameraID(), SubURL: sub, Detection: nvr.Detection{Detector: mode}}
	}
	kind := func(d events.Detector, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if d == nil {
			return "none"
		}
		switch d.(detectorAdapter).d.(type) {
		case *motion.Bitstream:
			return "bitstream"
		case *motion.Pixel:
			return "pixel"
		}
		return "other"
	}
	for _, tc := range []struct {
		name string
		m    eventMedia
		c    nvr.Camera
		want string
	}{
		{"auto, sub stream, ffmpeg", with, cam(nvr.DetectorAuto, "rtsp://192.0.2.1/sub"), "pixel"},
		{"auto, main only, ffmpeg", with, cam(nvr.DetectorAuto, ""), "bitstream"},
		{"auto, sub stream, no ffmpeg", without, cam(nvr.DetectorAuto, "rtsp://192.0.2.1/sub"), "bitstream"},
		{"pixel, no ffmpeg", without, cam(nvr.DetectorPixel, ""), "bitstream"},
		{"pixel, ffmpeg", with, cam(nvr.DetectorPixel, ""), "pixel"},
		{"off", with, cam(nvr.DetectorOff, ""), "none"},
		{"events off", with, nvr.Camera{Detection: nvr.Detection{NoEvents: true}}, "none"},
	} {
		if got := kind(tc.m.detectors(tc.c)); got != tc.want {
			t.Errorf("%s: %s detector, want %s", tc.name, got, tc.want)
		}
	}

	// Without ffmpeg the thumbnail is a one-frame MP4 of the keyframe.
	id := string(nvr.NewCameraID())
	sc, err := simcam.NewCamera(simcam.CameraConfig{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	au, err := sc.Next()
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Config()
	key := &media.Unit{Key: true, NALUs: au.NALUs, Info: &media.StreamInfo{CameraID: id, Stream: "main",
		Tracks: []media.Track{{Codec: media.H264, ClockRate: media.VideoClockRate, Width: c.Width, Height: c.Height, SPS: sc.SPS(), PPS: sc.PPS()}}}}
	data, ctype, err := without.Thumbnail(context.Background(), key)
	if err != nil || ctype != "video/mp4" || len(data) == 0 {
		t.Fatalf("thumbnail without ffmpeg: %q, %d bytes, %v", ctype, len(data), err)
	}
	// It decodes (ffmpeg as the reference decoder) and shows this camera.
	testpeer.Require(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), "thumb.mp4")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	luma, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg decode of the one-frame MP4: %v", err)
	}
	if got, _, err := simcam.ReadPattern(luma, c.Width, c.Height, c.Width); err != nil || got != id {
		t.Fatalf("one-frame MP4 shows camera %q (%v), want %s", got, err, id)
	}
}
