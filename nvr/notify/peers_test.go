package notify_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requirePython checks the SMTP peer is installed; a missing peer is a
// failure, never a skip (.ci/deps installs it).
func requirePython(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import aiosmtpd").Run(); err != nil {
		t.Fatalf("the SMTP test peer is missing (apt-get install python3-aiosmtpd; .ci/deps installs it): %v", err)
	}
	return py
}

// testCA makes a self-signed certificate for 127.0.0.1, written as PEM
// files in dir, and the pool that trusts it.
func testCA(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// smtpPeer is aiosmtpd (testdata/smtpd.py) on a loopback port.
type smtpPeer struct {
	addr string
	out  string
	pool *x509.CertPool
}

func startSMTP(t *testing.T, mode string) *smtpPeer {
	t.Helper()
	py := requirePython(t)
	dir := t.TempDir()
	certFile, keyFile, pool := testCA(t, dir)
	out := filepath.Join(dir, "mail")
	if err := os.Mkdir(out, 0o700); err != nil {
		t.Fatal(err)
	}
	// aiosmtpd's Controller needs a port number up front: take a free one
	// from the kernel and hand it over (it is free again a moment later).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(py, "testdata/smtpd.py", mode, strconv.Itoa(port), certFile, keyFile, out)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line) == "READY"
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = stdin.Close()
			_ = cmd.Wait()
			t.Fatalf("aiosmtpd did not start: %s", stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("aiosmtpd did not start within 20 s: %s", stderr.String())
	}
	return &smtpPeer{addr: "127.0.0.1:" + strconv.Itoa(port), out: out, pool: pool}
}

// mails returns the messages received so far, in order, with recipients.
func (p *smtpPeer) mails(t *testing.T) (msgs [][]byte, rcpts []string) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(p.out, "*.eml"))
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := os.ReadFile(strings.TrimSuffix(n, ".eml") + ".rcpt")
		msgs, rcpts = append(msgs, b), append(rcpts, string(r))
	}
	return msgs, rcpts
}
