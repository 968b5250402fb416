package ui

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

func doc(t *testing.T, html string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) postLogin(vals url.Values, opts ...any) response {
	f.t.Helper()
	return f.do(http.MethodPost, "/login", append([]any{http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}, opts...), vals.Encode())
}

func sessionOf(r response) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == sessionCookieName && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestLoginForm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	page := f.get("/login?next=%2Fevents")
	form := testID(t, page.body, "login-form")
	if page.StatusCode != http.StatusOK || form.Length() != 1 || form.Find(`input[name="next"]`).AttrOr("value", "") != "/events" {
		t.Fatalf("login page: %d %s", page.StatusCode, page.body)
	}
	if form.Find(`label[for="username"]`).Length() != 1 || form.Find(`label[for="password"]`).Length() != 1 {
		t.Fatalf("login fields are not labelled")
	}

	// A wrong password and an unknown user get the same generic answer.
	var msgs []string
	for _, user := range []string{"ana", "nobody"} {
		r := f.postLogin(url.Values{"username": {user}, "password": {"wrong password!"}, "next": {"/events"}})
		if r.StatusCode != http.StatusUnauthorized || sessionOf(r) != nil {
			t.Fatalf("bad login for %s: %d, cookie %v", user, r.StatusCode, sessionOf(r))
		}
		msgs = append(msgs, testID(t, r.body, "login-error").Text())
		if got := testID(t, r.body, "login-form").Find(`input[name="password"]`).AttrOr("value", ""); got != "" {
			t.Fatalf("the password was rendered back: %q", got)
		}
	}
	if msgs[0] != loginFailed || msgs[1] != msgs[0] {
		t.Fatalf("login errors = %q, want the same generic message", msgs)
	}

	r := f.postLogin(url.Values{"username": {"ana"}, "password": {testPassword}, "next": {"/events"}})
	c := sessionOf(r)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/events" || c == nil || !c.HttpOnly {
		t.Fatalf("good login: %d to %q, cookie %+v", r.StatusCode, r.Header.Get("Location"), c)
	}
	if grid := f.get("/", c); grid.StatusCode != http.StatusOK || testID(t, grid.body, "grid").Length() != 1 {
		t.Fatalf("grid after login: %d", grid.StatusCode)
	}

	// The next parameter cannot send the browser to another site.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		r := f.postLogin(url.Values{"username": {"mo"}, "password": {testPassword}, "next": {next}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("next %q: %d to %q, want /", next, r.StatusCode, r.Header.Get("Location"))
		}
	}

	// Sign out ends the session.
	out := f.do(http.MethodPost, "/logout", []any{c}, "")
	if out.StatusCode != http.StatusSeeOther || out.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", out.StatusCode, out.Header.Get("Location"))
	}
	if again := f.get("/api/me", c); again.StatusCode != http.StatusUnauthorized {
		t.Fatalf("session after logout: %d", again.StatusCode)
	}
	if again := f.get("/", c); again.StatusCode != http.StatusSeeOther {
		t.Fatalf("grid after logout: %d", again.StatusCode)
	}
}

func TestPagesRedirectToLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.get("/events")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fevents" {
		t.Fatalf("events without session: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	dead := &http.Cookie{Name: sessionCookieName, Value: "hses_" + strings.Repeat("A", 43)}
	r = f.get("/settings/account", dead)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("dead cookie: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := f.get("/no/such/page"); r.StatusCode != http.StatusNotFound || testID(t, r.body, "error-page").Length() != 1 {
		t.Fatalf("unknown page: %d", r.StatusCode)
	}
	// A signed-in person's 404 keeps their menu, so it leaves a way on;
	// a stranger's has none. The menu is the requester's: a page they may
	// not open and one that does not exist look the same.
	if r := f.get("/no/such/page"); testID(t, r.body, "nav-live").Length() != 0 {
		t.Fatal("a stranger's 404 shows the menu")
	}
	vc := f.login(f.viewerA.Name)
	missing, denied := f.get("/no/such/page", vc), f.get("/settings/people", vc)
	for name, r := range map[string]response{"missing page": missing, "page a viewer may not open": denied} {
		if r.StatusCode != http.StatusNotFound || testID(t, r.body, "nav-live").Length() != 1 || testID(t, r.body, "nav-settings").Length() != 1 {
			t.Fatalf("viewer's %s: %d, without the menu", name, r.StatusCode)
		}
	}
}

