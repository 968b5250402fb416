package nvr_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

// fakeDirectoryStore overrides the DirectoryStore methods Directory uses
// through function fields; the embedded nil interface makes any other call
// panic, and an unset field reports an unexpected call. Calls are recorded
// in order.
//
// These tests keep a double rather than a real database: they check what
// the directory hands its store (the user row, the hash's parameters, the
// order of writes), that a refused change never reaches it, and how store
// errors come back: call checks and faults. The directory over the real
// database, its transactions and audit rows, is tested in db
// (directory_change_test.go, directory_grants_test.go).
type fakeDirectoryStore struct {
	nvr.DirectoryStore
	nvr.DirectoryWriter

	mu    sync.Mutex
	calls []string

	createHousehold    func(ctx context.Context, name string, at time.Time) (nvr.Household, error)
	createUser         func(ctx context.Context, u nvr.User, hash string) (nvr.User, error)
	userByRef          func(ctx context.Context, ref string) (nvr.User, error)
	setPasswordHash    func(ctx context.Context, id nvr.UserID, hash string) error
	setRole            func(ctx context.Context, id nvr.UserID, r nvr.Role) error
	setAdmin           func(ctx context.Context, id nvr.UserID, admin bool) error
	setDisabled        func(ctx context.Context, id nvr.UserID, disabled bool) error
	deleteUser         func(ctx context.Context, id nvr.UserID) error
	adminCount         func(ctx context.Context) (int, error)
	createCamera       func(ctx context.Context, c nvr.Camera) (nvr.Camera, error)
	camera             func(ctx context.Context, id nvr.CameraID) (nvr.Camera, error)
	assignCamera       func(ctx context.Context, u nvr.UserID, c nvr.CameraID) error
	deleteUserSessions func(ctx context.Context, u nvr.UserID) error
	deleteCredentials  func(ctx context.Context, u nvr.UserID) error
	createToken        func(ctx context.Context, t nvr.APIToken) (nvr.APIToken, error)
}

var _ nvr.DirectoryStore = (*fakeDirectoryStore)(nil)

// Change runs fn on the fake itself; the transaction and its audit row are
// db's (db/directory_grants_test.go), so they are not among the calls.
func (f *fakeDirectoryStore) Change(_ context.Context, _ nvr.AuditEntry, fn func(nvr.DirectoryWriter) error) error {
	return fn(f)
}

// AppendAudit writes a failed attempt's row: not a call the tests look at.
func (f *fakeDirectoryStore) AppendAudit(context.Context, nvr.AuditEntry) error { return nil }

func (f *fakeDirectoryStore) record(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
}

func (f *fakeDirectoryStore) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func unexpected(name string) error { return fmt.Errorf("%s: %w", name, nvrtest.ErrUnexpectedCall) }

func (f *fakeDirectoryStore) CreateHousehold(ctx context.Context, name string, at time.Time) (nvr.Household, error) {
	f.record("CreateHousehold")
	if f.createHousehold == nil {
		return nvr.Household{}, unexpected("CreateHousehold")
	}
	return f.createHousehold(ctx, name, at)
}

func (f *fakeDirectoryStore) CreateUser(ctx context.Context, u nvr.User, hash string) (nvr.User, error) {
	f.record("CreateUser")
	if f.createUser == nil {
		return nvr.User{}, unexpected("CreateUser")
	}
	return f.createUser(ctx, u, hash)
}

func (f *fakeDirectoryStore) UserByRef(ctx context.Context, ref string) (nvr.User, error) {
	f.record("UserByRef")
	if f.userByRef == nil {
		return nvr.User{}, unexpected("UserByRef")
	}
	return f.userByRef(ctx, ref)
}

func (f *fakeDirectoryStore) SetPasswordHash(ctx context.Context, id nvr.UserID, hash string) error {
	f.record("SetPasswordHash")
	if f.setPasswordHash == nil {
		return unexpected("SetPasswordHash")
	}
	return f.setPasswordHash(ctx, id, hash)
}

func (f *fakeDirectoryStore) SetRole(ctx context.Context, id nvr.UserID, r nvr.Role) error {
	f.record("SetRole")
	if f.setRole == nil {
		return unexpected("SetRole")
	}
	return f.setRole(ctx, id, r)
}

func (f *fakeDirectoryStore) SetAdmin(ctx context.Context, id nvr.UserID, admin bool) error {
	f.record("SetAdmin")
	if f.setAdmin == nil {
		return unexpected("SetAdmin")
	}
	return f.setAdmin(ctx, id, admin)
}

