// Package e2e_recording runs the real hearth binary end to end for the
// recording promises that only the whole process shows: editing a camera
// keeps it recording, and the process stays idle while it waits. It holds
// tests only, in their own package so their minutes stay off cmd/hearth's.
package e2e_recording

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/simcam"
)

// buildHearth builds the binary under test into a temporary directory.
func buildHearth(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hearth")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/hearthnvr/hearth/cmd/hearth").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cli runs one admin command to completion and returns its stdout.
func cli(t *testing.T, bin, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hearth %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// lockedBuffer collects a process's output for reading while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// daemon is a long-running hearth process, stopped (SIGTERM, then wait)
// when the test ends.
type daemon struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
}

func startDaemon(t *testing.T, bin string, stdout io.Writer, args ...string) *daemon {
	t.Helper()
	d := &daemon{cmd: exec.Command(bin, args...), stderr: &lockedBuffer{}}
	d.cmd.Stdout, d.cmd.Stderr = stdout, d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(30 * time.Second):
			_ = d.cmd.Process.Kill()
			<-waited
			t.Errorf("hearth %s did not stop on SIGTERM", args[0])
		}
		if t.Failed() {
			t.Logf("hearth %s stderr:\n%s", args[0], d.stderr.String())
		}
	})
	return d
}

// cpuTime is the process's user + system CPU time so far (Linux).
func (d *daemon) cpuTime(t *testing.T) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("read process CPU time: %v", err)
	}
	// Fields after the parenthesised command name: state is field 3,
	// utime and stime are fields 14 and 15, in clock ticks (100 Hz).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// waitFor polls cond every 200 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// recordedBytes sums the files under <data>/recordings, like du -sb.
func recordedBytes(t *testing.T, data string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(filepath.Join(data, "recordings"), func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a segment deleted while walking
		}
		if fi, err := d.Info(); err == nil && d.Type().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type cameraAnswer struct {
	State           string     `json:"state"`
	Recording       string     `json:"recording"`
	RecordingSince  *time.Time `json:"recording_since"`
	RecordingReason string     `json:"recording_reason"`
}

// TestEditedCameraKeepsRecording is issue 13's reproduction with the
// real binary: simcam, serve, `camera edit --transport auto` and then a
// URL change to another simulated camera. After each edit new footage is
// written and the API says recording; while the server waits, it does
// not burn a core; once the camera is gone, the API stops saying
// recording.
func TestEditedCameraKeepsRecording(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go tool builds the binary under test: %v", err)
	}
	bin := buildHearth(t)

	// Two simulated cameras, one-second GOPs.
	simOut := &lockedBuffer{}
	startDaemon(t, bin, simOut, "simcam", "--listen", "127.0.0.1:0", "--cameras", "2", "--fps", "10", "--gop", "10",
		"--size", fmt.Sprintf("%dx%d", simcam.MinWidth, simcam.MinHeight))
	var urls []string
	waitFor(t, 30*time.Second, "simcam's camera URLs", func() bool {
		urls = urls[:0]
		for _, line := range strings.Split(simOut.String(), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "camera" {
				urls = append(urls, f[2])
			}
		}
		return len(urls) == 2
	})

	data := t.TempDir()
	cli(t, bin, "", "household", "add", "Alpha", "--data", data)
	cli(t, bin, "correct horse battery\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	added := strings.Fields(cli(t, bin, "", "camera", "add", "Porch", "--household", "Alpha", "--main", urls[0], "--data", data))
	if len(added) < 2 || added[0] != "camera" {
		t.Fatalf("camera add printed %q", added)
	}
	cam := added[1]
	token := strings.TrimSpace(cli(t, bin, "", "token", "create", "--user", "ana", "--scope", "view", "--data", data))

	srv := startDaemon(t, bin, io.Discard, "serve", "--data", data, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0")
	urlRE := regexp.MustCompile(`msg="hearth serving".* url=(http://\S+)`)
	var base string
	waitFor(t, 30*time.Second, "serve to listen", func() bool {
		m := urlRE.FindStringSubmatch(srv.stderr.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	client := &http.Client{Timeout: 10 * time.Second}
	camera := func() cameraAnswer {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/cameras/"+cam, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET camera: %v", err)
		}
		defer resp.Body.Close()
		var a cameraAnswer
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET camera: %s", resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Fatalf("GET camera: %v", err)
		}
		return a
	}
	// recordsAgain waits until at least 3 s of footage more than at its
	// start is on disk and the API says recording.
	recordsAgain := func(what string) {
		t.Helper()
		from := recordedBytes(t, data)
		waitFor(t, 60*time.Second, what+": footage written", func() bool { return recordedBytes(t, data) > from+20000 })
		waitFor(t, 30*time.Second, what+": state recording", func() bool { return camera().Recording == "recording" })
		grown := recordedBytes(t, data)
		waitFor(t, 30*time.Second, what+": footage keeps coming", func() bool { return recordedBytes(t, data) > grown })
	}
	recordsAgain("first start")
	first := camera()
	if first.RecordingSince == nil {
		t.Fatalf("recording without recording_since: %+v", first)
	}

	cli(t, bin, "", "camera", "edit", cam, "--transport", "auto", "--data", data)
	recordsAgain("after --transport auto")
	// Recording and waiting for the next GOP, one camera costs a few
	// percent of a core; the busy loop took a whole one. The bound is
	// half a core over the window, 10x the usual use.
	const window = 5 * time.Second
	cpu0 := srv.cpuTime(t)
	time.Sleep(window)
	if used := srv.cpuTime(t) - cpu0; used > window/2 {
		t.Fatalf("serve used %v of CPU in %v recording one camera", used, window)
	} else {
		t.Logf("serve used %v of CPU in %v", used, window)
	}

	cli(t, bin, "", "camera", "edit", cam, "--main", urls[1], "--data", data)
	recordsAgain("after a URL change")
	// A restart shorter than the stall bound does not end the run of
	// indexed footage; recording_since never goes back before it.
	if a := camera(); a.RecordingSince == nil || a.RecordingSince.Before(*first.RecordingSince) {
		t.Errorf("recording_since %v after two restarts, first run began %v", a.RecordingSince, first.RecordingSince)
	}

	// The camera goes away: nothing is indexed, and the state says so.
	cli(t, bin, "", "camera", "edit", cam, "--main", "rtsp://127.0.0.1:9/gone", "--data", data)
	waitFor(t, 60*time.Second, "not recording once the camera is gone", func() bool {
		return camera().Recording == "waiting"
	})
}
