package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// mqttBrokerPassword is the test broker's; it must reach the broker from
// the configuration file and appear nowhere in Hearth's output.
const mqttBrokerPassword = "e2e-broker-pw-71c4a"

// mosquitto is a real broker on loopback with one password user
// ("hearth"), and its clients mosquitto_sub and mosquitto_pub, which read
// the credentials from a file (never a command line).
type mosquitto struct {
	t    *testing.T
	dir  string
	port int
	xdg  string // XDG_CONFIG_HOME of the clients: their credentials
	cmd  *exec.Cmd
}

// startMosquitto starts a broker for the test (stopped at its end) and
// waits until it listens.
func startMosquitto(t *testing.T) *mosquitto {
	t.Helper()
	for _, p := range []string{"/usr/sbin/mosquitto", "mosquitto_sub", "mosquitto_pub", "mosquitto_passwd"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("test peer %s missing (Debian mosquitto, mosquitto-clients; .ci/deps installs them): %v", p, err)
		}
	}
	m := &mosquitto{t: t, dir: t.TempDir()}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	pw := filepath.Join(m.dir, "passwd")
	if out, err := exec.Command("mosquitto_passwd", "-c", "-b", pw, "hearth", mqttBrokerPassword).CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_passwd: %v: %s", err, out)
	}
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous false\npassword_file %s\nmax_queued_messages 100000\n", m.port, pw)
	if os.Getuid() == 0 {
		conf += "user root\n" // else mosquitto cannot read the private temp dir
	}
	writeFile(t, filepath.Join(m.dir, "mosquitto.conf"), conf)
	m.xdg = filepath.Join(m.dir, "xdg")
	if err := os.MkdirAll(m.xdg, 0o700); err != nil {
		t.Fatal(err)
	}
	creds := "-u hearth\n-P " + mqttBrokerPassword + "\n"
	writeFile(t, filepath.Join(m.xdg, "mosquitto_sub"), creds)
	writeFile(t, filepath.Join(m.xdg, "mosquitto_pub"), creds)
	m.start()
	t.Cleanup(m.stop)
	return m
}

// start runs the broker and waits until it accepts connections.
func (m *mosquitto) start() {
	m.t.Helper()
	m.cmd = exec.Command("/usr/sbin/mosquitto", "-c", filepath.Join(m.dir, "mosquitto.conf"))
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); ; {
		conn, err := net.DialTimeout("tcp", m.addr(), time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(end) {
			m.t.Fatalf("mosquitto not listening: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills the broker (an outage, or the test's end).
func (m *mosquitto) stop() {
	if m.cmd != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
		m.cmd = nil
	}
}

func (m *mosquitto) addr() string { return "127.0.0.1:" + strconv.Itoa(m.port) }

// config writes Hearth's configuration file naming the broker and returns
// its path.
func (m *mosquitto) config() string {
	m.t.Helper()
	p := filepath.Join(m.dir, "hearth.toml")
	writeFile(m.t, p, fmt.Sprintf("[mqtt]\nbroker = \"tcp://%s\"\nusername = \"hearth\"\npassword = %q\n", m.addr(), mqttBrokerPassword))
	return p
}

// client is mosquitto_sub or mosquitto_pub against the broker, with its
// credentials from the file.
func (m *mosquitto) client(ctx context.Context, tool string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, tool, append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(m.port)}, args...)...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+m.xdg)
	return cmd
}

// pub publishes one message with mosquitto_pub.
func (m *mosquitto) pub(ctx context.Context, topic, payload string) {
	m.t.Helper()
	if out, err := m.client(ctx, "mosquitto_pub", "-t", topic, "-m", payload).CombinedOutput(); err != nil {
		m.t.Fatalf("mosquitto_pub %s: %v: %s", topic, err, out)
	}
}