func (f *fakeDirectoryStore) SetDisabled(ctx context.Context, id nvr.UserID, disabled bool) error {
	f.record("SetDisabled")
	if f.setDisabled == nil {
		return unexpected("SetDisabled")
	}
	return f.setDisabled(ctx, id, disabled)
}

func (f *fakeDirectoryStore) DeleteUser(ctx context.Context, id nvr.UserID) error {
	f.record("DeleteUser")
	if f.deleteUser == nil {
		return unexpected("DeleteUser")
	}
	return f.deleteUser(ctx, id)
}

func (f *fakeDirectoryStore) AdminCount(ctx context.Context) (int, error) {
	f.record("AdminCount")
	if f.adminCount == nil {
		return 0, unexpected("AdminCount")
	}
	return f.adminCount(ctx)
}

func (f *fakeDirectoryStore) CreateCamera(ctx context.Context, c nvr.Camera) (nvr.Camera, error) {
	f.record("CreateCamera")
	if f.createCamera == nil {
		return nvr.Camera{}, unexpected("CreateCamera")
	}
	return f.createCamera(ctx, c)
}

func (f *fakeDirectoryStore) Camera(ctx context.Context, id nvr.CameraID) (nvr.Camera, error) {
	f.record("Camera")
	if f.camera == nil {
		return nvr.Camera{}, unexpected("Camera")
	}
	return f.camera(ctx, id)
}

func (f *fakeDirectoryStore) AssignCamera(ctx context.Context, u nvr.UserID, c nvr.CameraID) error {
	f.record("AssignCamera")
	if f.assignCamera == nil {
		return unexpected("AssignCamera")
	}
	return f.assignCamera(ctx, u, c)
}

func (f *fakeDirectoryStore) DeleteUserSessions(ctx context.Context, u nvr.UserID) error {
	f.record("DeleteUserSessions")
	if f.deleteUserSessions == nil {
		return unexpected("DeleteUserSessions")
	}
	return f.deleteUserSessions(ctx, u)
}

func (f *fakeDirectoryStore) DeleteUserCredentials(ctx context.Context, u nvr.UserID) error {
	f.record("DeleteUserCredentials")
	if f.deleteCredentials == nil {
		return unexpected("DeleteUserCredentials")
	}
	return f.deleteCredentials(ctx, u)
}

func (f *fakeDirectoryStore) CreateToken(ctx context.Context, t nvr.APIToken) (nvr.APIToken, error) {
	f.record("CreateToken")
	if f.createToken == nil {
		return nvr.APIToken{}, unexpected("CreateToken")
	}
	return f.createToken(ctx, t)
}

var dirNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newDirectory(store *fakeDirectoryStore) *nvr.Directory {
	return nvr.NewDirectory(store, func() time.Time { return dirNow }, cheapArgon2)
}

func wantKind(t *testing.T, err error, k nvr.Kind) {
	t.Helper()
	if err == nil || nvr.ErrorKind(err) != k {
		t.Fatalf("err = %v (kind %v), want kind %v", err, nvr.ErrorKind(err), k)
	}
}

func TestAddUserValidation(t *testing.T) {
	t.Parallel()
	ok := nvr.NewUser{Name: "alice", HouseholdID: 1, Role: nvr.RoleMember, Password: "long enough"}
	cases := []struct {
		name   string
		change func(*nvr.NewUser)
	}{
		{"empty name", func(u *nvr.NewUser) { u.Name = "" }},
		{"numeric name", func(u *nvr.NewUser) { u.Name = "1234" }},
		{"name with space", func(u *nvr.NewUser) { u.Name = "al ice" }},
		{"name starting with dot", func(u *nvr.NewUser) { u.Name = ".alice" }},
		{"name too long", func(u *nvr.NewUser) { u.Name = strings.Repeat("a", 65) }},
		{"short password", func(u *nvr.NewUser) { u.Password = "1234567" }},
		{"empty password", func(u *nvr.NewUser) { u.Password = "" }},
		{"password too long", func(u *nvr.NewUser) { u.Password = strings.Repeat("p", nvr.MaxPasswordLen+1) }},
		{"bad role", func(u *nvr.NewUser) { u.Role = "admin" }},
		{"role in capitals", func(u *nvr.NewUser) { u.Role = "Owner" }},
		{"no household, not admin", func(u *nvr.NewUser) { u.HouseholdID = 0 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := &fakeDirectoryStore{}
			nu := ok
			tc.change(&nu)
			u, err := nvr.Ops(newDirectory(store)).AddUser(context.Background(), nu)
			wantKind(t, err, nvr.KindInvalid)
			if u != (nvr.User{}) {
				t.Fatalf("user %+v returned with an error", u)
			}
			if calls := store.recorded(); len(calls) != 0 {
				t.Fatalf("store called: %v", calls)
			}
			if nu.Password != "" && strings.Contains(err.Error(), nu.Password) {
				t.Fatal("error repeats the password")
			}
		})
	}
}