func TestGridShowsExactlyVisibleCameras(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		user string
		want []nvr.CameraID
	}{
		{"ana", sorted(f.camA1.ID, f.camA2.ID)},
		{"mo", sorted(f.camA1.ID, f.camA2.ID)},
		{"vic", sorted(f.camA1.ID)}, // a viewer: only the assigned camera
		{"bea", sorted(f.camB1.ID)},
		{"root", nil}, // the admin belongs to no household
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			r := f.get("/", f.login(tt.user))
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d", r.StatusCode)
			}
			var got []nvr.CameraID
			testID(t, r.body, "tile").Each(func(_ int, s *goquery.Selection) {
				id := s.AttrOr("data-camera-id", "")
				got = append(got, nvr.CameraID(id))
				v := s.Find(`video[data-testid="tile-video"]`)
				if v.AttrOr("data-camera-id", "") != id || v.AttrOr("muted", "x") == "x" || v.AttrOr("playsinline", "x") == "x" {
					t.Errorf("tile %s: video %v", id, v.Nodes)
				}
				if s.Find(`[data-testid="badge"]`).Length() != 1 {
					t.Errorf("tile %s without a badge", id)
				}
				if href := s.Find(`[data-testid="tile-link"]`).AttrOr("href", ""); href != "/cameras/"+id {
					t.Errorf("tile %s links to %q", id, href)
				}
			})
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("tiles = %v, want %v", got, tt.want)
			}
			for _, other := range []nvr.Camera{f.camA1, f.camA2, f.camB1} {
				if !slices.Contains(tt.want, other.ID) && (strings.Contains(r.body, string(other.ID)) || strings.Contains(r.body, other.Name)) {
					t.Fatalf("page mentions camera %s it must not show", other.Name)
				}
			}
		})
	}
}

func TestCameraPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	r := f.get("/cameras/"+string(f.camA1.ID), ana)
	if r.StatusCode != http.StatusOK || testID(t, r.body, "camera-name").Text() != f.camA1.Name {
		t.Fatalf("camera page: %d", r.StatusCode)
	}
	d := doc(t, r.body)
	if d.Find(`[data-testid="camera-live"]`).AttrOr("data-stream", "") != "main" {
		t.Fatalf("the camera page does not play the main stream")
	}
	if d.Find(`[data-testid="timeline"]`).AttrOr("data-camera-id", "") != string(f.camA1.ID) || d.Find(`[data-testid="camera-edit"]`).Length() != 1 {
		t.Fatalf("timeline or owner's edit link missing")
	}
	// A member sees no edit link; a viewer only assigned cameras; another
	// household and a missing camera get the same 404 page.
	if r := f.get("/cameras/"+string(f.camA1.ID), f.login("mo")); testID(t, r.body, "camera-edit").Length() != 0 {
		t.Fatalf("member sees the edit link")
	}
	// The page is the requester's (their menu), so each is compared with
	// what the same person gets for a camera that does not exist.
	vic := f.login("vic")
	missingFor := map[*http.Cookie]response{ana: f.get("/cameras/"+string(nvr.NewCameraID()), ana), vic: f.get("/cameras/"+string(nvr.NewCameraID()), vic)}
	for name, c := range map[string]struct {
		r   response
		who *http.Cookie
	}{
		"viewer, unassigned": {f.get("/cameras/"+string(f.camA2.ID), vic), vic},
		"other household":    {f.get("/cameras/"+string(f.camB1.ID), ana), ana},
		"missing":            {missingFor[ana], ana},
	} {
		if c.r.StatusCode != http.StatusNotFound || testID(t, c.r.body, "error-page").Length() != 1 || c.r.body != missingFor[c.who].body {
			t.Errorf("%s: %d", name, c.r.StatusCode)
		}
	}
}

func TestSettingsPagesByRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cookies := map[string]*http.Cookie{}
	for _, u := range []string{"ana", "mo", "vic", "bea", "root"} {
		cookies[u] = f.login(u)
	}
	editA1 := "/settings/cameras/" + string(f.camA1.ID)
	tests := []struct {
		page   string
		testid string
		allow  []string
	}{
		{"/settings/account", "account", []string{"ana", "mo", "vic", "bea", "root"}},
		{"/settings/notifications", "notify-channels", []string{"ana", "mo", "vic", "bea", "root"}},
		{"/settings/people", "people", []string{"ana", "bea"}},
		{"/settings/cameras", "cameras", []string{"ana", "bea"}},
		{editA1, "camera-edit", []string{"ana", "root"}},
		{"/settings/admin", "admin-accounts", []string{"root"}},
		{"/settings/admin/cameras", "cameras", []string{"root"}},
		{"/settings/admin/system", "health", []string{"root"}},
	}
	for _, tt := range tests {
		for user, c := range cookies {
			r := f.get(tt.page, c)
			if slices.Contains(tt.allow, user) {
				if r.StatusCode != http.StatusOK || testID(t, r.body, tt.testid).Length() != 1 {
					t.Errorf("%s as %s: %d, want the page", tt.page, user, r.StatusCode)
				}
				continue
			}
			if r.StatusCode != http.StatusNotFound || testID(t, r.body, "error-page").Length() != 1 {
				t.Errorf("%s as %s: %d, want the 404 page", tt.page, user, r.StatusCode)
			}
		}
	}
	// The camera's page shows its recording settings as stored.
	edit := f.get(editA1, cookies["ana"])
	rec := testID(t, edit.body, "recording-fields")
	if mode := rec.Find(`[data-testid="record-mode"] option[selected]`).AttrOr("value", ""); mode != "continuous" ||
		rec.Find(`[data-testid="pre-roll"]`).AttrOr("value", "") != "5" || rec.Find(`[data-testid="post-roll"]`).AttrOr("value", "") != "10" ||
		rec.Find(`[data-testid="retain-continuous"]`).AttrOr("value", "") != "14" || rec.Find(`[data-testid="retain-events"]`).AttrOr("value", "") != "30" {
		t.Errorf("recording fields: mode %q, %s", mode, rec.Text())
	}
	// The owner's people page lists only their household, with the viewer's
	// access boxes reflecting the assignment.
	people := f.get("/settings/people", cookies["ana"])
	// Names are looked for in the page's text, not its markup, where a
	// random public ID or token may contain "bea" by chance; IDs anywhere.
	section := testID(t, people.body, "people")
	if section.Length() != 1 || !strings.Contains(section.Text(), f.memberA.Name) {
		t.Fatalf("people page: %d, no people section listing %s", people.StatusCode, f.memberA.Name)
	}
	peopleText := section.Text()
	if strings.Contains(peopleText, f.ownerB.Name) || strings.Contains(peopleText, f.camB1.Name) ||
		strings.Contains(people.body, f.ownerB.PublicID) || strings.Contains(people.body, string(f.camB1.ID)) {
		t.Fatalf("people page leaks household B")
	}
	boxes := testID(t, people.body, "access-box")
	if boxes.Length() != 2 {
		t.Fatalf("viewer access boxes: %d, want 2", boxes.Length())
	}
	boxes.Each(func(_ int, s *goquery.Selection) {
		_, checked := s.Attr("checked")
		if want := s.AttrOr("data-camera-id", "") == string(f.camA1.ID); checked != want {
			t.Errorf("box %s checked=%v, want %v", s.AttrOr("data-camera-id", ""), checked, want)
		}
	})
}

