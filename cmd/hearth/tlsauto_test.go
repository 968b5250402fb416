package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTLSAutoCert(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	now := time.Now
	cert, fp, err := autoCert(data, []string{"192.0.2.7", "nvr.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(fp) != 32*3-1 || strings.ToUpper(fp) != fp {
		t.Errorf("fingerprint %q is not AA:BB:... SHA-256", fp)
	}
	leaf := cert.Leaf
	if leaf == nil {
		t.Fatal("no parsed leaf")
	}
	if got := certFingerprint(leaf.Raw); got != fp {
		t.Errorf("fingerprint %s is not the leaf's %s", fp, got)
	}
	if pub, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", leaf.PublicKey)
	}
	host, _ := os.Hostname()
	wantNames := []string{"localhost", "127.0.0.1", "::1", "192.0.2.7", "nvr.example"}
	if host != "" {
		wantNames = append(wantNames, strings.ToLower(host))
	}
	if !covers(leaf, wantNames) {
		t.Errorf("SANs %v %v do not cover %v", leaf.DNSNames, leaf.IPAddresses, wantNames)
	}
	for _, n := range []string{"localhost", "127.0.0.1", "::1", "192.0.2.7"} {
		if err := leaf.VerifyHostname(n); err != nil {
			t.Errorf("VerifyHostname(%s): %v", n, err)
		}
	}

	key := filepath.Join(data, "tls", "key.pem")
	fi, err := os.Stat(key)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Join(data, "tls")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("tls directory: %v %v, want 0700", fi.Mode(), err)
	}

	// A restart reuses it: same certificate, same fingerprint.
	_, fp2, err := autoCert(data, []string{"192.0.2.7", "nvr.example"}, now)
	if err != nil || fp2 != fp {
		t.Errorf("second call: fingerprint %s (err %v), want the same %s", fp2, err, fp)
	}
	// A subset of the names is still covered: reused.
	if _, fp3, err := autoCert(data, nil, now); err != nil || fp3 != fp {
		t.Errorf("fewer hosts: fingerprint %s (err %v), want the same %s", fp3, err, fp)
	}
	// A key made readable by someone is made private again.
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, fp4, err := autoCert(data, nil, now); err != nil || fp4 != fp {
		t.Errorf("after chmod: %s %v", fp4, err)
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v after reuse, want 0600", fi.Mode().Perm())
	}

	// A new host address is not covered: a new certificate.
	_, fp5, err := autoCert(data, []string{"192.0.2.8"}, now)
	if err != nil || fp5 == fp {
		t.Errorf("new host: fingerprint %s (err %v), want a new one", fp5, err)
	}
	// Near expiry: renewed.
	later := func() time.Time { return time.Now().Add(autoCertValidity - autoCertRenew/2) }
	_, fp6, err := autoCert(data, []string{"192.0.2.8"}, later)
	if err != nil || fp6 == fp5 {
		t.Errorf("near expiry: fingerprint %s (err %v), want a new one", fp6, err)
	}
	// Garbage in the files: replaced, not fatal.
	if err := os.WriteFile(filepath.Join(data, "tls", "cert.pem"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := autoCert(data, nil, now); err != nil {
		t.Errorf("corrupt certificate file: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(data, "tls", ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// pinnedClient trusts exactly the certificate with the given SHA-256
// fingerprint, as a user who compared the printed fingerprint would.
func pinnedClient(fingerprint string) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, // replaced by the pin below
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("no certificate")
				}
				if got := certFingerprint(raw[0]); got != fingerprint {
					return fmt.Errorf("certificate fingerprint %s, pinned %s", got, fingerprint)
				}
				return nil
			},
		}},
	}
}

func TestTLSServeWithAutoCert(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	setup, err := setupTLS(tlsOptions{Mode: tlsAuto}, data, []string{"192.0.2.7"}, time.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// Wired as serve does: a loopback listener, http.Server.ServeTLS.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "ok %s %v", r.Proto, r.TLS != nil)
		}),
		TLSConfig:         setup.Config,
		ReadHeaderTimeout: 5 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- hs.ServeTLS(ln, "", "") }()
	defer func() {
		_ = hs.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	}()
	url := "https://" + ln.Addr().String()

	res, err := pinnedClient(setup.Fingerprint).Get(url + "/healthz")
	if err != nil {
		t.Fatalf("pinned client: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "ok ") || !strings.HasSuffix(string(body), "true") {
		t.Errorf("got %d %q", res.StatusCode, body)
	}
	if res.TLS == nil || res.TLS.Version < tls.VersionTLS12 {
		t.Errorf("TLS state %+v", res.TLS)
	}

	// A client pinning another certificate refuses the server.
	other := strings.Repeat("00:", 31) + "00"
	if _, err := pinnedClient(other).Get(url); err == nil || !strings.Contains(err.Error(), "fingerprint") {
		t.Errorf("wrong pin: err = %v, want a fingerprint mismatch", err)
	}

	// Trusting the certificate file (as a browser after "add exception" or
	// curl --cacert) verifies normally for localhost and 127.0.0.1.
	pem, err := os.ReadFile(setup.CertPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("certificate file is not PEM")
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, host := range []string{"127.0.0.1", "localhost"} {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, ln.Addr().String())
			},
		}}
		res, err := c.Get("https://" + net.JoinHostPort(host, port) + "/")
		if err != nil {
			t.Errorf("verified client for %s: %v", host, err)
			continue
		}
		res.Body.Close()
	}
}

func TestTLSFilesReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	write := func(stamp time.Time) string {
		c, k, err := makeSelfSigned([]string{"localhost"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for p, b := range map[string][]byte{certPath: c, keyPath: k} {
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, stamp, stamp); err != nil {
				t.Fatal(err)
			}
		}
		pair, err := tls.X509KeyPair(c, k)
		if err != nil {
			t.Fatal(err)
		}
		return certFingerprint(pair.Leaf.Raw)
	}
	fp1 := write(time.Unix(1_700_000_000, 0))
	setup, err := setupTLS(tlsOptions{Mode: tlsFiles, CertFile: certPath, KeyFile: keyPath}, dir, nil, time.Now,
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if setup.Fingerprint != "" {
		t.Errorf("files mode printed a fingerprint %q", setup.Fingerprint)
	}
	current := func() string {
		c, err := setup.Config.GetCertificate(&tls.ClientHelloInfo{})
		if err != nil {
			t.Fatal(err)
		}
		return certFingerprint(c.Certificate[0])
	}
	if got := current(); got != fp1 {
		t.Fatalf("serving %s, want %s", got, fp1)
	}
	fp2 := write(time.Unix(1_700_000_100, 0)) // a renewal
	if got := current(); got != fp2 {
		t.Errorf("after renewal serving %s, want %s", got, fp2)
	}
	// A half-written renewal keeps the previous pair.
	if err := os.WriteFile(keyPath, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := current(); got != fp2 {
		t.Errorf("after a broken key serving %s, want the previous %s", got, fp2)
	}

	// Missing files fail at start with the path.
	_, err = setupTLS(tlsOptions{Mode: tlsFiles, CertFile: filepath.Join(dir, "none.pem"), KeyFile: keyPath}, dir, nil,
		time.Now, nil)
	if err == nil || !strings.Contains(err.Error(), "none.pem") {
		t.Errorf("missing cert: %v", err)
	}
	if s, err := setupTLS(tlsOptions{Mode: tlsOff}, dir, nil, time.Now, nil); s != nil || err != nil {
		t.Errorf("mode off: %v %v", s, err)
	}
}

func TestTLSRedirect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, host, target, httpsPort string
		code                            int
		location                        string
	}{
		{"GET", "nvr.lan:8080", "/cameras?x=1", "8443", http.StatusFound, "https://nvr.lan:8443/cameras?x=1"},
		{"HEAD", "nvr.lan", "/", "443", http.StatusFound, "https://nvr.lan/"},
		{"GET", "192.0.2.1:80", "/a%20b", "", http.StatusFound, "https://192.0.2.1/a%20b"},
		{"GET", "[2001:db8::1]:80", "/", "8443", http.StatusFound, "https://[2001:db8::1]:8443/"},
		{"POST", "nvr.lan", "/api/login", "8443", http.StatusBadRequest, ""},
		{"GET", "evil.example@nvr", "/", "8443", http.StatusBadRequest, ""},
	} {
		t.Run(tc.method+" "+tc.host+tc.target, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://placeholder"+tc.target, nil)
			req.Host = tc.host
			rec := httptest.NewRecorder()
			redirectHandler(tc.httpsPort).ServeHTTP(rec, req)
			if rec.Code != tc.code || rec.Header().Get("Location") != tc.location {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Header().Get("Location"), tc.code, tc.location)
			}
		})
	}

	// The redirect server on loopback, stopped by its context.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveRedirect(ctx, ln, "127.0.0.1:8443", slog.New(slog.DiscardHandler)) }()
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	res, err := c.Get("http://" + ln.Addr().String() + "/x")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "https://127.0.0.1:8443/x" {
		t.Errorf("redirect server: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveRedirect: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serveRedirect did not stop")
	}
}

// TestTLSServeEndToEnd runs "hearth serve --tls auto": a client pinning
// the logged fingerprint connects, and the session cookie is Secure.
func TestTLSServeEndToEnd(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr, stdout := &syncBuffer{}, &syncBuffer{}
	addr := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--webrtc-udp-port", "0", "--tls", "auto"},
			env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, onListen: func(a string) { addr <- a }})
	}()
	var a string
	select {
	case a = <-addr:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not listen")
	}
	m := regexp.MustCompile(`sha256=([0-9A-F:]{95})`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no fingerprint logged:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "url=https://") {
		t.Errorf("serve does not log an https URL:\n%s", stderr.String())
	}
	res, err := pinnedClient(m[1]).Get("https://" + a + "/healthz")
	if err != nil {
		t.Fatalf("pinned GET /healthz: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
	// Under TLS the session cookie is Secure: make the admin through the
	// printed setup link, log in, look at the cookie.
	tok := regexp.MustCompile(`https://[^/]+/setup\?token=(hsetup_[A-Za-z0-9_-]{43})`).FindStringSubmatch(stdout.String())
	if tok == nil {
		t.Fatalf("no https setup link printed: %q", stdout.String())
	}
	hc := pinnedClient(m[1])
	post := func(path, body string) *http.Response {
		t.Helper()
		res, err := hc.Post("https://"+a+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		res.Body.Close()
		return res
	}
	if res := post("/api/setup", `{"token":"`+tok[1]+`","username":"root","password":"a long enough passphrase"}`); res.StatusCode != http.StatusCreated {
		t.Fatalf("setup over TLS: %d", res.StatusCode)
	}
	login := post("/api/login", `{"username":"root","password":"a long enough passphrase"}`)
	if sc := login.Header.Get("Set-Cookie"); login.StatusCode != http.StatusOK || !strings.Contains(sc, "; Secure") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("login over TLS: %d, cookie %q", login.StatusCode, sc)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
	// A restart presents the same certificate.
	_, fp, err := autoCert(data, nil, time.Now)
	if err != nil || fp != m[1] {
		t.Errorf("stored certificate %s (%v), served %s", fp, err, m[1])
	}
}
