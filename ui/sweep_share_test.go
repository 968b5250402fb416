package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
)

// unknownShareSecret is well formed and belongs to no link.
const unknownShareSecret = "hsl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// sweepShareRoute checks one share link route of the route sweep: a link
// route takes no session or token, so it is called with a secret no link
// has (well formed, then malformed), without and with A's session, and
// must answer 404 (the bare /s/{secret} only adds its slash), never with
// anything of household B.
func sweepShareRoute(t *testing.T, f *fixture, route Route) []string {
	t.Helper()
	var problems []string
	method, path := splitPattern(route.Pattern)
	for _, secret := range []string{unknownShareSecret, "hsl_short", "hth_" + strings.Repeat("A", 43)} {
		p := strings.NewReplacer("{secret}", secret, "{sid}", "0123456789abcdef0123456789abcdef", "{$}", "").Replace(path)
		body := ""
		if method == http.MethodPost || method == http.MethodPatch {
			body = `{}`
		}
		for _, opts := range [][]any{nil, {f.login("ana")}} {
			r := f.do(method, p, opts, body)
			want := http.StatusNotFound
			if route.Pattern == "GET /s/{secret}" {
				want = http.StatusSeeOther
			}
			if r.StatusCode != want {
				problems = append(problems, fmt.Sprintf("%s with secret %.8s… (session %v): %d, want %d", route.Pattern, secret, opts != nil, r.StatusCode, want))
			}
			if strings.Contains(r.body, f.camB1.Name) || strings.Contains(r.body, string(f.camB1.ID)) || strings.Contains(r.body, f.camA1.Name) {
				problems = append(problems, fmt.Sprintf("%s with an unknown link leaked a camera: %s", route.Pattern, r.body))
			}
		}
	}
	return problems
}

type createdShare struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Token string `json:"token"`
}

// makeShare creates a link as the session c and returns it.
func (f *fixture) makeShare(c *http.Cookie, cam, body string) createdShare {
	f.t.Helper()
	r := f.do(http.MethodPost, "/api/cameras/"+cam+"/links", []any{c}, body)
	if r.StatusCode != http.StatusCreated {
		f.t.Fatalf("create link: %d %s", r.StatusCode, r.body)
	}
	var out createdShare
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || !strings.HasPrefix(out.URL, "/s/hsl_") || !strings.HasSuffix(out.URL, "/") {
		f.t.Fatalf("create link answer %s: %v", r.body, err)
	}
	return out
}

func secretOf(url string) string { return strings.TrimSuffix(strings.TrimPrefix(url, "/s/"), "/") }

