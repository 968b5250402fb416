package ui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// sweepRoutes checks every route the router holds: each names a policy, a
// public one is on the allow-list, and each answers a caller without a
// credential with 401 and a caller from household A, asking with household
// B's IDs, with 404 — never with B's data. It returns the problems found.
func sweepRoutes(t *testing.T, f *fixture) []string {
	t.Helper()
	var problems []string
	// Household B's own session and API token, for the account routes.
	f.login("bea")
	ctx := context.Background()
	sessB := must(f.store.Sessions(ctx, f.ownerB.ID))(t)
	_, tokB := must2(nvrtest.Operator(f.dir).CreateToken(ctx, f.ownerB.ID, "b-token", nvr.ScopeView, 0))(t)
	// B's notification channel and rule, for the routes naming one.
	chB := must(f.store.CreateNotifyChannel(ctx, nvr.NotifyChannel{ID: nvr.NotifyChannelID(nvr.NewCameraID()),
		UserID: f.ownerB.ID, Kind: nvr.ChannelWebhook, Name: "beta-channel", Target: "https://hooks.example.com/beta"}))(t)
	ruleB := must(f.store.CreateNotifyRule(ctx, nvr.NotifyRule{ID: nvr.NotifyRuleID(nvr.NewCameraID()), UserID: f.ownerB.ID,
		CameraID: f.camB1.ID, Kinds: []nvr.NotifyKind{nvr.NotifyMotion}}))(t)
	for _, route := range f.srv.Routes() {
		if route.Policy == PolicyNone {
			problems = append(problems, fmt.Sprintf("%s: no policy", route.Pattern))
			continue
		}
		if route.Policy == PolicyPublic {
			if !IsPublicAllowed(route.Pattern) {
				problems = append(problems, fmt.Sprintf("%s: public but not on the allow-list", route.Pattern))
			}
			continue
		}
		if route.Policy == PolicyShareLink {
			problems = append(problems, sweepShareRoute(t, f, route)...)
			continue
		}
		method, path := splitPattern(route.Pattern)
		path = strings.NewReplacer(
			"{id}", string(f.camB1.ID),
			"{uid}", f.ownerB.PublicID,
			"{hid}", string(f.homeB.PublicID),
			"{eid}", string(f.eventB.ID),
			"{sid}", sessB[0].PublicID,
			"{tid}", tokB.PublicID,
			"{chid}", string(chB.ID),
			"{ruleid}", string(ruleB.ID),
			"{$}", "",
		).Replace(path)
		body := ""
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			body = `{}`
		}
		r := f.do(method, path, nil, body)
		switch {
		case route.Page:
			// A page sends the browser to the login form instead.
			if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				problems = append(problems, fmt.Sprintf("%s without credential: %d to %q, want 303 to /login", route.Pattern, r.StatusCode, r.Header.Get("Location")))
			}
		case r.StatusCode != http.StatusUnauthorized:
			problems = append(problems, fmt.Sprintf("%s without credential: %d, want 401", route.Pattern, r.StatusCode))
		}
		// A fresh session per route: the sweep also calls logout.
		r = f.do(method, path, []any{f.login("ana")}, body)
		// The owner of A may call their own user and household routes; a
		// route naming a row (B's session, token, member) must not serve it.
		names := strings.Contains(strings.ReplaceAll(route.Pattern, "{$}", ""), "{")
		ownRoute := (route.Policy == PolicyUser || route.Policy == PolicyHousehold || route.Policy == PolicyOffsite) && !names
		if !ownRoute && r.StatusCode != http.StatusNotFound {
			problems = append(problems, fmt.Sprintf("%s as household A with B's IDs: %d, want 404", route.Pattern, r.StatusCode))
		}
		// B's owner is looked for quoted: "bea" is hex too and may occur
		// inside a random camera ID.
		if strings.Contains(r.body, f.camB1.Name) || strings.Contains(r.body, string(f.camB1.ID)) ||
			strings.Contains(r.body, strconv.Quote(f.ownerB.Name)) ||
			strings.Contains(r.body, f.eventB.Label) || strings.Contains(r.body, "beta-thumbnail") ||
			strings.Contains(r.body, "beta-channel") || strings.Contains(r.body, "hooks.example.com/beta") {
			problems = append(problems, fmt.Sprintf("%s leaked household B's data: %s", route.Pattern, r.body))
		}
	}
	return problems
}

func must2[A, B any](a A, b B, err error) func(*testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
		return a, b
	}
}

func splitPattern(p string) (string, string) {
	if m, path, ok := strings.Cut(p, " "); ok {
		return m, path
	}
	return http.MethodGet, p
}

func TestRouteSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	routes := f.srv.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, p := range sweepRoutes(t, f) {
		t.Error(p)
	}
	// The review routes were called with B's event and as A: nobody's
	// mark is on B's event.
	if marks := f.reviewMarks(f.eventB); strings.Contains(marks, ":true;") {
		t.Errorf("household B's event was marked reviewed by the sweep: %s", marks)
	}
	t.Logf("swept %d routes", len(routes))
}

