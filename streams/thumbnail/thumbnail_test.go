package thumbnail

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/h264enc"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

const camID = "feedface0123456789abcdef00c0ffee"

var wall = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// simKeyframe returns a simulated camera's first picture (an IDR) as a hub
// unit. With bare, the unit carries no parameter sets (as from an RTSP
// camera that sends them out of band): they are only in the StreamInfo.
func simKeyframe(t *testing.T, w, h int, bare bool) *media.Unit {
	t.Helper()
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: camID, Width: w, Height: h, Now: func() time.Time { return wall }})
	if err != nil {
		t.Fatal(err)
	}
	au, err := cam.Next()
	if err != nil || !au.IDR {
		t.Fatalf("first frame: idr %v, %v", au.IDR, err)
	}
	nalus := au.NALUs
	if bare {
		nalus = nalus[2:] // SPS, PPS lead an IDR of the simulated camera
	}
	info := &media.StreamInfo{CameraID: camID, Stream: "main", Tracks: []media.Track{{
		Codec: media.H264, ClockRate: media.VideoClockRate, Width: w, Height: h, FPS: 10, SPS: cam.SPS(), PPS: cam.PPS(),
	}}}
	return &media.Unit{Info: info, Wall: au.Time, Key: true, NALUs: nalus}
}

// h265Keyframe transcodes a simulated camera's frames to H.265 with
// libx265 and returns the first picture, looped by a file camera.
func h265Keyframe(t *testing.T, ffmpeg string) *media.Unit {
	t.Helper()
	cam, err := simcam.NewCamera(simcam.CameraConfig{ID: camID, Now: func() time.Time { return wall }})
	if err != nil {
		t.Fatal(err)
	}
	var in []byte
	for range 3 {
		au, err := cam.Next()
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, h264enc.AnnexB(au.NALUs)...)
	}
	path := filepath.Join(t.TempDir(), "cam.h265")
	cmd := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "h264", "-i", "pipe:0",
		"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:crf=18", "-f", "hevc", path)
	cmd.Stdin = bytes.NewReader(in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libx265: %v\n%s", err, out)
	}
	fcam, err := simcam.NewCamera(simcam.CameraConfig{ID: camID, File: path, Now: func() time.Time { return wall }})
	if err != nil {
		t.Fatal(err)
	}
	au, err := fcam.Next()
	if err != nil || !au.IDR {
		t.Fatalf("h265 first frame: idr %v, %v", au.IDR, err)
	}
	info := &media.StreamInfo{CameraID: camID, Stream: "main", Tracks: []media.Track{{
		Codec: media.H265, ClockRate: media.VideoClockRate, VPS: fcam.VPS(), SPS: fcam.SPS(), PPS: fcam.PPS(),
	}}}
	return &media.Unit{Info: info, Wall: au.Time, Key: true, NALUs: au.NALUs}
}

// checkID reads the camera pattern back from a luma plane.
func checkID(t *testing.T, what string, luma []byte, w, h, stride int) {
	t.Helper()
	id, at, err := simcam.ReadPattern(luma, w, h, stride)
	if err != nil {
		t.Fatalf("%s: read pattern: %v", what, err)
	}
	if id != camID || !at.Equal(wall) {
		t.Fatalf("%s: pattern says camera %s at %v, want %s at %v", what, id, at, camID, wall)
	}
}

// decodeJPEG decodes b with Go's decoder and returns its luma plane.
func decodeJPEG(t *testing.T, b []byte) *image.YCbCr {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode jpeg: %v", err)
	}
	ycc, ok := img.(*image.YCbCr)
	if !ok {
		t.Fatalf("jpeg decodes to %T, want *image.YCbCr", img)
	}
	return ycc
}

// TestJPEG: the JPEG decodes with Go's decoder, is at most 640 wide, and
// its pixels show the camera's own ID — also when the parameter sets are
// only in the StreamInfo, and for H.265.
func TestJPEG(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	ctx := context.Background()
	for name, key := range map[string]*media.Unit{
		"h264":      simKeyframe(t, 640, 368, false),
		"h264 bare": simKeyframe(t, 640, 368, true),
		"h265":      h265Keyframe(t, ffmpeg),
	} {
		b, err := JPEG(ctx, ffmpeg, key, 640)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		img := decodeJPEG(t, b)
		if w := img.Rect.Dx(); w > 640 {
			t.Errorf("%s: width %d > 640", name, w)
		}
		checkID(t, name, img.Y, img.Rect.Dx(), img.Rect.Dy(), img.YStride)
	}
}

