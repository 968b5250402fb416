package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// The route sweep, extended with the shapes of real attacks: household A
// naming B's rows by neighbouring and random IDs, every route with no, an
// expired or a revoked credential, HEAD and Range, and encoded or case
// variants of media paths. Each answers its documented status and never
// B's bytes.

// leaksB reports whether an answer carries household B's data.
func (f *fixture) leaksB(body string) bool {
	return strings.Contains(body, f.camB1.Name) || strings.Contains(body, string(f.camB1.ID)) ||
		strings.Contains(body, strings.ToUpper(string(f.camB1.ID))) ||
		strings.Contains(body, strconv.Quote(f.ownerB.Name)) || strings.Contains(body, f.eventB.Label) ||
		strings.Contains(body, "beta-thumbnail") || strings.Contains(body, "root:x:0")
}

// guarded lists the routes that need a credential. A share link's routes
// take none but the link in their path (sweepShareRoute and
// TestShareLinkSweep check them).
func guarded(f *fixture) []Route {
	var out []Route
	for _, r := range f.srv.Routes() {
		if r.Policy != PolicyPublic && r.Policy != PolicyNone && r.Policy != PolicyShareLink {
			out = append(out, r)
		}
	}
	return out
}

func TestRouteSweepNeighbourAndRandomIDs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	own := f.addEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-time.Minute), "alpha", []byte("alpha-thumb"))
	f.login("bea")
	sessB := must(f.store.Sessions(ctx, f.ownerB.ID))(t)
	_, tokB := must2(nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerB.ID, "b-token", nvr.ScopeView, 0))(t)
	ana := f.login("ana")
	sessA := must(f.store.Sessions(ctx, f.ownerA.ID))(t)

	// IDs household A may legitimately name, left out of the attack sets.
	mine := map[string]bool{string(f.camA1.ID): true, string(f.camA2.ID): true, string(own.ID): true}
	for _, u := range []nvr.User{f.ownerA, f.memberA, f.viewerA} {
		mine["uid:"+u.PublicID] = true
	}
	for _, s := range sessA {
		mine["sid:"+s.PublicID] = true
	}
	around := func(prefix string, base int64) []string {
		var out []string
		for d := int64(-3); d <= 3; d++ {
			if id := strconv.FormatInt(base+d, 10); !mine[prefix+id] {
				out = append(out, id)
			}
		}
		return append(out, "0", "-1", "+"+strconv.FormatInt(base, 10), "0"+strconv.FormatInt(base, 10),
			"9223372036854775807", "99999999999999999999", strconv.FormatInt(base, 16)+"x")
	}
	ids := map[string][]string{
		"{id}": {string(f.camB1.ID), strings.ToUpper(string(f.camB1.ID)), strings.ToUpper(string(f.camA1.ID)),
			string(nvr.NewCameraID()), string(nvr.NewCameraID()), string(f.camA1.ID) + "0", string(f.camA1.ID)[1:], "..", "%2e%2e"},
		// Event IDs are random like camera IDs: B's, its spellings, a
		// random one, and the integers they used to be.
		"{eid}": {string(f.eventB.ID), strings.ToUpper(string(f.eventB.ID)), string(nvr.NewEventID()),
			string(f.eventB.ID) + "0", string(f.eventB.ID)[1:], "0" + string(f.eventB.ID)[1:], "1", "2", "0", "-1", "..", "%2e%2e"},
		"{uid}": append(around("uid:", int64(f.ownerB.ID)), f.ownerB.PublicID, strings.ToUpper(f.ownerB.PublicID), nvr.NewPublicID()),
		// Sessions and tokens too: B's public IDs, a random one, and the
		// row numbers around B's that they used to be named by.
		"{sid}": append(around("sid:", sessB[0].ID), sessB[0].PublicID, strings.ToUpper(sessB[0].PublicID), nvr.NewPublicID()),
		"{tid}": append(around("", tokB.ID), tokB.PublicID, strings.ToUpper(tokB.PublicID), nvr.NewPublicID()),
	}
	checked := 0
	for _, route := range guarded(f) {
		method, pattern := splitPattern(route.Pattern)
		pattern = strings.ReplaceAll(pattern, "{$}", "")
		for ph, vals := range ids {
			if !strings.Contains(pattern, ph) {
				continue
			}
			for _, v := range vals {
				if mine[v] {
					continue
				}
				// Any other placeholder names A's own row, so only ph is foreign.
				path := strings.NewReplacer(ph, v).Replace(pattern)
				path = strings.NewReplacer("{id}", string(f.camA1.ID), "{eid}", string(own.ID),
					"{uid}", f.memberA.PublicID, "{sid}", sessA[0].PublicID,
					"{tid}", "1", "{name...}", "heap", "{file...}", "x").Replace(path)
				body := ""
				if method != http.MethodGet && method != http.MethodDelete {
					body = `{}`
				}
				r := f.do(method, path, []any{ana}, body)
				checked++
				// ".." is cleaned by the mux into a redirect, which the
				// redirect target answers as any other path.
				if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusMovedPermanently && r.StatusCode != http.StatusTemporaryRedirect {
					t.Errorf("%s with %s=%q: %d, want 404", route.Pattern, ph, v, r.StatusCode)
				}
				if f.leaksB(r.body) {
					t.Errorf("%s with %s=%q leaked B's data: %.200s", route.Pattern, ph, v, r.body)
				}
			}
		}
	}
	// Mark-all names its camera in the body: B's camera in every spelling,
	// random and malformed IDs are the same 404, and mark nothing.
	before := `","before":"` + f.now.UTC().Format(time.RFC3339Nano) + `"}`
	for _, v := range ids["{id}"] {
		r := f.do(http.MethodPost, "/api/events/reviewed", []any{ana}, `{"camera":"`+v+before)
		checked++
		if r.StatusCode != http.StatusNotFound || r.body != `{"error":"not found"}`+"\n" {
			t.Errorf("mark all with camera %q: %d %s, want the one 404", v, r.StatusCode, r.body)
		}
	}
	if marks := f.reviewMarks(own, f.eventB); strings.Contains(marks, ":true;") {
		t.Errorf("attempts marked events reviewed: %s", marks)
	}
	// Nothing of A's was changed by the attempts: its session still works.
	if r := f.get("/api/me", ana); r.StatusCode != http.StatusOK {
		t.Fatalf("A's session after the sweep: %d", r.StatusCode)
	}
	t.Logf("neighbour/random IDs: %d requests over %d guarded routes", checked, len(guarded(f)))
}

