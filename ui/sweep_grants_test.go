package ui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// grantPrincipal is one way of calling: a session cookie or a bearer token.
type grantPrincipal struct {
	name string
	cred any // *http.Cookie or http.Header
	// household and admin: whether the household-management routes (for
	// the caller's own household) and the admin routes let this caller in.
	household, admin bool
	dead             bool // a credential that no longer works: 401 (or 303 to /login)
}

// grantPrincipals signs in every kind of principal household administration
// must tell apart, in the fixture's world.
func (f *fixture) grantPrincipals() []grantPrincipal {
	t := f.t
	ctx := context.Background()
	token := func(u nvr.User, scope nvr.TokenScope) http.Header {
		secret, _ := must2(nvrtest.Operator(f.dir).CreateToken(ctx, u.ID, "sweep-"+string(scope), scope, 0))(t)
		return bearer(secret)
	}
	gone := f.addUser("gone", f.homeA.ID, nvr.RoleOwner, false)
	goneSession, goneToken := f.login("gone"), token(gone, nvr.ScopeAll)
	if err := nvrtest.Operator(f.dir).SetDisabled(ctx, gone.ID, true); err != nil {
		t.Fatalf("disable: %v", err)
	}
	return []grantPrincipal{
		{name: "owner A", cred: f.login("ana"), household: true},
		{name: "owner A token all", cred: token(f.ownerA, nvr.ScopeAll), household: true},
		{name: "owner A token view", cred: token(f.ownerA, nvr.ScopeView)},
		{name: "owner A token trigger", cred: token(f.ownerA, nvr.ScopeTrigger)},
		{name: "member A", cred: f.login("mo")},
		{name: "viewer A", cred: f.login("vic")},
		// B's owner manages B: the household routes let them in, but no
		// row of A is within their reach (checked by the sweep).
		{name: "owner B", cred: f.login("bea"), household: true},
		// The fixture's admin belongs to no household, so has no household
		// page of their own; they manage households through the admin routes.
		{name: "admin", cred: f.login("root"), admin: true},
		{name: "admin token all", cred: token(f.admin, nvr.ScopeAll), admin: true},
		{name: "admin token view", cred: token(f.admin, nvr.ScopeView)},
		{name: "disabled owner A", cred: goneSession, dead: true},
		{name: "disabled owner A token", cred: goneToken, dead: true},
	}
}

// assignments is every viewer assignment, which dbSnapshot leaves out.
func (f *fixture) assignments() string {
	ctx := context.Background()
	var b strings.Builder
	for _, u := range must(f.store.Users(ctx, 0))(f.t) {
		fmt.Fprintf(&b, "%d:%v;", u.ID, must(f.store.AssignedCameras(ctx, u.ID))(f.t))
	}
	return b.String()
}

// TestRouteSweepHouseholdAndAdminRoutes calls every household-management
// and admin route, API and page, as every kind of principal, naming
// household A's rows. A caller the policy refuses gets 404 (a dead
// credential 401, or the login page) and changes nothing; B's owner, whose
// grant is for B, reaches no row of A and is shown none; the callers
// allowed in are not refused. Each route runs on a fresh world, since an
// allowed call may change it (remove the member it names).
func TestRouteSweepHouseholdAndAdminRoutes(t *testing.T) {
	t.Parallel()
	swept := 0
	for _, route := range newFixture(t).srv.Routes() {
		if route.Policy != PolicyHousehold && route.Policy != PolicyAdmin && route.Policy != PolicyOffsite {
			continue
		}
		swept++
		// A DELETE let in removes what it names, so each caller let in
		// gets a world of their own; other routes take them all in turn.
		rounds := []int{-1}
		if strings.HasPrefix(route.Pattern, http.MethodDelete+" ") {
			rounds = []int{0, 1}
		}
		for _, round := range rounds {
			sweepGrantRoute(t, route, round)
		}
	}
	if swept < 20 {
		t.Fatalf("swept %d household and admin routes, want at least 20", swept)
	}
}

