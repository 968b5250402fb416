package ui

import (
	"net/http"
	"strings"
	"testing"
)

// Profiles are for the appliance admin only; the command line is never served.
func TestPprofAdminOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin, owner := f.login("root"), f.login("ana")
	if r := f.get("/api/admin/debug/pprof/heap?debug=1", admin); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "heap profile") {
		t.Errorf("admin heap profile: %d %.80s", r.StatusCode, r.body)
	}
	if r := f.get("/api/admin/debug/pprof/", admin); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "goroutine") {
		t.Errorf("admin index: %d %.80s", r.StatusCode, r.body)
	}
	for _, p := range []string{"/api/admin/debug/pprof/heap", "/api/admin/debug/pprof/profile?seconds=1"} {
		if r := f.get(p, owner); r.StatusCode != http.StatusNotFound {
			t.Errorf("household owner %s: %d, want 404", p, r.StatusCode)
		}
		if r := f.get(p); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous %s: %d, want 401", p, r.StatusCode)
		}
	}
	if r := f.get("/api/admin/debug/pprof/cmdline", admin); r.StatusCode != http.StatusNotFound {
		t.Errorf("cmdline: %d, want 404", r.StatusCode)
	}
}
