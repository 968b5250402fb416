package ui

import (
	"net/http"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

func TestOwnerManagesPeople(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	r := f.do(http.MethodPost, "/api/household/members", []any{ana}, `{"name":"nan","role":"viewer","password":"`+testPassword+`"}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("add: %d %s", r.StatusCode, r.body)
	}
	nan := decode[userResponse](t, r.body)
	if nan.HouseholdID != f.homeA.PublicID || nan.Role != nvr.RoleViewer || nan.Admin {
		t.Fatalf("added: %+v", nan)
	}
	if r := f.do(http.MethodPost, "/api/household/members", []any{ana}, `{"name":"x2","role":"owner","password":"`+testPassword+`","admin":true}`); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("owner making an admin: %d", r.StatusCode)
	}
	path := func(u string) string { return "/api/household/members/" + u }
	if r := f.do(http.MethodPatch, path(nan.ID), []any{ana}, `{"role":"member"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("role: %d %s", r.StatusCode, r.body)
	}
	nanC := f.login("nan")
	if r := f.do(http.MethodPatch, path(nan.ID), []any{ana}, `{"disabled":true}`); r.StatusCode != http.StatusOK {
		t.Fatalf("disable: %d %s", r.StatusCode, r.body)
	}
	if r := f.get("/api/me", nanC); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled member still signed in: %d", r.StatusCode)
	}
	// Out of reach: themselves, another household, the admin, and members
	// acting as owners.
	for name, tc := range map[string]struct {
		c    *http.Cookie
		path string
	}{
		"self":            {ana, path(f.ownerA.PublicID)},
		"other household": {ana, path(f.ownerB.PublicID)},
		"admin":           {ana, path(f.admin.PublicID)},
		"as member":       {f.login("mo"), path(nan.ID)},
	} {
		if r := f.do(http.MethodPatch, tc.path, []any{tc.c}, `{"role":"viewer"}`); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: patch %d", name, r.StatusCode)
		}
		if r := f.do(http.MethodDelete, tc.path, []any{tc.c}, ""); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: delete %d", name, r.StatusCode)
		}
	}
	if r := f.do(http.MethodDelete, path(nan.ID), []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("remove: %d %s", r.StatusCode, r.body)
	}
	page := f.get("/settings/people", ana)
	if testID(t, page.body, "member-row").Length() != 3 || testID(t, page.body, "member-role-form").Length() != 2 {
		t.Fatalf("people page rows %d, role forms %d", testID(t, page.body, "member-row").Length(), testID(t, page.body, "member-role-form").Length())
	}
}

// TestOwnerSetsMemberPassword: a member who forgot their password had to
// find the appliance's admin. An owner sets a new one; every session and
// token of the member ends with the old one. Only from a browser session,
// only for their own household's people, never for the owner's own
// account (My account does that, with the current password) or the admin.
func TestOwnerSetsMemberPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana, mo := f.login("ana"), f.login("mo")
	moTok := decode[tokenResponse](t, f.do(http.MethodPost, "/api/me/tokens", []any{mo}, `{"name":"script","scope":"view"}`).body)
	anaTok := decode[tokenResponse](t, f.do(http.MethodPost, "/api/me/tokens", []any{ana}, `{"name":"all","scope":"all"}`).body)
	path := "/api/household/members/" + f.memberA.PublicID
	const fresh = `{"password":"a brand new passphrase"}`
	for _, c := range []struct {
		who  string
		cred any
		path string
		want int
	}{
		{"an API token of the owner", bearer(anaTok.Token), path, http.StatusNotFound},
		{"the other household's owner", f.login("bea"), path, http.StatusNotFound},
		{"a member", mo, "/api/household/members/" + f.viewerA.PublicID, http.StatusNotFound},
		{"the owner for themself", ana, "/api/household/members/" + f.ownerA.PublicID, http.StatusNotFound},
		{"the owner, a weak password", ana, path, http.StatusBadRequest},
	} {
		body := fresh
		if c.want == http.StatusBadRequest {
			body = `{"password":"short"}`
		}
		if r := f.do(http.MethodPatch, c.path, []any{c.cred}, body); r.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.who, r.StatusCode, r.body, c.want)
		}
	}
	if r := f.get("/api/me", mo); r.StatusCode != http.StatusOK {
		t.Fatalf("a refused reset ended mo's session: %d", r.StatusCode)
	}
	if r := f.do(http.MethodPatch, path, []any{ana}, fresh); r.StatusCode != http.StatusOK {
		t.Fatalf("the owner's reset: %d %s", r.StatusCode, r.body)
	}
	for what, cred := range map[string]any{"session": mo, "token": bearer(moTok.Token)} {
		if r := f.get("/api/me", cred); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("mo's %s outlived the reset: %d", what, r.StatusCode)
		}
	}
	if r := f.do(http.MethodPost, "/api/login", nil, `{"username":"mo","password":"a brand new passphrase"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("mo with the new password: %d", r.StatusCode)
	}
	if r := f.do(http.MethodPost, "/api/login", nil, `{"username":"mo","password":"`+testPassword+`"}`); r.StatusCode == http.StatusOK {
		t.Fatal("mo's old password still signs in")
	}
	page := f.get("/settings/people", ana)
	if n := testID(t, page.body, "member-password-form").Length(); n != 2 {
		t.Errorf("%d password forms on the people page, want one per other person (2)", n)
	}
}