func TestAddUserCreates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		nu   nvr.NewUser
		want nvr.User
	}{
		{"member", nvr.NewUser{Name: "alice", HouseholdID: 1, Role: nvr.RoleMember, Password: "long enough"},
			nvr.User{Name: "alice", HouseholdID: 1, Role: nvr.RoleMember, CreatedAt: dirNow}},
		{"role defaults to member", nvr.NewUser{Name: "bob", HouseholdID: 2, Password: "long enough"},
			nvr.User{Name: "bob", HouseholdID: 2, Role: nvr.RoleMember, CreatedAt: dirNow}},
		{"viewer", nvr.NewUser{Name: "vic", HouseholdID: 2, Role: nvr.RoleViewer, Password: "long enough"},
			nvr.User{Name: "vic", HouseholdID: 2, Role: nvr.RoleViewer, CreatedAt: dirNow}},
		{"admin without household", nvr.NewUser{Name: "root", Admin: true, Password: "long enough"},
			nvr.User{Name: "root", Role: nvr.RoleMember, Admin: true, CreatedAt: dirNow}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var gotHash string
			store := &fakeDirectoryStore{
				createUser: func(_ context.Context, u nvr.User, hash string) (nvr.User, error) {
					if u != tc.want {
						t.Errorf("CreateUser(%+v), want %+v", u, tc.want)
					}
					gotHash = hash
					u.ID = 9
					return u, nil
				},
			}
			u, err := nvr.Ops(newDirectory(store)).AddUser(context.Background(), tc.nu)
			if err != nil || u.ID != 9 {
				t.Fatalf("AddUser = %+v, %v", u, err)
			}
			if gotHash == tc.nu.Password || strings.Contains(gotHash, tc.nu.Password) || !nvr.VerifyPassword(tc.nu.Password, gotHash) {
				t.Fatalf("stored hash %q is not an argon2id hash of the password", gotHash)
			}
			if !strings.HasPrefix(gotHash, "$argon2id$v=19$m=64,t=1,p=1$") {
				t.Fatalf("hash %q does not use the directory's parameters", gotHash)
			}
		})
	}
}

func TestAddUserStoreConflict(t *testing.T) {
	t.Parallel()
	store := &fakeDirectoryStore{createUser: func(context.Context, nvr.User, string) (nvr.User, error) {
		return nvr.User{}, nvr.Errorf("create user", nvr.KindConflict, "name taken")
	}}
	_, err := nvr.Ops(newDirectory(store)).AddUser(context.Background(), nvr.NewUser{Name: "alice", HouseholdID: 1, Password: "long enough"})
	wantKind(t, err, nvr.KindConflict)
}

