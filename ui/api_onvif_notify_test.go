package ui

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestONVIFNotifyEndpoint: the push endpoint takes no session (it is on
// the public allow-list; the capability is the credential), answers 405
// to another method, 404 to an unknown capability, 413 to a body over
// 1 MiB, and the access log never shows the capability. (A live
// capability's path, 200 and 400 answers are nvr/events'
// TestCameraEventsPushed, against simcam.)
func TestONVIFNotifyEndpoint(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs bytes.Buffer
	h := withAccessLog(slog.New(slog.NewTextHandler(&logs, nil)), f.srv)
	const capability = "0123456789abcdef0123456789abcdef"
	path := "/onvif/notify/" + capability
	cases := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"GET", httptest.NewRequest(http.MethodGet, path, nil), http.StatusMethodNotAllowed},
		{"unknown capability", httptest.NewRequest(http.MethodPost, path, strings.NewReader("<x/>")), http.StatusNotFound},
		{"declared over 1 MiB", httptest.NewRequest(http.MethodPost, path, bytes.NewReader(make([]byte, 1<<20+1))), http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		c.req.Host = "192.168.1.10:8080" // as a camera sends it
		h.ServeHTTP(w, c.req)
		if w.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.status)
		}
		if c.status == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: Allow %q", c.name, w.Header().Get("Allow"))
		}
		if strings.Contains(w.Body.String(), capability) {
			t.Errorf("%s: the answer shows the capability", c.name)
		}
	}
	if strings.Contains(logs.String(), capability) || !strings.Contains(logs.String(), "path=/onvif/notify/[capability]") {
		t.Errorf("access log: %s", logs.String())
	}
	for in, want := range map[string]string{
		"/onvif/notify/" + capability:       "/onvif/notify/[capability]",
		"/onvif/notify/" + capability + "/": "/onvif/notify/[capability]",
		"/s/hsl_secret/":                    "/s/[link]/",
		"/api/cameras":                      "/api/cameras",
	} {
		if got := redactPath(in); got != want {
			t.Errorf("redactPath(%q) = %q, want %q", in, got, want)
		}
	}
}
