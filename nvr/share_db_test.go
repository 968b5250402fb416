package nvr_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
)

// shareFixture is the policy and the share links over a real database:
// household Home with owner olive, member mia and viewer vic, and cameras
// A and B; household Away with owner otto.
type shareFixture struct {
	w          *dbtest.World
	clock      *clocktest.Clock
	pol        *nvr.Policy
	shares     *nvr.Shares
	auth       *nvr.Auth
	camA, camB nvr.Camera
	away       nvr.Household
	olive      nvr.User
	mia, vic   nvr.User
	otto       nvr.User
}

func newShareFixture(t *testing.T) *shareFixture {
	t.Helper()
	clock := newFakeClock()
	w := dbtest.NewWorld(t, clock.Now)
	f := &shareFixture{w: w, clock: clock, pol: nvr.NewPolicy(w.DB, clock.Now, nil),
		shares: nvr.NewShares(w.DB, clock.Now, cheapArgon2),
		auth:   nvr.NewAuth(w.DB, nvr.AuthConfig{Argon2: cheapArgon2, Now: clock.Now})}
	f.camA = w.Camera(t, nvr.CameraChanges{})
	f.camB = w.Camera(t, nvr.CameraChanges{})
	ctx := context.Background()
	away, err := w.Ops.AddHousehold(ctx, "Away")
	if err != nil {
		t.Fatal(err)
	}
	f.away = away
	add := func(name string, h nvr.HouseholdID, r nvr.Role) nvr.User {
		u, err := w.Ops.AddUser(ctx, nvr.NewUser{Name: name, HouseholdID: h, Role: r, Password: goodPassword})
		if err != nil {
			t.Fatalf("add %s: %v", name, err)
		}
		return u
	}
	f.olive = add("olive", w.Home.ID, nvr.RoleOwner)
	f.mia = add("mia", w.Home.ID, nvr.RoleMember)
	f.vic = add("vic", w.Home.ID, nvr.RoleViewer)
	f.otto = add("otto", away.ID, nvr.RoleOwner)
	if err := w.Ops.AssignCamera(ctx, f.vic.ID, f.camA.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *shareFixture) login(t *testing.T, u nvr.User) nvr.Principal {
	t.Helper()
	tok, _, err := f.auth.Login(context.Background(), u.Name, goodPassword, nvr.ClientInfo{Addr: "127.0.0.1:1"})
	if err != nil {
		t.Fatalf("login %s: %v", u.Name, err)
	}
	p, err := f.auth.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *shareFixture) create(t *testing.T, p nvr.Principal, cam nvr.CameraID, req nvr.NewShareLink) (string, nvr.ShareLinkInfo, error) {
	t.Helper()
	g, err := f.pol.Camera(context.Background(), p, nvr.ActionViewCamera, cam)
	if err != nil {
		return "", nvr.ShareLinkInfo{}, err
	}
	return f.shares.Create(context.Background(), g, req)
}

func (f *shareFixture) link(t *testing.T, p nvr.Principal, cam nvr.CameraID, req nvr.NewShareLink) (string, nvr.ShareLinkInfo) {
	t.Helper()
	secret, info, err := f.create(t, p, cam, req)
	if err != nil {
		t.Fatalf("create link: %v", err)
	}
	return secret, info
}

// TestShareLinkPolicy runs links through the real database: a link opens
// its own camera's action of its kind only, confined to its range; it is
// refused, exactly like an unknown link, once expired (fake clock),
// revoked, used up, or once its creator lost the camera; its passcode is
// checked on every use; its grant dies at Recheck with it; every use is
// audited; and no secret is stored or audited.
func TestShareLinkPolicy(t *testing.T) {
	t.Parallel()
	f := newShareFixture(t)
	ctx := context.Background()
	olive, mia := f.login(t, f.olive), f.login(t, f.mia)

	live, liveInfo := f.link(t, olive, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareLive})
	if !strings.HasPrefix(live, "hsl_") || liveInfo.ExpiresAt.Sub(liveInfo.CreatedAt) != nvr.DefaultShareTTL {
		t.Fatalf("live link %q expires %v after creation, want the hsl_ prefix and %v", live[:4], liveInfo.ExpiresAt.Sub(liveInfo.CreatedAt), nvr.DefaultShareTTL)
	}
	g, _, err := f.pol.ShareLink(ctx, live, nvr.ShareProof{}, nvr.ActionViewLive, true)
	if err != nil || g.CameraID() != f.camA.ID {
		t.Fatalf("live link: %v, camera %q; want a grant for camera A", err, g.CameraID())
	}
	if _, ok := g.Window(); ok {
		t.Fatal("a live link's grant has a window")
	}
	for _, a := range []nvr.Action{nvr.ActionViewRecordings, nvr.ActionManageCamera, nvr.ActionSwitchShutter, nvr.ActionTriggerEvent, nvr.ActionDeleteEvents} {
		if _, _, err := f.pol.ShareLink(ctx, live, nvr.ShareProof{}, a, false); nvr.ErrorKind(err) != nvr.KindNotFound {
			t.Errorf("live link, %s: %v, want not found", a, err)
		}
	}
	// The link principal reaches nothing through the ordinary decision.
	if _, err := f.pol.Camera(ctx, g.Principal(), nvr.ActionViewLive, f.camA.ID); err == nil {
		t.Error("a link's principal was granted through Policy.Camera")
	}
	if _, err := f.pol.Camera(ctx, g.Principal(), nvr.ActionViewLive, f.camB.ID); err == nil {
		t.Error("a link's principal reached camera B")
	}
	if gs, err := f.pol.VisibleCameras(ctx, g.Principal(), nvr.ActionViewCamera); err == nil && len(gs) > 0 {
		t.Errorf("a link's principal lists %d cameras", len(gs))
	}

	// A clip link: its grant's window is the range; a live request fails.
	win := nvr.TimeRange{Start: f.clock.Now().Add(-2 * time.Hour), End: f.clock.Now().Add(-time.Hour)}
	// With nothing recorded in the range, no link: it would open on nothing.
	if _, _, err := f.create(t, mia, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareClip, Window: win}); nvr.ErrorKind(err) != nvr.KindInvalid ||
		!strings.Contains(err.Error(), "nothing was recorded") {
		t.Fatalf("clip link to a range without footage: %v, want invalid", err)
	}
	dbtest.Footage(t, f.w.DB, f.camA.ID, win.Start.Add(10*time.Minute), win.Start.Add(11*time.Minute))
	clip, _ := f.link(t, mia, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareClip, Window: win, TTL: time.Hour, Passcode: "1234", MaxViews: 2})
	if _, _, err := f.pol.ShareLink(ctx, clip, nvr.ShareProof{}, nvr.ActionViewRecordings, true); nvr.ErrorKind(err) != nvr.KindUnauthorized {
		t.Fatalf("clip link without passcode: %v, want unauthorized", err)
	}
	if _, _, err := f.pol.ShareLink(ctx, clip, nvr.ShareProof{Passcode: "0000"}, nvr.ActionViewRecordings, true); nvr.ErrorKind(err) != nvr.KindUnauthorized {
		t.Fatalf("clip link, wrong passcode: %v, want unauthorized", err)
	}
	cg, _, err := f.pol.ShareLink(ctx, clip, nvr.ShareProof{Passcode: "1234"}, nvr.ActionViewRecordings, true)
	if w, ok := cg.Window(); err != nil || !ok || w != win {
		t.Fatalf("clip link: %v, window %v; want %v", err, w, win)
	}
	if _, _, err := f.pol.ShareLink(ctx, clip, nvr.ShareProof{Passcode: "1234"}, nvr.ActionViewLive, true); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("clip link used for live: %v, want not found", err)
	}
	// Views: the page (not counted) always opens; a counted use takes its
	// view only with UseShareView, once its media is ready (a use that
	// failed before that, a camera not streaming, takes none); the second
	// view is the last one, and a use granted before it was taken finds
	// none left.
	for i := range 3 {
		if _, _, err := f.pol.ShareLink(ctx, clip, nvr.ShareProof{Passcode: "1234"}, nvr.ActionViewCamera, false); err != nil {
			t.Fatalf("clip page %d: %v", i, err)
		}
	}
	var counted []nvr.CameraGrant
	for i := range 3 {
		ug, _, err := f.pol.ShareLink(ctx, clip, nvr.ShareProof{Passcode: "1234"}, nvr.ActionViewRecordings, true)
		if err != nil {
			t.Fatalf("counted use %d granted before any view was taken: %v", i, err)
		}
		counted = append(counted, ug)
	}
	for i, ug := range counted[:2] {
		if err := f.pol.UseShareView(ctx, ug); err != nil {
			t.Fatalf("taking view %d of 2: %v", i+1, err)
		}
	}
	if err := f.pol.UseShareView(ctx, counted[2]); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("a third view of a 2-view link: %v, want not found", err)
	}
	if _, _, err := f.pol.ShareLink(ctx, clip, nvr.ShareProof{Passcode: "1234"}, nvr.ActionViewRecordings, true); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("a counted use of a used-up link: %v, want not found", err)
	}
	if _, _, err := f.pol.ShareLink(ctx, clip, nvr.ShareProof{Passcode: "1234"}, nvr.ActionViewCamera, false); err != nil {
		t.Fatalf("the page of a used-up link: %v", err)
	}
	// Expiry at the fake clock: the live link lives 24 h.
	f.clock.Advance(nvr.DefaultShareTTL - time.Second)
	if err := f.pol.Recheck(ctx, g); err != nil {
		t.Fatalf("recheck a second before expiry: %v", err)
	}
	f.clock.Advance(time.Second)
	if err := f.pol.Recheck(ctx, g); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("recheck at expiry: %v, want not found", err)
	}
	if _, _, err := f.pol.ShareLink(ctx, live, nvr.ShareProof{}, nvr.ActionViewLive, true); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("expired link: %v, want not found", err)
	}

	// Revocation and the creator's access.
	olive, mia = f.login(t, f.olive), f.login(t, f.mia)
	l2, l2info := f.link(t, mia, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareLive})
	g2, _, err := f.pol.ShareLink(ctx, l2, nvr.ShareProof{}, nvr.ActionViewLive, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.w.Ops.SetRole(ctx, f.mia.ID, nvr.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if err := f.pol.Recheck(ctx, g2); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("recheck after the creator became a viewer: %v, want not found", err)
	}
	if err := f.w.Ops.SetRole(ctx, f.mia.ID, nvr.RoleMember); err != nil {
		t.Fatal(err)
	}
	if err := f.pol.Recheck(ctx, g2); err != nil {
		t.Fatalf("recheck after the creator is a member again: %v", err)
	}
	oliveG, err := f.pol.Self(ctx, olive)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.shares.Revoke(ctx, oliveG, l2info.PublicID()); err != nil {
		t.Fatalf("owner revokes a member's link: %v", err)
	}
	if err := f.pol.Recheck(ctx, g2); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("recheck after revocation: %v, want not found", err)
	}
	if _, _, err := f.pol.ShareLink(ctx, l2, nvr.ShareProof{}, nvr.ActionViewLive, true); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("revoked link: %v, want not found", err)
	}

	// Moving the camera ends its links.
	l3, _ := f.link(t, olive, f.camB.ID, nvr.NewShareLink{Kind: nvr.ShareLive})
	if _, _, err := f.pol.ShareLink(ctx, l3, nvr.ShareProof{}, nvr.ActionViewLive, true); err != nil {
		t.Fatal(err)
	}
	if err := f.w.Ops.MoveCamera(ctx, f.camB.ID, f.away.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.pol.ShareLink(ctx, l3, nvr.ShareProof{}, nvr.ActionViewLive, true); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Fatalf("link to a moved camera: %v, want not found", err)
	}

	// Unknown and malformed secrets: the same refusal.
	for _, s := range []string{"", "hsl_", "hsl_" + strings.Repeat("A", 43), live + "x", strings.Replace(live, "hsl_", "hth_", 1)} {
		if _, _, err := f.pol.ShareLink(ctx, s, nvr.ShareProof{}, nvr.ActionViewLive, true); nvr.ErrorKind(err) != nvr.KindNotFound {
			t.Errorf("secret %q: %v, want not found", s, err)
		}
	}

	// Every use on record; no secret anywhere in the log.
	audit, err := f.w.DB.Audit(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	uses := 0
	for _, e := range audit {
		for _, s := range []string{live, clip, l2, l3, "1234"} {
			if strings.Contains(e.Detail, s) || strings.Contains(e.Principal, s) {
				t.Fatalf("audit row %+v holds a secret", e)
			}
		}
		if strings.HasPrefix(e.Principal, "link:") {
			uses++
		}
	}
	if uses < 10 {
		t.Errorf("%d audit rows of link uses, want every use (at least 10)", uses)
	}
}

