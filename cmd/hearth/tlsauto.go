package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Files of the self-signed certificate under <data>/tls/.
const (
	tlsDirName       = "tls"
	autoCertFile     = "cert.pem"
	autoKeyFile      = "key.pem"
	autoCertValidity = 825 * 24 * time.Hour // the longest Apple clients accept
	autoCertRenew    = 30 * 24 * time.Hour  // replaced this long before expiry
)

// tlsSetup is what serve needs to speak HTTPS.
type tlsSetup struct {
	// Config is for http.Server.TLSConfig (ServeTLS adds h2).
	Config *tls.Config
	// Fingerprint is the SHA-256 of the self-signed certificate in mode
	// auto, for users to compare with what their browser shows; empty in
	// mode files.
	Fingerprint string
	// CertPath is the certificate file in use.
	CertPath string
}

// setupTLS prepares HTTPS for o.Mode; it returns nil for mode off. hostIPs
// (the WebRTC host IPs) are added to the self-signed certificate's names.
func setupTLS(o tlsOptions, dataDir string, hostIPs []string, now func() time.Time, log *slog.Logger) (*tlsSetup, error) {
	switch o.Mode {
	case tlsAuto:
		cert, fp, err := autoCert(dataDir, hostIPs, now)
		if err != nil {
			return nil, err
		}
		return &tlsSetup{Config: tlsConfig(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }),
			Fingerprint: fp, CertPath: filepath.Join(dataDir, tlsDirName, autoCertFile)}, nil
	case tlsFiles:
		r, err := newCertReloader(o.CertFile, o.KeyFile, log)
		if err != nil {
			return nil, err
		}
		return &tlsSetup{Config: tlsConfig(r.GetCertificate), CertPath: o.CertFile}, nil
	}
	return nil, nil
}

// tlsConfig is the server TLS configuration: TLS 1.2 or newer with Go's
// default (forward-secret, AEAD) suites.
func tlsConfig(getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: getCert,
	}
}

// autoCert returns the self-signed ECDSA P-256 certificate kept in
// <dataDir>/tls/, making it when missing, unreadable, about to expire or not
// covering every wanted name. The names are localhost, 127.0.0.1, ::1, the
// machine's hostname (and hostname.local) and hosts (IP addresses or DNS
// names). The key file is mode 0600. fingerprint is the SHA-256 of the
// certificate, colon-separated uppercase hex as browsers show it.
func autoCert(dataDir string, hosts []string, now func() time.Time) (cert tls.Certificate, fingerprint string, err error) {
	dir := filepath.Join(dataDir, tlsDirName)
	certPath, keyPath := filepath.Join(dir, autoCertFile), filepath.Join(dir, autoKeyFile)
	names := certNames(hosts)

	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && c.Leaf != nil &&
		now().Add(autoCertRenew).Before(c.Leaf.NotAfter) && !now().Before(c.Leaf.NotBefore) && covers(c.Leaf, names) {
		// The key stays private even if it was copied in with a looser mode.
		if fi, err := os.Stat(keyPath); err == nil && fi.Mode().Perm() != 0o600 {
			if err := os.Chmod(keyPath, 0o600); err != nil {
				return tls.Certificate{}, "", fmt.Errorf("tls key %s: %w", keyPath, err)
			}
		}
		return c, certFingerprint(c.Leaf.Raw), nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, "", fmt.Errorf("tls directory %s: %w", dir, err)
	}
	certPEM, keyPEM, err := makeSelfSigned(names, now())
	if err != nil {
		return tls.Certificate{}, "", err
	}
	// Key first: a certificate without its key is never left behind as the
	// newer file.
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, "", err
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, "", err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("self-signed certificate: %w", err)
	}
	return c, certFingerprint(c.Leaf.Raw), nil
}

