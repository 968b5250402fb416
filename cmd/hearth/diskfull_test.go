package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/record"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// mountTmpfs mounts a size-limited tmpfs on a fresh directory for the
// test. It needs root; without it (or if mount fails) the test is skipped,
// or fails under CI=true.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		testpeer.Missing(t, format, args...)
	}
	if os.Geteuid() != 0 {
		skip("mounting a tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		skip("mount tmpfs: %v: %s", err, out)
	}
	// Registered after TempDir's cleanup, so it runs before the removal.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// cameraState is the part of GET /api/cameras this test reads.
type cameraState struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Recording string `json:"recording"`
	Streams   []struct {
		Stream     string    `json:"stream"`
		State      string    `json:"state"`
		Since      time.Time `json:"since"`
		BitrateBps float64   `json:"bitrate_bps"`
	} `json:"streams"`
}

func (c *client) camera(id string) cameraState {
	c.t.Helper()
	code, body := c.call("GET", "/api/cameras", "")
	var v struct {
		Cameras []cameraState `json:"cameras"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &v) != nil {
		c.t.Fatalf("cameras: %d %s", code, body)
	}
	for _, cam := range v.Cameras {
		if cam.ID == id {
			return cam
		}
	}
	c.t.Fatalf("camera %s not listed: %s", id, body)
	return cameraState{}
}

func (c *client) waitRecording(id, want string, limit time.Duration) cameraState {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		st := c.camera(id)
		if st.Recording == want {
			return st
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("recording state %q, want %q within %v", st.Recording, want, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	d, err := recordstore.StatDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d.FreeBytes
}

// TestDiskFull fills a small tmpfs holding the whole data directory while
// a simulated camera records through the real server: recording turns
// "disk-full" with the segment closed cleanly, live ingest keeps
// streaming, the database stays writable thanks to the released reserve,
// `hearth check` is clean; once space is freed recording resumes, and
// every indexed segment decodes.
func TestDiskFull(t *testing.T) {
	testpeer.Require(t, "ffmpeg")
	testStart := time.Now()
	const reserve = 4 << 20
	mnt := mountTmpfs(t, "16m")
	data := filepath.Join(mnt, "data")

	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	cam := addCamera(t, data, "Alpha", "cam", "rtsp://127.0.0.1:9/unset")
	const fps, gop = 10, 10
	const simGOP = gop * time.Second / fps
	sim, err := simcam.Listen(simcam.ServerConfig{Addr: "127.0.0.1:0", Cameras: []simcam.CameraConfig{
		{ID: cam, FPS: fps, GOP: gop, Width: simcam.MinWidth, Height: simcam.MinHeight}}})
	if err != nil {
		t.Fatal(err)
	}
	simCtx, stopSim := context.WithCancel(context.Background())
	simDone := make(chan struct{})
	go func() { _ = sim.Run(simCtx); close(simDone) }()
	t.Cleanup(func() { stopSim(); <-simDone })
	mustCLI(t, "", "camera", "edit", cam, "--main", sim.URL(1), "--data", data)

	srv := startServer(t, data, "--db-reserve", "4194304", "--log-level", "debug")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve log:\n%s", srv.stderr.String())
		}
	})
	ana := newClient(t, srv.url)
	ana.login("ana", sitePassword)
	ana.waitRecording(cam, record.RecordingActive, 20*time.Second)
	reservePath := filepath.Join(data, recordstore.ReserveFileName)
	if fi, err := os.Stat(reservePath); err != nil || fi.Size() != reserve {
		t.Fatalf("reserve not held at start: %v", err)
	}

	// Leave about 2.5 MiB for footage: ~12 s of the simulated camera.
	filler := filepath.Join(mnt, "filler")
	fillerSize := freeBytes(t, mnt) - 5<<19
	if fillerSize < 1<<20 {
		t.Fatalf("tmpfs too small: %d bytes free", fillerSize+5<<19)
	}
	if err := os.WriteFile(filler, make([]byte, fillerSize), 0o600); err != nil {
		t.Fatal(err)
	}

	st := ana.waitRecording(cam, record.RecordingDiskFull, 45*time.Second)
	fullAt := time.Now()
	t.Logf("disk full after %v; %d bytes free after the reserve was released", fullAt.Sub(testStart).Round(time.Millisecond), freeBytes(t, mnt))
	if _, err := os.Stat(reservePath); !os.IsNotExist(err) {
		t.Fatalf("reserve not released on a full disk: %v", err)
	}
	if !strings.Contains(srv.stderr.String(), "database reserve released") {
		t.Error("reserve release not logged")
	}

	// Live view keeps working: ingest is still streaming, same session.
	liveSince := func(st cameraState) time.Time {
		for _, s := range st.Streams {
			if s.Stream == "main" {
				return s.Since
			}
		}
		return time.Time{}
	}
	if st.State != "streaming" || liveSince(st).IsZero() {
		t.Fatalf("ingest state %q while the disk is full, want streaming (%+v)", st.State, st.Streams)
	}

	// The database stays writable: admin writes and a login (session row).
	mustCLI(t, "", "household", "add", "Bravo", "--data", data)
	mustCLI(t, sitePassword+"\n", "user", "add", "ben", "--household", "Bravo", "--role", "owner", "--data", data)
	newClient(t, srv.url).login("ana", sitePassword)
	newClient(t, srv.url).login("ben", sitePassword)

	// Recording stays paused (it must not eat the database's room) and the
	// ingest keeps streaming through a few recorder retries.
	// (Between retries the recorder shows "waiting" for an instant while
	// it resubscribes, so the state is awaited, not read once.)
	time.Sleep(5 * time.Second)
	st = ana.waitRecording(cam, record.RecordingDiskFull, 3*time.Second)
	if st.State != "streaming" || !liveSince(st).Equal(liveSince(ana.camera(cam))) {
		t.Fatalf("after 5 s on a full disk: recording %q, ingest %q", st.Recording, st.State)
	}
	for _, s := range st.Streams {
		if s.Stream == "main" && s.BitrateBps <= 0 {
			t.Fatalf("main stream idle while the disk is full: %+v", s)
		}
	}
	// The segment the full disk cut was closed cleanly: no row is open
	// while recording is paused.
	for _, s := range segmentsOf(t, data) {
		if s.State != nvr.SegmentClosed {
			t.Fatalf("segment %s is %s while recording is paused", s.Path, s.State)
		}
	}
	if free := freeBytes(t, mnt); free < reserve/2 {
		t.Fatalf("only %d bytes left for the database while paused", free)
	}
	newClient(t, srv.url).login("ana", sitePassword)
	if out, errs, code := cli(t, "", "check", "--data", data); code != 0 {
		t.Fatalf("check on a full disk: exit %d\n%s%s", code, out, errs)
	} else {
		t.Logf("check on a full disk: %s", strings.TrimSpace(out))
	}

	// Free space: the reserve comes back first, then recording resumes.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freedAt := time.Now()
	// The recorder's first unit after a pause is the hub's cached GOP, so
	// the resumed segment may start up to one GOP (1 s here) before the
	// space was freed: footage held in memory, not written while full.
	resumedFrom := freedAt.Add(-simGOP)
	ana.waitRecording(cam, record.RecordingActive, 15*time.Second)
	waitRecorded(t, data, []string{cam}, resumedFrom, 3*time.Second, 20*time.Second)
	if fi, err := os.Stat(reservePath); err != nil || fi.Size() != reserve {
		t.Fatalf("reserve not restored after space was freed: %v", err)
	}
	if st := ana.camera(cam); st.State != "streaming" {
		t.Fatalf("ingest state %q after resuming", st.State)
	}

	srv.stop(t) // closes the open segment
	if out, errs, code := cli(t, "", "check", "--data", data); code != 0 {
		t.Fatalf("check after the run: exit %d\n%s%s", code, out, errs)
	}
	segs := segmentsOf(t, data)
	var before, after int
	for _, s := range segs {
		if s.State != nvr.SegmentClosed {
			t.Errorf("segment %s left %s", s.Path, s.State)
		}
		switch {
		case s.Start.Before(fullAt):
			before++
		case s.Start.After(resumedFrom):
			after++
		default:
			t.Errorf("segment %s started at %v, while the disk was full (%v to %v)", s.Path, s.Start, fullAt, freedAt)
		}
		ffmpegDecodes(t, filepath.Join(data, recordstore.RecordingsDirName, filepath.FromSlash(s.Path)))
	}
	if before == 0 || after == 0 {
		t.Fatalf("segments before the disk filled %d, after it was freed %d; want both", before, after)
	}
	log := srv.stderr.String()
	var retention []string
	for line := range strings.Lines(log) {
		if strings.Contains(line, "part=retention") || strings.Contains(line, "part=reserve") ||
			(strings.Contains(line, "part=recorder") && !strings.Contains(line, "level=DEBUG")) {
			retention = append(retention, strings.TrimSpace(line))
		}
	}
	t.Logf("%d segments indexed and decoded (%d before the disk filled, %d after space was freed) in %v; reserve and retention log:\n%s",
		len(segs), before, after, time.Since(testStart).Round(time.Millisecond), strings.Join(retention, "\n"))
	if d := time.Since(testStart); d > 90*time.Second {
		t.Fatalf("took %v, budget 90 s", d)
	}
}