// TestJPEGScales: a 1280×720 keyframe becomes a 640×360 JPEG; a smaller
// limit is honoured; a small picture is never enlarged.
func TestJPEGScales(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	for _, c := range []struct{ w, h, max, wantW, wantH int }{
		{1280, 720, 640, 640, 360},
		{1280, 720, 0, 640, 360}, // the default limit
		{640, 368, 320, 320, 184},
		{512, 224, 640, 512, 224},
	} {
		b, err := JPEG(context.Background(), ffmpeg, simKeyframe(t, c.w, c.h, false), c.max)
		if err != nil {
			t.Fatalf("%dx%d max %d: %v", c.w, c.h, c.max, err)
		}
		img := decodeJPEG(t, b)
		if img.Rect.Dx() != c.wantW || img.Rect.Dy() != c.wantH {
			t.Errorf("%dx%d max %d: jpeg %dx%d, want %dx%d", c.w, c.h, c.max, img.Rect.Dx(), img.Rect.Dy(), c.wantW, c.wantH)
		}
	}
}

// TestMP4: the one-frame MP4, made without ffmpeg, decodes with ffmpeg to
// one picture showing the camera's ID (H.264, bare H.264, H.265).
func TestMP4(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	for name, key := range map[string]*media.Unit{
		"h264":      simKeyframe(t, 640, 368, false),
		"h264 bare": simKeyframe(t, 640, 368, true),
		"h265":      h265Keyframe(t, ffmpeg),
	} {
		b, err := MP4(key)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join(t.TempDir(), "thumb.mp4")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-i", path,
			"-f", "rawvideo", "-pix_fmt", "gray", "pipe:1")
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: ffmpeg decode: %v\n%s", name, err, stderr.String())
		}
		if out.Len() != 640*368 {
			t.Fatalf("%s: decoded %d bytes, want one 640x368 gray frame (%d)", name, out.Len(), 640*368)
		}
		checkID(t, name, out.Bytes(), 640, 368, 640)
	}
}

// TestNoFFmpeg: without ffmpeg JPEG says so, and MP4 still works.
func TestNoFFmpeg(t *testing.T) {
	key := simKeyframe(t, 640, 368, false)
	t.Setenv("PATH", t.TempDir())
	if _, err := JPEG(context.Background(), "", key, 640); !errors.Is(err, ErrNoFFmpeg) {
		t.Fatalf("JPEG without ffmpeg: %v, want ErrNoFFmpeg", err)
	}
	if b, err := MP4(key); err != nil || len(b) == 0 {
		t.Fatalf("MP4 without ffmpeg: %d bytes, %v", len(b), err)
	}
}

// TestNotKeyframe: a non-key or audio unit is refused.
func TestNotKeyframe(t *testing.T) {
	t.Parallel()
	key := simKeyframe(t, 640, 368, false)
	p := *key
	p.Key = false
	audio := &media.Unit{Info: &media.StreamInfo{Tracks: []media.Track{{Codec: media.PCMU}}}, Key: true, Payload: [][]byte{{1}}}
	for name, u := range map[string]*media.Unit{"p": &p, "audio": audio, "nil": nil} {
		if _, err := MP4(u); !errors.Is(err, ErrNotKeyframe) {
			t.Errorf("%s: MP4 %v, want ErrNotKeyframe", name, err)
		}
		if _, err := JPEG(context.Background(), "", u, 640); !errors.Is(err, ErrNotKeyframe) {
			t.Errorf("%s: JPEG %v, want ErrNotKeyframe", name, err)
		}
	}
}

// TestJPEGInjection: a hostile camera identity never reaches ffmpeg's argv
// or a shell.
func TestJPEGInjection(t *testing.T) {
	t.Parallel()
	ffmpeg := testpeer.Require(t, "ffmpeg")
	canary := filepath.Join(t.TempDir(), "canary")
	key := simKeyframe(t, 640, 368, false)
	hostile := "$(touch " + canary + ");`touch " + canary + "`\n; touch " + canary
	key.Info.CameraID, key.Info.Stream = hostile, hostile
	if _, err := JPEG(context.Background(), ffmpeg, key, 640); err != nil {
		t.Fatal(err)
	}
	if _, err := MP4(key); err != nil {
		t.Fatal(err)
	}
	for _, codec := range []media.Codec{media.H264, media.H265} {
		for _, a := range jpegArgs(codec, 640) {
			if strings.ContainsAny(a, "$`;\n|&") || strings.Contains(a, "touch") {
				t.Errorf("argv element %q", a)
			}
		}
	}
	if _, err := os.Stat(canary); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("canary exists (stat: %v): something ran a shell", err)
	}
}
