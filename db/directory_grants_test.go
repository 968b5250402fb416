package db_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// grantPrincipals signs in every kind of principal the household and admin
// grants must tell apart: each role, tokens of each scope, a user of the
// other household, the appliance admin and a disabled account.
func grantPrincipals(t *testing.T, a *app) map[string]nvr.Principal {
	t.Helper()
	ctx := context.Background()
	token := func(u nvr.User, scope nvr.TokenScope) nvr.Principal {
		secret, _, err := nvrtest.Operator(a.dir).CreateToken(ctx, u.ID, "t-"+string(scope), scope, 0)
		noErr(t, err)
		return must[nvr.Principal](t)(a.auth.Authenticate(ctx, secret))
	}
	ps := map[string]nvr.Principal{
		"owner":          a.login(t, "alice"),
		"member":         a.login(t, "bob"),
		"viewer":         a.login(t, "carol"),
		"foreign owner":  a.login(t, "dave"),
		"admin":          a.login(t, "root"),
		"owner view tok": token(a.owner, nvr.ScopeView),
		"owner trig tok": token(a.owner, nvr.ScopeTrigger),
		"owner all tok":  token(a.owner, nvr.ScopeAll),
		"admin view tok": token(a.admin, nvr.ScopeView),
	}
	gone := must[nvr.User](t)(nvrtest.Operator(a.dir).AddUser(ctx, nvr.NewUser{Name: "erin", HouseholdID: a.h1.ID, Role: nvr.RoleOwner, Password: password}))
	ps["disabled owner"] = a.login(t, "erin")
	noErr(t, nvrtest.Operator(a.dir).SetDisabled(ctx, gone.ID, true))
	return ps
}

// TestGrantsForHouseholdAdministration: the policy alone makes household
// and admin grants, from the database at the moment of asking; denied is
// ErrNotFound, a dead credential KindUnauthorized.
func TestGrantsForHouseholdAdministration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	ps := grantPrincipals(t, a)
	const ok, denied, dead = "ok", "denied", "dead"
	cases := []struct {
		who              string
		ownHousehold     string // Household(h1)
		foreignHousehold string // Household(h2)
		admin            string
	}{
		{"owner", ok, denied, denied},
		{"member", denied, denied, denied},
		{"viewer", denied, denied, denied},
		{"foreign owner", denied, ok, denied}, // h2 is dave's own
		{"admin", ok, ok, ok},
		{"owner view tok", denied, denied, denied},
		{"owner trig tok", denied, denied, denied},
		{"owner all tok", ok, denied, denied},
		{"admin view tok", denied, denied, denied},
		{"disabled owner", dead, dead, dead},
	}
	outcome := func(err error) string {
		switch {
		case err == nil:
			return ok
		case errors.Is(err, nvr.ErrNotFound):
			return denied
		case nvr.ErrorKind(err) == nvr.KindUnauthorized:
			return dead
		}
		return err.Error()
	}
	for _, tc := range cases {
		t.Run(tc.who, func(t *testing.T) {
			p := ps[tc.who]
			g1, err := a.pol.Household(ctx, p, a.h1.ID)
			if got := outcome(err); got != tc.ownHousehold {
				t.Errorf("Household(h1) = %s, want %s", got, tc.ownHousehold)
			}
			if err == nil && (!g1.Valid() || g1.HouseholdID() != a.h1.ID) {
				t.Errorf("Household(h1) grant = %+v, want valid for h1", g1)
			}
			if _, err := a.pol.Household(ctx, p, a.h2.ID); outcome(err) != tc.foreignHousehold {
				t.Errorf("Household(h2) = %s, want %s", outcome(err), tc.foreignHousehold)
			}
			ag, err := a.pol.Admin(ctx, p)
			if got := outcome(err); got != tc.admin {
				t.Errorf("Admin = %s, want %s", got, tc.admin)
			}
			if err == nil && !ag.Valid() {
				t.Errorf("Admin grant not valid")
			}
		})
	}
}