// sweepGrantRoute calls route as every principal refused and, when round
// is -1, every principal let in, else only the round-th one let in.
func sweepGrantRoute(t *testing.T, route Route, round int) {
	t.Run(fmt.Sprintf("%s/%d", route.Pattern, round), func(t *testing.T) {
		f := newFixture(t)
		principals := f.grantPrincipals()
		method, path := splitPattern(route.Pattern)
		path = strings.NewReplacer(
			"{id}", string(f.camA2.ID),
			"{uid}", f.memberA.PublicID,
			"{hid}", string(f.homeA.PublicID),
			"{name...}", "heap?debug=1",
			"{$}", "",
		).Replace(path)
		body := ""
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			body = `{}`
		}
		namesRow := strings.Contains(route.Pattern, "{id}") || strings.Contains(route.Pattern, "{uid}") || strings.Contains(route.Pattern, "{hid}")
		allowed := func(p grantPrincipal) bool {
			if route.Policy == PolicyAdmin {
				return p.admin
			}
			// The off-site copy is the owners' alone; the fixture's admin
			// owns no household (and being admin adds nothing).
			// B's owner is let in only where no row of A is named.
			return p.household && !(p.name == "owner B" && namesRow)
		}
		before := f.dbSnapshot() + f.assignments()
		// The refused first, so that nothing an allowed call changes
		// hides a change made by a refused one.
		slices.SortStableFunc(principals, func(a, b grantPrincipal) int {
			return boolInt(allowed(a)) - boolInt(allowed(b))
		})
		if round >= 0 {
			first := slices.IndexFunc(principals, allowed)
			if first < 0 || first+round >= len(principals) {
				t.Fatalf("no caller let in for round %d", round)
			}
			principals = append(principals[:first], principals[first+round])
		}
		checked := false
		for _, p := range principals {
			if allowed(p) && !checked {
				checked = true
				if after := f.dbSnapshot() + f.assignments(); after != before {
					t.Fatalf("refused callers changed the world:\n before %s\n after  %s", before, after)
				}
			}
			r := f.do(method, path, []any{p.cred}, body)
			switch {
			case p.dead && route.Page:
				if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
					t.Errorf("%s: %d to %q, want 303 to /login", p.name, r.StatusCode, r.Header.Get("Location"))
				}
			case p.dead:
				if r.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: %d, want 401", p.name, r.StatusCode)
				}
			case !allowed(p):
				if r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d %.200s, want 404", p.name, r.StatusCode, r.body)
				}
			case r.StatusCode == http.StatusNotFound || r.StatusCode == http.StatusUnauthorized ||
				r.StatusCode == http.StatusForbidden || (route.Page && r.StatusCode != http.StatusOK):
				t.Errorf("%s: %d %.200s, want to be let in", p.name, r.StatusCode, r.body)
			}
			if p.name == "owner B" && f.showsA(r.body) {
				t.Errorf("owner B was shown household A: %.300s", r.body)
			}
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// showsA reports whether body names one of household A's people or
// cameras. Names are looked for quoted or as element text, since a short
// name like "mo" occurs inside random IDs and words.
func (f *fixture) showsA(body string) bool {
	for _, s := range []string{f.memberA.PublicID, f.viewerA.PublicID, f.ownerA.PublicID, string(f.camA1.ID), string(f.camA2.ID),
		f.camA1.Name, f.camA2.Name, strconv.Quote(f.memberA.Name), strconv.Quote(f.viewerA.Name), ">" + f.memberA.Name + "<"} {
		if strings.Contains(body, s) {
			return true
		}
	}
	return false
}

// reviewMarks is every user's review mark on each of evs, for checking
// that a refused call marked nothing.
func (f *fixture) reviewMarks(evs ...nvr.Event) string {
	ctx := context.Background()
	var b strings.Builder
	for _, u := range must(f.store.Users(ctx, 0))(f.t) {
		for _, e := range evs {
			fmt.Fprintf(&b, "%d:%s:%t;", u.ID, e.ID, must(f.store.EventReviewed(ctx, u.ID, e.ID))(f.t))
		}
	}
	return b.String()
}

