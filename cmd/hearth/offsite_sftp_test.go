package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/testpeer"
)

// TestOffsiteHungTargetNeverDelaysRecording: the household's SFTP target
// accepts connections and never answers (a box that hangs). Recording goes
// on as before, and the owner reads the growing backlog and the problem
// on the API.
func TestOffsiteHungTargetNeverDelaysRecording(t *testing.T) {
	t.Parallel()
	site := newRecordingSite(t, 1)
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	accepted := make(chan struct{})
	go func() {
		// Owned by the test: holds every connection open, silent, until
		// the test ends.
		defer close(accepted)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		go func() { <-ctx.Done(); _ = hung.Close() }()
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { cancel(); <-accepted })
	keyFile := filepath.Join(t.TempDir(), "household.key")
	out := mustCLI(t, "", "offsite", "set", "Alpha", "--sftp", "friend@"+hung.Addr().String(), "--path", "/backup",
		"--new-key", keyFile, "--continuous", "--data", site.data)
	if !strings.Contains(out, "ssh-ed25519 ") || strings.Contains(out, "PRIVATE KEY") {
		t.Fatalf("set --sftp printed %q", out)
	}
	started := time.Now()
	srv := startServer(t, site.data)
	waitRecorded(t, site.data, site.cams, started, 5*time.Second, 60*time.Second)
	c := newClient(t, srv.url)
	c.login("ana", sitePassword)
	var st struct {
		Configured bool `json:"configured"`
		Status     struct {
			Backlog int    `json:"backlog_fragments"`
			Error   string `json:"error"`
		} `json:"status"`
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		code, body := c.call("GET", "/api/household/offsite", "")
		if code != http.StatusOK {
			t.Fatalf("GET offsite: %d %s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "PRIVATE KEY") || strings.Contains(body, "AGE-SECRET") {
			t.Fatalf("the API answered a private key: %s", body)
		}
		if st.Configured && st.Status.Backlog >= 5 && st.Status.Error != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no backlog and error within 60 s: %s", body)
		}
	}
	// Recording kept going all along: 5 s more of it, as fast as before.
	waitRecorded(t, site.data, site.cams, started, 10*time.Second, 60*time.Second)
	t.Logf("hung SFTP target: backlog %d fragments, error %q; recording went on", st.Status.Backlog, st.Status.Error)
}

// TestOffsiteSFTPEndToEnd: the admin points a household's copy at a real
// OpenSSH server (`hearth offsite set --sftp`), adds the printed key line
// to its authorized_keys, and the serving binary copies the recordings
// there, pinning the server's host key on first use; the server's files
// restore with the household key alone into MP4s ffmpeg decodes.
func TestOffsiteSFTPEndToEnd(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	sshd := testpeer.StartSSHD(t)
	site := newRecordingSite(t, 1)
	cam := site.cams[0]
	keyFile := filepath.Join(t.TempDir(), "household.key")
	root := filepath.Join(sshd.Local, "hearth") // "/upload/hearth" in the server's chroot
	out := mustCLI(t, "", "offsite", "set", "Alpha", "--sftp", sshd.User+"@"+sshd.Addr, "--path", sshd.Dir+"/hearth",
		"--new-key", keyFile, "--continuous", "--data", site.data)
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "ssh-ed25519 ") {
			line = l
		}
	}
	if line == "" || strings.Contains(out, "PRIVATE KEY") {
		t.Fatalf("set --sftp printed %q", out)
	}
	sshd.Authorize(t, line)
	if show := mustCLI(t, "", "offsite", "show", "Alpha", "--data", site.data); !strings.Contains(show, "not pinned yet") {
		t.Errorf("before the first connection: %q", show)
	}
	srv := startServer(t, site.data)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(root, cam, "*", "*.m4s.age"))
		if len(m) >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 4 fragments on the SFTP server within 60 s: %v", m)
		}
	}
	srv.stop(t)
	if show := mustCLI(t, "", "offsite", "show", "Alpha", "--data", site.data); !strings.Contains(show, "ssh-ed25519 pinned") {
		t.Errorf("after the first connection: %q", show)
	}
	dest := filepath.Join(t.TempDir(), "restored")
	mustCLI(t, "", "offsite", "restore", "--key", keyFile, root, dest)
	mp4s, _ := filepath.Glob(filepath.Join(dest, cam, "*.mp4"))
	if len(mp4s) == 0 {
		t.Fatal("nothing restored from the SFTP server")
	}
	for _, f := range mp4s {
		ffmpegDecodes(t, f)
	}
}
