package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// checkCLI runs "hearth check ARGS".
func checkCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return cli(t, "", append([]string{"check"}, args...)...)
}

// writeSegmentFile records seconds of a simulated camera into one segment
// file under dir/<cam>/, without indexing it, and returns its path.
func writeSegmentFile(t *testing.T, dir, cam string, seconds int) string {
	t.Helper()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	frame := 0
	wall := func() time.Time { return base.Add(time.Duration(frame) * 100 * time.Millisecond) }
	sc, err := simcam.NewCamera(simcam.CameraConfig{ID: cam, FPS: 10, GOP: 10, Width: simcam.MinWidth, Height: simcam.MinHeight, Now: wall})
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Config()
	info := &media.StreamInfo{CameraID: cam, Stream: "main", Tracks: []media.Track{{Codec: media.H264, ClockRate: 90000,
		Width: c.Width, Height: c.Height, FPS: 10, SPS: sc.SPS(), PPS: sc.PPS()}}}
	if err := os.MkdirAll(filepath.Join(dir, cam), 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, cam, strconv.FormatInt(base.UnixMilli(), 10)+"-1.mp4")
	files := segmentFilesFunc(func(segment.SegmentStart) (segment.File, error) { return segment.CreateFile(path) })
	seg := segment.NewSegmenter(segment.Config{Files: files, Target: time.Hour, Writer: segment.WriterOptions{Now: wall}})
	for ; frame < seconds*10; frame++ {
		au, err := sc.Next()
		if err != nil {
			t.Fatal(err)
		}
		dts := int64(frame) * 9000
		if err := seg.WriteUnit(&media.Unit{Info: info, PTS: dts, DTS: dts, Wall: wall(), Key: au.IDR, NALUs: au.NALUs}); err != nil {
			t.Fatal(err)
		}
	}
	if err := seg.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckCommand(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	cam := addCamera(t, data, "Alpha", "porch", "rtsp://127.0.0.1:1/x")

	// Before the first start there is no recordings directory.
	out, _, code := checkCLI(t, "--data", data)
	if code != exitFailure || !strings.Contains(out, "recordings directory") {
		t.Fatalf("before first start: exit %d: %s", code, out)
	}
	vol, err := recordstore.OpenVolume(data)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := checkCLI(t, "--data", data)
	if code != exitOK || !strings.Contains(out, "ok: index and files agree: 0 segments, 0 files") {
		t.Fatalf("empty: exit %d: %s %s", code, out, errs)
	}

	steps := []struct {
		name    string
		do      func(path string)
		problem string
	}{
		{"file without row", func(string) {}, "file-without-row"},
		{"torn tail", func(p string) {
			fi, _ := os.Stat(p)
			os.Truncate(p, fi.Size()-1000)
		}, "torn-tail"},
		{"missing file", func(p string) { os.Remove(p) }, "missing-file"},
		{"undecodable init", func(p string) {
			os.MkdirAll(filepath.Dir(p), 0o750)
			os.WriteFile(filepath.Join(filepath.Dir(p), "5-1.mp4"), []byte("junk"), 0o640)
		}, "undecodable-init"},
	}
	// The segment file of the camera (repair may rename it).
	current := func() string {
		m, _ := filepath.Glob(filepath.Join(vol.Dir, cam, "*.mp4"))
		if len(m) != 1 {
			return filepath.Join(vol.Dir, cam, "none.mp4")
		}
		return m[0]
	}
	writeSegmentFile(t, vol.Dir, cam, 5)
	for _, st := range steps {
		st.do(current())
		out, errs, code := checkCLI(t, "--data", data)
		if code != exitFailure || !strings.Contains(out, st.problem+" "+cam+"/") || !strings.Contains(errs, "check --repair") {
			t.Fatalf("%s: check: exit %d:\n%s%s", st.name, code, out, errs)
		}
		// One line per finding, then the summary.
		if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 {
			t.Errorf("%s: want one finding and a summary, got:\n%s", st.name, out)
		}
		out, errs, code = checkCLI(t, "--repair", "--data", data)
		if code != exitOK || !strings.Contains(out, "ok: repaired 1 problem") {
			t.Fatalf("%s: repair: exit %d:\n%s%s", st.name, code, out, errs)
		}
		out, errs, code = checkCLI(t, "--data", data)
		if code != exitOK || !strings.HasPrefix(out, "ok: index and files agree") {
			t.Fatalf("%s: after repair: exit %d:\n%s%s", st.name, code, out, errs)
		}
	}
	// Index the file again, then verify the real store's rows.
	writeSegmentFile(t, vol.Dir, cam, 3)
	if _, _, code := checkCLI(t, "--repair", "--data", data); code != exitOK {
		t.Fatal("repair failed")
	}
	out, _, _ = checkCLI(t, "--data", data)
	if !strings.Contains(out, "1 segment, 1 file") {
		t.Errorf("summary: %s", out)
	}

	// --repair refuses while a recorder holds the data directory; a plain
	// check still runs.
	unlock, err := recordstore.LockRecordings(data)
	if err != nil {
		t.Fatal(err)
	}
	_, errs, code = checkCLI(t, "--repair", "--data", data)
	if code != exitFailure || !strings.Contains(errs, "another hearth process") {
		t.Errorf("repair beside serve: exit %d: %s", code, errs)
	}
	out, _, code = checkCLI(t, "--data", data)
	if code != exitOK || !strings.Contains(out, "note: hearth serve is recording") {
		t.Errorf("check beside serve: exit %d: %s", code, out)
	}
	unlock()

	// A replaced recordings directory: nothing is judged, exit 1.
	os.Rename(vol.Dir, vol.Dir+".old")
	os.Mkdir(vol.Dir, 0o750)
	out, errs, code = checkCLI(t, "--repair", "--data", data)
	if code != exitFailure || !strings.Contains(out, "has no .hearth-volume") {
		t.Errorf("replaced volume: exit %d: %s %s", code, out, errs)
	}

	if _, errs, code := checkCLI(t, "--data", t.TempDir()); code != exitFailure || !strings.Contains(errs, "no database") {
		t.Errorf("no database: exit %d %s", code, errs)
	}
	if _, _, code := checkCLI(t, "extra", "--data", data); code != exitUsage {
		t.Errorf("positional argument: exit %d", code)
	}
}

// segmentFilesFunc adapts a function to segment.Files.
type segmentFilesFunc func(segment.SegmentStart) (segment.File, error)

func (f segmentFilesFunc) Create(s segment.SegmentStart) (segment.File, error) { return f(s) }
