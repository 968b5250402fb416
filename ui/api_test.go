package ui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

func cameraIDs(t *testing.T, body string) []nvr.CameraID {
	t.Helper()
	v := decode[struct {
		Cameras []cameraResponse `json:"cameras"`
	}](t, body)
	var ids []nvr.CameraID
	for _, c := range v.Cameras {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...nvr.CameraID) []nvr.CameraID {
	slices.Sort(ids)
	return ids
}

func TestCamerasVisibleByRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		user string
		want []nvr.CameraID
	}{
		{"ana", sorted(f.camA1.ID, f.camA2.ID)},
		{"mo", sorted(f.camA1.ID, f.camA2.ID)},
		{"vic", sorted(f.camA1.ID)},
		{"bea", sorted(f.camB1.ID)},
		{"root", nil}, // the appliance admin sees no household's cameras
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			c := f.login(tt.user)
			r := f.get("/api/cameras", c)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", r.StatusCode, r.body)
			}
			if got := cameraIDs(t, r.body); !slices.Equal(got, tt.want) {
				t.Fatalf("cameras = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOtherHouseholdCameraIsIndistinguishableFromMissing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.login("ana")
	own := f.get("/api/cameras/"+string(f.camA1.ID), c)
	if own.StatusCode != http.StatusOK || !strings.Contains(own.body, "Front door") {
		t.Fatalf("own camera: %d %s", own.StatusCode, own.body)
	}
	other := f.get("/api/cameras/"+string(f.camB1.ID), c)
	missing := f.get("/api/cameras/"+string(nvr.NewCameraID()), c)
	malformed := f.get("/api/cameras/1", c)
	for name, r := range map[string]response{"other": other, "missing": missing, "malformed": malformed} {
		if r.StatusCode != http.StatusNotFound || r.body != missing.body {
			t.Errorf("%s: %d %q, want 404 %q", name, r.StatusCode, r.body, missing.body)
		}
		if strings.Contains(r.body, "Beta") {
			t.Errorf("%s: body leaks the other household: %q", name, r.body)
		}
	}
	// Viewer: an unassigned camera of their own household is also just "not found".
	v := f.login("vic")
	if r := f.get("/api/cameras/"+string(f.camA2.ID), v); r.StatusCode != http.StatusNotFound || r.body != missing.body {
		t.Fatalf("viewer unassigned camera: %d %q", r.StatusCode, r.body)
	}
	// The admin configures cameras but sees none of a household they are not in.
	a := f.login("root")
	if r := f.get("/api/cameras/"+string(f.camA1.ID), a); r.StatusCode != http.StatusNotFound {
		t.Fatalf("admin camera view: %d %q", r.StatusCode, r.body)
	}
	if r := f.get("/api/admin/cameras", a); r.StatusCode != http.StatusOK || !strings.Contains(r.body, string(f.camA1.ID)) {
		t.Fatalf("admin camera list: %d %q", r.StatusCode, r.body)
	}
}

func TestSecretsNeverInAnswers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.login("root")
	ana := f.login("ana")
	answers := []response{
		f.get("/api/admin/cameras", a),
		f.get("/api/cameras", ana),
		f.get("/api/cameras/"+string(f.camA1.ID), ana),
		f.do(http.MethodPost, "/api/admin/cameras", []any{a},
			`{"household_id":"`+string(f.homeA.PublicID)+`","name":"Front door","main_url":"rtsp://u:`+f.canaryPw+`@192.0.2.30/x"}`), // duplicate name: conflict
		f.do(http.MethodPost, "/api/admin/cameras", []any{a},
			`{"household_id":"`+string(f.homeA.PublicID)+`","name":"Bad","main_url":"http://u:`+f.canaryPw+`@192.0.2.30/x"}`), // bad scheme
	}
	for i, r := range answers {
		for _, needle := range []string{f.canaryPw, "CANARY", strings.ReplaceAll(f.canaryPw, "%21", "!")} {
			if strings.Contains(r.body, needle) {
				t.Errorf("answer %d (%d) contains the camera password: %s", i, r.StatusCode, r.body)
			}
		}
	}
	if !strings.Contains(answers[0].body, `"has_credentials":true`) {
		t.Errorf("admin camera list should say credentials are stored: %s", answers[0].body)
	}
	if answers[3].StatusCode != http.StatusConflict || answers[4].StatusCode != http.StatusBadRequest {
		t.Errorf("statuses = %d, %d; want 409, 400", answers[3].StatusCode, answers[4].StatusCode)
	}
}

func TestBearerTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	token, tok, err := nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerB.ID, "script", nvr.ScopeView, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.get("/api/cameras", bearer(token)); r.StatusCode != http.StatusOK || !slices.Equal(cameraIDs(t, r.body), []nvr.CameraID{f.camB1.ID}) {
		t.Fatalf("token camera list: %d %s", r.StatusCode, r.body)
	}
	// A view-scoped token cannot manage the household.
	if r := f.get("/api/household/members", bearer(token)); r.StatusCode != http.StatusNotFound {
		t.Fatalf("view token on household route: %d %s", r.StatusCode, r.body)
	}
	if err := nvrtest.Operator(f.dir).RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if r := f.get("/api/cameras", bearer(token)); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d %s", r.StatusCode, r.body)
	}
	// A forged token of the right shape, and junk, are both just 401.
	for _, bad := range []string{"hth_" + strings.Repeat("A", 43), "nonsense", ""} {
		if r := f.get("/api/cameras", bearer(bad)); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token %q: %d", bad, r.StatusCode)
		}
	}
}

func TestRevocationTakesEffectOnNextRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mo := f.login("mo")
	vic := f.login("vic")
	if r := f.get("/api/cameras/"+string(f.camA1.ID), vic); r.StatusCode != http.StatusOK {
		t.Fatalf("viewer before: %d", r.StatusCode)
	}
	if err := nvrtest.Operator(f.dir).UnassignCamera(ctx, f.viewerA.ID, f.camA1.ID); err != nil {
		t.Fatal(err)
	}
	if r := f.get("/api/cameras/"+string(f.camA1.ID), vic); r.StatusCode != http.StatusNotFound {
		t.Fatalf("viewer after unassign: %d", r.StatusCode)
	}
	if err := nvrtest.Operator(f.dir).MoveCamera(ctx, f.camA2.ID, f.homeB.ID); err != nil {
		t.Fatal(err)
	}
	if r := f.get("/api/cameras/"+string(f.camA2.ID), mo); r.StatusCode != http.StatusNotFound {
		t.Fatalf("member after move: %d", r.StatusCode)
	}
	if err := nvrtest.Operator(f.dir).SetDisabled(ctx, f.memberA.ID, true); err != nil {
		t.Fatal(err)
	}
	if r := f.get("/api/cameras", mo); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled user: %d", r.StatusCode)
	}
	if err := nvrtest.Operator(f.dir).RemoveUser(ctx, f.viewerA.ID); err != nil {
		t.Fatal(err)
	}
	if r := f.get("/api/me", vic); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("removed user: %d", r.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.login("ana")
	f.now = f.now.Add(6 * 24 * time.Hour)
	if r := f.get("/api/me", c); r.StatusCode != http.StatusOK {
		t.Fatalf("within idle timeout: %d", r.StatusCode)
	}
	f.now = f.now.Add(8 * 24 * time.Hour) // idle since the last request
	r := f.get("/api/me", c)
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("idle-expired session: %d", r.StatusCode)
	}
	if !strings.Contains(r.Header.Get("Set-Cookie"), sessionCookieName+"=;") {
		t.Fatalf("dead cookie not cleared: %q", r.Header.Get("Set-Cookie"))
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.login("ana")
	if r := f.do(http.MethodPost, "/api/logout", []any{c}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.StatusCode, r.body)
	}
	if r := f.get("/api/me", c); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after logout: %d", r.StatusCode)
	}
}

func TestLoginCookieAndGenericFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ok := f.do(http.MethodPost, "/api/login", nil, `{"username":"ana","password":"`+testPassword+`"}`)
	sc := ok.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("cookie %q lacks %s", sc, want)
		}
	}
	wrongPw := f.do(http.MethodPost, "/api/login", nil, `{"username":"ana","password":"nope nope nope"}`)
	noUser := f.do(http.MethodPost, "/api/login", nil, `{"username":"nobody","password":"nope nope nope"}`)
	if wrongPw.StatusCode != http.StatusUnauthorized || noUser.StatusCode != http.StatusUnauthorized || wrongPw.body != noUser.body {
		t.Fatalf("failures differ: %d %q vs %d %q", wrongPw.StatusCode, wrongPw.body, noUser.StatusCode, noUser.body)
	}
}

func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var last response
	for i := 0; i < 6; i++ {
		last = f.do(http.MethodPost, "/api/login", nil, `{"username":"ana","password":"wrong password"}`)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("6th failure: %d retry-after %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
	// Even the right password waits out the lockout.
	r := f.do(http.MethodPost, "/api/login", nil, `{"username":"ana","password":"`+testPassword+`"}`)
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("locked account accepted a login: %d", r.StatusCode)
	}
	f.now = f.now.Add(2 * time.Second)
	if r := f.do(http.MethodPost, "/api/login", nil, `{"username":"ana","password":"`+testPassword+`"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("after lockout: %d %s", r.StatusCode, r.body)
	}
}

func TestHouseholdOwnerAssignsOnlyWithinHousehold(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	path := func(u nvr.User, c nvr.CameraID) string {
		return "/api/household/members/" + u.PublicID + "/cameras/" + string(c)
	}
	if r := f.do(http.MethodPut, path(f.viewerA, f.camA2.ID), []any{ana}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("assign own: %d %s", r.StatusCode, r.body)
	}
	vic := f.login("vic")
	if got := cameraIDs(t, f.get("/api/cameras", vic).body); !slices.Equal(got, sorted(f.camA1.ID, f.camA2.ID)) {
		t.Fatalf("viewer cameras after assign = %v", got)
	}
	if r := f.do(http.MethodPut, path(f.viewerA, f.camB1.ID), []any{ana}, ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("assign other household's camera: %d", r.StatusCode)
	}
	if r := f.do(http.MethodPut, path(f.ownerB, f.camA1.ID), []any{ana}, ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("assign to other household's user: %d", r.StatusCode)
	}
	mo := f.login("mo")
	if r := f.do(http.MethodPut, path(f.viewerA, f.camA2.ID), []any{mo}, ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("member managing household: %d", r.StatusCode)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