func TestCameraPasswordNeverRendered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct{ user, page string }{
		{"ana", "/settings/cameras/" + string(f.camA1.ID)},
		{"root", "/settings/cameras/" + string(f.camA1.ID)},
		{"ana", "/settings/cameras"},
		{"root", "/settings/admin/cameras"},
		{"root", "/settings/admin/system"},
		{"ana", "/cameras/" + string(f.camA1.ID)},
		{"ana", "/"},
	} {
		r := f.get(tc.page, f.login(tc.user))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s as %s: %d", tc.page, tc.user, r.StatusCode)
		}
		if strings.Contains(r.body, f.canaryPw) || strings.Contains(r.body, url.QueryEscape(f.canaryPw)) {
			t.Fatalf("%s as %s shows the stored camera password", tc.page, tc.user)
		}
		doc(t, r.body).Find(`input[type="password"]`).Each(func(_ int, s *goquery.Selection) {
			if v, ok := s.Attr("value"); ok && v != "" {
				t.Errorf("%s: password field has a value", tc.page)
			}
		})
	}
}

func TestHostileCameraNameRendersAsText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const evil = `<img src=x onerror=alert(1)>`
	cam := f.addCamera(f.homeA.ID, evil, "rtsp://192.0.2.30/main")
	ana := f.login("ana")
	for _, page := range []string{"/", "/cameras/" + string(cam.ID), "/events", "/settings/cameras", "/settings/people"} {
		r := f.get(page, ana)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", page, r.StatusCode)
		}
		if strings.Contains(r.body, evil) || strings.Contains(r.body, "<img") {
			t.Fatalf("%s renders the camera name as markup", page)
		}
		d := doc(t, r.body)
		if d.Find("img, [onerror]").Length() != 0 {
			t.Fatalf("%s has an injected element", page)
		}
		if !strings.Contains(d.Text(), evil) {
			t.Fatalf("%s does not show the name as text", page)
		}
	}
}

func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana, root := f.login("ana"), f.login("root")
	for _, tc := range []struct {
		page string
		c    *http.Cookie
	}{
		{"/login", nil}, {"/", ana}, {"/cameras/" + string(f.camA1.ID), ana}, {"/events", ana},
		{"/settings/account", ana}, {"/settings/people", ana}, {"/settings/cameras", ana},
		{"/settings/admin", root}, {"/settings/admin/system", root}, {"/nothing", nil},
	} {
		var r response
		if tc.c != nil {
			r = f.get(tc.page, tc.c)
		} else {
			r = f.get(tc.page)
		}
		d := doc(t, r.body)
		d.Find("script").Each(func(_ int, s *goquery.Selection) {
			src := s.AttrOr("src", "")
			if !strings.HasPrefix(src, "/static/js/") || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("%s: script %q is not an own module file", tc.page, src)
			}
			if got := f.get(src); got.StatusCode != http.StatusOK || !strings.Contains(got.Header.Get("Content-Type"), "javascript") {
				t.Errorf("%s: %s answers %d %q", tc.page, src, got.StatusCode, got.Header.Get("Content-Type"))
			}
		})
		if d.Find("[style], style, [onclick], [onload], [onerror], [onsubmit]").Length() != 0 {
			t.Errorf("%s: inline style or handler", tc.page)
		}
		if r.Header.Get("Content-Security-Policy") != contentSecurityPolicy {
			t.Errorf("%s: CSP missing", tc.page)
		}
		// Every form control is labelled.
		d.Find("input:not([type=hidden]), select").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("id")
			labelled := s.ParentsFiltered("label").Length() > 0 || (id != "" && d.Find(`label[for="`+id+`"]`).Length() > 0)
			if !labelled {
				t.Errorf("%s: control %s without a label", tc.page, s.AttrOr("name", "?"))
			}
		})
	}
}

func TestCrossOriginFormsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}}
	r := f.do(http.MethodPost, "/login", []any{form}, url.Values{"username": {"ana"}, "password": {testPassword}}.Encode())
	if r.StatusCode != http.StatusForbidden || sessionOf(r) != nil {
		t.Fatalf("cross-site login: %d", r.StatusCode)
	}
	if r := f.do(http.MethodPost, "/logout", []any{ana, form}, ""); r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site logout: %d", r.StatusCode)
	}
	if r := f.get("/api/me", ana); r.StatusCode != http.StatusOK {
		t.Fatalf("the cross-site logout ended the session: %d", r.StatusCode)
	}
	// The settings forms' JSON calls are guarded the same way.
	cross := http.Header{"Origin": {"https://evil.example"}}
	if r := f.do(http.MethodPost, "/api/me/tokens", []any{ana, cross}, `{"name":"x"}`); r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin token creation: %d %s", r.StatusCode, r.body)
	}
	// The same form from the same origin works.
	same := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}}
	if r := f.do(http.MethodPost, "/logout", []any{ana, same}, ""); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin logout: %d", r.StatusCode)
	}
}

func TestEventsPageFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.get("/events?camera="+string(f.camB1.ID)+"&kind=motion", f.login("ana"))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("events: %d", r.StatusCode)
	}
	var opts []string
	testID(t, r.body, "events-camera-option").Each(func(_ int, s *goquery.Selection) {
		opts = append(opts, s.AttrOr("value", ""))
		if _, sel := s.Attr("selected"); sel {
			t.Errorf("another household's camera ID kept selected")
		}
	})
	slices.Sort(opts)
	if want := []string{string(f.camA1.ID), string(f.camA2.ID)}; !slices.Equal(opts, sorted2(want)) {
		t.Fatalf("camera filter = %v, want %v", opts, want)
	}
	if testID(t, r.body, "events-list").AttrOr("data-can-manage", "") != "true" {
		t.Fatalf("owner may not manage events")
	}
	if got := testID(t, f.get("/events", f.login("mo")).body, "events-list").AttrOr("data-can-manage", ""); got != "false" {
		t.Fatalf("member may manage events: %q", got)
	}
	// Pin is offered to owners and members, not to viewers (issue 14, 4).
	for name, want := range map[string]string{"ana": "true", "mo": "true", "vic": "false"} {
		if got := testID(t, f.get("/events", f.login(name)).body, "events-list").AttrOr("data-can-pin", ""); got != want {
			t.Errorf("%s: data-can-pin %q, want %q", name, got, want)
		}
	}
}

func sorted2(s []string) []string { slices.Sort(s); return s }

func TestLoginPageWhileSetupIsPending(t *testing.T) {
	t.Parallel()
	f := newSetupFixture(t)
	r := f.get("/login")
	if r.StatusCode != http.StatusOK || testID(t, r.body, "login-setup-note").Length() != 1 || testID(t, r.body, "login-form").Length() != 1 {
		t.Fatalf("login with setup pending: %d", r.StatusCode)
	}
	if r := f.do(http.MethodPost, "/api/setup", nil, `{"token":"`+f.token+`","username":"root","password":"`+testPassword+`"}`); r.StatusCode != http.StatusCreated {
		t.Fatalf("setup: %d %s", r.StatusCode, r.body)
	}
	if r := f.get("/login"); testID(t, r.body, "login-setup-note").Length() != 0 {
		t.Fatalf("setup note shown after the admin exists")
	}
}

// statusFunc is a CameraStatusSource from a function.
type statusFunc func(g nvr.CameraGrant) ingest.CameraStatus

func (f statusFunc) Status(g nvr.CameraGrant) ingest.CameraStatus { return f(g) }

var _ CameraStatusSource = statusFunc(nil)

