package ui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestWordsForEachRole: what a page says fits who reads it. The admin is
// not told to ask a household owner for cameras, and the accounts table
// names the admin's role instead of the stored household role.
func TestWordsForEachRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)

	grid := f.get("/", f.login("root"))
	if grid.StatusCode != http.StatusOK {
		t.Fatalf("grid as admin: %d", grid.StatusCode)
	}
	empty := strings.Join(strings.Fields(testID(t, grid.body, "grid-empty").Text()), " ")
	if strings.Contains(empty, "owner of your household") || !strings.Contains(empty, "appliance admin") {
		t.Errorf("admin's empty grid says %q", empty)
	}
	if href := testID(t, grid.body, "grid-empty").Find("a").AttrOr("href", ""); href != "/settings/admin/cameras" {
		t.Errorf("admin's empty grid links to %q, want the admin's camera settings", href)
	}

	admin := f.get("/settings/admin", f.login("root"))
	roles := map[string]string{}
	testID(t, admin.body, "account-row").Each(func(_ int, s *goquery.Selection) {
		name := strings.TrimSpace(s.Find("td").First().Text())
		roles[name] = strings.Join(strings.Fields(s.Find(`[data-testid="account-role"]`).Text()), " ")
	})
	want := map[string]string{"root": "appliance admin", "ana": "owner", "vic": "viewer"}
	for name, role := range want {
		if roles[name] != role {
			t.Errorf("accounts table: %s is %q, want %q (all: %v)", name, roles[name], role, roles)
		}
	}
}