func TestAddCamera(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		nc   nvr.NewCamera
		want nvr.Camera // ID and CreatedAt are checked separately
	}{
		{
			name: "credentials split out of the URL",
			nc:   nvr.NewCamera{HouseholdID: 1, Name: "porch", MainURL: "RTSP://admin:" + canaryRaw + "@192.168.1.20:554/main"},
			want: nvr.Camera{HouseholdID: 1, Name: "porch", MainURL: "rtsp://192.168.1.20:554/main", Username: "admin",
				Password: nvr.NewSecret(canaryDecoded), Transport: nvr.TransportTCP, Enabled: true},
		},
		{
			name: "no credentials, sub stream, udp",
			nc:   nvr.NewCamera{HouseholdID: 2, Name: "yard", MainURL: "rtsps://cam/main", SubURL: "rtsps://cam/sub", Transport: nvr.TransportUDP},
			want: nvr.Camera{HouseholdID: 2, Name: "yard", MainURL: "rtsps://cam/main", SubURL: "rtsps://cam/sub",
				Transport: nvr.TransportUDP, Enabled: true},
		},
		{
			name: "credentials from the sub URL",
			nc:   nvr.NewCamera{HouseholdID: 1, Name: "door", MainURL: "rtsp://cam/main", SubURL: "rtsp://u:p@cam/sub"},
			want: nvr.Camera{HouseholdID: 1, Name: "door", MainURL: "rtsp://cam/main", SubURL: "rtsp://cam/sub", Username: "u",
				Password: nvr.NewSecret("p"), Transport: nvr.TransportTCP, Enabled: true},
		},
		{
			name: "explicit credentials win",
			nc: nvr.NewCamera{HouseholdID: 1, Name: "door", MainURL: "rtsp://u:p@cam/main", Username: "other",
				Password: nvr.NewSecret("explicit")},
			want: nvr.Camera{HouseholdID: 1, Name: "door", MainURL: "rtsp://cam/main", Username: "other",
				Password: nvr.NewSecret("explicit"), Transport: nvr.TransportTCP, Enabled: true},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stored nvr.Camera
			store := &fakeDirectoryStore{createCamera: func(_ context.Context, c nvr.Camera) (nvr.Camera, error) {
				stored = c
				return c, nil
			}}
			got, err := nvr.Ops(newDirectory(store)).AddCamera(context.Background(), tc.nc)
			if err != nil {
				t.Fatalf("AddCamera = %v", err)
			}
			if _, err := nvr.ParseCameraID(string(stored.ID)); err != nil {
				t.Fatalf("camera ID %q is not 32 lowercase hex", stored.ID)
			}
			if !stored.CreatedAt.Equal(dirNow) || got.ID != stored.ID {
				t.Fatalf("created at %v, returned ID %q vs stored %q", stored.CreatedAt, got.ID, stored.ID)
			}
			if got, want := stored.Password.Reveal(), tc.want.Password.Reveal(); got != want {
				t.Fatalf("stored password %q, want %q", got, want)
			}
			cmp, want := stored, tc.want
			cmp.ID, cmp.CreatedAt = "", time.Time{}
			cmp.Password, want.Password = nvr.Secret{}, nvr.Secret{} // compared above, by value
			if cmp != want {
				t.Fatalf("stored %+v, want %+v", cmp, want)
			}
			for _, u := range []string{stored.MainURL, stored.SubURL} {
				if strings.Contains(u, "@") || leaksCanary(u) {
					t.Fatalf("stored URL %q carries credentials", u)
				}
			}
		})
	}

	t.Run("fresh IDs", func(t *testing.T) {
		t.Parallel()
		seen := map[nvr.CameraID]bool{}
		store := &fakeDirectoryStore{createCamera: func(_ context.Context, c nvr.Camera) (nvr.Camera, error) { return c, nil }}
		d := newDirectory(store)
		for range 50 {
			c, err := nvr.Ops(d).AddCamera(context.Background(), nvr.NewCamera{HouseholdID: 1, Name: "x", MainURL: "rtsp://cam/s"})
			if err != nil {
				t.Fatal(err)
			}
			if seen[c.ID] {
				t.Fatalf("ID %q reused", c.ID)
			}
			seen[c.ID] = true
		}
	})
}