// lastAudit returns the newest audit row and how many there are.
func lastAudit(t *testing.T, a *app) (nvr.AuditEntry, int) {
	t.Helper()
	rows := must[[]nvr.AuditEntry](t)(a.d.Audit(context.Background(), 10000))
	if len(rows) == 0 {
		return nvr.AuditEntry{}, 0
	}
	newest := slices.MaxFunc(rows, func(x, y nvr.AuditEntry) int { return int(x.ID - y.ID) })
	return newest, len(rows)
}

// TestHouseholdDirectoryDecidesMembership: through an owner's grant the
// directory reaches only the people and cameras of that household, never
// an appliance admin or the owner's own account, answers everything else
// as missing, and writes one audit row per change it was asked for.
func TestHouseholdDirectoryDecidesMembership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	alice := a.login(t, "alice")
	g := must[nvr.HouseholdGrant](t)(a.pol.Household(ctx, alice, a.h1.ID))
	hd := a.dir.ForHousehold(g)
	viewer, member := nvr.RoleViewer, nvr.RoleMember
	adminInH1 := must[nvr.User](t)(nvrtest.Operator(a.dir).AddUser(ctx, nvr.NewUser{Name: "ops", HouseholdID: a.h1.ID, Role: nvr.RoleMember, Admin: true, Password: password}))

	t.Run("listings are the household's", func(t *testing.T) {
		ms := must[[]nvr.Member](t)(hd.Members(ctx))
		var names []string
		for _, m := range ms {
			if m.HouseholdID != a.h1.ID {
				t.Errorf("member %s of household %d", m.Name, m.HouseholdID)
			}
			if m.Name == "carol" && !slices.Equal(m.Cameras, []nvr.CameraID{a.cam1.ID}) {
				t.Errorf("carol's cameras = %v, want [%s]", m.Cameras, a.cam1.ID)
			}
			names = append(names, m.Name)
		}
		if !slices.Contains(names, "bob") || slices.Contains(names, "dave") {
			t.Errorf("members = %v", names)
		}
		cs := must[[]nvr.Camera](t)(hd.Cameras(ctx))
		if len(cs) != 2 || slices.ContainsFunc(cs, func(c nvr.Camera) bool { return c.HouseholdID != a.h1.ID }) {
			t.Errorf("cameras = %+v, want household 1's two", cs)
		}
	})

	refused := []struct {
		name string
		call func() error
	}{
		{"update a foreign owner", func() error {
			_, err := hd.UpdateMember(ctx, a.other.PublicID, nvr.MemberChanges{Role: &viewer})
			return err
		}},
		{"update own account", func() error {
			_, err := hd.UpdateMember(ctx, a.owner.PublicID, nvr.MemberChanges{Role: &member})
			return err
		}},
		{"update an admin of the household", func() error {
			_, err := hd.UpdateMember(ctx, adminInH1.PublicID, nvr.MemberChanges{Role: &viewer})
			return err
		}},
		{"update a missing account", func() error {
			_, err := hd.UpdateMember(ctx, "u_doesnotexist", nvr.MemberChanges{Role: &viewer})
			return err
		}},
		{"remove a foreign owner", func() error { return hd.RemoveMember(ctx, a.other.PublicID) }},
		{"assign a foreign camera", func() error { return hd.Assign(ctx, a.viewer.PublicID, a.cam2.ID, true) }},
		{"assign to a foreign user", func() error { return hd.Assign(ctx, a.other.PublicID, a.cam1.ID, true) }},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, nvr.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})
	}
	if u := must[nvr.User](t)(a.d.User(ctx, a.other.ID)); u.Role != nvr.RoleOwner {
		t.Fatalf("foreign owner changed: %+v", u)
	}

	t.Run("changes within the household are made and recorded", func(t *testing.T) {
		_, before := lastAudit(t, a)
		u := must[nvr.User](t)(hd.UpdateMember(ctx, a.member.PublicID, nvr.MemberChanges{Role: &viewer}))
		if u.Role != nvr.RoleViewer {
			t.Fatalf("role = %s, want viewer", u.Role)
		}
		row, n := lastAudit(t, a)
		if n != before+1 || row.Action != "update-member" || row.Result != "ok" || row.UserID != a.owner.ID || row.Principal != alice.String() {
			t.Fatalf("audit after update: %d rows (was %d), newest %+v", n, before, row)
		}
		noErr(t, hd.Assign(ctx, a.member.PublicID, a.cam1b.ID, true))
		if row, _ := lastAudit(t, a); row.Action != "assign-camera" || row.CameraID != a.cam1b.ID || row.Result != "ok" {
			t.Fatalf("audit after assign: %+v", row)
		}
		noErr(t, hd.RemoveMember(ctx, a.member.PublicID))
		if _, err := a.d.User(ctx, a.member.ID); !errors.Is(err, nvr.ErrNotFound) {
			t.Fatalf("removed member still there: %v", err)
		}
		if row, _ := lastAudit(t, a); row.Action != "remove-member" || row.Result != "ok" {
			t.Fatalf("audit after remove: %+v", row)
		}
	})

	t.Run("a refused change is recorded as failed", func(t *testing.T) {
		_, err := hd.UpdateMember(ctx, a.other.PublicID, nvr.MemberChanges{Role: &viewer})
		if !errors.Is(err, nvr.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
		if row, _ := lastAudit(t, a); row.Action != "update-member" || row.Result != "failed" {
			t.Fatalf("audit: %+v", row)
		}
	})
}

