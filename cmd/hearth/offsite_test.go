package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// startServeProcessURL is startServeProcess with the info log, and
// returns the process with its base URL read from the "hearth serving"
// line (the server picks its own port).
func startServeProcessURL(t *testing.T, data string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_SUBCOMMAND=serve --data "+data+" --listen 127.0.0.1:0 --webrtc-udp-port 0 --log-level info")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close() })
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	urls := make(chan string, 1)
	var logBuf bytes.Buffer
	logDone := make(chan struct{})
	go func() {
		// Owned by the process: it ends when the process's stderr closes.
		defer close(logDone)
		re := regexp.MustCompile(`msg="hearth serving".* url=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logBuf.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-logDone
		if t.Failed() {
			t.Logf("serve log:\n%s", logBuf.String())
		}
	})
	select {
	case u := <-urls:
		return cmd, u
	case <-time.After(60 * time.Second):
		t.Fatal("serve printed no URL within 60 s")
	}
	return nil, ""
}

// TestOffsiteKill9MidEvent: an events-only camera records an event while
// its household's copy goes to a directory; the server is killed with
// SIGKILL in the middle of the event. The target alone, with the recovery
// key, restores a playable MP4 that ffmpeg decodes, holding the recorded
// footage up to the last fragment copied; Debian's age decrypts any file
// of it; no plaintext byte of the video is on the target.
func TestOffsiteKill9MidEvent(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	testpeer.Require(t, "ffprobe")
	ageBin := testpeer.Require(t, "age")
	site := newRecordingSite(t, 1)
	cam := site.cams[0]
	mustCLI(t, "", "camera", "edit", cam, "--record", "events", "--pre-roll", "2s", "--post-roll", "3s",
		"--motion", "off", "--data", site.data)
	target := filepath.Join(t.TempDir(), "nas")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "household.key")
	// Bad input first: each refused with a message and the usage exit code.
	for _, bad := range [][]string{
		{"offsite", "set", "Alpha", "--dir", target},
		{"offsite", "set", "Alpha", "--dir", "relative/path", "--new-key", keyFile},
		{"offsite", "set", "Alpha", "--dir", target, "--recipient", "ssh-ed25519 AAAA"},
		{"offsite", "set", "Nobody", "--dir", target, "--new-key", keyFile},
	} {
		if _, errs, code := cli(t, "", append(bad, "--data", site.data)...); code == 0 || strings.TrimSpace(errs) == "" {
			t.Errorf("%v: exit %d, %q; want a refusal", bad, code, errs)
		}
	}
	if _, err := os.Stat(keyFile); err == nil {
		t.Fatal("a refused set left a key file")
	}
	out := mustCLI(t, "", "offsite", "set", "Alpha", "--dir", target, "--new-key", keyFile, "--data", site.data)
	if strings.Contains(out, "AGE-SECRET-KEY") {
		t.Fatal("the private key was printed")
	}
	if show := mustCLI(t, "", "offsite", "show", "Alpha", "--data", site.data); !strings.Contains(show, target) || !strings.Contains(show, "event footage") {
		t.Errorf("show: %q", show)
	}
	token := strings.TrimSpace(mustCLI(t, "", "token", "create", "--user", "ana", "--scope", "trigger", "--name", "doorbell", "--data", site.data))

	proc, url := startServeProcessURL(t, site.data)
	c := newClient(t, url)
	var trigger time.Time
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		// The camera is armed once its stream runs; a trigger before that
		// records nothing, so trigger until footage appears.
		trigger = time.Now()
		if code, body := c.call("POST", "/api/cameras/"+cam+"/events", `{"label":"burglar","duration_s":120}`,
			"Authorization", "Bearer "+token); code != http.StatusCreated {
			t.Fatalf("trigger: %d %s", code, body)
		}
		if len(segmentsOf(t, site.data)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no event footage within 60 s")
		}
	}
	// Mid-event: wait until at least 6 fragments are on the target, then
	// kill the server.
	segDir := ""
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(target, cam, "*", "*.m4s.age"))
		if len(m) >= 6 {
			segDir = filepath.Dir(m[0])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 6 fragments copied within 60 s: %v", m)
		}
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	killed := time.Now()
	atKill, _ := filepath.Glob(filepath.Join(segDir, "*.m4s.age"))

	// No plaintext on the target: no MP4 box name, no SEI stamp, no camera ID.
	var files int
	_ = filepath.WalkDir(target, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, needle := range []string{"ftyp", "moov", "moof", "mdat", sei.UUID, cam} {
			if bytes.Contains(b, []byte(needle)) {
				t.Errorf("%s holds plaintext %q", p, needle)
			}
		}
		return nil
	})

	// Restore from the target alone.
	dest := filepath.Join(t.TempDir(), "restored")
	out = mustCLI(t, "", "offsite", "restore", "--key", keyFile, target, dest)
	mp4s, _ := filepath.Glob(filepath.Join(dest, cam, "*.mp4"))
	if len(mp4s) == 0 {
		t.Fatalf("restore wrote no MP4: %s", out)
	}
	var restoredEnd time.Time
	for _, f := range mp4s {
		ffmpegDecodes(t, f)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(sei.UUID)) {
			t.Errorf("%s holds no SEI stamp: not the camera's footage", f)
		}
		// The restored file is the local segment's prefix, byte for byte:
		// the recorder's own file after the crash's recovery holds at least
		// what was copied (copies happen only after the fsync).
		name := strings.TrimSuffix(filepath.Base(f), ".mp4")
		local, err := os.ReadFile(filepath.Join(site.data, recordstore.RecordingsDirName, cam, name+".mp4"))
		if err != nil {
			t.Fatalf("local segment of %s: %v", name, err)
		}
		if !bytes.HasPrefix(local, b) {
			t.Errorf("restored %s (%d bytes) is not a prefix of the local file (%d bytes)", name, len(b), len(local))
		}
		dur := ffprobeDuration(t, f)
		if dur < 5 {
			t.Errorf("restored %s plays %.1f s; want the 6 fragments (≥ 5 s) seen before the kill", name, dur)
		}
		if fi, err := os.Stat(filepath.Join(dest, cam, name+".json")); err != nil || fi.Size() == 0 {
			t.Errorf("no time index next to %s: %v", name, err)
		}
		if end, err := restoredEndOf(out, f); err == nil && end.After(restoredEnd) {
			restoredEnd = end
		}
	}
	// Any one file decrypts with the age CLI and the recovery file alone.
	plain, err := exec.Command(ageBin, "-d", "-i", keyFile, filepath.Join(segDir, "000001.m4s.age")).Output()
	if err != nil || !bytes.Contains(plain, []byte("moof")) {
		t.Errorf("age -d of a fragment: %v (%d bytes)", err, len(plain))
	}
	t.Logf("offsite: %d files on the target, %d restored MP4s; trigger at %s, killed at %s, restored footage ends %s",
		files, len(mp4s), trigger.Format("15:04:05.000"), killed.Format("15:04:05.000"), restoredEnd.Format("15:04:05.000"))

	// The next start catches up: every fragment the killed run indexed
	// reaches the target, and the restore equals the local files.
	// Recovery at the start closes the killed run's open segment and may
	// index whole fragments the kill left unindexed: the catch-up must
	// send those too, so the segments are read once recovery is done.
	killedIDs := map[nvr.SegmentID]bool{}
	for _, s := range segmentsOf(t, site.data) {
		killedIDs[s.ID] = true
	}
	proc, _ = startServeProcessURL(t, site.data)
	var killedSegs []nvr.Segment
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		killedSegs = killedSegs[:0]
		open := 0
		for _, s := range segmentsOf(t, site.data) {
			if killedIDs[s.ID] {
				killedSegs = append(killedSegs, s)
				if s.State == nvr.SegmentOpen {
					open++
				}
			}
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed run's segment not recovered within 60 s")
		}
	}
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		missing := 0
		for _, s := range killedSegs {
			name := strings.TrimSuffix(filepath.Base(s.Path), ".mp4")
			for i := range fragmentsOf(t, site.data, s.ID) {
				if _, err := os.Stat(filepath.Join(target, cam, name, fmt.Sprintf("%06d.m4s.age", i+1))); err != nil {
					missing++
				}
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d fragments of the killed run not on the target 90 s after the restart", missing)
		}
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	afterCatchUp, _ := filepath.Glob(filepath.Join(segDir, "*.m4s.age"))
	// The catch-up is proved on its own by nvr/offsite's TestCatchUpAfterKill;
	// here a fast copy may have left it nothing to do.
	t.Logf("fragments of the killed segment on the target: %d at the kill, %d after the restart's catch-up",
		len(atKill), len(afterCatchUp))
	dest2 := filepath.Join(t.TempDir(), "restored")
	mustCLI(t, "", "offsite", "restore", "--key", keyFile, target, dest2)
	for _, s := range killedSegs {
		name := strings.TrimSuffix(filepath.Base(s.Path), ".mp4")
		got, err := os.ReadFile(filepath.Join(dest2, cam, name+".mp4"))
		if err != nil {
			t.Fatalf("segment %s not restored: %v", name, err)
		}
		local, err := os.ReadFile(filepath.Join(site.data, recordstore.RecordingsDirName, filepath.FromSlash(s.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(local, got) || len(got) < int(s.Bytes) {
			t.Errorf("segment %s: restored %d bytes, local %d (indexed %d): not all of the killed run's footage", name, len(got), len(local), s.Bytes)
		}
		ffmpegDecodes(t, filepath.Join(dest2, cam, name+".mp4"))
	}
}

// fragmentsOf reads a segment's indexed fragments (another handle on the
// database file).
func fragmentsOf(t *testing.T, data string, id nvr.SegmentID) []nvr.Fragment {
	t.Helper()
	store, err := db.Open(context.Background(), filepath.Join(data, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	frags, err := store.Fragments(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return frags
}

// ffprobeDuration reads a file's duration in seconds with ffprobe.
func ffprobeDuration(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s: duration %q", path, out)
	}
	return d
}

// restoredEndOf finds f's line in restore's output and parses its end.
func restoredEndOf(out, f string) (time.Time, error) {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, f+"\t") {
			parts := strings.Split(line, " – ")
			return time.Parse("2006-01-02T15:04:05Z", strings.TrimSpace(parts[len(parts)-1]))
		}
	}
	return time.Time{}, os.ErrNotExist
}
