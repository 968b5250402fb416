package ui

import (
	"net/http"
	"strings"
	"testing"
)

// TestRefusedPagesSayWhoMayOpenThem: a member or viewer who opened an
// owner's settings page read "Not found. There is nothing here." Pages
// every household has, and the settings of a camera the caller watches,
// now say who may open them; the status stays 404, and a camera the
// caller cannot watch (another household's) still answers the plain 404.
func TestRefusedPagesSayWhoMayOpenThem(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const owners = "Only your household's owners can open this page. Ask one of them."
	const cameraOwners = "Only your household's owners can change this camera's settings. Ask one of them."
	const nothing = "There is nothing here."
	for _, tc := range []struct {
		user, path, want string
	}{
		{"vic", "/settings/people", owners},
		{"mo", "/settings/cameras", owners},
		{"mo", "/settings/offsite", owners},
		{"mo", "/settings/admin", "Only the appliance's admin can open this page."},
		{"mo", "/settings/cameras/" + string(f.camA1.ID), cameraOwners},
		{"vic", "/settings/cameras/" + string(f.camA1.ID), cameraOwners}, // assigned to vic
		{"vic", "/settings/cameras/" + string(f.camA2.ID), nothing},      // not assigned: not said to exist
		{"bea", "/settings/cameras/" + string(f.camA1.ID), nothing},      // another household's
		{"bea", "/settings/cameras/0123456789abcdef0123456789abcdef", nothing},
	} {
		r := f.get(tc.path, f.login(tc.user))
		page := testID(t, r.body, "error-page")
		got := strings.TrimSpace(page.Find("p").First().Text())
		if r.StatusCode != http.StatusNotFound || got != tc.want {
			t.Errorf("%s opening %s: %d %q, want 404 %q", tc.user, tc.path, r.StatusCode, got, tc.want)
		}
		if heading := page.Find("h1").Text(); (tc.want == nothing) != (heading == "Not found") {
			t.Errorf("%s opening %s: heading %q", tc.user, tc.path, heading)
		}
	}
}