func TestAddCameraRefuses(t *testing.T) {
	t.Parallel()
	base := nvr.NewCamera{HouseholdID: 1, Name: "porch", MainURL: "rtsp://cam/s"}
	cases := []struct {
		name   string
		change func(*nvr.NewCamera)
	}{
		{"http URL", func(c *nvr.NewCamera) { c.MainURL = "http://admin:" + canaryRaw + "@cam/s" }},
		{"file URL", func(c *nvr.NewCamera) { c.MainURL = "file:///etc/passwd" }},
		{"empty URL", func(c *nvr.NewCamera) { c.MainURL = "" }},
		{"bad port", func(c *nvr.NewCamera) { c.MainURL = "rtsp://admin:" + canaryRaw + "@cam:0/s" }},
		{"bad sub URL", func(c *nvr.NewCamera) { c.SubURL = "http://admin:" + canaryRaw + "@cam/sub" }},
		{"no household", func(c *nvr.NewCamera) { c.HouseholdID = 0 }},
		{"empty name", func(c *nvr.NewCamera) { c.Name = "" }},
		{"control character in name", func(c *nvr.NewCamera) { c.Name = "porch\n" }},
		{"bad transport", func(c *nvr.NewCamera) { c.Transport = "quic" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := &fakeDirectoryStore{}
			nc := base
			tc.change(&nc)
			c, err := nvr.Ops(newDirectory(store)).AddCamera(context.Background(), nc)
			wantKind(t, err, nvr.KindInvalid)
			if c.ID != "" {
				t.Fatalf("camera %q returned with an error", c.ID)
			}
			if calls := store.recorded(); len(calls) != 0 {
				t.Fatalf("store called: %v", calls)
			}
			if leaksCanary(err.Error()) {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestAssignCamera(t *testing.T) {
	t.Parallel()
	const camID nvr.CameraID = "0123456789abcdef0123456789abcdef"
	cases := []struct {
		name     string
		user     nvr.User
		userErr  error
		camErr   error
		camHH    nvr.HouseholdID
		wantKind nvr.Kind
		ok       bool
	}{
		{"viewer of the camera's household", nvr.User{ID: 7, HouseholdID: 1, Role: nvr.RoleViewer}, nil, nil, 1, 0, true},
		{"owner", nvr.User{ID: 7, HouseholdID: 1, Role: nvr.RoleOwner}, nil, nil, 1, nvr.KindInvalid, false},
		{"member", nvr.User{ID: 7, HouseholdID: 1, Role: nvr.RoleMember}, nil, nil, 1, nvr.KindInvalid, false},
		{"viewer of another household", nvr.User{ID: 7, HouseholdID: 2, Role: nvr.RoleViewer}, nil, nil, 1, nvr.KindNotFound, false},
		{"admin viewer without household", nvr.User{ID: 7, Role: nvr.RoleViewer, Admin: true}, nil, nil, 1, nvr.KindNotFound, false},
		{"unknown user", nvr.User{}, nvr.ErrNotFound, nil, 1, nvr.KindNotFound, false},
		{"unknown camera", nvr.User{ID: 7, HouseholdID: 1, Role: nvr.RoleViewer}, nil, nvr.ErrNotFound, 1, nvr.KindNotFound, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assigned := 0
			store := &fakeDirectoryStore{
				userByRef: func(_ context.Context, ref string) (nvr.User, error) {
					if ref != "7" {
						t.Errorf("UserByRef(%q), want \"7\"", ref)
					}
					return tc.user, tc.userErr
				},
				camera: func(_ context.Context, id nvr.CameraID) (nvr.Camera, error) {
					return nvr.Camera{ID: id, HouseholdID: tc.camHH}, tc.camErr
				},
				assignCamera: func(_ context.Context, u nvr.UserID, c nvr.CameraID) error {
					assigned++
					if u != 7 || c != camID {
						t.Errorf("AssignCamera(%d, %q)", u, c)
					}
					return nil
				},
			}
			err := nvr.Ops(newDirectory(store)).AssignCamera(context.Background(), 7, camID)
			if tc.ok {
				if err != nil || assigned != 1 {
					t.Fatalf("AssignCamera = %v, %d store assignments", err, assigned)
				}
				return
			}
			wantKind(t, err, tc.wantKind)
			if assigned != 0 {
				t.Fatal("store assignment made despite the error")
			}
			if tc.name == "viewer of another household" {
				wantNotFound(t, err) // the other household's camera must look absent
			}
		})
	}
}

// adminStore is a fake holding one user (id 7) and an admin count.
func adminStore(u nvr.User, count int) *fakeDirectoryStore {
	ok := func() error { return nil }
	return &fakeDirectoryStore{
		userByRef: func(context.Context, string) (nvr.User, error) {
			if u.ID == 0 {
				return nvr.User{}, nvr.ErrNotFound
			}
			return u, nil
		},
		adminCount:        func(context.Context) (int, error) { return count, nil },
		setAdmin:          func(context.Context, nvr.UserID, bool) error { return ok() },
		setDisabled:       func(context.Context, nvr.UserID, bool) error { return ok() },
		deleteUser:        func(context.Context, nvr.UserID) error { return ok() },
		deleteCredentials: func(context.Context, nvr.UserID) error { return ok() },
	}
}

func TestKeepOneAdmin(t *testing.T) {
	t.Parallel()
	ops := []struct {
		name     string
		mutation string // the store call that changes state
		do       func(*nvr.Directory) error
		checks   bool // whether the op must guard the last admin
	}{
		{"RemoveUser", "DeleteUser", func(d *nvr.Directory) error { return nvr.Ops(d).RemoveUser(context.Background(), 7) }, true},
		{"SetAdmin(false)", "SetAdmin", func(d *nvr.Directory) error { return nvr.Ops(d).SetAdmin(context.Background(), 7, false) }, true},
		{"SetDisabled(true)", "SetDisabled", func(d *nvr.Directory) error { return nvr.Ops(d).SetDisabled(context.Background(), 7, true) }, true},
		{"SetAdmin(true)", "SetAdmin", func(d *nvr.Directory) error { return nvr.Ops(d).SetAdmin(context.Background(), 7, true) }, false},
		{"SetDisabled(false)", "SetDisabled", func(d *nvr.Directory) error { return nvr.Ops(d).SetDisabled(context.Background(), 7, false) }, false},
	}
	users := []struct {
		name  string
		user  nvr.User
		count int
		want  nvr.Kind // for guarding ops; 0 means allowed
	}{
		{"last enabled admin", nvr.User{ID: 7, Name: "root", Admin: true}, 1, nvr.KindConflict},
		{"admin count zero (inconsistent)", nvr.User{ID: 7, Name: "root", Admin: true}, 0, nvr.KindConflict},
		{"one of two admins", nvr.User{ID: 7, Name: "root", Admin: true}, 2, 0},
		{"disabled admin", nvr.User{ID: 7, Name: "root", Admin: true, Disabled: true}, 1, 0},
		{"not an admin", nvr.User{ID: 7, Name: "pat", HouseholdID: 1, Role: nvr.RoleOwner}, 1, 0},
		{"unknown user", nvr.User{}, 1, nvr.KindNotFound},
	}
	checked := 0
	for _, op := range ops {
		for _, u := range users {
			t.Run(op.name+"/"+u.name, func(t *testing.T) {
				t.Parallel()
				user := u.user
				if op.mutation == "SetDisabled" && op.name == "SetDisabled(false)" && user.ID != 0 {
					user.Disabled = true // enabling an enabled account changes nothing
				}
				store := adminStore(user, u.count)
				err := op.do(newDirectory(store))
				calls := store.recorded()
				mutated := false
				for _, c := range calls {
					if c == op.mutation {
						mutated = true
					}
				}
				if op.name == "SetDisabled(false)" && u.user.ID == 0 {
					wantKind(t, err, nvr.KindNotFound) // read before the change
					return
				}
				if !op.checks || u.want == 0 {
					if err != nil || !mutated {
						t.Fatalf("err = %v, calls %v; want the change made", err, calls)
					}
					return
				}
				wantKind(t, err, u.want)
				if mutated {
					t.Fatalf("store mutated (%v) despite %v", calls, err)
				}
				if u.want == nvr.KindConflict && !strings.Contains(nvr.ErrorMessage(err), "root") {
					t.Fatalf("conflict message %q does not name the admin", nvr.ErrorMessage(err))
				}
			})
			checked++
		}
	}
	t.Logf("checked %d operation × user combinations", checked)
}

// TestKeepOneAdminConcurrent: two admins demote each other at the same time
// (two browser tabs, or the CLI next to the server). Each check sees two
// admins; if the check and the change are not one atomic step, both pass and
// the appliance is left with no admin.
func TestSetPasswordEndsSessionsAndTokens(t *testing.T) {
	t.Parallel()
	const pw = "new long password"
	var hash string
	var ended []nvr.UserID
	store := &fakeDirectoryStore{
		setPasswordHash: func(_ context.Context, id nvr.UserID, h string) error {
			if id != 7 {
				t.Errorf("SetPasswordHash(%d)", id)
			}
			hash = h
			return nil
		},
		deleteCredentials: func(_ context.Context, id nvr.UserID) error {
			ended = append(ended, id)
			return nil
		},
	}
	if err := nvr.Ops(newDirectory(store)).SetPassword(context.Background(), 7, pw); err != nil {
		t.Fatalf("SetPassword = %v", err)
	}
	if !nvr.VerifyPassword(pw, hash) || strings.Contains(hash, pw) {
		t.Fatalf("stored %q is not a hash of the new password", hash)
	}
	if len(ended) != 1 || ended[0] != 7 {
		t.Fatalf("sessions and tokens ended for %v, want [7]", ended)
	}
	if got := store.recorded(); strings.Join(got, ",") != "SetPasswordHash,DeleteUserCredentials" {
		t.Fatalf("calls %v, want the hash first, then the sessions and tokens", got)
	}

	t.Run("too short", func(t *testing.T) {
		t.Parallel()
		store := &fakeDirectoryStore{}
		wantKind(t, nvr.Ops(newDirectory(store)).SetPassword(context.Background(), 7, "short"), nvr.KindInvalid)
		if calls := store.recorded(); len(calls) != 0 {
			t.Fatalf("store called: %v", calls)
		}
	})
	t.Run("store failure keeps sessions and reports", func(t *testing.T) {
		t.Parallel()
		store := &fakeDirectoryStore{setPasswordHash: func(context.Context, nvr.UserID, string) error { return nvr.ErrNotFound }}
		wantKind(t, nvr.Ops(newDirectory(store)).SetPassword(context.Background(), 7, pw), nvr.KindNotFound)
	})
	t.Run("session deletion failure is reported", func(t *testing.T) {
		t.Parallel()
		store := &fakeDirectoryStore{
			setPasswordHash:   func(context.Context, nvr.UserID, string) error { return nil },
			deleteCredentials: func(context.Context, nvr.UserID) error { return errors.New("disk I/O error") },
		}
		if err := nvr.Ops(newDirectory(store)).SetPassword(context.Background(), 7, pw); err == nil {
			t.Fatal("SetPassword = nil although the old sessions are still alive")
		}
	})
}

func TestCreateToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		scope nvr.TokenScope
		ttl   time.Duration
	}{
		{"view, no expiry", nvr.ScopeView, 0},
		{"trigger, a day", nvr.ScopeTrigger, 24 * time.Hour},
		{"all, a minute", nvr.ScopeAll, time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stored nvr.APIToken
			store := &fakeDirectoryStore{createToken: func(_ context.Context, tok nvr.APIToken) (nvr.APIToken, error) {
				stored = tok
				tok.ID = 11
				return tok, nil
			}, userByRef: enabledUser7}
			token, got, err := nvr.Ops(newDirectory(store)).CreateToken(context.Background(), 7, "doorbell", tc.scope, tc.ttl)
			if err != nil {
				t.Fatalf("CreateToken = %v", err)
			}
			if !nvr.IsAPIToken(token) || !strings.HasPrefix(token, "hth_") {
				t.Fatalf("token %q is not a well-formed API token", token)
			}
			if got.ID != 11 || got.UserID != 7 || got.Name != "doorbell" || got.Scope != tc.scope || !got.CreatedAt.Equal(dirNow) {
				t.Fatalf("returned token row %+v", got)
			}
			wantExp := time.Time{}
			if tc.ttl > 0 {
				wantExp = dirNow.Add(tc.ttl)
			}
			if !stored.ExpiresAt.Equal(wantExp) {
				t.Fatalf("expires %v, want %v", stored.ExpiresAt, wantExp)
			}
			if string(stored.TokenHash) != string(nvr.HashToken(token)) {
				t.Fatal("stored hash is not HashToken(token)")
			}
			dump := fmt.Sprintf("%+v %#v %s", stored, stored, stored.TokenHash)
			if strings.Contains(dump, token) || strings.Contains(dump, strings.TrimPrefix(token, "hth_")) {
				t.Fatal("the stored row holds the token itself")
			}
		})
	}

	t.Run("distinct tokens", func(t *testing.T) {
		t.Parallel()
		store := &fakeDirectoryStore{createToken: func(_ context.Context, tok nvr.APIToken) (nvr.APIToken, error) { return tok, nil },
			userByRef: enabledUser7}
		d := newDirectory(store)
		a, _, err1 := nvr.Ops(d).CreateToken(context.Background(), 7, "a", nvr.ScopeAll, 0)
		b, _, err2 := nvr.Ops(d).CreateToken(context.Background(), 7, "b", nvr.ScopeAll, 0)
		if err1 != nil || err2 != nil || a == b {
			t.Fatalf("tokens %q, %q (%v, %v)", a, b, err1, err2)
		}
	})

	refusals := []struct {
		name  string
		tname string
		scope nvr.TokenScope
		ttl   time.Duration
	}{
		{"empty name", "", nvr.ScopeAll, 0},
		{"name with newline", "door\nbell", nvr.ScopeAll, 0},
		{"bad scope", "door", "admin", 0},
		{"empty scope", "door", "", 0},
		{"negative ttl", "door", nvr.ScopeAll, -time.Second},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := &fakeDirectoryStore{}
			token, row, err := nvr.Ops(newDirectory(store)).CreateToken(context.Background(), 7, tc.tname, tc.scope, tc.ttl)
			wantKind(t, err, nvr.KindInvalid)
			if token != "" || row.ID != 0 || row.TokenHash != nil {
				t.Fatalf("token %q row %+v with an error", token, row)
			}
			if calls := store.recorded(); len(calls) != 0 {
				t.Fatalf("store called: %v", calls)
			}
		})
	}

	t.Run("store failure returns no token", func(t *testing.T) {
		t.Parallel()
		store := &fakeDirectoryStore{createToken: func(context.Context, nvr.APIToken) (nvr.APIToken, error) {
			return nvr.APIToken{}, errors.New("disk full")
		}, userByRef: enabledUser7}
		token, _, err := nvr.Ops(newDirectory(store)).CreateToken(context.Background(), 7, "door", nvr.ScopeAll, 0)
		if err == nil || token != "" {
			t.Fatalf("CreateToken = %q, %v; want no token and an error", token, err)
		}
	})

	t.Run("disabled account", func(t *testing.T) {
		t.Parallel()
		store := &fakeDirectoryStore{userByRef: func(context.Context, string) (nvr.User, error) {
			return nvr.User{ID: 7, Name: "pat", Disabled: true}, nil
		}}
		token, _, err := nvr.Ops(newDirectory(store)).CreateToken(context.Background(), 7, "door", nvr.ScopeAll, 0)
		wantKind(t, err, nvr.KindConflict)
		if token != "" || !strings.Contains(nvr.ErrorMessage(err), "enable the account first") {
			t.Fatalf("CreateToken = %q, %v", token, err)
		}
		if calls := strings.Join(store.recorded(), ","); calls != "UserByRef" {
			t.Fatalf("store calls %s, want the look-up only", calls)
		}
	})
}

