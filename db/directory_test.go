package db_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

func TestHouseholds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	h := must[nvr.Household](t)(d.CreateHousehold(ctx, "Smiths", t0))
	if _, err := nvr.ParseHouseholdPublicID(string(h.PublicID)); h.ID == 0 || err != nil || h.Name != "Smiths" || !h.CreatedAt.Equal(t0) {
		t.Fatalf("created %+v", h)
	}
	abbotts := must[nvr.Household](t)(d.CreateHousehold(ctx, "Abbotts", t0))
	if abbotts.PublicID == h.PublicID {
		t.Fatalf("two households share the public ID %q", h.PublicID)
	}

	t.Run("conflict", func(t *testing.T) {
		for _, name := range []string{"Smiths", "SMITHS"} {
			_, err := d.CreateHousehold(ctx, name, t0)
			wantKind(t, err, nvr.KindConflict)
			if got, want := nvr.ErrorMessage(err), `a household named "`+name+`" already exists`; got != want {
				t.Fatalf("message = %q, want %q", got, want)
			}
		}
	})
	t.Run("list ordered by name", func(t *testing.T) {
		hs := must[[]nvr.Household](t)(d.Households(ctx))
		if len(hs) != 2 || hs[0].Name != "Abbotts" || hs[1].Name != "Smiths" {
			t.Fatalf("Households() = %+v", hs)
		}
	})
	t.Run("by ref", func(t *testing.T) {
		tests := []struct {
			ref    string
			wantID nvr.HouseholdID // 0: not found
		}{
			{"Smiths", h.ID},
			{string(h.PublicID), h.ID},
			{string(abbotts.PublicID), abbotts.ID},
			{strings.ToUpper(string(h.PublicID)), 0}, // public IDs are lowercase hex only
			{string(h.PublicID)[:31], 0},
			{string(nvr.NewHouseholdPublicID()), 0},
			{"1", 0},      // the row number is no reference: it never leaves the store
			{"smiths", 0}, // names match exactly
			{"01", 0},
			{"0", 0},
			{"999", 0},
			{"", 0},
			{"99999999999999999999999", 0},
		}
		for _, tt := range tests {
			got, err := d.HouseholdByRef(ctx, tt.ref)
			if tt.wantID == 0 {
				wantKind(t, err, nvr.KindNotFound)
				if !errors.Is(err, nvr.ErrNotFound) {
					t.Fatalf("HouseholdByRef(%q): errors.Is(ErrNotFound) = false", tt.ref)
				}
				continue
			}
			if err != nil || got.ID != tt.wantID {
				t.Fatalf("HouseholdByRef(%q) = %+v, %v; want ID %d", tt.ref, got, err, tt.wantID)
			}
		}
		byPublic, err := d.HouseholdByPublicID(ctx, h.PublicID)
		if err != nil || byPublic != h {
			t.Fatalf("HouseholdByPublicID(%q) = %+v, %v; want %+v", h.PublicID, byPublic, err, h)
		}
		byRow, err := d.Household(ctx, abbotts.ID)
		if err != nil || byRow != abbotts {
			t.Fatalf("Household(%d) = %+v, %v; want %+v", abbotts.ID, byRow, err, abbotts)
		}
		_, err = d.Household(ctx, 999)
		wantKind(t, err, nvr.KindNotFound)
		_, err = d.HouseholdByPublicID(ctx, "1")
		wantKind(t, err, nvr.KindNotFound)
	})
	t.Run("delete", func(t *testing.T) {
		noErr(t, d.DeleteHousehold(ctx, h.ID))
		wantKind(t, d.DeleteHousehold(ctx, h.ID), nvr.KindNotFound)
		_, err := d.HouseholdByRef(ctx, "Smiths")
		wantKind(t, err, nvr.KindNotFound)
	})
}

