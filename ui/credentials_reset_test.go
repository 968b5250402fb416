package ui

import (
	"context"
	"net/http"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// TestResetAndDisableEndEveryCredential (issue 14, findings 1 and 2): a
// password reset, a self-service change and a disable end every session and
// API token of the user, through each path that makes them (admin API,
// household owner API, the user's own change); enabling again starts clean,
// so nothing issued before the disable works after it.
func TestResetAndDisableEndEveryCredential(t *testing.T) {
	t.Parallel()
	type step struct {
		method, path, body string
		as                 func(f *fixture) *http.Cookie
	}
	admin := func(f *fixture) *http.Cookie { return f.login("root") }
	owner := func(f *fixture) *http.Cookie { return f.login("ana") }
	member := func(f *fixture) *http.Cookie { return f.login("mo") }
	cases := []struct {
		name  string
		steps func(f *fixture) []step
	}{
		{"admin resets the password", func(f *fixture) []step {
			return []step{{http.MethodPatch, "/api/admin/users/" + f.memberA.PublicID, `{"password":"` + testPassword + `"}`, admin}}
		}},
		{"member changes their own password", func(f *fixture) []step {
			return []step{{http.MethodPost, "/api/me/password",
				`{"current_password":"` + testPassword + `","new_password":"` + testPassword + `"}`, member}}
		}},
		{"admin disables then enables", func(f *fixture) []step {
			p := "/api/admin/users/" + f.memberA.PublicID
			return []step{{http.MethodPatch, p, `{"disabled":true}`, admin}, {http.MethodPatch, p, `{"disabled":false}`, admin}}
		}},
		{"owner disables then enables", func(f *fixture) []step {
			p := "/api/household/members/" + f.memberA.PublicID
			return []step{{http.MethodPatch, p, `{"disabled":true}`, owner}, {http.MethodPatch, p, `{"disabled":false}`, owner}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			session := f.login("mo")
			tokens := map[string]string{}
			for _, scope := range []nvr.TokenScope{nvr.ScopeView, nvr.ScopeTrigger, nvr.ScopeAll} {
				tok, _, err := nvrtest.Operator(f.dir).CreateToken(ctx, f.memberA.ID, "t-"+string(scope), scope, 0)
				if err != nil {
					t.Fatalf("create token: %v", err)
				}
				tokens[string(scope)] = tok
			}
			// An untouched user keeps theirs: the reset is about one account.
			bystander, _, err := nvrtest.Operator(f.dir).CreateToken(ctx, f.viewerA.ID, "other", nvr.ScopeView, 0)
			if err != nil {
				t.Fatalf("create token: %v", err)
			}
			if r := f.get("/api/me", session); r.StatusCode != http.StatusOK {
				t.Fatalf("session before: %d", r.StatusCode)
			}
			for _, st := range tc.steps(f) {
				if r := f.do(st.method, st.path, []any{st.as(f)}, st.body); r.StatusCode != http.StatusOK {
					t.Fatalf("%s %s: %d %s", st.method, st.path, r.StatusCode, r.body)
				}
			}
			if r := f.get("/api/me", session); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("old session after %s: %d, want 401", tc.name, r.StatusCode)
			}
			for scope, tok := range tokens {
				if r := f.get("/api/cameras", bearer(tok)); r.StatusCode != http.StatusUnauthorized {
					t.Errorf("old %s token after %s: %d, want 401", scope, tc.name, r.StatusCode)
				}
			}
			if left, err := f.store.Tokens(ctx, f.memberA.ID); err != nil || len(left) != 0 {
				t.Errorf("tokens left: %d (%v), want none", len(left), err)
			}
			if r := f.get("/api/cameras", bearer(bystander)); r.StatusCode != http.StatusOK {
				t.Errorf("another user's token: %d, want 200", r.StatusCode)
			}
			// The account itself works again with fresh credentials.
			fresh := f.login("mo")
			if r := f.get("/api/me", fresh); r.StatusCode != http.StatusOK {
				t.Errorf("fresh login: %d", r.StatusCode)
			}
		})
	}
}
