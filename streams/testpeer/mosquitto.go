package testpeer

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Mosquitto is a real MQTT broker (Debian's mosquitto) on a loopback port
// for one test, and its command-line clients mosquitto_sub and
// mosquitto_pub, which read their credentials from files: no password is
// ever on a command line, not even the test broker's.
type Mosquitto struct {
	t    testing.TB
	port int
	user string // "": anonymous clients are allowed
	conf string // the broker's configuration file
	xdg  string // the clients' XDG_CONFIG_HOME, holding their credentials
	// caFile is the CA the clients trust for a TLS listener; "": plain.
	caFile string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *SyncBuffer
}

// NewMosquitto writes a broker's configuration for t: a listener on a
// free loopback port; with user set, a password file holding user and
// password, anonymous clients refused, and the clients' credential files.
// Start runs it; the test's end stops it. A missing mosquitto, client or
// mosquitto_passwd ends t by Missing.
func NewMosquitto(t testing.TB, user, password string) *Mosquitto {
	t.Helper()
	Require(t, "/usr/sbin/mosquitto")
	for _, p := range []string{"mosquitto_sub", "mosquitto_pub", "mosquitto_passwd"} {
		Require(t, p)
	}
	dir := t.TempDir()
	m := &Mosquitto{t: t, port: freePort(t), user: user, conf: filepath.Join(dir, "mosquitto.conf")}
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\n", m.port)
	if user != "" {
		pw := filepath.Join(dir, "passwd")
		if out, err := exec.Command("mosquitto_passwd", "-c", "-b", pw, user, password).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd: %v: %s", err, out)
		}
		conf = fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous false\npassword_file %s\n", m.port, pw)
		m.xdg = filepath.Join(dir, "xdg")
		if err := os.MkdirAll(m.xdg, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, tool := range []string{"mosquitto_sub", "mosquitto_pub"} {
			opts := fmt.Sprintf("-u %s\n-P %s\n", user, password)
			if err := os.WriteFile(filepath.Join(m.xdg, tool), []byte(opts), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Many messages may wait for a slow test subscriber: queue them.
	conf += "max_queued_messages 100000\n"
	if os.Getuid() == 0 {
		// Started as root, mosquitto switches to the user "mosquitto",
		// who cannot read the test's private temporary directory.
		conf += "user root\n"
	}
	if err := os.WriteFile(m.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

// StartMosquitto is NewMosquitto, started.
func StartMosquitto(t testing.TB, user, password string) *Mosquitto {
	t.Helper()
	m := NewMosquitto(t, user, password)
	m.Start()
	return m
}

// ConfigFile is the broker's configuration file, for a test that adds to
// it (a TLS listener) before Start.
func (m *Mosquitto) ConfigFile() string { return m.conf }

// TrustCA makes the clients trust caFile: the broker listens with TLS.
func (m *Mosquitto) TrustCA(caFile string) { m.caFile = caFile }

// Start runs the broker and waits (10 s at most) until it accepts
// connections; a broker that exits fails t with its output.
func (m *Mosquitto) Start() {
	m.t.Helper()
	cmd := exec.Command("/usr/sbin/mosquitto", "-c", m.conf)
	out := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("start mosquitto: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }() // ends with the process: Stop kills it
	m.mu.Lock()
	m.cmd, m.done, m.out = cmd, done, out
	m.mu.Unlock()
	for end := time.Now().Add(10 * time.Second); ; {
		select {
		case <-done:
			m.t.Fatalf("mosquitto ended: %s", out.String())
		default:
		}
		c, err := net.DialTimeout("tcp", m.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(end) {
			m.t.Fatalf("mosquitto not listening within 10 s: %v; %s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the broker (an outage, or the test's end); Start runs it
// again on the same port.
func (m *Mosquitto) Stop() {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.cmd = nil
	m.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Addr is the broker's host:port; URL its tcp:// address.
func (m *Mosquitto) Addr() string { return "127.0.0.1:" + strconv.Itoa(m.port) }
func (m *Mosquitto) URL() string  { return "tcp://" + m.Addr() }

// Client is mosquitto_sub or mosquitto_pub against the broker, with its
// credentials (if any) from their files and the CA of a TLS listener.
func (m *Mosquitto) Client(ctx context.Context, tool string, args ...string) *exec.Cmd {
	base := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(m.port)}
	if m.caFile != "" {
		base = append(base, "--cafile", m.caFile)
	}
	cmd := exec.CommandContext(ctx, tool, append(base, args...)...)
	if m.xdg != "" {
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+m.xdg)
	}
	return cmd
}

// Pub publishes one message with mosquitto_pub at QoS 1 (the broker has
// it when Pub returns), failing t if it cannot.
func (m *Mosquitto) Pub(ctx context.Context, topic, payload string) {
	m.t.Helper()
	if out, err := m.Client(ctx, "mosquitto_pub", "-t", topic, "-m", payload, "-q", "1").CombinedOutput(); err != nil {
		m.t.Fatalf("mosquitto_pub %s: %v: %s", topic, err, out)
	}
}