// withAuthFailedCamera restarts f's server with a status source in which
// camera A1 streams and A2's camera refused the password.
func withAuthFailedCamera(t *testing.T, f *fixture) {
	t.Helper()
	states := map[nvr.CameraID]ingest.CameraStatus{
		f.camA1.ID: {State: "streaming"},
		f.camA2.ID: {State: "auth-failed", Streams: []ingest.StreamStatus{{Stream: "main", State: "auth-failed", LastError: "camera refused the credentials"}}},
	}
	f.ts.Close()
	f.srv = NewServer(Config{}, Deps{Policy: nvr.NewPolicy(f.store, f.clock, nil),
		Auth:      nvr.NewAuth(f.store, nvr.AuthConfig{Argon2: cheapArgon, Now: f.clock}),
		Status:    statusFunc(func(g nvr.CameraGrant) ingest.CameraStatus { return states[g.CameraID()] }),
		Directory: f.dir, Now: f.clock})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
}

func TestGridBadges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	withAuthFailedCamera(t, f)
	got := map[string]string{}
	testID(t, f.get("/", f.login("ana")).body, "tile").Each(func(_ int, s *goquery.Selection) {
		got[s.AttrOr("data-camera-id", "")] = strings.Join(strings.Fields(s.Find(`[data-testid="badge"]`).Text()), " ") +
			" / " + s.Find(`[data-testid="status-headline"]`).Text() + " / " + s.Find(`[data-testid="status-detail"] code`).Text()
	})
	want := map[string]string{
		string(f.camA1.ID): "streaming / Connecting… / ",
		string(f.camA2.ID): "offline / Camera refused the password / camera refused the credentials",
	}
	if !maps.Equal(got, want) {
		t.Fatalf("owner's tiles = %q, want %q", got, want)
	}
	// A member reads the words, never the raw detail.
	member := f.get("/", f.login("mo")).body
	if strings.Contains(member, "camera refused the credentials") || !strings.Contains(member, "Camera refused the password") {
		t.Fatalf("member's grid: raw detail shown or words missing")
	}
	// The raw detail goes to whoever the policy lets manage the camera: the
	// owner's session, not the owner's view-scope token (a script's, which
	// the policy refuses managing).
	view, _, err := nvrtest.Operator(f.dir).CreateToken(context.Background(), f.ownerA.ID, "script", nvr.ScopeView, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who  string
		opt  any
		want bool
	}{{"owner", f.login("ana"), true}, {"owner's view token", bearer(view), false}} {
		r := f.get("/api/cameras/"+string(f.camA2.ID), tc.opt)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.who, r.StatusCode, r.body)
		}
		if got := strings.Contains(r.body, "camera refused the credentials"); got != tc.want {
			t.Errorf("%s: raw failure text in the answer %v, want %v: %s", tc.who, got, tc.want, r.body)
		}
	}
	for _, tc := range []struct {
		state, badge string
	}{{"connecting", "reconnecting"}, {"backoff", "reconnecting"}, {"streaming", "streaming"}, {"unreachable", "offline"}, {"disabled", "off"}, {"", "unknown"}} {
		if b := badgeOf(cameraResponse{State: tc.state}); b != tc.badge {
			t.Errorf("state %q: badge %q, want %q", tc.state, b, tc.badge)
		}
	}
}

// The settings camera list says a camera's state in the live page's words:
// it showed the raw ingest state ("auth-failed", "backoff"), so an owner
// who had typed a wrong camera password read "auth-failed" there while the
// grid said "Camera refused the password".
func TestSettingsCameraStateInWords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	withAuthFailedCamera(t, f)
	got := map[string]string{}
	testID(t, f.get("/settings/cameras", f.login("ana")).body, "camera-row").Each(func(_ int, s *goquery.Selection) {
		got[s.AttrOr("data-camera-id", "")] = strings.TrimSpace(s.Find(`td[data-label="State"]`).Text())
	})
	want := map[string]string{
		string(f.camA1.ID): "Streaming",
		string(f.camA2.ID): "Camera refused the password",
	}
	if !maps.Equal(got, want) {
		t.Fatalf("settings camera states = %q, want %q", got, want)
	}
	for state, words := range map[string]string{"unreachable": "Camera unreachable", "backoff": "No picture from the camera yet, trying again",
		"disabled": "Camera turned off in Hearth", "": "Unknown"} {
		if got := stateWordsOf(liveStatus(cameraResponse{State: state}, true, f.clock())); got != words {
			t.Errorf("state %q: %q, want %q", state, got, words)
		}
	}
}