func TestDeleteHouseholdRefusedWhileNonEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The refusal says what is left, for the admin to move or remove.
	tests := []struct {
		name string
		fill func(w *worldish)
		want string
	}{
		{"user", func(w *worldish) {
			w.user = must[nvr.User](w.t)(w.d.CreateUser(ctx, nvr.User{Name: "alice", HouseholdID: w.h.ID, Role: nvr.RoleOwner}, "x"))
		}, "household still has 1 person and 0 cameras: move or remove them first"},
		{"camera", func(w *worldish) {
			w.cam = must[nvr.Camera](w.t)(w.d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: w.h.ID, Name: "Door", MainURL: "rtsp://h/"}))
		}, "household still has 0 people and 1 camera: move or remove them first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := openDB(t)
			w := &worldish{t: t, d: d, h: must[nvr.Household](t)(d.CreateHousehold(ctx, "Smiths", t0))}
			tt.fill(w)
			err := d.DeleteHousehold(ctx, w.h.ID)
			wantKind(t, err, nvr.KindConflict)
			if got, want := nvr.ErrorMessage(err), tt.want; got != want {
				t.Fatalf("message = %q, want %q", got, want)
			}
			if w.user.ID != 0 {
				noErr(t, d.DeleteUser(ctx, w.user.ID))
			}
			if w.cam.ID != "" {
				noErr(t, d.DeleteCamera(ctx, w.cam.ID))
			}
			noErr(t, d.DeleteHousehold(ctx, w.h.ID))
		})
	}
}

type worldish struct {
	t *testing.T
	d interface {
		nvr.DirectoryStore
		nvr.DirectoryWriter
	}
	h    nvr.Household
	user nvr.User
	cam  nvr.Camera
}

func TestUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)

	t.Run("create conflict", func(t *testing.T) {
		for _, name := range []string{"alice", "ALICE"} {
			_, err := d.CreateUser(ctx, nvr.User{Name: name, HouseholdID: w.h1.ID, Role: nvr.RoleMember}, "x")
			wantKind(t, err, nvr.KindConflict)
		}
	})
	t.Run("create in missing household", func(t *testing.T) {
		_, err := d.CreateUser(ctx, nvr.User{Name: "eve", HouseholdID: 999, Role: nvr.RoleMember}, "x")
		wantKind(t, err, nvr.KindNotFound)
	})
	t.Run("create bad role", func(t *testing.T) {
		_, err := d.CreateUser(ctx, nvr.User{Name: "eve", HouseholdID: w.h1.ID, Role: "god"}, "x")
		wantKind(t, err, nvr.KindInvalid)
	})
	t.Run("credentials", func(t *testing.T) {
		u, hash, err := d.UserCredentials(ctx, "alice")
		if err != nil || u.ID != w.owner.ID || !nvr.VerifyPassword(password, hash) {
			t.Fatalf("UserCredentials(alice) = %+v, %q, %v", u, hash, err)
		}
		_, _, err = d.UserCredentials(ctx, "Alice")
		wantKind(t, err, nvr.KindNotFound)
		_, _, err = d.UserCredentials(ctx, "nobody")
		wantKind(t, err, nvr.KindNotFound)
	})
	t.Run("get", func(t *testing.T) {
		u := must[nvr.User](t)(d.User(ctx, w.admin.ID))
		if u != w.admin || u.HouseholdID != 0 || !u.Admin {
			t.Fatalf("User(admin) = %+v, want %+v", u, w.admin)
		}
		_, err := d.User(ctx, 999)
		wantKind(t, err, nvr.KindNotFound)
		byRef := must[nvr.User](t)(d.UserByRef(ctx, "bob"))
		if byRef != w.member {
			t.Fatalf("UserByRef(bob) = %+v, want %+v", byRef, w.member)
		}
		byID := must[nvr.User](t)(d.UserByRef(ctx, "2"))
		if byID != w.member {
			t.Fatalf("UserByRef(2) = %+v, want %+v", byID, w.member)
		}
	})
	t.Run("list", func(t *testing.T) {
		names := func(us []nvr.User) string {
			var s []string
			for _, u := range us {
				s = append(s, u.Name)
			}
			return strings.Join(s, ",")
		}
		if got, want := names(must[[]nvr.User](t)(d.Users(ctx, w.h1.ID))), "alice,bob,carol"; got != want {
			t.Fatalf("Users(h1) = %s, want %s", got, want)
		}
		if got, want := names(must[[]nvr.User](t)(d.Users(ctx, 0))), "alice,bob,carol,dave,root"; got != want {
			t.Fatalf("Users(0) = %s, want %s", got, want)
		}
	})
	t.Run("setters", func(t *testing.T) {
		noErr(t, d.SetPasswordHash(ctx, w.member.ID, "new-hash"))
		_, hash := must2(t)(d.UserCredentials(ctx, "bob"))
		if hash != "new-hash" {
			t.Fatalf("hash = %q", hash)
		}
		if got := must[int](t)(d.AdminCount(ctx)); got != 1 {
			t.Fatalf("AdminCount = %d, want 1", got)
		}
		noErr(t, d.SetAdmin(ctx, w.member.ID, true))
		if got := must[int](t)(d.AdminCount(ctx)); got != 2 {
			t.Fatalf("AdminCount = %d, want 2", got)
		}
		noErr(t, d.SetDisabled(ctx, w.member.ID, true))
		if got := must[int](t)(d.AdminCount(ctx)); got != 1 {
			t.Fatalf("AdminCount with a disabled admin = %d, want 1", got)
		}
		u := must[nvr.User](t)(d.User(ctx, w.member.ID))
		if !u.Admin || !u.Disabled {
			t.Fatalf("after setters: %+v", u)
		}
		for name, err := range map[string]error{
			"SetPasswordHash": d.SetPasswordHash(ctx, 999, "x"),
			"SetRole":         d.SetRole(ctx, 999, nvr.RoleMember),
			"SetAdmin":        d.SetAdmin(ctx, 999, true),
			"SetDisabled":     d.SetDisabled(ctx, 999, true),
			"DeleteUser":      d.DeleteUser(ctx, 999),
		} {
			if nvr.ErrorKind(err) != nvr.KindNotFound {
				t.Fatalf("%s(missing) = %v, want not found", name, err)
			}
		}
		wantKind(t, d.SetRole(ctx, w.member.ID, "god"), nvr.KindInvalid)
	})
}

func must2(t testing.TB) func(nvr.User, string, error) (nvr.User, string) {
	return func(u nvr.User, s string, err error) (nvr.User, string) {
		t.Helper()
		noErr(t, err)
		return u, s
	}
}

func TestSetRoleDropsAssignments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	noErr(t, d.SetRole(ctx, w.viewer.ID, nvr.RoleViewer))
	if got := must[[]nvr.CameraID](t)(d.AssignedCameras(ctx, w.viewer.ID)); len(got) != 1 {
		t.Fatalf("viewer → viewer kept %v, want 1 assignment", got)
	}
	noErr(t, d.SetRole(ctx, w.viewer.ID, nvr.RoleMember))
	if got := must[[]nvr.CameraID](t)(d.AssignedCameras(ctx, w.viewer.ID)); len(got) != 0 {
		t.Fatalf("viewer → member kept %v", got)
	}
}