// TestRouteSweepCatchesUnguardedRoute proves the sweep fails when someone
// adds a route without a policy, or a public route off the allow-list, and
// that the unguarded route itself serves nothing.
func TestRouteSweepCatchesUnguardedRoute(t *testing.T) {
	t.Parallel()
	for _, policy := range []RoutePolicy{PolicyNone, PolicyPublic} {
		t.Run(string(policy)+"-route", func(t *testing.T) {
			f := newFixture(t)
			leak := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, map[string]string{"camera": string(f.camB1.ID)})
			})
			f.srv.router.handle(Route{Pattern: "GET /api/leak/{id}", Policy: policy}, leak)
			problems := sweepRoutes(t, f)
			found := false
			for _, p := range problems {
				if strings.HasPrefix(p, "GET /api/leak/{id}") {
					found = true
				}
			}
			if !found {
				t.Fatalf("sweep did not flag the unguarded route; problems: %v", problems)
			}
			if policy == PolicyNone {
				if r := f.get("/api/leak/" + string(f.camB1.ID)); r.StatusCode != http.StatusNotFound || strings.Contains(r.body, string(f.camB1.ID)) {
					t.Fatalf("route without policy served: %d %s", r.StatusCode, r.body)
				}
			}
		})
	}
}

// TestCameraRoutesCarryActions keeps every camera and event route tied to
// a real action.
func TestCameraRoutesCarryActions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	events := 0
	for _, r := range f.srv.Routes() {
		if (r.Policy == PolicyCamera || r.Policy == PolicyEvent) && (r.Action == 0 || !slices.Contains(nvr.Actions(), r.Action)) {
			t.Errorf("%s: camera route without a camera action", r.Pattern)
		}
		if r.Policy == PolicyEvent {
			events++
		}
	}
	if events < 6 {
		t.Errorf("%d event routes, want at least 6", events)
	}
}

// TestRouteSweepForeignUserNames (issue 14, finding 11): household A's owner
// adding a member cannot tell a name taken in household B (in any case) from
// a malformed name: same status, same body, and B's account is untouched.
// The admin, who sees every account anyway, is told the name is taken.
func TestRouteSweepForeignUserNames(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ana := f.login("ana")
	add := func(c *http.Cookie, path, name string) response {
		body := fmt.Sprintf(`{"name":%q,"role":"member","password":%q}`, name, testPassword)
		if path == "/api/admin/users" {
			body = fmt.Sprintf(`{"name":%q,"role":"member","password":%q,"household_id":%q}`, name, testPassword, f.homeA.PublicID)
		}
		return f.do(http.MethodPost, path, []any{c}, body)
	}
	invalid := add(ana, "/api/household/members", "no spaces allowed")
	if invalid.StatusCode != http.StatusBadRequest || !strings.Contains(invalid.body, "cannot be used") {
		t.Fatalf("malformed name: %d %s", invalid.StatusCode, invalid.body)
	}
	for _, name := range []string{"bea", "BEA", "Bea", "root", "-bad", "12345", strings.Repeat("x", 65)} {
		r := add(ana, "/api/household/members", name)
		if r.StatusCode != invalid.StatusCode || r.body != invalid.body {
			t.Errorf("owner adding %q: %d %s; a malformed name: %d %s", name, r.StatusCode, r.body, invalid.StatusCode, invalid.body)
		}
		if strings.Contains(strings.ToLower(r.body), "exist") {
			t.Errorf("owner adding %q: answer mentions existence: %s", name, r.body)
		}
	}
	if u, err := f.store.UserByRef(context.Background(), "bea"); err != nil || u.HouseholdID != f.homeB.ID {
		t.Fatalf("B's owner after A's attempts: %+v %v", u, err)
	}
	// A name of the owner's own household, whom they see listed anyway, is
	// named as such (stranger walkthrough: "that user name cannot be used"
	// for a member already there left the owner guessing).
	for _, name := range []string{"mo", "MO"} {
		if r := add(ana, "/api/household/members", name); r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "the user mo is already in your household") {
			t.Errorf("owner adding their own member %q: %d %s", name, r.StatusCode, r.body)
		}
	}
	// A free name still works, and the owner's own check on passwords is
	// unchanged (it says nothing about other accounts).
	if r := add(ana, "/api/household/members", "newcomer"); r.StatusCode != http.StatusCreated {
		t.Fatalf("free name: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(http.MethodPost, "/api/household/members", []any{ana}, `{"name":"bea","role":"member","password":"short"}`); r.StatusCode != http.StatusBadRequest || strings.Contains(r.body, "bea") {
		t.Fatalf("short password: %d %s", r.StatusCode, r.body)
	}
	if r := add(f.login("root"), "/api/admin/users", "bea"); r.StatusCode != http.StatusConflict {
		t.Fatalf("admin adding a taken name: %d %s", r.StatusCode, r.body)
	}
}
