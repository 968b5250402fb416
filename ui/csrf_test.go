package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// CSRF and DNS rebinding: every state-changing route (JSON API and HTML
// forms), sent by a browser with the victim's session cookie, is refused
// when it comes from a foreign Origin, when Sec-Fetch-Site says cross-site
// (no Origin), or when it names a foreign Host; the stored state is left
// as it was. The admin's session is used so that every route would
// otherwise act.
func TestStateChangingRequestsRefuseForeignOrigins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	root := f.login("root")
	_, tok := must2(nvrtest.Operator(f.dir).CreateToken(ctx, f.admin.ID, "t", nvr.ScopeView, 0))(t)
	sess := must(f.store.Sessions(ctx, f.admin.ID))(t)
	self := strings.TrimPrefix(f.ts.URL, "http://")
	attacks := []struct {
		name string
		h    http.Header
		want int
	}{
		{"foreign Origin", http.Header{"Origin": {"http://evil.example"}}, http.StatusForbidden},
		{"foreign Origin, same-site fetch", http.Header{"Origin": {"http://sub." + self}, "Sec-Fetch-Site": {"same-site"}}, http.StatusForbidden},
		{"null Origin", http.Header{"Origin": {"null"}}, http.StatusForbidden},
		{"cross-site fetch, no Origin", http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"foreign Host", http.Header{"Host": {"evil.example"}, "Origin": {"http://evil.example"}}, http.StatusMisdirectedRequest},
		{"foreign Host, no Origin", http.Header{"Host": {"rebind.evil.example:" + strings.Split(self, ":")[1]}}, http.StatusMisdirectedRequest},
	}
	before := f.dbSnapshot()
	checked := 0
	for _, route := range f.srv.Routes() {
		method, path := splitPattern(route.Pattern)
		if method == http.MethodGet || method == http.MethodHead || !strings.HasPrefix(route.Pattern, method+" ") {
			continue
		}
		path = strings.NewReplacer("{id}", string(f.camA1.ID), "{eid}", string(f.eventB.ID),
			"{uid}", f.memberA.PublicID, "{hid}", string(f.homeA.PublicID),
			"{sid}", sess[0].PublicID, "{tid}", tok.PublicID, "{$}", "").Replace(path)
		body := `{"name":"pwned","username":"pwned","password":"pwned-pass-1234","household_id":"` + string(f.homeA.PublicID) + `","main_url":"rtsp://198.51.100.1/"}`
		for _, a := range attacks {
			r := f.sendWithHost(method, path, root, a.h, body)
			checked++
			if r.StatusCode != a.want {
				t.Errorf("%s %s with %s: %d %.100s, want %d", method, path, a.name, r.StatusCode, r.body, a.want)
			}
			if strings.Contains(r.body, "evil.example") {
				t.Errorf("%s %s: the refusal echoes the foreign host", method, path)
			}
		}
	}
	if after := f.dbSnapshot(); after != before {
		t.Fatalf("refused requests changed the database:\nbefore %s\nafter  %s", before, after)
	}
	if r := f.get("/api/me", root); r.StatusCode != http.StatusOK {
		t.Fatalf("the session was ended by a refused request: %d", r.StatusCode)
	}
	// The same requests from the page itself (same origin) pass the check.
	r := f.sendWithHost(http.MethodPatch, "/api/cameras/"+string(f.camA2.ID), root,
		http.Header{"Origin": {f.ts.URL}, "Sec-Fetch-Site": {"same-origin"}}, `{"name":"Garden 2"}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("same-origin edit: %d %s", r.StatusCode, r.body)
	}
	if checked < 100 {
		t.Fatalf("only %d attack requests", checked)
	}
	t.Logf("CSRF/rebinding: %d refused requests checked", checked)
}

// sendWithHost is f.do with the Host header honoured from h.
func (f *fixture) sendWithHost(method, path string, c *http.Cookie, h http.Header, body string) response {
	f.t.Helper()
	hh := http.Header{}
	for k, v := range h {
		if k != "Host" {
			hh[k] = v
		}
	}
	if host := h.Get("Host"); host != "" {
		hh["X-Test-Host"] = []string{host}
	}
	return f.do(method, path, []any{c, hh}, body)
}