// TestZeroGrantsReachNothing: a grant not made by the policy opens nothing
// and leaves no audit row.
func TestZeroGrantsReachNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	_, before := lastAudit(t, a)
	hd, ad := a.dir.ForHousehold(nvr.HouseholdGrant{}), a.dir.ForAdmin(nvr.AdminGrant{})
	role := nvr.RoleViewer
	calls := map[string]func() error{
		"members":   func() error { _, err := hd.Members(ctx); return err },
		"cameras":   func() error { _, err := hd.Cameras(ctx); return err },
		"household": func() error { _, err := hd.Household(ctx); return err },
		"update member": func() error {
			_, err := hd.UpdateMember(ctx, a.member.PublicID, nvr.MemberChanges{Role: &role})
			return err
		},
		"remove member": func() error { return hd.RemoveMember(ctx, a.member.PublicID) },
		"assign":        func() error { return hd.Assign(ctx, a.viewer.PublicID, a.cam1b.ID, true) },
		"add member":    func() error { _, err := hd.AddMember(ctx, nvr.NewUser{Name: "x", Password: password}); return err },
		"add camera": func() error {
			_, err := hd.AddCamera(ctx, nvr.NewCamera{Name: "x", MainURL: "rtsp://192.0.2.1/"})
			return err
		},
		"households":    func() error { _, err := ad.Households(ctx); return err },
		"users":         func() error { _, err := ad.Users(ctx); return err },
		"user":          func() error { _, err := ad.User(ctx, a.member.PublicID); return err },
		"all cameras":   func() error { _, err := ad.Cameras(ctx); return err },
		"camera":        func() error { _, err := ad.Camera(ctx, a.cam1.ID); return err },
		"add household": func() error { _, err := ad.AddHousehold(ctx, "x"); return err },
		"rm household":  func() error { return ad.RemoveHousehold(ctx, a.h2.ID) },
		"add user": func() error {
			_, err := ad.AddUser(ctx, nvr.NewUser{Name: "x", HouseholdID: a.h1.ID, Password: password})
			return err
		},
		"update user": func() error {
			_, err := ad.UpdateUser(ctx, a.member.PublicID, nvr.UserChanges{Role: &role})
			return err
		},
		"remove user":  func() error { return ad.RemoveUser(ctx, a.member.PublicID) },
		"admin assign": func() error { return ad.Assign(ctx, a.viewer.PublicID, a.cam1b.ID, true) },
		"admin add cam": func() error {
			_, err := ad.AddCamera(ctx, nvr.NewCamera{HouseholdID: a.h1.ID, Name: "x", MainURL: "rtsp://192.0.2.1/"})
			return err
		},
		"admin rm cam":   func() error { return ad.RemoveCamera(ctx, a.cam1.ID) },
		"admin move cam": func() error { _, err := ad.MoveCamera(ctx, a.cam1.ID, a.h2.ID); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, nvr.ErrNotFound) {
			t.Errorf("%s with a zero grant: %v, want ErrNotFound", name, err)
		}
	}
	if _, n := lastAudit(t, a); n != before {
		t.Errorf("audit rows %d → %d, want none written", before, n)
	}
	if u := must[nvr.User](t)(a.d.User(ctx, a.member.ID)); u.Role != nvr.RoleMember {
		t.Errorf("member changed through a zero grant: %+v", u)
	}
}