// TestSettingsCamerasSayWhatIsRecorded: switched to events only, a camera
// looked the same everywhere, so the gaps in its footage came as a
// surprise. The household's camera list says what each keeps.
func TestSettingsCamerasSayWhatIsRecorded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	if r := f.do(http.MethodPatch, "/api/cameras/"+string(f.camA2.ID), []any{ana}, `{"record_mode":"events","pre_roll_s":5,"post_roll_s":90}`); r.StatusCode != http.StatusOK {
		t.Fatalf("events only: %d %s", r.StatusCode, r.body)
	}
	got := map[string]string{}
	testID(t, f.get("/settings/cameras", ana).body, "camera-row").Each(func(_ int, s *goquery.Selection) {
		got[s.AttrOr("data-camera-id", "")] = strings.TrimSpace(s.Find(`[data-testid="camera-row-records"]`).Text())
	})
	want := map[string]string{string(f.camA1.ID): "Everything", string(f.camA2.ID): "Events only (5 s before, 1 min 30 s after)"}
	if !maps.Equal(got, want) {
		t.Fatalf("what the list says is recorded: %q, want %q", got, want)
	}
}

// A household with no camera yet is told so on its Cameras page, and where
// to add one: the page showed the column headings over nothing.
func TestCamerasPageSaysNoneYet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	home := must(nvrtest.Operator(f.dir).AddHousehold(context.Background(), "Gamma"))(t)
	f.addUser("gil", home.ID, nvr.RoleOwner, false)
	r := f.get("/settings/cameras", f.login("gil"))
	if r.StatusCode != http.StatusOK || !strings.Contains(testID(t, r.body, "cameras-none").Text(), "No cameras yet") {
		t.Fatalf("empty household's cameras page: %d %s", r.StatusCode, r.body)
	}
	if _, hidden := testID(t, r.body, "cameras").Find("table").Attr("hidden"); !hidden {
		t.Errorf("the empty table is shown")
	}
	// With cameras, the list and no such line.
	if r := f.get("/settings/cameras", f.login("ana")); testID(t, r.body, "cameras-none").Length() != 0 || testID(t, r.body, "camera-row").Length() == 0 {
		t.Errorf("a household with cameras: %s", r.body)
	}
}

// TestSettingsFormsNeverGET: every form the page script sends as JSON
// (data-api, the share form) says method="post". Without it, a form sent
// before the script ran (a slow phone, Enter pressed early) or without
// script went out as GET to the page itself, with the password, camera
// password or share passcode in the address: in the browser's history and
// a reverse proxy's access log.
func TestSettingsFormsNeverGET(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pages := map[string][]string{
		"ana": {"/settings/account", "/settings/people", "/settings/cameras", "/settings/cameras/" + string(f.camA1.ID),
			"/settings/notifications", "/settings/offsite", "/settings/links", "/cameras/" + string(f.camA1.ID)},
		"root": {"/settings/admin", "/settings/admin/cameras"},
	}
	forms := 0
	for user, list := range pages {
		c := f.login(user)
		for _, page := range list {
			r := f.get(page, c)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("%s as %s: %d", page, user, r.StatusCode)
			}
			doc(t, r.body).Find("form[data-api], form[data-share-form]").Each(func(_ int, s *goquery.Selection) {
				forms++
				if !strings.EqualFold(s.AttrOr("method", ""), "post") {
					t.Errorf("%s as %s: form %s (%q) has method %q, want post", page, user, s.AttrOr("data-testid", ""),
						s.AttrOr("data-api", ""), s.AttrOr("method", ""))
				}
			})
		}
	}
	if forms < 12 {
		t.Fatalf("only %d forms checked", forms)
	}
}