// Every guarded route refuses a missing, expired (idle and absolute) or
// revoked credential: 401 for the API, a redirect to /login for pages.
func TestRouteSweepDeadCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	revokedTok, tok := must2(nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerA.ID, "revoked", nvr.ScopeView, 0))(t)
	if err := nvrtest.Operator(f.dir).RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	expiredTok, _ := must2(nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerA.ID, "short", nvr.ScopeView, time.Hour))(t)
	idle := f.login("ana")     // unused for more than the idle timeout
	absolute := f.login("ana") // used every 6 days until the absolute timeout
	for range 6 {
		f.advance(6 * 24 * time.Hour)
		if r := f.get("/api/me", absolute); f.skew.Load() < int64(30*24*time.Hour) && r.StatusCode != http.StatusOK {
			t.Fatalf("active session ended early at +%v: %d", time.Duration(f.skew.Load()), r.StatusCode)
		}
	}
	creds := []struct {
		name string
		opt  []any
	}{
		{"none", nil},
		{"idle-expired session", []any{idle}},
		{"absolute-expired session", []any{absolute}},
		{"revoked token", []any{bearer(revokedTok)}},
		{"expired token", []any{bearer(expiredTok)}},
		{"forged session", []any{&http.Cookie{Name: sessionCookieName, Value: strings.Repeat("A", 43)}}},
		{"garbage bearer", []any{bearer("x' OR 1=1 --")}},
	}
	checked := 0
	for _, c := range creds {
		for _, route := range guarded(f) {
			method, path := splitPattern(route.Pattern)
			path = strings.NewReplacer("{id}", string(f.camA1.ID), "{eid}", "1", "{uid}", strconv.FormatInt(int64(f.memberA.ID), 10),
				"{hid}", string(f.homeA.PublicID), "{sid}", "1", "{tid}", "1", "{$}", "",
				"{name...}", "heap").Replace(path)
			r := f.do(method, path, c.opt, "")
			checked++
			switch {
			case route.Page:
				if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
					t.Errorf("%s with %s: %d to %q, want 303 to /login", route.Pattern, c.name, r.StatusCode, r.Header.Get("Location"))
				}
			case r.StatusCode != http.StatusUnauthorized:
				t.Errorf("%s with %s: %d, want 401", route.Pattern, c.name, r.StatusCode)
			}
			// The login redirect may echo the asked path (with its ID); the
			// camera's name is data.
			if strings.Contains(r.body, f.camA1.Name) {
				t.Errorf("%s with %s served A's data", route.Pattern, c.name)
			}
		}
	}
	t.Logf("dead credentials: %d requests (%d kinds x %d guarded routes)", checked, len(creds), len(guarded(f)))
}

