package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// setupFixture is a server on a fresh database with no admin yet.
type setupFixture struct {
	*fixture
	setup *nvr.Setup
	token string
}

func newSetupFixture(t *testing.T) *setupFixture {
	t.Helper()
	store, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	f := &fixture{t: t, store: store, now: time.Now()}
	f.clock = func() time.Time { return f.now }
	f.dir = nvr.NewDirectory(store, f.clock, cheapArgon)
	setup := nvr.NewSetup(f.dir, f.clock)
	token, err := setup.Begin(context.Background())
	if err != nil || token == "" {
		t.Fatalf("begin setup: %q %v", token, err)
	}
	f.srv = NewServer(Config{}, Deps{Policy: nvr.NewPolicy(store, f.clock, nil),
		Auth: nvr.NewAuth(store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock}), Directory: f.dir, Setup: setup, Now: f.clock})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
	return &setupFixture{fixture: f, setup: setup, token: token}
}

func (f *setupFixture) postForm(vals url.Values) response {
	f.t.Helper()
	return f.do(http.MethodPost, "/setup", []any{http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}, vals.Encode())
}

func testID(t *testing.T, html, id string) *goquery.Selection {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return doc.Find(`[data-testid="` + id + `"]`)
}

func TestSetupAPIWorksOnce(t *testing.T) {
	t.Parallel()
	f := newSetupFixture(t)
	body := func(token string) string {
		return `{"token":"` + token + `","username":"root","password":"` + testPassword + `"}`
	}
	if r := f.do(http.MethodPost, "/api/setup", nil, body("hsetup_"+strings.Repeat("A", 43))); r.StatusCode != http.StatusNotFound {
		t.Fatalf("wrong token: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, "/api/setup", nil, body(f.token)); r.StatusCode != http.StatusCreated || !strings.Contains(r.body, `"admin":true`) {
		t.Fatalf("setup: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, "/api/setup", nil, `{"token":"`+f.token+`","username":"root2","password":"`+testPassword+`"}`); r.StatusCode != http.StatusNotFound {
		t.Fatalf("second use: %d %s", r.StatusCode, r.body)
	}
	// The admin can log in and administer.
	c := f.login("root")
	if r := f.get("/api/admin/households", c); r.StatusCode != http.StatusOK {
		t.Fatalf("admin after setup: %d", r.StatusCode)
	}
	// Once an admin exists, serve makes no new token.
	if tok, err := f.setup.Begin(context.Background()); err != nil || tok != "" {
		t.Fatalf("begin with an admin: %q %v", tok, err)
	}
}

func TestSetupTokenExpires(t *testing.T) {
	t.Parallel()
	f := newSetupFixture(t)
	f.now = f.now.Add(nvr.SetupTokenLifetime + time.Second)
	r := f.do(http.MethodPost, "/api/setup", nil, `{"token":"`+f.token+`","username":"root","password":"`+testPassword+`"}`)
	if r.StatusCode != http.StatusNotFound {
		t.Fatalf("expired token: %d %s", r.StatusCode, r.body)
	}
	if r := f.get("/setup?token=" + url.QueryEscape(f.token)); r.StatusCode != http.StatusNotFound || testID(t, r.body, "setup-invalid").Length() != 1 {
		t.Fatalf("expired page: %d", r.StatusCode)
	}
}

func TestSetupPage(t *testing.T) {
	t.Parallel()
	f := newSetupFixture(t)
	page := f.get("/setup?token=" + url.QueryEscape(f.token))
	if page.StatusCode != http.StatusOK {
		t.Fatalf("setup page: %d", page.StatusCode)
	}
	form := testID(t, page.body, "setup-form")
	if form.Length() != 1 || form.Find(`input[name="token"]`).AttrOr("value", "") != f.token {
		t.Fatalf("setup form missing or without token: %s", page.body)
	}
	if strings.Contains(page.body, "<script") || strings.Contains(page.body, "style=") {
		t.Fatalf("inline script or style in the page")
	}
	if got := f.get("/static/app.css"); got.StatusCode != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d %q", got.StatusCode, got.Header.Get("Content-Type"))
	}
	if r := f.get("/setup?token=nonsense"); r.StatusCode != http.StatusNotFound || testID(t, r.body, "setup-form").Length() != 0 ||
		!strings.Contains(testID(t, r.body, "setup-invalid").Text(), "Restart") {
		t.Fatalf("bad token page before any admin: %d %s", r.StatusCode, r.body)
	}

	vals := url.Values{"token": {f.token}, "username": {"<b>root</b>"}, "password": {testPassword}, "password2": {testPassword}}
	r := f.postForm(vals)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(testID(t, r.body, "setup-error").Text(), "username") {
		t.Fatalf("bad username: %d", r.StatusCode)
	}
	if strings.Contains(r.body, "<b>root</b>") {
		t.Fatalf("the user name was rendered as markup")
	}
	vals.Set("username", "root")
	vals.Set("password2", "something else")
	if r := f.postForm(vals); r.StatusCode != http.StatusBadRequest || !strings.Contains(testID(t, r.body, "setup-error").Text(), "do not match") {
		t.Fatalf("mismatch: %d", r.StatusCode)
	}
	vals.Set("password2", testPassword)
	r = f.postForm(vals)
	if r.StatusCode != http.StatusCreated || testID(t, r.body, "setup-done").Length() != 1 {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	// The page that says the admin exists leads on to signing in: it was a
	// dead end with no link, the header of a signed-out page has none.
	if href := testID(t, r.body, "setup-signin").AttrOr("href", ""); href != "/login" {
		t.Fatalf("done page: sign-in link %q, want /login: %s", href, r.body)
	}
	// Once the admin exists, a used link says so and leads to signing in:
	// it told to restart serve for a new link, which then prints none.
	if r := f.postForm(vals); r.StatusCode != http.StatusNotFound || testID(t, r.body, "setup-signin").AttrOr("href", "") != "/login" ||
		!strings.Contains(testID(t, r.body, "setup-invalid").Text(), "already set up") || strings.Contains(r.body, "Restart") {
		t.Fatalf("second use: %d, or no sign-in link: %s", r.StatusCode, r.body)
	}
	if r := f.get("/setup?token=" + url.QueryEscape(f.token)); r.StatusCode != http.StatusNotFound ||
		!strings.Contains(testID(t, r.body, "setup-invalid").Text(), "already set up") {
		t.Fatalf("used link opened again: %d %s", r.StatusCode, r.body)
	}
	// A form posted from another site is refused before the token is even read.
	cross := f.do(http.MethodPost, "/setup", []any{http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"Sec-Fetch-Site": {"cross-site"}}}, vals.Encode())
	if cross.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site form: %d", cross.StatusCode)
	}
}
