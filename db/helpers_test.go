package db_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// cheapArgon2 keeps password hashing fast in tests.
var cheapArgon2 = nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// t0 is the tests' wall-clock origin.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// openDB opens a fresh database file in a temporary directory and closes it
// when the test ends.
func openDB(t testing.TB, opts ...db.Option) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "hearth.db"), opts...)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return d
}

func wantKind(t testing.TB, err error, want nvr.Kind) {
	t.Helper()
	if got := nvr.ErrorKind(err); err == nil || got != want {
		t.Fatalf("err = %v (kind %v), want kind %v", err, got, want)
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// world is a small directory: two households, users of every role, and
// cameras in both households.
type world struct {
	d                            *db.DB
	h1, h2                       nvr.Household
	owner, member, viewer, other nvr.User
	admin                        nvr.User
	cam1, cam1b, cam2            nvr.Camera
}

const password = "correct horse battery"

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{d: d}
	w.h1 = must[nvr.Household](t)(d.CreateHousehold(ctx, "Smiths", t0))
	w.h2 = must[nvr.Household](t)(d.CreateHousehold(ctx, "Joneses", t0))
	hash := nvr.HashPassword(password, cheapArgon2)
	user := func(name string, h nvr.HouseholdID, r nvr.Role, admin bool) nvr.User {
		return must[nvr.User](t)(d.CreateUser(ctx, nvr.User{Name: name, HouseholdID: h, Role: r, Admin: admin, CreatedAt: t0}, hash))
	}
	w.owner = user("alice", w.h1.ID, nvr.RoleOwner, false)
	w.member = user("bob", w.h1.ID, nvr.RoleMember, false)
	w.viewer = user("carol", w.h1.ID, nvr.RoleViewer, false)
	w.other = user("dave", w.h2.ID, nvr.RoleOwner, false)
	w.admin = user("root", 0, nvr.RoleMember, true)
	cam := func(name string, h nvr.HouseholdID) nvr.Camera {
		return must[nvr.Camera](t)(d.CreateCamera(ctx, nvr.Camera{
			ID: nvr.NewCameraID(), HouseholdID: h, Name: name, MainURL: "rtsp://192.0.2.10/main",
			Username: "cam", Password: nvr.NewSecret("hunter2-rtsp"), Transport: nvr.TransportTCP,
			Enabled: true, CreatedAt: t0,
		}))
	}
	w.cam1 = cam("Front door", w.h1.ID)
	w.cam1b = cam("Garden", w.h1.ID)
	w.cam2 = cam("Driveway", w.h2.ID)
	noErr(t, d.AssignCamera(ctx, w.viewer.ID, w.cam1.ID))
	return w
}
