package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

func TestMyTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	r := f.do(http.MethodPost, "/api/me/tokens", []any{ana}, `{"name":"doorbell","scope":"trigger","expires_in_days":30}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	created := decode[tokenResponse](t, r.body)
	if !nvr.IsAPIToken(created.Token) || created.Scope != nvr.ScopeTrigger || created.ExpiresAt == nil {
		t.Fatalf("created token: %+v", created)
	}
	// The token works, is listed without its secret, and the page shows it
	// without the secret too.
	if r := f.get("/api/me", bearer(created.Token)); r.StatusCode != http.StatusOK {
		t.Fatalf("new token: %d", r.StatusCode)
	}
	list := f.get("/api/me/tokens", ana)
	if list.StatusCode != http.StatusOK || !strings.Contains(list.body, "doorbell") || strings.Contains(list.body, created.Token) {
		t.Fatalf("list: %d %s", list.StatusCode, list.body)
	}
	page := f.get("/settings/account", ana)
	if testID(t, page.body, "token-row").Length() != 1 || strings.Contains(page.body, created.Token) {
		t.Fatalf("account page token rows: %d", testID(t, page.body, "token-row").Length())
	}
	// A token cannot mint tokens or end sessions.
	if r := f.do(http.MethodPost, "/api/me/tokens", []any{bearer(created.Token)}, `{"name":"more"}`); r.StatusCode != http.StatusNotFound {
		t.Fatalf("token minting a token: %d", r.StatusCode)
	}
	// Another user cannot revoke it; its owner can.
	path := "/api/me/tokens/" + created.ID
	if r := f.do(http.MethodDelete, path, []any{f.login("mo")}, ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("other user's revoke: %d", r.StatusCode)
	}
	if r := f.do(http.MethodDelete, path, []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.StatusCode, r.body)
	}
	if r := f.get("/api/me", bearer(created.Token)); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", r.StatusCode)
	}
	if r := f.do(http.MethodPost, "/api/me/tokens", []any{ana}, `{"name":"x","scope":"root"}`); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad scope: %d", r.StatusCode)
	}
}

func TestMySessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	phone, laptop := f.login("ana"), f.login("ana")
	page := f.get("/settings/account", laptop)
	if n := testID(t, page.body, "session-row").Length(); n != 2 || testID(t, page.body, "session-current").Length() != 1 {
		t.Fatalf("sessions on the page: %d", n)
	}
	type list struct {
		Sessions []sessionResponse `json:"sessions"`
	}
	ss := decode[list](t, f.get("/api/me/sessions", laptop).body).Sessions
	var other string
	for _, s := range ss {
		if !s.Current {
			other = s.ID
		}
	}
	if len(ss) != 2 || other == "" {
		t.Fatalf("sessions: %+v", ss)
	}
	if r := f.do(http.MethodDelete, "/api/me/sessions/"+other, []any{laptop}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("end session: %d %s", r.StatusCode, r.body)
	}
	if r := f.get("/api/me", phone); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("ended session still works: %d", r.StatusCode)
	}
	if r := f.get("/api/me", laptop); r.StatusCode != http.StatusOK {
		t.Fatalf("this session ended too: %d", r.StatusCode)
	}

	// Everywhere else: every other session of ana's ends, this one and
	// another user's stay; an API token may not ask.
	tablet, tv, mo := f.login("ana"), f.login("ana"), f.login("mo")
	tok := decode[tokenResponse](t, f.do(http.MethodPost, "/api/me/tokens", []any{laptop}, `{"name":"script","scope":"all"}`).body)
	if r := f.do(http.MethodDelete, "/api/me/sessions", []any{bearer(tok.Token)}, ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("a token ending sessions: %d", r.StatusCode)
	}
	r := f.do(http.MethodDelete, "/api/me/sessions", []any{laptop}, "")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"ended":2`) || !strings.Contains(r.body, "Signed out 2 other sessions.") {
		t.Fatalf("end other sessions: %d %s", r.StatusCode, r.body)
	}
	for _, c := range []*http.Cookie{tablet, tv} {
		if r := f.get("/api/me", c); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("another session of ana's still works: %d", r.StatusCode)
		}
	}
	for _, c := range []*http.Cookie{laptop, mo} {
		if r := f.get("/api/me", c); r.StatusCode != http.StatusOK {
			t.Fatalf("this session or another user's ended: %d", r.StatusCode)
		}
	}
	if r := f.do(http.MethodDelete, "/api/me/sessions", []any{laptop}, ""); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "No other sessions") {
		t.Fatalf("nothing left to end: %d %s", r.StatusCode, r.body)
	}
}

func TestChangeMyPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	old, other := f.login("mo"), f.login("mo")
	if r := f.do(http.MethodPost, "/api/me/password", []any{old}, `{"current_password":"not it at all","new_password":"a brand new passphrase"}`); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong current password: %d %s", r.StatusCode, r.body)
	}
	r := f.do(http.MethodPost, "/api/me/password", []any{old}, `{"current_password":"`+testPassword+`","new_password":"a brand new passphrase"}`)
	fresh := sessionOf(r)
	if r.StatusCode != http.StatusOK || fresh == nil {
		t.Fatalf("change: %d %s", r.StatusCode, r.body)
	}
	for name, c := range map[string]*http.Cookie{"old": old, "other": other} {
		if r := f.get("/api/me", c); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s session after the change: %d", name, r.StatusCode)
		}
	}
	if r := f.get("/api/me", fresh); r.StatusCode != http.StatusOK {
		t.Fatalf("fresh session: %d", r.StatusCode)
	}
	if _, _, err := f.srv.auth.Login(context.Background(), "mo", "a brand new passphrase", nvr.ClientInfo{Addr: "192.0.2.1:1"}); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

// The account page offers a trigger token only to whoever may trigger
// events (a household's owners and members), and the API refuses one to a
// viewer in words; before, a viewer's trigger token was made and every use
// answered a bare 404.
func TestTriggerTokenOnlyForWhoMayTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for user, offered := range map[string]bool{"ana": true, "mo": true, "vic": false} {
		page := f.get("/settings/account", f.login(user))
		if got := strings.Contains(page.body, `<option value="trigger">`); got != offered {
			t.Errorf("%s's account page offers a trigger token: %t, want %t", user, got, offered)
		}
	}
	r := f.do(http.MethodPost, "/api/me/tokens", []any{f.login("vic")}, `{"name":"doorbell","scope":"trigger"}`)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "view token") {
		t.Fatalf("viewer's trigger token: %d %s, want 400 with advice", r.StatusCode, r.body)
	}
}
