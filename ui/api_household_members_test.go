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
	if nan.HouseholdID != f.homeA.ID || nan.Role != nvr.RoleViewer || nan.Admin {
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
