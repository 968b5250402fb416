package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// app is the real policy, authentication and directory over a real file.
type app struct {
	*world
	clock *clocktest.Clock // for nvr.Auth and nvr.Policy
	auth  *nvr.Auth
	pol   *nvr.Policy
	dir   *nvr.Directory
}

func newApp(t *testing.T, cfg nvr.AuthConfig, opts ...db.Option) *app {
	t.Helper()
	d := openDB(t, opts...)
	a := &app{world: newWorld(t, d), clock: clocktest.New(t0)}
	cfg.Argon2, cfg.Now = cheapArgon2, a.clock.Now
	a.auth = nvr.NewAuth(d, cfg)
	a.pol = nvr.NewPolicy(d, a.clock.Now, nil)
	a.dir = nvr.NewDirectory(d, a.clock.Now, cheapArgon2)
	return a
}

func (a *app) login(t *testing.T, name string) nvr.Principal {
	t.Helper()
	ctx := context.Background()
	token, _, err := a.auth.Login(ctx, name, password, nvr.ClientInfo{Addr: "192.0.2.50:1234", UserAgent: "test"})
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	p, err := a.auth.Authenticate(ctx, token)
	if err != nil {
		t.Fatalf("authenticate %s: %v", name, err)
	}
	return p
}

func TestPolicyEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	alice := a.login(t, "alice")

	t.Run("own household camera granted", func(t *testing.T) {
		g, err := a.pol.Camera(ctx, alice, nvr.ActionViewCamera, a.cam1.ID)
		if err != nil || g.CameraID() != a.cam1.ID || g.User().ID != a.owner.ID {
			t.Fatalf("Camera(view cam1) = %+v, %v", g.Camera(), err)
		}
		if g.Camera().Name != a.cam1.Name || g.Camera().HouseholdID != a.h1.ID {
			t.Fatalf("grant camera = %+v, want %+v", g.Camera(), a.cam1)
		}
	})
	t.Run("other household denied as not found", func(t *testing.T) {
		_, err := a.pol.Camera(ctx, alice, nvr.ActionViewCamera, a.cam2.ID)
		if !errors.Is(err, nvr.ErrNotFound) {
			t.Fatalf("Camera(view cam2) = %v, want ErrNotFound", err)
		}
		_, err = a.pol.Camera(ctx, alice, nvr.ActionViewCamera, nvr.NewCameraID())
		if !errors.Is(err, nvr.ErrNotFound) {
			t.Fatalf("Camera(view missing) = %v, want ErrNotFound", err)
		}
	})
	t.Run("media grant writes an audit row", func(t *testing.T) {
		before := must[[]nvr.AuditEntry](t)(a.d.Audit(ctx, 1000))
		if _, err := a.pol.Camera(ctx, alice, nvr.ActionViewLive, a.cam1.ID); err != nil {
			t.Fatal(err)
		}
		after := must[[]nvr.AuditEntry](t)(a.d.Audit(ctx, 1000))
		if len(after) != len(before)+1 {
			t.Fatalf("audit rows %d → %d, want one more", len(before), len(after))
		}
		e := after[0]
		if e.UserID != a.owner.ID || e.CameraID != a.cam1.ID || e.Action != "view-live" || e.Result != "granted" ||
			e.Principal != alice.String() || !e.At.Equal(a.clock.Now()) {
			t.Fatalf("audit row = %+v", e)
		}
	})
	t.Run("viewer sees assigned cameras only", func(t *testing.T) {
		carol := a.login(t, "carol")
		if _, err := a.pol.Camera(ctx, carol, nvr.ActionViewLive, a.cam1.ID); err != nil {
			t.Fatalf("assigned camera: %v", err)
		}
		if _, err := a.pol.Camera(ctx, carol, nvr.ActionViewLive, a.cam1b.ID); !errors.Is(err, nvr.ErrNotFound) {
			t.Fatalf("unassigned camera: %v, want ErrNotFound", err)
		}
		gs, err := a.pol.VisibleCameras(ctx, carol, nvr.ActionViewCamera)
		if err != nil || len(gs) != 1 || gs[0].CameraID() != a.cam1.ID {
			t.Fatalf("VisibleCameras(carol) = %d grants, %v", len(gs), err)
		}
	})
	t.Run("appliance admin sees no video", func(t *testing.T) {
		root := a.login(t, "root")
		if _, err := a.pol.Camera(ctx, root, nvr.ActionViewLive, a.cam1.ID); !errors.Is(err, nvr.ErrNotFound) {
			t.Fatalf("admin view-live: %v, want ErrNotFound", err)
		}
		if _, err := a.pol.Camera(ctx, root, nvr.ActionManageCamera, a.cam1.ID); err != nil {
			t.Fatalf("admin manage-camera: %v", err)
		}
		if _, err := a.pol.Admin(ctx, root); err != nil {
			t.Fatalf("Admin(root): %v", err)
		}
	})
}