// TestShareLinkCreateRules: who may make links, and bad requests.
func TestShareLinkCreateRules(t *testing.T) {
	t.Parallel()
	f := newShareFixture(t)
	ctx := context.Background()
	olive, vic, otto := f.login(t, f.olive), f.login(t, f.vic), f.login(t, f.otto)
	if _, _, err := f.create(t, vic, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareLive}); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Errorf("viewer creates a link: %v, want not found", err)
	}
	if _, _, err := f.create(t, otto, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareLive}); nvr.ErrorKind(err) != nvr.KindNotFound {
		t.Errorf("another household's owner creates a link: %v, want not found", err)
	}
	now := f.clock.Now()
	bad := []nvr.NewShareLink{
		{Kind: "all"},
		{Kind: nvr.ShareLive, Window: nvr.TimeRange{Start: now.Add(-time.Hour), End: now}},
		{Kind: nvr.ShareClip},
		{Kind: nvr.ShareClip, Window: nvr.TimeRange{Start: now, End: now.Add(-time.Hour)}},
		{Kind: nvr.ShareClip, Window: nvr.TimeRange{Start: now.Add(-24 * time.Hour), End: now}},
		{Kind: nvr.ShareClip, Window: nvr.TimeRange{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour)}},
		{Kind: nvr.ShareLive, TTL: nvr.MaxShareTTL + time.Second},
		{Kind: nvr.ShareLive, TTL: time.Second},
		{Kind: nvr.ShareLive, Passcode: "12"},
		{Kind: nvr.ShareLive, MaxViews: -1},
		{Kind: nvr.ShareLive, Note: strings.Repeat("n", nvr.MaxShareNoteLen+1)},
		{Kind: nvr.ShareLive, Note: "for the\nplumber"},
	}
	for _, req := range bad {
		if _, _, err := f.create(t, olive, f.camA.ID, req); nvr.ErrorKind(err) != nvr.KindInvalid {
			t.Errorf("create %+v: %v, want invalid", req, err)
		}
	}
	_, info, err := f.create(t, olive, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareLive, TTL: nvr.MaxShareTTL, Note: "  för Anna ✓  "})
	if err != nil || info.ExpiresAt.Sub(info.CreatedAt) != nvr.MaxShareTTL || info.Note != "för Anna ✓" {
		t.Fatalf("30-day link with a note: %v, %+v", err, info)
	}
	// Listings: the owner sees it, the viewer and the other household none,
	// and nobody else may revoke it.
	for _, c := range []struct {
		name string
		p    nvr.Principal
		n    int
	}{{"olive", olive, 1}, {"vic", vic, 0}, {"otto", otto, 0}} {
		ug, err := f.pol.Self(ctx, c.p)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := f.shares.List(ctx, ug)
		if err != nil || len(ls) != c.n {
			t.Errorf("%s lists %d links (%v), want %d", c.name, len(ls), err, c.n)
		}
		if c.n == 0 {
			if err := f.shares.Revoke(ctx, ug, info.PublicID()); nvr.ErrorKind(err) != nvr.KindNotFound {
				t.Errorf("%s revokes: %v, want not found", c.name, err)
			}
		}
	}
}