func TestDeleteUserCascades(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	u := w.viewer
	must[int64](t)(d.CreateSession(ctx, nvr.Session{UserID: u.ID, TokenHash: nvr.HashToken("s1"), CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	must[nvr.APIToken](t)(d.CreateToken(ctx, nvr.APIToken{UserID: u.ID, Name: "ci", Scope: nvr.ScopeView, TokenHash: nvr.HashToken("t1"), CreatedAt: t0}))
	noErr(t, d.AppendAudit(ctx, nvr.AuditEntry{At: t0, UserID: u.ID, Principal: "session:1", CameraID: w.cam1.ID, Action: "view-live", Result: "granted"}))

	noErr(t, d.DeleteUser(ctx, u.ID))
	if got := must[[]nvr.Session](t)(d.Sessions(ctx, u.ID)); len(got) != 0 {
		t.Fatalf("sessions left: %d", len(got))
	}
	if got := must[[]nvr.APIToken](t)(d.Tokens(ctx, u.ID)); len(got) != 0 {
		t.Fatalf("tokens left: %d", len(got))
	}
	if got := must[[]nvr.CameraID](t)(d.AssignedCameras(ctx, u.ID)); len(got) != 0 {
		t.Fatalf("assignments left: %v", got)
	}
	_, err := d.SessionByTokenHash(ctx, nvr.HashToken("s1"))
	wantKind(t, err, nvr.KindNotFound)
	_, err = d.TokenByHash(ctx, nvr.HashToken("t1"))
	wantKind(t, err, nvr.KindNotFound)
	if got := must[[]nvr.AuditEntry](t)(d.Audit(ctx, 10)); len(got) != 1 || got[0].UserID != u.ID {
		t.Fatalf("audit after delete = %+v, want the row kept", got)
	}
}

func TestCameras(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)

	t.Run("get", func(t *testing.T) {
		c := must[nvr.Camera](t)(d.Camera(ctx, w.cam1.ID))
		if !sameCamera(c, w.cam1) || c.Password.Reveal() != "hunter2-rtsp" || c.Transport != nvr.TransportTCP {
			t.Fatalf("Camera() = %#v, want %#v", c, w.cam1)
		}
		_, err := d.Camera(ctx, nvr.NewCameraID())
		wantKind(t, err, nvr.KindNotFound)
	})
	t.Run("create errors", func(t *testing.T) {
		secret := "s3cret-rtsp-pw"
		tests := []struct {
			name string
			cam  nvr.Camera
			want nvr.Kind
		}{
			{"duplicate name", nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: w.h1.ID, Name: "front DOOR"}, nvr.KindConflict},
			{"duplicate id", nvr.Camera{ID: w.cam1.ID, HouseholdID: w.h2.ID, Name: "New"}, nvr.KindConflict},
			{"missing household", nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: 999, Name: "New"}, nvr.KindNotFound},
			{"bad id", nvr.Camera{ID: "ABC", HouseholdID: w.h1.ID, Name: "New"}, nvr.KindInvalid},
			{"bad transport", nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: w.h1.ID, Name: "New", Transport: "carrier-pigeon"}, nvr.KindInvalid},
			{"empty name", nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: w.h1.ID}, nvr.KindInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.cam.MainURL = "rtsp://192.0.2.1/" + secret
				tt.cam.Password = nvr.NewSecret(secret)
				_, err := d.CreateCamera(ctx, tt.cam)
				wantKind(t, err, tt.want)
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error leaks a secret: %v", err)
				}
			})
		}
		// The same name in another household is fine.
		must[nvr.Camera](t)(d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: w.h2.ID, Name: "Front door", MainURL: "rtsp://h/"}))
	})
	t.Run("list", func(t *testing.T) {
		names := func(cs []nvr.Camera) string {
			var s []string
			for _, c := range cs {
				s = append(s, c.Name)
			}
			return strings.Join(s, ",")
		}
		if got, want := names(must[[]nvr.Camera](t)(d.Cameras(ctx, w.h1.ID))), "Front door,Garden"; got != want {
			t.Fatalf("Cameras(h1) = %s, want %s", got, want)
		}
		if got, want := len(must[[]nvr.Camera](t)(d.Cameras(ctx, 0))), 4; got != want {
			t.Fatalf("len(Cameras(0)) = %d, want %d", got, want)
		}
		if got, want := names(must[[]nvr.Camera](t)(d.HouseholdCameras(ctx, w.h1.ID, 0))), "Front door,Garden"; got != want {
			t.Fatalf("HouseholdCameras(h1) = %s, want %s", got, want)
		}
		if got, want := names(must[[]nvr.Camera](t)(d.HouseholdCameras(ctx, w.h1.ID, w.viewer.ID))), "Front door"; got != want {
			t.Fatalf("HouseholdCameras(h1, viewer) = %s, want %s", got, want)
		}
		if got := must[[]nvr.Camera](t)(d.HouseholdCameras(ctx, 0, 0)); len(got) != 0 {
			t.Fatalf("HouseholdCameras(0) = %d cameras, want none", len(got))
		}
	})
	t.Run("update", func(t *testing.T) {
		c := w.cam1b
		c.Name, c.SubURL, c.Password, c.Transport, c.Enabled = "Back garden", "rtsp://192.0.2.10/sub", nvr.NewSecret("pw2"), nvr.TransportUDP, false
		noErr(t, d.UpdateCamera(ctx, c))
		got := must[nvr.Camera](t)(d.Camera(ctx, c.ID))
		if !sameCamera(got, c) || got.Password.Reveal() != "pw2" {
			t.Fatalf("after update %#v, want %#v", got, c)
		}
		dup := c
		dup.Name = "Front door"
		wantKind(t, d.UpdateCamera(ctx, dup), nvr.KindConflict)
		moved := c
		moved.HouseholdID = w.h2.ID
		wantKind(t, d.UpdateCamera(ctx, moved), nvr.KindInvalid)
		missing := c
		missing.ID = nvr.NewCameraID()
		wantKind(t, d.UpdateCamera(ctx, missing), nvr.KindNotFound)
	})
	t.Run("delete", func(t *testing.T) {
		c := must[nvr.Camera](t)(d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: w.h1.ID, Name: "Shed", MainURL: "rtsp://h/"}))
		noErr(t, d.AssignCamera(ctx, w.viewer.ID, c.ID))
		noErr(t, d.DeleteCamera(ctx, c.ID))
		wantKind(t, d.DeleteCamera(ctx, c.ID), nvr.KindNotFound)
		if got := must[[]nvr.CameraID](t)(d.AssignedCameras(ctx, w.viewer.ID)); slices.Contains(got, c.ID) {
			t.Fatalf("assignment survived camera deletion")
		}
	})
}