// HEAD and Range on B's media as A: the same 404, never a 206, no body.
func TestRouteSweepHeadAndRange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	checked := 0
	for _, route := range guarded(f) {
		method, path := splitPattern(route.Pattern)
		if method != http.MethodGet || !(strings.Contains(path, "{id}") || strings.Contains(path, "{eid}")) {
			continue
		}
		path = strings.NewReplacer("{id}", string(f.camB1.ID), "{eid}", string(f.eventB.ID)).Replace(path)
		if strings.Contains(path, "clip.mp4") || strings.Contains(path, "recordings") {
			path += "?start=" + f.now.Add(-2*time.Hour).UTC().Format(time.RFC3339) + "&end=" + f.now.UTC().Format(time.RFC3339)
		}
		for _, tc := range []struct {
			method string
			h      http.Header
		}{
			{http.MethodHead, nil},
			{http.MethodGet, http.Header{"Range": {"bytes=0-10"}}},
			{http.MethodGet, http.Header{"Range": {"bytes=-5"}}},
			{http.MethodHead, http.Header{"Range": {"bytes=0-"}, "If-Range": {"x"}}},
			{http.MethodGet, http.Header{"Range": {"bytes=0-1,2-3,4-5"}}},
		} {
			r := f.do(tc.method, path, []any{ana, tc.h}, "")
			checked++
			if r.StatusCode != http.StatusNotFound || r.Header.Get("Content-Range") != "" {
				t.Errorf("%s %s %v: %d (Content-Range %q), want 404", tc.method, route.Pattern, tc.h, r.StatusCode, r.Header.Get("Content-Range"))
			}
			if f.leaksB(r.body) {
				t.Errorf("%s %s leaked B's data", tc.method, route.Pattern)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d HEAD/Range requests", checked)
	}
	t.Logf("HEAD/Range: %d requests", checked)
}

// Encoded, case and slash variants of media paths never serve: they 404,
// or redirect to the clean path, which answers A's rights only.
func TestMediaPathVariants(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	own := f.addEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-time.Minute), "alpha", []byte("alpha-thumb"))
	eA, eB := string(own.ID), string(f.eventB.ID)
	a, b := string(f.camA1.ID), string(f.camB1.ID)
	// The clean path serves A's own thumbnail: the variants below are
	// refused for their shape, not for want of data.
	if r := f.get("/api/events/"+eA+"/thumbnail", ana); r.StatusCode != http.StatusOK || r.body != "alpha-thumb" {
		t.Fatalf("own thumbnail: %d %q", r.StatusCode, r.body)
	}
	variants := []string{
		"/API/events/" + eA + "/thumbnail", "/api/Events/" + eA + "/thumbnail", "/api/events/" + eA + "/THUMBNAIL",
		"/api/events/" + eA + "/thumbnail/", "/api/events/" + eA + "/thumbnail.jpg", "/api/events/" + eA + "%2fthumbnail",
		"/api/events/0" + eA + "/thumbnail", "/api/events/%3" + eA[:1] + eA[1:] + "/thumbnail", "/api/events/" + eA + "/thumbnail;.jpg",
		"/api/events/" + eA + "/%2e%2e/" + eB + "/thumbnail", "/api/events/" + eA + "/../" + eB + "/thumbnail",
		"/api/events/" + eA + "/..%2f" + eB + "/thumbnail", "//api/events/" + eB + "/thumbnail", "/api//events/" + eB + "/thumbnail",
		"/api/events/" + eB + "/thumbnail", "/api/events/" + eB + "/thumbnail/", "/api/events/" + eB + "/./thumbnail",
		"/API/cameras/" + a + "/clip.mp4", "/api/cameras/" + strings.ToUpper(a) + "/clip.mp4", "/api/cameras/" + a + "/clip.mp4/",
		"/api/cameras/" + a + "/%2e%2e/" + b + "/clip.mp4", "/api/cameras/" + a + "%2f..%2f" + b + "/clip.mp4",
		"/api/cameras/" + b + "/clip.mp4", "/api/cameras/" + strings.ToUpper(b), "/api/cameras/" + b + "/", "/api/cameras/" + b + "//recordings",
		"/static/../api/cameras/" + b, "/static/%2e%2e/%2e%2e/etc/passwd", "/static//etc/passwd", "/static/..%2f..%2fetc%2fpasswd",
		"/static/js/../../../../etc/passwd", "/static/%252e%252e/etc/passwd", "/static/js/live.js%00.png",
	}
	for _, v := range variants {
		r := f.get(v, ana)
		redirect := r.StatusCode/100 == 3
		if r.body == "alpha-thumb" || (!redirect && f.leaksB(r.body)) {
			t.Errorf("%s served media: %d %.80q", v, r.StatusCode, r.body)
		}
		switch r.StatusCode {
		case http.StatusNotFound, http.StatusBadRequest:
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			// Follow once: the clean path answers A's rights only.
			loc := r.Header.Get("Location")
			if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
				t.Errorf("%s redirects off-site to %q", v, loc)
				continue
			}
			r2 := f.get(loc, ana)
			if f.leaksB(r2.body) || (strings.Contains(loc, eB) && r2.StatusCode != http.StatusNotFound) {
				t.Errorf("%s → %s: %d %.80q", v, loc, r2.StatusCode, r2.body)
			}
		default:
			t.Errorf("%s: %d, want 404 or a redirect", v, r.StatusCode)
		}
	}
	t.Logf("media path variants: %d checked", len(variants))
}