// TestAdminDirectoryRecordsChanges: the admin's changes are made and
// recorded by the directory, with the admin's principal.
func TestAdminDirectoryRecordsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	root := a.login(t, "root")
	ad := a.dir.ForAdmin(must[nvr.AdminGrant](t)(a.pol.Admin(ctx, root)))
	if us := must[[]nvr.User](t)(ad.Users(ctx)); len(us) < 5 {
		t.Fatalf("admin sees %d users, want every account", len(us))
	}
	role := nvr.RoleViewer
	u := must[nvr.User](t)(ad.UpdateUser(ctx, a.other.PublicID, nvr.UserChanges{Role: &role}))
	if u.Role != nvr.RoleViewer {
		t.Fatalf("role = %s", u.Role)
	}
	row, _ := lastAudit(t, a)
	if row.Action != "admin:update-user" || row.Result != "ok" || row.UserID != a.admin.ID || row.Principal != root.String() {
		t.Fatalf("audit: %+v", row)
	}
	c := must[nvr.Camera](t)(ad.MoveCamera(ctx, a.cam1b.ID, a.h2.ID))
	if c.HouseholdID != a.h2.ID {
		t.Fatalf("moved camera in household %d", c.HouseholdID)
	}
	if row, _ := lastAudit(t, a); row.Action != "admin:move-camera" || row.CameraID != a.cam1b.ID {
		t.Fatalf("audit: %+v", row)
	}
	if _, err := ad.MoveCamera(ctx, a.cam1.ID, 0); nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Fatalf("move to no household: %v", err)
	}
}

// TestOwnHouseholdByRowNotName: a user's own household is found by its row,
// never by a name lookup of the row number: a household named "1" (the
// directory refuses all-digit names now; a database from before may hold
// one, so the store makes it here) is another household, and the account
// page of household 1's users must show theirs.
func TestOwnHouseholdByRowNotName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	decoy := must[nvr.Household](t)(a.d.CreateHousehold(ctx, strconv.FormatInt(int64(a.h1.ID), 10), time.Now()))
	g := must[nvr.UserGrant](t)(a.pol.Self(ctx, a.login(t, "alice")))
	got := must[nvr.Household](t)(a.dir.UserHousehold(ctx, g))
	if got.ID != a.h1.ID || got.Name != a.h1.Name {
		t.Fatalf("alice's household = %d %q, want %d %q (not the household named %q)", got.ID, got.Name, a.h1.ID, a.h1.Name, decoy.Name)
	}
	hg := must[nvr.HouseholdGrant](t)(a.pol.Household(ctx, a.login(t, "alice"), a.h1.ID))
	if got := must[nvr.Household](t)(a.dir.ForHousehold(hg).Household(ctx)); got.ID != a.h1.ID {
		t.Fatalf("the owner's household view shows household %d %q, want %d", got.ID, got.Name, a.h1.ID)
	}
}