func TestAssignments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)

	tests := []struct {
		name string
		user nvr.UserID
		cam  nvr.CameraID
		want nvr.Kind // KindInternal: no error
	}{
		{"again is fine", w.viewer.ID, w.cam1.ID, nvr.KindInternal},
		{"second camera", w.viewer.ID, w.cam1b.ID, nvr.KindInternal},
		{"other household", w.viewer.ID, w.cam2.ID, nvr.KindNotFound},
		{"not a viewer", w.member.ID, w.cam1.ID, nvr.KindInvalid},
		{"missing user", 999, w.cam1.ID, nvr.KindNotFound},
		{"missing camera", w.viewer.ID, nvr.NewCameraID(), nvr.KindNotFound},
	}
	for _, tt := range tests {
		err := d.AssignCamera(ctx, tt.user, tt.cam)
		if tt.want == nvr.KindInternal {
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			continue
		}
		wantKind(t, err, tt.want)
	}
	got := must[[]nvr.CameraID](t)(d.AssignedCameras(ctx, w.viewer.ID))
	want := []nvr.CameraID{w.cam1.ID, w.cam1b.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("AssignedCameras = %v, want %v", got, want)
	}
	noErr(t, d.UnassignCamera(ctx, w.viewer.ID, w.cam1b.ID))
	noErr(t, d.UnassignCamera(ctx, w.viewer.ID, w.cam1b.ID))
	if got := must[[]nvr.CameraID](t)(d.AssignedCameras(ctx, w.viewer.ID)); !slices.Equal(got, []nvr.CameraID{w.cam1.ID}) {
		t.Fatalf("after unassign: %v", got)
	}
}

