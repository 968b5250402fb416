package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// dbSnapshot is a cheap fingerprint of everything a bad request could change.
func (f *fixture) dbSnapshot() string {
	f.t.Helper()
	ctx := context.Background()
	hs := must(f.store.Households(ctx))(f.t)
	us := must(f.store.Users(ctx, 0))(f.t)
	cs := must(f.store.Cameras(ctx, 0))(f.t)
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "h%d:%s;", h.ID, h.Name)
	}
	for _, u := range us {
		fmt.Fprintf(&b, "u%d:%s:%d:%s:%t:%t;", u.ID, u.Name, u.HouseholdID, u.Role, u.Admin, u.Disabled)
	}
	for _, c := range cs {
		fmt.Fprintf(&b, "c%s:%s:%d:%s;", c.ID, c.Name, c.HouseholdID, c.MainURL)
	}
	return b.String()
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := f.login("root")
	forged := &http.Cookie{Name: sessionCookieName, Value: "hs_" + strings.Repeat("x", 43)}
	garbage := &http.Cookie{Name: sessionCookieName, Value: "'; DROP TABLE users; --"}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name       string
		method     string
		path       string
		opts       []any
		body       string
		wantStatus int
		wantInBody string
	}{
		{"malformed json", "POST", "/api/admin/households", []any{admin}, `{"name":`, 400, "malformed JSON"},
		{"not an object", "POST", "/api/admin/households", []any{admin}, `["x"]`, 400, "JSON object"},
		{"wrong field type", "POST", "/api/admin/households", []any{admin}, `{"name":42}`, 400, `"name"`},
		{"unknown field", "POST", "/api/admin/households", []any{admin}, `{"name":"Gamma","color":"red"}`, 400, `unknown field "color"`},
		{"two objects", "POST", "/api/admin/households", []any{admin}, `{"name":"Gamma"}{"name":"Delta"}`, 400, "single JSON object"},
		{"empty body", "POST", "/api/admin/households", []any{admin}, ``, 415, "application/json"},
		{"oversized body", "POST", "/api/admin/households", []any{admin}, `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "too large"},
		{"wrong content type", "POST", "/api/admin/households", []any{admin, http.Header{"Content-Type": {"text/plain"}}}, `{"name":"Gamma"}`, 415, "application/json"},
		{"form post", "POST", "/api/login", []any{http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}, `username=ana&password=x`, 415, "application/json"},
		{"bad household name", "POST", "/api/admin/households", []any{admin}, `{"name":"a\nb"}`, 400, "control characters"},
		{"non-rtsp camera", "POST", "/api/admin/cameras", []any{admin}, `{"household_id":"` + string(f.homeA.PublicID) + `","name":"x","main_url":"http://192.0.2.1/"}`, 400, "rtsp://"},
		{"pre-roll too long", "PATCH", "/api/cameras/" + string(f.camA1.ID), []any{admin}, `{"pre_roll_s":1000}`, 400, "pre roll must be 0 to 300 seconds"},
		{"missing cookie", "POST", "/api/admin/households", []any{jsonCT}, `{"name":"Gamma"}`, 401, "authentication required"},
		{"forged cookie", "POST", "/api/admin/households", []any{forged}, `{"name":"Gamma"}`, 401, "authentication required"},
		{"garbage cookie", "GET", "/api/cameras", []any{garbage}, ``, 401, "authentication required"},
		{"cross-origin post", "POST", "/api/admin/households", []any{admin, http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}}, `{"name":"Gamma"}`, 403, "cross-origin"},
		{"cross-origin login", "POST", "/api/login", []any{http.Header{"Origin": {"http://evil.example"}}}, `{"username":"ana","password":"` + testPassword + `"}`, 403, "cross-origin"},
		{"cross-origin delete", "DELETE", "/api/admin/cameras/" + "00000000000000000000000000000000", []any{admin, http.Header{"Sec-Fetch-Site": {"cross-site"}}}, ``, 403, "cross-origin"},
		{"unknown api path", "GET", "/api/nope", nil, ``, 404, "not found"},
		{"wrong method", "PUT", "/api/cameras", []any{admin}, ``, 405, "method not allowed"},
		{"bad user id", "DELETE", "/api/admin/users/01", []any{admin}, ``, 404, "not found"},
		{"user row number", "DELETE", "/api/admin/users/" + itoa(int64(f.memberA.ID)), []any{admin}, ``, 404, "not found"},
		{"patch nothing", "PATCH", "/api/admin/users/" + f.memberA.PublicID, []any{admin}, `{}`, 400, "nothing to change"},
		{"patch bad role", "PATCH", "/api/admin/users/" + f.memberA.PublicID, []any{admin}, `{"role":"god"}`, 400, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.dbSnapshot()
			r := f.do(tt.method, tt.path, tt.opts, tt.body)
			if r.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tt.wantStatus, r.body)
			}
			if msg := decode[errorBody](t, r.body).Error; !strings.Contains(msg, tt.wantInBody) {
				t.Fatalf("error %q lacks %q", msg, tt.wantInBody)
			}
			if after := f.dbSnapshot(); after != before {
				t.Fatalf("database changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, path := range []string{"/healthz", "/api/cameras", "/api/nope"} {
		r := f.get(path)
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"X-Frame-Options":        "DENY",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s %s = %q, want %q", path, h, got, want)
			}
		}
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s CSP = %q", path, csp)
		}
		if len(r.Header.Get("X-Request-Id")) != 16 {
			t.Errorf("%s request id = %q", path, r.Header.Get("X-Request-Id"))
		}
	}
	if r := f.get("/healthz"); r.StatusCode != 200 || r.body != "ok\n" {
		t.Fatalf("healthz = %d %q", r.StatusCode, r.body)
	}
}
