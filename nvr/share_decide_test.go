package nvr_test

import (
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestShareDecideUse is the table of what a link opens: its own camera's
// action of its kind (or the camera's name on its page), while unexpired,
// while its creator is an enabled owner or member of the camera's
// household, never through a closed shutter, and a clip only after the
// camera joined its household.
func TestShareDecideUse(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cam := nvr.Camera{ID: "cam-a", HouseholdID: 1}
	owner := nvr.User{ID: 7, HouseholdID: 1, Role: nvr.RoleOwner}
	win := nvr.TimeRange{Start: now.Add(-2 * time.Hour), End: now.Add(-time.Hour)}
	live := nvr.ShareLink{ID: 3, CameraID: "cam-a", CreatedBy: 7, Kind: nvr.ShareLive, ExpiresAt: now.Add(time.Hour)}
	clip := live
	clip.Kind, clip.Window = nvr.ShareClip, win
	acc := func(l nvr.ShareLink, u nvr.User, c nvr.Camera, f func(*nvr.ShareAccess)) nvr.ShareAccess {
		a := nvr.ShareAccess{Link: l, Creator: u, Camera: nvr.CameraFacts{Camera: c, Exists: true}}
		if f != nil {
			f(&a)
		}
		return a
	}
	cases := []struct {
		name string
		acc  nvr.ShareAccess
		a    nvr.Action
		want bool
	}{
		{"live link, live", acc(live, owner, cam, nil), nvr.ActionViewLive, true},
		{"live link, page", acc(live, owner, cam, nil), nvr.ActionViewCamera, true},
		{"live link, recordings", acc(live, owner, cam, nil), nvr.ActionViewRecordings, false},
		{"live link, manage", acc(live, owner, cam, nil), nvr.ActionManageCamera, false},
		{"live link, shutter switch", acc(live, owner, cam, nil), nvr.ActionSwitchShutter, false},
		{"live link, trigger", acc(live, owner, cam, nil), nvr.ActionTriggerEvent, false},
		{"live link, delete events", acc(live, owner, cam, nil), nvr.ActionDeleteEvents, false},
		{"clip link, recordings", acc(clip, owner, cam, nil), nvr.ActionViewRecordings, true},
		{"clip link, live", acc(clip, owner, cam, nil), nvr.ActionViewLive, false},
		{"member's link", acc(live, nvr.User{ID: 7, HouseholdID: 1, Role: nvr.RoleMember}, cam, nil), nvr.ActionViewLive, true},
		{"creator now a viewer", acc(live, nvr.User{ID: 7, HouseholdID: 1, Role: nvr.RoleViewer}, cam, nil), nvr.ActionViewLive, false},
		{"creator disabled", acc(live, nvr.User{ID: 7, HouseholdID: 1, Role: nvr.RoleOwner, Disabled: true}, cam, nil), nvr.ActionViewLive, false},
		{"creator gone", acc(live, nvr.User{}, cam, nil), nvr.ActionViewLive, false},
		{"creator in another household", acc(live, nvr.User{ID: 7, HouseholdID: 2, Role: nvr.RoleOwner}, cam, nil), nvr.ActionViewLive, false},
		{"creator the admin elsewhere", acc(live, nvr.User{ID: 7, HouseholdID: 2, Role: nvr.RoleOwner, Admin: true}, cam, nil), nvr.ActionViewLive, false},
		{"another user's row", acc(live, nvr.User{ID: 8, HouseholdID: 1, Role: nvr.RoleOwner}, cam, nil), nvr.ActionViewLive, false},
		{"camera moved away", acc(live, owner, nvr.Camera{ID: "cam-a", HouseholdID: 2}, nil), nvr.ActionViewLive, false},
		{"camera gone", acc(live, owner, cam, func(a *nvr.ShareAccess) { a.Camera = nvr.CameraFacts{} }), nvr.ActionViewLive, false},
		{"another camera read", acc(live, owner, nvr.Camera{ID: "cam-b", HouseholdID: 1}, nil), nvr.ActionViewLive, false},
		{"expired", acc(live, owner, cam, func(a *nvr.ShareAccess) { a.Link.ExpiresAt = now }), nvr.ActionViewLive, false},
		{"one ns before expiry", acc(live, owner, cam, func(a *nvr.ShareAccess) { a.Link.ExpiresAt = now.Add(1) }), nvr.ActionViewLive, true},
		{"shutter closed, live", acc(live, owner, cam, func(a *nvr.ShareAccess) { a.Camera.ShutterClosed = true }), nvr.ActionViewLive, false},
		{"shutter closed, page", acc(live, owner, cam, func(a *nvr.ShareAccess) { a.Camera.ShutterClosed = true }), nvr.ActionViewCamera, true},
		{"clip before the camera joined", acc(clip, owner, nvr.Camera{ID: "cam-a", HouseholdID: 1, HouseholdSince: win.Start.Add(time.Minute)}, nil), nvr.ActionViewRecordings, false},
		{"clip after the camera joined", acc(clip, owner, nvr.Camera{ID: "cam-a", HouseholdID: 1, HouseholdSince: win.Start}, nil), nvr.ActionViewRecordings, true},
		{"clip empty range", acc(clip, owner, cam, func(a *nvr.ShareAccess) { a.Link.Window.End = a.Link.Window.Start }), nvr.ActionViewRecordings, false},
		{"no link", acc(nvr.ShareLink{}, owner, cam, nil), nvr.ActionViewLive, false},
		{"unknown kind", acc(live, owner, cam, func(a *nvr.ShareAccess) { a.Link.Kind = "all" }), nvr.ActionViewLive, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := nvr.DecideShareUse(c.acc, c.a, now); got != c.want {
				t.Fatalf("decideShareUse = %v, want %v", got, c.want)
			}
		})
	}
}

