package offsite

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

// sshd is Debian's OpenSSH server started by a test on loopback: its own
// host key, configuration and authorized_keys in a temporary directory,
// sftp by the in-process internal-sftp.
type sshd struct {
	addr    string
	hostKey string // authorized_keys form
	user    string
	root    string // a directory the test user may write
}

// startSSHD runs sshd with authorized (an authorized_keys line) as the
// only key it accepts. A missing sshd fails the test under CI=true.
func startSSHD(t *testing.T, authorized string) *sshd {
	t.Helper()
	bin, err := exec.LookPath("sshd")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/sshd"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("sshd missing (openssh-server; .ci/deps installs it)")
			}
			t.Skip("sshd missing (openssh-server; .ci/deps installs it)")
		}
	}
	if os.Geteuid() != 0 {
		// sshd logs in only as the user it runs as unless it is root; a
		// non-root sshd cannot switch users, and CI runs as root.
		if os.Getenv("CI") == "true" {
			t.Fatal("the SFTP test runs sshd as root")
		}
		t.Skip("the SFTP test runs sshd as root")
	}
	// sshd refuses to start without its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	auth := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(auth, []byte(authorized+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "sftp-root")
	if err := os.Mkdir(root, 0o700); err != nil {
		t.Fatal(err)
	}
	s := &sshd{user: "root", root: root}
	f := strings.Fields(string(pub))
	s.hostKey = f[0] + " " + f[1]
	// sshd cannot listen on port 0 and say which port it got: take a free
	// port and retry a few times if another process takes it first.
	for attempt := range 5 {
		port := freePort(t)
		s.addr = net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
		conf := filepath.Join(dir, fmt.Sprintf("sshd_config.%d", attempt))
		text := strings.Join([]string{
			"ListenAddress " + s.addr,
			"HostKey " + hostKey,
			"AuthorizedKeysFile " + auth,
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
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		if waitListening(s.addr, exited) {
			return s
		}
		b, _ := os.ReadFile(logf)
		t.Logf("sshd attempt %d on %s did not start: %s", attempt, s.addr, b)
	}
	t.Fatal("sshd did not start in 5 attempts")
	return nil
}

// waitListening waits (up to 20 s) until addr accepts, or the server exits.
func waitListening(addr string, exited <-chan error) bool {
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

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
