package ui

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestHostPolicyAllows(t *testing.T) {
	t.Parallel()
	p := HostPolicy{Allowed: []string{"nvr.example.com", "*.dyn.example.net."}}
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"192.168.1.10:8080", true},
		{"192.168.1.10", true},
		{"[fe80::1]:8080", true},
		{"[::1]", true},
		{"localhost:8080", true},
		{"nas", true},
		{"NAS:8080", true},
		{"nas.local", true},
		{"hearth.lan.", true},
		{"nvr.home.arpa", true},
		{"app.localhost", true},
		{"nvr.example.com", true},
		{"NVR.Example.COM:443", true},
		{"home.dyn.example.net", true},
		{"dyn.example.net", false},
		{"evil.example", false},
		{"nvr.example.com.evil.example", false},
		{"192.168.1.10.nip.io", false},
		{"localtest.me", false},
		{"", false},
		{"na_s", false},
	} {
		if got := p.Allows(tc.host); got != tc.want {
			t.Errorf("Allows(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

// DNS rebinding: a request naming a foreign host is refused before any
// route runs, log-in included, so a rebound page cannot even guess
// passwords; the appliance's own addresses still work.
func TestHostCheckRefusesRebinding(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	send := func(method, path, host, body string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, f.ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://"+host)
		resp, err := f.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	login := `{"username":"ana","password":"` + testPassword + `"}`
	for _, host := range []string{"attacker.example", "attacker.example:8080", "10.0.0.5.nip.io"} {
		resp, body := send(http.MethodPost, "/api/login", host, login)
		if resp.StatusCode != http.StatusMisdirectedRequest || len(resp.Cookies()) != 0 {
			t.Errorf("login via Host %q: %d %s, cookies %v; want 421 and no session", host, resp.StatusCode, body, resp.Cookies())
		}
		if strings.Contains(body, "attacker") || strings.Contains(body, "nip.io") {
			t.Errorf("refusal echoes the host: %s", body)
		}
		if resp, _ := send(http.MethodGet, "/healthz", host, ""); resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("GET /healthz via Host %q: %d, want 421", host, resp.StatusCode)
		}
	}
	resp, body := send(http.MethodPost, "/api/login", strings.TrimPrefix(f.ts.URL, "http://"), login)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("login via the server's own address: %d %s", resp.StatusCode, body)
	}
}