// certNames is the de-duplicated list of names for the self-signed
// certificate.
func certNames(hosts []string) []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, h)
		if !strings.Contains(h, ".") {
			names = append(names, h+".local") // mDNS, as on a Raspberry Pi
		}
	}
	for _, h := range hosts {
		if h = strings.TrimSpace(h); h != "" {
			names = append(names, h)
		}
	}
	out := names[:0]
	seen := map[string]bool{}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			n = ip.String()
		} else {
			n = strings.ToLower(n)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// covers reports whether the certificate names every one of names.
func covers(c *x509.Certificate, names []string) bool {
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			if !slices.ContainsFunc(c.IPAddresses, ip.Equal) {
				return false
			}
		} else if !slices.Contains(c.DNSNames, n) {
			return false
		}
	}
	return true
}

func makeSelfSigned(names []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("serial number: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Hearth NVR", Organization: []string{"Hearth (self-signed)"}},
		NotBefore:             now.Add(-time.Hour), // tolerate a client clock slightly behind
		NotAfter:              now.Add(autoCertValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), nil
}

// certFingerprint is the SHA-256 of a DER certificate as AA:BB:...
func certFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// writeFileAtomic writes path through a fresh temporary file (O_EXCL, the
// final mode from the start), fsyncs it, renames it and fsyncs the
// directory.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".tmp")
	_ = os.Remove(tmp) // left by a crash
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := firstErr(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// certReloader serves the operator's certificate files and picks up a
// renewed pair (certbot, acme.sh) on the next handshake after the files
// change; a broken pair keeps the previous one and is logged.
type certReloader struct {
	certPath, keyPath string
	log               *slog.Logger

	mu       sync.Mutex
	cert     *tls.Certificate
	modStamp string
}

func newCertReloader(certPath, keyPath string, log *slog.Logger) (*certReloader, error) {
	r := &certReloader{certPath: certPath, keyPath: keyPath, log: log}
	stamp, err := r.stamp()
	if err != nil {
		return nil, err
	}
	c, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("tls certificate %s and key %s: %w", certPath, keyPath, err)
	}
	r.cert, r.modStamp = &c, stamp
	return r, nil
}

func (r *certReloader) stamp() (string, error) {
	var b bytes.Buffer
	for _, p := range []string{r.certPath, r.keyPath} {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("tls file: %w", err)
		}
		fmt.Fprintf(&b, "%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return b.String(), nil
}

// GetCertificate is for tls.Config.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stamp, err := r.stamp()
	if err != nil || stamp == r.modStamp {
		return r.cert, nil
	}
	c, err := tls.LoadX509KeyPair(r.certPath, r.keyPath)
	if err != nil {
		if r.log != nil {
			r.log.Warn("tls files changed but do not load; keeping the previous certificate", "err", err)
		}
		return r.cert, nil
	}
	r.cert, r.modStamp = &c, stamp
	if r.log != nil {
		r.log.Info("tls certificate reloaded", "cert", r.certPath)
	}
	return r.cert, nil
}

// redirectHandler sends plain-HTTP GET and HEAD requests to the same host
// and path over HTTPS on httpsPort ("" or "443" for the default port); other
// methods get 400, since their body already crossed the network in clear.
func redirectHandler(httpsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if host == "" || strings.ContainsAny(host, "/\\@ ") {
			http.Error(w, "bad Host header", http.StatusBadRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "use HTTPS", http.StatusBadRequest)
			return
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		if httpsPort != "" && httpsPort != "443" {
			host += ":" + httpsPort
		}
		// Found, not a permanent redirect: browsers must not remember it
		// if TLS is turned off again.
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusFound)
	})
}

// serveRedirect runs the HTTP→HTTPS redirect server on ln until ctx ends.
// httpsAddr is the HTTPS listener's bound address.
func serveRedirect(ctx context.Context, ln net.Listener, httpsAddr string, log *slog.Logger) error {
	_, port, _ := net.SplitHostPort(httpsAddr)
	hs := &http.Server{
		Handler:           redirectHandler(port),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http redirect: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
