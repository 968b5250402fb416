package testpeer

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SSHD is Debian's OpenSSH server started by a test on loopback: its own
// host key, configuration and authorized_keys in a temporary directory,
// key authentication only, SFTP by the in-process internal-sftp, the
// session chrooted to a directory of its own (as a friend's box would
// confine a guest).
type SSHD struct {
	Addr    string // 127.0.0.1:port
	HostKey string // the server's host key, authorized_keys form ("ssh-ed25519 AAAA…")
	User    string // the login ("root": sshd switches users only as root)
	// Dir is a directory the user may write, as the server names it
	// (inside the chroot); Local is the same directory on this machine.
	Dir, Local string
	authKeys   string
}

// Authorize adds an authorized_keys line; sshd reads the file at each
// login, so it takes effect at once.
func (s *SSHD) Authorize(t testing.TB, line string) {
	t.Helper()
	f, err := os.OpenFile(s.authKeys, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.TrimSpace(line) + "\n"); err != nil {
		t.Fatal(err)
	}
}

// StartSSHD runs sshd until the test ends. A missing sshd (Debian's
// openssh-server) or a test not run as root ends t by Missing: a failure
// under CI=true.
func StartSSHD(t testing.TB) *SSHD {
	t.Helper()
	bin := "/usr/sbin/sshd"
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("sshd"); err != nil {
			Missing(t, "sshd not found (openssh-server)")
		}
	}
	keygen := Require(t, "ssh-keygen")
	if os.Geteuid() != 0 {
		// A non-root sshd cannot switch to the logged-in user.
		Missing(t, "sshd test peer needs root")
	}
	// sshd refuses to start without its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: a session's process may still write its log as it
	// ends after the server is killed, and t.TempDir's removal would fail
	// the test on it. Removed, best effort, after the server.
	dir, err := os.MkdirTemp("", "hearth-sshd-conf-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	hostKey := filepath.Join(dir, "host_ed25519")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-f", hostKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	// sshd accepts a chroot only where every component of the path is
	// root's and writable by no one else: not under /tmp (mode 1777), so
	// under /run.
	chroot, err := os.MkdirTemp("/run", "hearth-sshd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(chroot) })
	if err := os.Chmod(chroot, 0o755); err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(pub))
	s := &SSHD{HostKey: f[0] + " " + f[1], User: "root", Dir: "/upload", Local: filepath.Join(chroot, "upload"),
		authKeys: filepath.Join(dir, "authorized_keys")}
	if err := os.Mkdir(s.Local, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.authKeys, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd cannot listen on port 0 and say which port it got: take a free
	// port, and try another if something else takes it first.
	for attempt := range 5 {
		s.Addr = net.JoinHostPort("127.0.0.1", fmt.Sprint(freePort(t)))
		conf := filepath.Join(dir, fmt.Sprintf("sshd_config.%d", attempt))
		text := strings.Join([]string{
			"ListenAddress " + s.Addr,
			"HostKey " + hostKey,
			"AuthorizedKeysFile " + s.authKeys,
			"PidFile none",
			"UsePAM no",
			"StrictModes no",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"PubkeyAuthentication yes",
			"PermitRootLogin prohibit-password",
			"AllowUsers root",
			"Subsystem sftp internal-sftp",
			"ForceCommand internal-sftp",
			"ChrootDirectory " + chroot,
			"AllowTcpForwarding no",
			"X11Forwarding no",
			"LogLevel ERROR",
		}, "\n") + "\n"
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		logf := filepath.Join(dir, fmt.Sprintf("sshd.%d.log", attempt))
		cmd := exec.Command(bin, "-D", "-f", conf, "-E", logf)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		if listening(s.Addr, exited) {
			return s
		}
		b, _ := os.ReadFile(logf)
		t.Logf("sshd attempt %d on %s did not start: %s", attempt, s.Addr, b)
	}
	t.Fatal("sshd did not start in 5 attempts")
	return nil
}

// listening waits (up to 20 s) until addr accepts, or the server exits.
func listening(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