// TestShareLinkSweep: a link for camera A1 reaches camera A1's one view and
// nothing else: not as a session cookie or bearer token on any other
// route, not another camera, not another range, not a listing; its
// secret appears in no listing or page; the creator and the household's
// owner revoke it, nobody else; expired, revoked and unknown links get
// the same refusal.
func TestShareLinkSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana, mo := f.login("ana"), f.login("mo")
	live := f.makeShare(ana, string(f.camA1.ID), `{"kind":"live"}`)
	start, end := f.now.Add(-2*time.Hour).UTC().Format(time.RFC3339), f.now.Add(-time.Hour).UTC().Format(time.RFC3339)
	dbtest.Footage(t, f.store, f.camA1.ID, f.now.Add(-90*time.Minute), f.now.Add(-89*time.Minute))
	clip := f.makeShare(mo, string(f.camA1.ID), fmt.Sprintf(`{"kind":"clip","start":%q,"end":%q,"passcode":"4321","max_views":3}`, start, end))
	liveSecret := secretOf(live.URL)

	// Bad requests get a clear 400.
	for _, body := range []string{`{"kind":"all"}`, `{"kind":"live","expires_in_hours":721}`, `{"kind":"live","start":"2025-01-01T00:00:00Z"}`,
		`{"kind":"clip","start":"yesterday","end":"today"}`, `{"kind":"live","passcode":"12"}`, `{"kind":"live","max_views":-1}`, `{"kind":"live","camera":"x"}`} {
		if r := f.do(http.MethodPost, "/api/cameras/"+string(f.camA1.ID)+"/links", []any{ana}, body); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "error") {
			t.Errorf("create %s: %d %s, want 400 with a message", body, r.StatusCode, r.body)
		}
	}
	// Who may make links: not a viewer, not another household, not the admin.
	for _, who := range []string{"vic", "bea", "root"} {
		if r := f.do(http.MethodPost, "/api/cameras/"+string(f.camA1.ID)+"/links", []any{f.login(who)}, `{"kind":"live"}`); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s creates a link to A1: %d %s, want 404", who, r.StatusCode, r.body)
		}
	}

	// Listings never hold a secret; each sees what they manage.
	for who, n := range map[string]int{"ana": 2, "mo": 1, "vic": 0, "bea": 0, "root": 0} {
		r := f.get("/api/links", f.login(who))
		var got struct {
			Links []shareJSON `json:"links"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.StatusCode != http.StatusOK || len(got.Links) != n {
			t.Errorf("%s lists: %d %s, want %d links", who, r.StatusCode, r.body, n)
		}
		if strings.Contains(r.body, "hsl_") {
			t.Errorf("%s's listing holds a secret: %s", who, r.body)
		}
		if page := f.get("/settings/links", f.login(who)); strings.Contains(page.body, "hsl_") {
			t.Errorf("%s's links page holds a secret", who)
		}
	}

	// The secret is no credential anywhere else.
	for _, route := range f.srv.Routes() {
		if route.Policy == PolicyPublic || route.Policy == PolicyShareLink {
			continue
		}
		method, path := splitPattern(route.Pattern)
		path = strings.NewReplacer("{id}", string(f.camA1.ID), "{eid}", string(f.eventB.ID), "{$}", "").Replace(path)
		for _, cred := range []any{
			http.Header{"Authorization": {"Bearer " + liveSecret}},
			&http.Cookie{Name: sessionCookieName, Value: liveSecret},
		} {
			r := f.do(method, path, []any{cred}, "")
			if r.StatusCode != http.StatusUnauthorized && r.StatusCode != http.StatusSeeOther {
				t.Errorf("%s with the link's secret as a credential: %d, want 401 or the login page", route.Pattern, r.StatusCode)
			}
			if strings.Contains(r.body, f.camA1.Name) {
				t.Errorf("%s with the link's secret served camera A1", route.Pattern)
			}
		}
	}

	// The live link: its page names A1 only and holds no secret.
	page := f.get(live.URL)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, f.camA1.Name) || strings.Contains(page.body, "hsl_") ||
		strings.Contains(page.body, f.camA2.Name) || strings.Contains(page.body, f.camB1.Name) {
		t.Fatalf("live link page: %d %s", page.StatusCode, page.body)
	}
	if r := f.get("/s/" + liveSecret); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != live.URL {
		t.Errorf("bare link: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	// Not the recordings, not another camera, not another range.
	for _, p := range []string{"clip.mp4", "clip.mp4?start=" + start + "&end=" + end, "whep/0123456789abcdef0123456789abcdef"} {
		m := http.MethodGet
		if strings.HasPrefix(p, "whep/") {
			m = http.MethodDelete
		}
		if r := f.do(m, live.URL+p, nil, ""); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s through the live link: %d %s, want 404", m, p, r.StatusCode, r.body)
		}
	}
	for _, p := range []string{"/api/cameras/" + string(f.camB1.ID), "/api/cameras/" + string(f.camA2.ID) + "/whep"} {
		if r := f.do(http.MethodGet, live.URL+".."+p, nil, ""); r.StatusCode == http.StatusOK {
			t.Errorf("%s reached from the link's path: %d", p, r.StatusCode)
		}
	}

	// The clip link: the passcode first; then only its own range.
	if r := f.get(clip.URL); r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "share-passcode") || strings.Contains(r.body, f.camA1.Name) {
		t.Fatalf("clip link without passcode: %d %s", r.StatusCode, r.body)
	}
	form := func(pass string) response {
		req := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		return f.do(http.MethodPost, clip.URL, []any{req}, "passcode="+pass)
	}
	if r := form("0000"); r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "share-passcode-wrong") {
		t.Fatalf("wrong passcode: %d %s", r.StatusCode, r.body)
	}
	r := form("4321")
	var passCookie *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == shareUnlockCookie {
			passCookie = c
		}
	}
	if r.StatusCode != http.StatusSeeOther || passCookie == nil || passCookie.Path != clip.URL || !passCookie.HttpOnly {
		t.Fatalf("right passcode: %d, cookie %+v", r.StatusCode, passCookie)
	}
	if r := f.get(clip.URL, passCookie); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `src="clip.mp4"`) || strings.Contains(r.body, "hsl_") {
		t.Fatalf("clip page with passcode: %d %s", r.StatusCode, r.body)
	}
	if r := f.get(clip.URL+"clip.mp4?start="+start+"&end="+end, passCookie); r.StatusCode != http.StatusBadRequest {
		t.Errorf("clip link asked for a range: %d %s, want 400", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, clip.URL+"whep", []any{passCookie, http.Header{"Content-Type": {"application/sdp"}}}, "v=0"); r.StatusCode != http.StatusNotFound {
		t.Errorf("clip link used for live: %d %s, want 404", r.StatusCode, r.body)
	}
	// The passcode cookie opens nothing of another link.
	if r := f.get(live.URL, &http.Cookie{Name: shareUnlockCookie, Value: "4321"}); r.StatusCode != http.StatusOK {
		t.Errorf("live link with a stray passcode cookie: %d", r.StatusCode)
	}

	// Every link route with both real links: nothing of another camera,
	// no secret in any answer body.
	clipSecret := secretOf(clip.URL)
	for _, route := range f.srv.Routes() {
		if route.Policy != PolicyShareLink {
			continue
		}
		method, pattern := splitPattern(route.Pattern)
		for _, l := range []struct {
			secret string
			opts   []any
		}{{liveSecret, nil}, {clipSecret, []any{passCookie}}} {
			p := strings.NewReplacer("{secret}", l.secret, "{sid}", "0123456789abcdef0123456789abcdef", "{$}", "").Replace(pattern)
			for _, q := range []string{"", "?id=" + string(f.camB1.ID), "?camera=" + string(f.camA2.ID) + "&start=" + start + "&end=" + end} {
				r := f.do(method, p+q, l.opts, "")
				for _, leak := range []string{f.camB1.Name, string(f.camB1.ID), f.camA2.Name, string(f.camA2.ID), "hsl_"} {
					if strings.Contains(r.body, leak) {
						t.Errorf("%s%s through a link of A1 answered %d with %q", route.Pattern, q, r.StatusCode, leak)
					}
				}
				if r.StatusCode == http.StatusOK && strings.HasSuffix(pattern, "clip.mp4") && q != "" {
					t.Errorf("%s%s served a clip with parameters", route.Pattern, q)
				}
			}
		}
	}

	// Revocation: not by the member for the owner's link, nor by B, nor
	// by the viewer; by the owner; then the same refusal as unknown.
	gone := f.get("/s/" + unknownShareSecret + "/")
	for _, who := range []string{"mo", "bea", "vic", "root"} {
		if r := f.do(http.MethodDelete, "/api/links/"+live.ID, []any{f.login(who)}, ""); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s revokes ana's link: %d, want 404", who, r.StatusCode)
		}
	}
	if r := f.do(http.MethodDelete, "/api/links/"+live.ID, []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("ana revokes: %d %s", r.StatusCode, r.body)
	}
	revoked := f.get(live.URL)
	if revoked.StatusCode != http.StatusNotFound || revoked.body != gone.body {
		t.Errorf("revoked link: %d %s; unknown: %d %s", revoked.StatusCode, revoked.body, gone.StatusCode, gone.body)
	}
	// Expiry: the clip link lives 24 h by default.
	f.advance(24*time.Hour + time.Second)
	expired := f.get(clip.URL, passCookie)
	if expired.StatusCode != http.StatusNotFound || expired.body != gone.body {
		t.Errorf("expired link: %d %s", expired.StatusCode, expired.body)
	}
}

// TestShareLinkPathRedacted: a link's secret never reaches the access log.
func TestShareLinkPathRedacted(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/s/hsl_secret":           "/s/[link]",
		"/s/hsl_secret/":          "/s/[link]/",
		"/s/hsl_secret/whep/abc":  "/s/[link]/whep/abc",
		"/api/cameras/x/clip.mp4": "/api/cameras/x/clip.mp4",
		"/settings/links":         "/settings/links",
	} {
		if got := redactSharePath(in); got != want {
			t.Errorf("redactSharePath(%q) = %q, want %q", in, got, want)
		}
	}
}
