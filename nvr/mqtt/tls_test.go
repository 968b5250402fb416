package mqtt_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCA makes a CA and a server certificate for 127.0.0.1 signed by it,
// as PEM files in dir: ca.pem, server.pem, server.key.
func writeCA(t *testing.T, dir, name string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for file, block := range map[string]*pem.Block{
		"ca.pem":     {Type: "CERTIFICATE", Bytes: caDER},
		"server.pem": {Type: "CERTIFICATE", Bytes: der},
		"server.key": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, file), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// An ssl:// broker is reached when its certificate chains to ca_file, and
// refused (nothing published, the failure logged) when it does not.
func TestTLSBroker(t *testing.T) {
	w := newWorld(t)
	b := newBroker(t, false)
	dir := t.TempDir()
	writeCA(t, dir, "hearth test broker CA")
	other := t.TempDir()
	writeCA(t, other, "someone else's CA")
	conf, err := os.ReadFile(b.ConfigFile())
	if err != nil {
		t.Fatal(err)
	}
	tlsConf := strings.Replace(string(conf), "allow_anonymous true\n", fmt.Sprintf(
		"allow_anonymous true\ncafile %s\ncertfile %s\nkeyfile %s\n",
		filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")), 1)
	if err := os.WriteFile(b.ConfigFile(), []byte(tlsConf), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Start()
	b.TrustCA(filepath.Join(dir, "ca.pem"))
	inA := w.integrate(w.hA, w.ownerA, "")
	col := b.subscribe(inA.TopicPrefix + "/#")

	// Signed by another CA: refused.
	stop := w.runWith(b, "ssl://"+b.Addr(), filepath.Join(other, "ca.pem"))
	waitFor(t, 30*time.Second, "the untrusted broker refused", func() bool {
		return strings.Contains(w.log.String(), "mqtt connect failed") && strings.Contains(w.log.String(), "certificate")
	})
	stop()
	if n := len(col.all()); n != 0 {
		t.Errorf("%d messages through a broker whose certificate Hearth does not trust", n)
	}

	w.runWith(b, "ssl://"+b.Addr(), filepath.Join(dir, "ca.pem"))
	waitFor(t, 30*time.Second, "online over TLS", func() bool {
		m, ok := col.last(inA.TopicPrefix + "/availability")
		return ok && string(m.payload) == "online"
	})
	waitFor(t, 30*time.Second, "state over TLS", func() bool {
		_, ok := col.last(inA.TopicPrefix + "/" + string(w.camA1.ID) + "/state")
		return ok
	})
}
