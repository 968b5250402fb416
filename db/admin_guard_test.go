package db_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// TestLastAdminGuardIsAtomic races two demotions of the only two admins
// through two handles on one file (the server and the CLI): exactly one
// must win, so the appliance always keeps an admin.
func TestLastAdminGuardIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for round := range 20 {
		first := openDB(t)
		second, err := db.Open(ctx, first.Path())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = second.Close() })
		var ids []nvr.UserID
		for _, name := range []string{"root1", "root2"} {
			u, err := first.CreateUser(ctx, nvr.User{Name: name, Role: nvr.RoleMember, Admin: true, CreatedAt: time.Now()}, "x")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		ops := []func() error{
			func() error { return first.SetAdmin(ctx, ids[0], false) },
			func() error { return second.DeleteUser(ctx, ids[1]) },
		}
		if round%2 == 1 {
			ops[1] = func() error { return second.SetDisabled(ctx, ids[1], true) }
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, op := range ops {
			wg.Go(func() { errs[i] = op() })
		}
		wg.Wait()
		n, err := first.AdminCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		failed := 0
		for _, err := range errs {
			if err != nil {
				if nvr.ErrorKind(err) != nvr.KindConflict {
					t.Fatalf("round %d: unexpected error %v", round, err)
				}
				failed++
			}
		}
		if n != 1 || failed != 1 {
			t.Fatalf("round %d: %d admins left, %d changes refused (errors %v)", round, n, failed, errs)
		}
	}
}
