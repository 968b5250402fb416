package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// TestCLIPasswdAndDisableEndTokens (issue 14, findings 1 and 2): "hearth
// user passwd" and "user disable" end the user's API tokens (not only their
// sessions); "user enable" does not bring them back, and a token cannot be
// made for a disabled account. The accounts and tokens are set up through
// the library with a cheap hash, since every CLI run costs a production
// argon2 hash (slow under -race, and this package's time is short).
func TestCLIPasswdAndDisableEndTokens(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	ctx := context.Background()
	withDir := func(fn func(*db.DB, *nvr.Directory)) {
		t.Helper()
		store, err := db.Open(ctx, filepath.Join(data, databaseFile))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		fn(store, nvr.NewDirectory(store, nil, nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}))
	}
	var ana nvr.User
	newToken := func(name string) {
		withDir(func(_ *db.DB, d *nvr.Directory) {
			if _, _, err := nvrtest.Operator(d).CreateToken(ctx, ana.ID, name, nvr.ScopeAll, 0); err != nil {
				t.Fatal(err)
			}
		})
	}
	tokens := func() int {
		n := 0
		withDir(func(store *db.DB, _ *nvr.Directory) {
			ts, err := store.Tokens(ctx, ana.ID)
			if err != nil {
				t.Fatal(err)
			}
			n = len(ts)
		})
		return n
	}
	withDir(func(_ *db.DB, d *nvr.Directory) {
		h, err := nvrtest.Operator(d).AddHousehold(ctx, "Alpha")
		if err != nil {
			t.Fatal(err)
		}
		if ana, err = nvrtest.Operator(d).AddUser(ctx, nvr.NewUser{Name: "ana", HouseholdID: h.ID, Role: nvr.RoleOwner, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
	})

	newToken("ha")
	if out := mustCLI(t, "another long password\n", "user", "passwd", "ana", "--data", data); !strings.Contains(out, "API tokens") {
		t.Errorf("passwd output does not say tokens ended: %q", out)
	}
	if n := tokens(); n != 0 {
		t.Fatalf("%d tokens survive passwd", n)
	}

	newToken("nightly")
	mustCLI(t, "", "user", "disable", "ana", "--data", data)
	if _, errs, code := cli(t, "", "token", "create", "--user", "ana", "--name", "again", "--data", data); code == 0 || !strings.Contains(errs, "enable the account first") {
		t.Fatalf("token for a disabled account: exit %d %s", code, errs)
	}
	mustCLI(t, "", "user", "enable", "ana", "--data", data)
	if n := tokens(); n != 0 {
		t.Fatalf("%d tokens after disable and enable", n)
	}
}