// A viewer (or an account in no household) cannot trigger events, so a
// trigger token for one is refused in words when made; before, it was made
// and every use answered a bare 404.
func TestCreateTriggerTokenNeedsATrigger(t *testing.T) {
	t.Parallel()
	for _, role := range []nvr.Role{nvr.RoleViewer, ""} {
		store := &fakeDirectoryStore{createToken: func(_ context.Context, tok nvr.APIToken) (nvr.APIToken, error) { return tok, nil },
			userByRef: func(context.Context, string) (nvr.User, error) {
				return nvr.User{ID: 7, Name: "vic", HouseholdID: 1, Role: role}, nil
			}}
		_, _, err := nvr.Ops(newDirectory(store)).CreateToken(context.Background(), 7, "doorbell", nvr.ScopeTrigger, 0)
		if nvr.ErrorKind(err) != nvr.KindInvalid || !strings.Contains(nvr.ErrorMessage(err), "view token") {
			t.Errorf("a trigger token for role %q: %v, want invalid with advice", role, err)
		}
		if _, _, err := nvr.Ops(newDirectory(store)).CreateToken(context.Background(), 7, "grid", nvr.ScopeView, 0); err != nil {
			t.Errorf("a view token for role %q: %v", role, err)
		}
	}
}

func enabledUser7(context.Context, string) (nvr.User, error) {
	return nvr.User{ID: 7, Name: "pat", HouseholdID: 1, Role: nvr.RoleMember}, nil
}

