package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAllowedHostsThroughConfig: the real server, configured by file with
// allowed_hosts, answers its own address and the configured name, refuses
// any other Host with 421 (DNS rebinding) before login, and refuses a
// state-changing request from a foreign Origin or a cross-site fetch with
// 403 (CSRF) even with a valid session.
func TestAllowedHostsThroughConfig(t *testing.T) {
	t.Parallel()
	const pw = "a long enough passphrase"
	data := t.TempDir()
	conf := filepath.Join(t.TempDir(), "hearth.toml")
	if err := os.WriteFile(conf, []byte("allowed_hosts = [\"nvr.example.com\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "", "household", "add", "Alpha", "--data", data)
	mustCLI(t, pw+"\n", "user", "add", "ana", "--household", "Alpha", "--role", "owner", "--data", data)
	srv := startServer(t, data, "--config", conf)
	port := srv.url[strings.LastIndex(srv.url, ":")+1:]
	// The session cookie, sent by hand: with a public host name configured
	// it may be marked Secure, which the jar keeps off plain HTTP.
	var session *http.Cookie
	{
		req, _ := http.NewRequest("POST", srv.url+"/api/login", strings.NewReader(`{"username":"ana","password":"`+pw+`"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, ck := range resp.Cookies() {
			if ck.Name == "hearth_session" {
				session = &http.Cookie{Name: ck.Name, Value: ck.Value}
			}
		}
		if session == nil {
			t.Fatalf("login: %d, no session cookie", resp.StatusCode)
		}
	}
	send := func(method, path, host string, hdr map[string]string, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.url+path, strings.NewReader(body))
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(session)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	login := `{"username":"ana","password":"` + pw + `"}`
	for _, tc := range []struct {
		name, method, path, host string
		hdr                      map[string]string
		want                     int
	}{
		{"configured name", "GET", "/api/me", "nvr.example.com:" + port, nil, http.StatusOK},
		{"own address", "GET", "/api/me", "127.0.0.1:" + port, nil, http.StatusOK},
		{"foreign host", "GET", "/api/me", "evil.example:" + port, nil, http.StatusMisdirectedRequest},
		{"rebound name", "POST", "/api/login", "attacker.nvr.example.com.evil.example", nil, http.StatusMisdirectedRequest},
		{"suffix trick", "GET", "/healthz", "nvr.example.com.evil.example", nil, http.StatusMisdirectedRequest},
		{"foreign origin", "POST", "/api/me/tokens", "nvr.example.com:" + port, map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", "POST", "/api/logout", "nvr.example.com:" + port, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"cross-site form login", "POST", "/login", "127.0.0.1:" + port, map[string]string{"Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"}, http.StatusForbidden},
	} {
		body := ""
		if tc.method == "POST" {
			body = login
		}
		if got := send(tc.method, tc.path, tc.host, tc.hdr, body); got != tc.want {
			t.Errorf("%s (%s %s Host %s): %d, want %d", tc.name, tc.method, tc.path, tc.host, got, tc.want)
		}
	}
	// The session survived the refused cross-site logout.
	if code := send("GET", "/api/me", "127.0.0.1:"+port, nil, ""); code != http.StatusOK {
		t.Fatalf("session after refused requests: %d", code)
	}
}