func TestMoveCamera(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)

	noErr(t, d.MoveCamera(ctx, w.cam1.ID, w.h1.ID, time.Now())) // same household: no change
	if got := must[[]nvr.CameraID](t)(d.AssignedCameras(ctx, w.viewer.ID)); len(got) != 1 {
		t.Fatalf("a no-op move dropped assignments: %v", got)
	}
	noErr(t, d.MoveCamera(ctx, w.cam1.ID, w.h2.ID, time.Now()))
	if got := must[nvr.Camera](t)(d.Camera(ctx, w.cam1.ID)); got.HouseholdID != w.h2.ID {
		t.Fatalf("household after move = %d, want %d", got.HouseholdID, w.h2.ID)
	}
	if got := must[[]nvr.CameraID](t)(d.AssignedCameras(ctx, w.viewer.ID)); len(got) != 0 {
		t.Fatalf("assignments after move: %v", got)
	}
	wantKind(t, d.MoveCamera(ctx, nvr.NewCameraID(), w.h2.ID, time.Now()), nvr.KindNotFound)
	wantKind(t, d.MoveCamera(ctx, w.cam1.ID, 999, time.Now()), nvr.KindNotFound)
	// h1 has "Garden"; moving h2's "Garden" there clashes.
	g := must[nvr.Camera](t)(d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: w.h2.ID, Name: "garden", MainURL: "rtsp://h/"}))
	wantKind(t, d.MoveCamera(ctx, g.ID, w.h1.ID, time.Now()), nvr.KindConflict)
}

// TestMoveCameraKeepsFootageStampedAheadBehind: footage recorded before a
// move but stamped after it (a capture clock ahead of the appliance's, or
// the local clock set back since the camera's session anchored) stays the
// old household's: the new household's share begins past the newest
// indexed footage plus nvr.MoveFootageMargin. Without footage ahead, the
// move's own time counts.
func TestMoveCameraKeepsFootageStampedAheadBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openDB(t)
	w := newWorld(t, d)
	at := time.Now().Truncate(time.Millisecond)
	ahead := at.Add(90 * time.Second) // the capture clock runs 90 s ahead
	_ = must[nvr.Segment](t)(d.CreateSegment(ctx, nvr.Segment{CameraID: w.cam1.ID, Stream: "main",
		Path: string(w.cam1.ID) + "/1.mp4", Start: ahead.Add(-time.Minute), End: ahead}))
	noErr(t, d.MoveCamera(ctx, w.cam1.ID, w.h2.ID, at))
	got := must[nvr.Camera](t)(d.Camera(ctx, w.cam1.ID)).HouseholdSince
	if want := ahead.Add(nvr.MoveFootageMargin); !got.Equal(want) {
		t.Fatalf("household_since = %v, want %v (the newest footage's end plus the margin)", got, want)
	}
	quiet := must[nvr.Camera](t)(d.CreateCamera(ctx, nvr.Camera{ID: nvr.NewCameraID(), HouseholdID: w.h1.ID, Name: "quiet", MainURL: "rtsp://h/"}))
	noErr(t, d.MoveCamera(ctx, quiet.ID, w.h2.ID, at))
	if got := must[nvr.Camera](t)(d.Camera(ctx, quiet.ID)).HouseholdSince; !got.Equal(at) {
		t.Fatalf("household_since without footage = %v, want the move's time %v", got, at)
	}
}

// sameCamera compares cameras field by field; Secret holds its value behind
// a pointer (so fmt cannot print it), which == would compare instead.
func sameCamera(a, b nvr.Camera) bool {
	pa, pb := a.Password.Reveal(), b.Password.Reveal()
	a.Password, b.Password = nvr.Secret{}, nvr.Secret{}
	return a == b && pa == pb
}