func TestDirectoryOtherValidation(t *testing.T) {
	t.Parallel()
	store := &fakeDirectoryStore{}
	d := newDirectory(store)
	ctx := context.Background()
	wantKind(t, nvr.Ops(d).SetRole(ctx, 7, "admin"), nvr.KindInvalid)
	wantKind(t, nvr.Ops(d).SetRole(ctx, 7, ""), nvr.KindInvalid)
	_, err := nvr.Ops(d).AddHousehold(ctx, "")
	wantKind(t, err, nvr.KindInvalid)
	_, err = nvr.Ops(d).AddHousehold(ctx, "home\x00")
	wantKind(t, err, nvr.KindInvalid)
	if calls := store.recorded(); len(calls) != 0 {
		t.Fatalf("store called: %v", calls)
	}

	var gotName string
	var gotAt time.Time
	store2 := &fakeDirectoryStore{createHousehold: func(_ context.Context, name string, at time.Time) (nvr.Household, error) {
		gotName, gotAt = name, at
		return nvr.Household{ID: 3, Name: name, CreatedAt: at}, nil
	}}
	h, err := nvr.Ops(newDirectory(store2)).AddHousehold(ctx, "The Smiths")
	if err != nil || h.ID != 3 || gotName != "The Smiths" || !gotAt.Equal(dirNow) {
		t.Fatalf("AddHousehold = %+v, %v (store got %q at %v)", h, err, gotName, gotAt)
	}
}

// TestSetDisabledEndsCredentials: disabling ends the user's sessions and
// tokens after the flag is set; enabling ends them before the flag is lifted,
// so no moment exists where an old credential of an enabled user is alive;
// enabling an enabled account signs nobody out.
func TestSetDisabledEndsCredentials(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		disabled  bool // the user's state before
		disable   bool // the call
		wantCalls string
	}{
		{"disable", false, true, "UserByRef,SetDisabled,DeleteUserCredentials"},
		{"enable a disabled account", true, false, "UserByRef,DeleteUserCredentials,SetDisabled"},
		{"enable an enabled account", false, false, "UserByRef"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := adminStore(nvr.User{ID: 7, Name: "pat", HouseholdID: 1, Role: nvr.RoleMember, Disabled: tc.disabled}, 1)
			if err := nvr.Ops(newDirectory(store)).SetDisabled(context.Background(), 7, tc.disable); err != nil {
				t.Fatalf("SetDisabled = %v", err)
			}
			if got := strings.Join(store.recorded(), ","); got != tc.wantCalls {
				t.Fatalf("calls %s, want %s", got, tc.wantCalls)
			}
		})
	}
}
