package ui

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
)

// householdIDField finds every household_id and household "id" value in
// an answer, quoted or not.
var householdIDField = regexp.MustCompile(`"household_id":("[^"]*"|[0-9]+)`)

// TestAdminNamesHouseholdsByPublicID: the admin API and pages name
// households by public ID only (issue 14, finding 3). Listings and
// answers carry public IDs; request bodies and the removal route take
// them; a row number, quoted or not, names nothing; the forms' options
// hold public IDs.
func TestAdminNamesHouseholdsByPublicID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	root := f.login("root")
	wantPublic := func(what, body string) {
		t.Helper()
		for _, m := range householdIDField.FindAllStringSubmatch(body, -1) {
			if _, err := nvr.ParseHouseholdPublicID(strings.Trim(m[1], `"`)); err != nil {
				t.Fatalf("%s: household_id %s is not a public ID: %s", what, m[1], body)
			}
		}
	}

	list := f.get("/api/admin/households", root)
	hs := decode[struct {
		Households []householdResponse `json:"households"`
	}](t, list.body).Households
	if len(hs) != 2 || hs[0].ID != f.homeA.PublicID || hs[1].ID != f.homeB.PublicID {
		t.Fatalf("households: %s; want Alpha %s and Beta %s", list.body, f.homeA.PublicID, f.homeB.PublicID)
	}
	r := f.do(http.MethodPost, "/api/admin/households", []any{root}, `{"name":"Gamma"}`)
	gamma := decode[householdResponse](t, r.body)
	if r.StatusCode != http.StatusCreated || gamma.Name != "Gamma" {
		t.Fatalf("add household: %d %s", r.StatusCode, r.body)
	}
	if _, err := nvr.ParseHouseholdPublicID(string(gamma.ID)); err != nil {
		t.Fatalf("new household's ID %q is not a public ID", gamma.ID)
	}
	gammaRow := must(f.store.HouseholdByPublicID(t.Context(), gamma.ID))(t).ID

	// Bodies name a household by public ID; its row number, as a string or
	// a number, is refused like any unknown value.
	r = f.do(http.MethodPost, "/api/admin/users", []any{root},
		`{"name":"gus","role":"owner","password":"`+testPassword+`","household_id":"`+string(gamma.ID)+`"}`)
	if u := decode[userResponse](t, r.body); r.StatusCode != http.StatusCreated || u.HouseholdID != gamma.ID {
		t.Fatalf("add user to Gamma: %d %s", r.StatusCode, r.body)
	}
	r = f.do(http.MethodPost, "/api/admin/cameras", []any{root},
		`{"name":"Barn","main_url":"rtsp://192.0.2.50/main","household_id":"`+string(gamma.ID)+`"}`)
	barn := decode[adminCameraResponse](t, r.body)
	if r.StatusCode != http.StatusCreated || barn.HouseholdID != gamma.ID {
		t.Fatalf("add camera to Gamma: %d %s", r.StatusCode, r.body)
	}
	r = f.do(http.MethodPost, "/api/admin/cameras/"+string(barn.ID)+"/move", []any{root}, `{"household_id":"`+string(f.homeB.PublicID)+`"}`)
	if c := decode[adminCameraResponse](t, r.body); r.StatusCode != http.StatusOK || c.HouseholdID != f.homeB.PublicID {
		t.Fatalf("move camera to Beta: %d %s", r.StatusCode, r.body)
	}
	row := strconv.FormatInt(int64(f.homeA.ID), 10)
	for _, tt := range []struct{ path, body string }{
		{"/api/admin/users", `{"name":"hal","role":"owner","password":"` + testPassword + `","household_id":"` + row + `"}`},
		{"/api/admin/users", `{"name":"hal","role":"owner","password":"` + testPassword + `","household_id":` + row + `}`},
		{"/api/admin/cameras", `{"name":"Silo","main_url":"rtsp://192.0.2.51/main","household_id":"` + row + `"}`},
		{"/api/admin/cameras/" + string(barn.ID) + "/move", `{"household_id":"` + row + `"}`},
		{"/api/admin/cameras/" + string(barn.ID) + "/move", `{"household_id":"` + strings.ToUpper(string(f.homeA.PublicID)) + `"}`},
	} {
		if r := f.do(http.MethodPost, tt.path, []any{root}, tt.body); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("POST %s %s: %d %s; want 400", tt.path, tt.body, r.StatusCode, r.body)
		}
	}

	// Every answer that names a household names it by public ID.
	for _, path := range []string{"/api/admin/users", "/api/admin/cameras", "/api/me"} {
		r := f.get(path, root)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.StatusCode, r.body)
		}
		wantPublic(path, r.body)
	}
	ana := f.login("ana")
	for _, path := range []string{"/api/me", "/api/cameras", "/api/cameras/" + string(f.camA1.ID), "/api/household/members"} {
		r := f.get(path, ana)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"household_id":"`+string(f.homeA.PublicID)+`"`) {
			t.Fatalf("GET %s as ana: %d %s; want household_id %s", path, r.StatusCode, r.body, f.homeA.PublicID)
		}
		wantPublic(path, r.body)
	}

	// The forms offer public IDs; no option's value is a row number.
	for _, path := range []string{"/settings/admin", "/settings/admin/cameras"} {
		page := f.get(path, root)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `value="`+string(gamma.ID)+`"`) {
			t.Fatalf("%s: %d; no option for Gamma's public ID", path, page.StatusCode)
		}
		if m := regexp.MustCompile(`<option value="[0-9]+"`).FindString(page.body); m != "" || strings.Contains(page.body, `name="household_id" data-type="int"`) {
			t.Fatalf("%s offers a household by row number: %q", path, m)
		}
	}

	// Removal: by row number the household is not found, answered exactly
	// as a random ID is; by public ID it goes.
	r = f.do(http.MethodPost, "/api/admin/households", []any{root}, `{"name":"Delta"}`)
	delta := decode[householdResponse](t, r.body)
	deltaRow := must(f.store.HouseholdByPublicID(t.Context(), delta.ID))(t).ID
	byRow := f.do(http.MethodDelete, "/api/admin/households/"+strconv.FormatInt(int64(deltaRow), 10), []any{root}, "")
	byRandom := f.do(http.MethodDelete, "/api/admin/households/"+string(nvr.NewHouseholdPublicID()), []any{root}, "")
	if byRow.StatusCode != http.StatusNotFound || byRow.body != byRandom.body || byRandom.StatusCode != http.StatusNotFound {
		t.Fatalf("remove by row number: %d %s; by a random ID: %d %s; want the same 404", byRow.StatusCode, byRow.body, byRandom.StatusCode, byRandom.body)
	}
	if r := f.do(http.MethodDelete, "/api/admin/households/"+string(delta.ID), []any{root}, ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("remove Delta by public ID: %d %s", r.StatusCode, r.body)
	}
	if _, err := f.store.Household(t.Context(), gammaRow); err != nil {
		t.Fatalf("Gamma went with Delta: %v", err)
	}
	if _, err := f.store.Household(t.Context(), deltaRow); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("Delta after removal: %v", err)
	}
}
