package nvr_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/db/dbtest"
	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
)

// authFixture is Auth over a real database (db/dbtest), with alice, a
// member of its household, added through the directory.
type authFixture struct {
	world *dbtest.World
	db    *db.DB
	clock *clocktest.Clock
	auth  *nvr.Auth
	alice nvr.User
}

func newAuthFixture(t *testing.T) *authFixture {
	t.Helper()
	clock := newFakeClock()
	w := dbtest.NewWorld(t, clock.Now)
	f := &authFixture{world: w, db: w.DB, clock: clock, auth: nvr.NewAuth(w.DB, nvr.AuthConfig{
		IdleTimeout:     time.Hour,
		AbsoluteTimeout: 24 * time.Hour,
		Argon2:          cheapArgon2,
		Now:             clock.Now,
	})}
	f.alice = f.addUser(t, "alice", false)
	return f
}

// addUser adds a member of the household whose password is goodPassword,
// disabled when asked.
func (f *authFixture) addUser(t *testing.T, name string, disabled bool) nvr.User {
	t.Helper()
	ctx := context.Background()
	u, err := f.world.Ops.AddUser(ctx, nvr.NewUser{Name: name, HouseholdID: f.world.Home.ID, Role: nvr.RoleMember, Password: goodPassword})
	if err != nil {
		t.Fatalf("add user %s: %v", name, err)
	}
	if disabled {
		if err := f.world.Ops.SetDisabled(ctx, u.ID, true); err != nil {
			t.Fatalf("disable %s: %v", name, err)
		}
	}
	return u
}

// putToken stores an API token row as given and returns it with its ID.
func (f *authFixture) putToken(t *testing.T, tok nvr.APIToken) nvr.APIToken {
	t.Helper()
	if tok.Name == "" {
		tok.Name = "t"
	}
	stored, err := f.db.CreateToken(context.Background(), tok)
	if err != nil {
		t.Fatalf("store token: %v", err)
	}
	return stored
}

// sessions returns u's stored sessions.
func (f *authFixture) sessions(t *testing.T, u nvr.UserID) []nvr.Session {
	t.Helper()
	ss, err := f.db.Sessions(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}