// TestShareLinkBeforeTheCameraJoined: a clip link cannot share footage
// from before the camera joined the household (it belonged to another).
func TestShareLinkBeforeTheCameraJoined(t *testing.T) {
	t.Parallel()
	f := newShareFixture(t)
	ctx := context.Background()
	if err := f.w.Ops.MoveCamera(ctx, f.camB.ID, f.away.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	otto := f.login(t, f.otto)
	now := f.clock.Now()
	before := nvr.TimeRange{Start: now.Add(-2 * time.Hour), End: now.Add(-30 * time.Minute)}
	if _, _, err := f.create(t, otto, f.camB.ID, nvr.NewShareLink{Kind: nvr.ShareClip, Window: before}); nvr.ErrorKind(err) != nvr.KindInvalid {
		t.Fatalf("clip link reaching before the move: %v, want invalid", err)
	}
	after := nvr.TimeRange{Start: now.Add(-30 * time.Minute), End: now.Add(-time.Minute)}
	dbtest.Footage(t, f.w.DB, f.camB.ID, after.Start.Add(time.Minute), after.Start.Add(2*time.Minute))
	secret, _ := f.link(t, otto, f.camB.ID, nvr.NewShareLink{Kind: nvr.ShareClip, Window: after})
	if _, _, err := f.pol.ShareLink(ctx, secret, nvr.ShareProof{}, nvr.ActionViewRecordings, true); err != nil {
		t.Fatalf("clip link after the move: %v", err)
	}
}

// TestShareLinkPasscodeGuessing: wrong passcodes slow that link's
// passcode checks down (KindUnavailable with a wait) and no other link's.
func TestShareLinkPasscodeGuessing(t *testing.T) {
	t.Parallel()
	f := newShareFixture(t)
	ctx := context.Background()
	olive := f.login(t, f.olive)
	a, _ := f.link(t, olive, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareLive, Passcode: "right one"})
	b, _ := f.link(t, olive, f.camA.ID, nvr.NewShareLink{Kind: nvr.ShareLive, Passcode: "right two"})
	limited := false
	for i := range 50 {
		_, _, err := f.pol.ShareLink(ctx, a, nvr.ShareProof{Passcode: "wrong"}, nvr.ActionViewCamera, false)
		if nvr.ErrorKind(err) == nvr.KindUnavailable {
			t.Logf("slowed after %d wrong passcodes: %v", i, err)
			limited = true
			break
		}
		if nvr.ErrorKind(err) != nvr.KindUnauthorized {
			t.Fatalf("wrong passcode %d: %v", i, err)
		}
	}
	if !limited {
		t.Fatal("50 wrong passcodes and no slowing down")
	}
	if _, _, err := f.pol.ShareLink(ctx, a, nvr.ShareProof{Passcode: "right one"}, nvr.ActionViewCamera, false); nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Errorf("the right passcode during the wait: %v, want to wait too", err)
	}
	if _, _, err := f.pol.ShareLink(ctx, b, nvr.ShareProof{Passcode: "right two"}, nvr.ActionViewCamera, false); err != nil {
		t.Errorf("another link during the first one's wait: %v", err)
	}
}