// TestRouteSweepReviewRoutes calls every review route as every kind of
// principal, on household A's event (of the camera assigned to A's viewer)
// and on household B's. Those who may watch the event may mark it, for
// themselves only; everyone else (B's owner on A's event and A's people on
// B's, a trigger token, the admin of no household) gets the same 404 as a
// missing event and marks nothing; a dead credential gets 401.
func TestRouteSweepReviewRoutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	evA := f.addEvent(f.camA1.ID, nvr.EventMotion, f.now.Add(-time.Minute), "alpha-review", nil)
	// Who may watch A's event: A's people and their full and view tokens.
	watchesA := map[string]bool{"owner A": true, "owner A token all": true, "owner A token view": true,
		"member A": true, "viewer A": true}
	before := f.now.UTC().Format(time.RFC3339Nano)
	principals := f.grantPrincipals()
	routes := 0
	for _, route := range f.srv.Routes() {
		if !strings.Contains(route.Pattern, "reviewed") {
			continue
		}
		routes++
		method, pattern := splitPattern(route.Pattern)
		for _, target := range []struct {
			name string
			ev   nvr.Event
			cam  nvr.CameraID
		}{{"A's event", evA, f.camA1.ID}, {"B's event", f.eventB, f.camB1.ID}} {
			path := strings.ReplaceAll(pattern, "{eid}", string(target.ev.ID))
			body := ""
			if !strings.Contains(pattern, "{eid}") {
				body = `{"before":"` + before + `","camera":"` + string(target.cam) + `"}`
			}
			for _, p := range principals {
				allowed := (target.cam == f.camA1.ID && watchesA[p.name]) || (target.cam == f.camB1.ID && p.name == "owner B")
				marks := f.reviewMarks(evA, f.eventB)
				r := f.do(method, path, []any{p.cred}, body)
				switch {
				case p.dead:
					if r.StatusCode != http.StatusUnauthorized {
						t.Errorf("%s on %s as %s: %d, want 401", route.Pattern, target.name, p.name, r.StatusCode)
					}
				case !allowed:
					if r.StatusCode != http.StatusNotFound || r.body != `{"error":"not found"}`+"\n" {
						t.Errorf("%s on %s as %s: %d %s, want the one 404", route.Pattern, target.name, p.name, r.StatusCode, r.body)
					}
				case r.StatusCode != http.StatusOK:
					t.Errorf("%s on %s as %s: %d %s, want 200", route.Pattern, target.name, p.name, r.StatusCode, r.body)
				}
				if after := f.reviewMarks(evA, f.eventB); !allowed && after != marks {
					t.Errorf("%s on %s as %s (refused) changed marks:\n before %s\n after  %s", route.Pattern, target.name, p.name, marks, after)
				}
				if target.cam == f.camA1.ID && f.leaksB(r.body) || target.cam == f.camB1.ID && p.name != "owner B" && f.leaksB(r.body) {
					t.Errorf("%s as %s leaked B's data: %.200s", route.Pattern, p.name, r.body)
				}
			}
		}
	}
	if routes != 3 {
		t.Fatalf("swept %d review routes, want 3 (mark, unmark, mark all)", routes)
	}
	// Mark-all ran last: the ones let in hold their own marks.
	ctx := context.Background()
	for _, c := range []struct {
		u    nvr.User
		ev   nvr.Event
		want bool
	}{{f.ownerA, evA, true}, {f.memberA, evA, true}, {f.viewerA, evA, true}, {f.ownerB, f.eventB, true},
		{f.ownerA, f.eventB, false}, {f.ownerB, evA, false}, {f.admin, evA, false}} {
		if got := must(f.store.EventReviewed(ctx, c.u.ID, c.ev.ID))(t); got != c.want {
			t.Errorf("%s's mark on %s = %t, want %t", c.u.Name, c.ev.Label, got, c.want)
		}
	}
}