func TestPolicyRevocation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		cfg    nvr.AuthConfig
		user   string
		revoke func(t *testing.T, a *app, p nvr.Principal)
	}{
		{"idle session", nvr.AuthConfig{}, "bob", func(t *testing.T, a *app, p nvr.Principal) {
			a.clock.Advance(7*24*time.Hour + time.Second)
		}},
		{"absolute expiry", nvr.AuthConfig{AbsoluteTimeout: time.Hour}, "bob", func(t *testing.T, a *app, p nvr.Principal) {
			a.clock.Advance(time.Hour)
		}},
		{"logged out", nvr.AuthConfig{}, "bob", func(t *testing.T, a *app, p nvr.Principal) {
			noErr(t, a.d.DeleteSession(ctx, p.CredentialID))
		}},
		{"password changed", nvr.AuthConfig{}, "bob", func(t *testing.T, a *app, p nvr.Principal) {
			noErr(t, nvrtest.Operator(a.dir).SetPassword(ctx, p.UserID, "another password"))
		}},
		{"deleted user", nvr.AuthConfig{}, "bob", func(t *testing.T, a *app, p nvr.Principal) {
			noErr(t, nvrtest.Operator(a.dir).RemoveUser(ctx, p.UserID))
		}},
		{"disabled user", nvr.AuthConfig{}, "bob", func(t *testing.T, a *app, p nvr.Principal) {
			noErr(t, nvrtest.Operator(a.dir).SetDisabled(ctx, p.UserID, true))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, tt.cfg)
			p := a.login(t, tt.user)
			g, err := a.pol.Camera(ctx, p, nvr.ActionViewLive, a.cam1.ID)
			if err != nil {
				t.Fatalf("before revocation: %v", err)
			}
			tt.revoke(t, a, p)
			_, err = a.pol.Camera(ctx, p, nvr.ActionViewCamera, a.cam1.ID)
			wantKind(t, err, nvr.KindUnauthorized)
			wantKind(t, a.pol.Recheck(ctx, g), nvr.KindUnauthorized)
		})
	}
}

func TestPolicyIdleTimeoutOption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{IdleTimeout: time.Hour}, db.WithSessionIdleTimeout(time.Hour))
	p := a.login(t, "bob")
	a.clock.Advance(59 * time.Minute)
	if _, err := a.pol.Camera(ctx, p, nvr.ActionViewCamera, a.cam1.ID); err != nil {
		t.Fatalf("within idle timeout: %v", err)
	}
	a.clock.Advance(time.Minute)
	_, err := a.pol.Camera(ctx, p, nvr.ActionViewCamera, a.cam1.ID)
	wantKind(t, err, nvr.KindUnauthorized)
}

func TestPolicyTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	token, tok, err := nvrtest.Operator(a.dir).CreateToken(ctx, a.owner.ID, "home assistant", nvr.ScopeView, 24*time.Hour)
	noErr(t, err)
	p := must[nvr.Principal](t)(a.auth.Authenticate(ctx, token))
	if p.Kind != nvr.CredentialToken || p.CredentialID != tok.ID || p.Scope != nvr.ScopeView {
		t.Fatalf("principal = %+v", p)
	}
	if _, err := a.pol.Camera(ctx, p, nvr.ActionViewLive, a.cam1.ID); err != nil {
		t.Fatalf("view-live with a view token: %v", err)
	}
	if _, err := a.pol.Camera(ctx, p, nvr.ActionManageCamera, a.cam1.ID); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("manage-camera with a view token: %v, want ErrNotFound", err)
	}

	t.Run("forged scope", func(t *testing.T) {
		forged := p
		forged.Scope = nvr.ScopeAll
		_, err := a.pol.Camera(ctx, forged, nvr.ActionManageCamera, a.cam1.ID)
		wantKind(t, err, nvr.KindUnauthorized)
	})
	t.Run("credential of another user", func(t *testing.T) {
		forged := p
		forged.UserID = a.other.ID
		_, err := a.pol.Camera(ctx, forged, nvr.ActionViewCamera, a.cam2.ID)
		wantKind(t, err, nvr.KindUnauthorized)
	})
	t.Run("anonymous", func(t *testing.T) {
		_, err := a.pol.Camera(ctx, nvr.Principal{UserID: a.owner.ID}, nvr.ActionViewCamera, a.cam1.ID)
		wantKind(t, err, nvr.KindUnauthorized)
	})

	t.Run("expired", func(t *testing.T) {
		a.clock.Advance(24 * time.Hour)
		_, err := a.pol.Camera(ctx, p, nvr.ActionViewCamera, a.cam1.ID)
		wantKind(t, err, nvr.KindUnauthorized)
		_, err = a.auth.Authenticate(ctx, token)
		wantKind(t, err, nvr.KindUnauthorized)
	})

	t.Run("revoked", func(t *testing.T) {
		token, tok, err := nvrtest.Operator(a.dir).CreateToken(ctx, a.owner.ID, "ci", nvr.ScopeAll, 0)
		noErr(t, err)
		p := must[nvr.Principal](t)(a.auth.Authenticate(ctx, token))
		if _, err := a.pol.Camera(ctx, p, nvr.ActionManageCamera, a.cam1.ID); err != nil {
			t.Fatalf("before revocation: %v", err)
		}
		noErr(t, nvrtest.Operator(a.dir).RevokeToken(ctx, tok.ID))
		_, err = a.pol.Camera(ctx, p, nvr.ActionViewCamera, a.cam1.ID)
		wantKind(t, err, nvr.KindUnauthorized)
		_, err = a.auth.Authenticate(ctx, token)
		wantKind(t, err, nvr.KindUnauthorized)
	})
}

func TestPolicyMoveCameraRevokes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	carol := a.login(t, "carol")
	g, err := a.pol.Camera(ctx, carol, nvr.ActionViewLive, a.cam1.ID)
	noErr(t, err)
	noErr(t, nvrtest.Operator(a.dir).MoveCamera(ctx, a.cam1.ID, a.h2.ID))
	if err := a.pol.Recheck(ctx, g); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("Recheck after move = %v, want ErrNotFound", err)
	}
	// Moving it back does not bring the viewer's assignment back.
	noErr(t, nvrtest.Operator(a.dir).MoveCamera(ctx, a.cam1.ID, a.h1.ID))
	if _, err := a.pol.Camera(ctx, carol, nvr.ActionViewLive, a.cam1.ID); !errors.Is(err, nvr.ErrNotFound) {
		t.Fatalf("after moving back = %v, want ErrNotFound", err)
	}
}

func TestSubject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t, nvr.AuthConfig{})
	p := a.login(t, "alice")
	s := must[nvr.Subject](t)(a.d.Subject(ctx, p, a.clock.Now()))
	if !s.CredentialValid || s.User != a.owner || s.Principal != p {
		t.Fatalf("Subject = %+v", s)
	}
	missing := p
	missing.UserID = 999
	s = must[nvr.Subject](t)(a.d.Subject(ctx, missing, a.clock.Now()))
	if s.CredentialValid || s.User.ID != 0 {
		t.Fatalf("Subject(missing user) = %+v", s)
	}
}