// TestShareDecideCreateAndManage: owners and members of the camera's
// household make links through a session; viewers, the admin of another
// household, tokens and links do not. Owners list and revoke their
// household's links, members their own, nobody else any.
func TestShareDecideCreateAndManage(t *testing.T) {
	t.Parallel()
	cam := nvr.CameraFacts{Camera: nvr.Camera{ID: "cam-a", HouseholdID: 1}, Exists: true}
	sess := func(u nvr.User) nvr.Subject {
		return nvr.Subject{Principal: nvr.Principal{UserID: u.ID, Kind: nvr.CredentialSession, CredentialID: 1, Scope: nvr.ScopeAll},
			User: u, CredentialValid: true}
	}
	owner := nvr.User{ID: 1, HouseholdID: 1, Role: nvr.RoleOwner}
	member := nvr.User{ID: 2, HouseholdID: 1, Role: nvr.RoleMember}
	viewer := nvr.User{ID: 3, HouseholdID: 1, Role: nvr.RoleViewer}
	admin := nvr.User{ID: 4, HouseholdID: 2, Role: nvr.RoleOwner, Admin: true}
	stranger := nvr.User{ID: 5, HouseholdID: 2, Role: nvr.RoleOwner}
	tok := sess(owner)
	tok.Principal.Kind, tok.Principal.Scope = nvr.CredentialToken, nvr.ScopeView
	allTok := sess(owner)
	allTok.Principal.Kind = nvr.CredentialToken
	link := sess(owner)
	link.Principal.Kind = nvr.CredentialShareLink
	shut := cam
	shut.ShutterClosed = true
	create := []struct {
		name string
		s    nvr.Subject
		c    nvr.CameraFacts
		k    nvr.ShareKind
		want bool
	}{
		{"owner live", sess(owner), cam, nvr.ShareLive, true},
		{"owner clip", sess(owner), cam, nvr.ShareClip, true},
		{"member live", sess(member), cam, nvr.ShareLive, true},
		{"member clip", sess(member), cam, nvr.ShareClip, true},
		{"viewer", sess(viewer), nvr.CameraFacts{Camera: cam.Camera, Exists: true, Assigned: true}, nvr.ShareLive, false},
		{"admin of another household", sess(admin), cam, nvr.ShareLive, false},
		{"owner of another household", sess(stranger), cam, nvr.ShareLive, false},
		{"view token", tok, cam, nvr.ShareLive, false},
		{"all-scope token", allTok, cam, nvr.ShareLive, true},
		{"a link", link, cam, nvr.ShareLive, false},
		{"unknown kind", sess(owner), cam, "all", false},
		{"shutter closed", sess(owner), shut, nvr.ShareLive, true},
		{"missing camera", sess(owner), nvr.CameraFacts{}, nvr.ShareLive, false},
	}
	for _, c := range create {
		t.Run("create/"+c.name, func(t *testing.T) {
			if got := nvr.DecideShareCreate(c.s, c.c, c.k); got != c.want {
				t.Fatalf("decideShareCreate = %v, want %v", got, c.want)
			}
		})
	}
	byMember := nvr.ShareLinkInfo{ShareLink: nvr.ShareLink{ID: 9, CreatedBy: member.ID}, CameraHousehold: 1}
	byOwner := nvr.ShareLinkInfo{ShareLink: nvr.ShareLink{ID: 10, CreatedBy: owner.ID}, CameraHousehold: 1}
	manage := []struct {
		name string
		s    nvr.Subject
		l    nvr.ShareLinkInfo
		want bool
	}{
		{"owner, member's link", sess(owner), byMember, true},
		{"owner, own link", sess(owner), byOwner, true},
		{"member, own link", sess(member), byMember, true},
		{"member, owner's link", sess(member), byOwner, false},
		{"viewer", sess(viewer), byMember, false},
		{"admin of another household", sess(admin), byMember, false},
		{"owner of another household", sess(stranger), byMember, false},
		{"a link", link, byOwner, false},
		{"member moved away", sess(nvr.User{ID: 2, HouseholdID: 2, Role: nvr.RoleMember}), byMember, false},
	}
	for _, c := range manage {
		t.Run("manage/"+c.name, func(t *testing.T) {
			if got := nvr.DecideShareManage(c.s, c.l); got != c.want {
				t.Fatalf("decideShareManage = %v, want %v", got, c.want)
			}
		})
	}
}
