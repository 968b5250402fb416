package nvr_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
)

// cheapArgon2 keeps password hashing fast in tests.
var cheapArgon2 = nvr.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

func newFakeClock() *clocktest.Clock {
	return clocktest.New(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
}

// memAuthStore is a small in-memory AuthStore that counts its writes.
type memAuthStore struct {
	mu       sync.Mutex
	users    map[nvr.UserID]nvr.User
	hashes   map[nvr.UserID]string
	sessions map[int64]nvr.Session
	tokens   map[int64]nvr.APIToken
	nextID   int64

	credentialsErr error // returned by UserCredentials when set

	touchSessionCalls []time.Time
	touchTokenCalls   []time.Time
	deletedSessions   []int64
	storeCalls        int
}

var _ nvr.AuthStore = (*memAuthStore)(nil)

func newMemAuthStore() *memAuthStore {
	return &memAuthStore{
		users:    map[nvr.UserID]nvr.User{},
		hashes:   map[nvr.UserID]string{},
		sessions: map[int64]nvr.Session{},
		tokens:   map[int64]nvr.APIToken{},
	}
}

func (s *memAuthStore) addUser(u nvr.User, password string) nvr.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	u.ID = nvr.UserID(s.nextID)
	s.users[u.ID] = u
	s.hashes[u.ID] = nvr.HashPassword(password, cheapArgon2)
	return u
}

func (s *memAuthStore) update(id nvr.UserID, f func(*nvr.User)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	f(&u)
	s.users[id] = u
}

func (s *memAuthStore) deleteUser(id nvr.UserID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, id)
}

func (s *memAuthStore) UserCredentials(_ context.Context, name string) (nvr.User, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeCalls++
	if s.credentialsErr != nil {
		return nvr.User{}, "", s.credentialsErr
	}
	for id, u := range s.users {
		if u.Name == name {
			return u, s.hashes[id], nil
		}
	}
	return nvr.User{}, "", nvr.ErrNotFound
}

func (s *memAuthStore) CreateSession(_ context.Context, sess nvr.Session) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeCalls++
	s.nextID++
	sess.ID = s.nextID
	sess.TokenHash = bytes.Clone(sess.TokenHash)
	s.sessions[sess.ID] = sess
	return sess.ID, nil
}

func (s *memAuthStore) SessionByTokenHash(_ context.Context, hash []byte) (nvr.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeCalls++
	for _, sess := range s.sessions {
		if bytes.Equal(sess.TokenHash, hash) {
			return sess, nil
		}
	}
	return nvr.Session{}, nvr.ErrNotFound
}

func (s *memAuthStore) SessionUser(ctx context.Context, hash []byte) (nvr.Session, nvr.User, error) {
	return withUser(ctx, s, s.SessionByTokenHash, hash, func(x nvr.Session) nvr.UserID { return x.UserID })
}

func (s *memAuthStore) TokenUser(ctx context.Context, hash []byte) (nvr.APIToken, nvr.User, error) {
	return withUser(ctx, s, s.TokenByHash, hash, func(x nvr.APIToken) nvr.UserID { return x.UserID })
}

// withUser joins a credential lookup with its user, as the real store's
// single query does; a credential whose user is gone is not found.
func withUser[T any](ctx context.Context, s *memAuthStore, get func(context.Context, []byte) (T, error), hash []byte, uid func(T) nvr.UserID) (T, nvr.User, error) {
	var zero T
	x, err := get(ctx, hash)
	if err != nil {
		return zero, nvr.User{}, err
	}
	u, err := s.User(ctx, uid(x))
	if err != nil {
		return zero, nvr.User{}, err
	}
	return x, u, nil
}

func (s *memAuthStore) TouchSession(_ context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeCalls++
	s.touchSessionCalls = append(s.touchSessionCalls, at)
	sess := s.sessions[id]
	sess.LastSeenAt = at
	s.sessions[id] = sess
	return nil
}

func (s *memAuthStore) DeleteSession(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeCalls++
	s.deletedSessions = append(s.deletedSessions, id)
	delete(s.sessions, id)
	return nil
}

func (s *memAuthStore) TokenByHash(_ context.Context, hash []byte) (nvr.APIToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeCalls++
	for _, t := range s.tokens {
		if bytes.Equal(t.TokenHash, hash) {
			return t, nil
		}
	}
	return nvr.APIToken{}, nvr.ErrNotFound
}

func (s *memAuthStore) TouchToken(_ context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeCalls++
	s.touchTokenCalls = append(s.touchTokenCalls, at)
	t := s.tokens[id]
	t.LastUsedAt = at
	s.tokens[id] = t
	return nil
}

func (s *memAuthStore) User(_ context.Context, id nvr.UserID) (nvr.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeCalls++
	u, ok := s.users[id]
	if !ok {
		return nvr.User{}, nvr.ErrNotFound
	}
	return u, nil
}

func (s *memAuthStore) putSession(sess nvr.Session) nvr.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	sess.ID = s.nextID
	s.sessions[sess.ID] = sess
	return sess
}

func (s *memAuthStore) putToken(t nvr.APIToken) nvr.APIToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	t.ID = s.nextID
	s.tokens[t.ID] = t
	return t
}

func (s *memAuthStore) counts() (touchSessions, touchTokens, calls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.touchSessionCalls), len(s.touchTokenCalls), s.storeCalls
}

const goodPassword = "correct horse battery"

// memAuthFixture is Auth over memAuthStore, for the tests that need what
// only a double gives: a failing store, a count of its calls and writes,
// a credential whose user is gone (the database deletes a user's
// sessions and tokens with it), a lookup that matches loosely. The others
// use authFixture, over a real database (auth_db_test.go).
type memAuthFixture struct {
	store *memAuthStore
	clock *clocktest.Clock
	auth  *nvr.Auth
	alice nvr.User
}

func newMemAuthFixture(t *testing.T) *memAuthFixture {
	t.Helper()
	store := newMemAuthStore()
	clock := newFakeClock()
	alice := store.addUser(nvr.User{Name: "alice", HouseholdID: 1, Role: nvr.RoleMember}, goodPassword)
	auth := nvr.NewAuth(store, nvr.AuthConfig{
		IdleTimeout:     time.Hour,
		AbsoluteTimeout: 24 * time.Hour,
		Argon2:          cheapArgon2,
		Now:             clock.Now,
	})
	return &memAuthFixture{store: store, clock: clock, auth: auth, alice: alice}
}

var client = nvr.ClientInfo{Addr: "192.0.2.10:51000", UserAgent: "test"}

// randomToken returns a well-formed token of the given prefix.
func randomToken(prefix string, fill byte) string {
	return prefix + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{fill}, 32))
}

func TestLoginSuccess(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	longUA := strings.Repeat("u", 1000)
	token, sess, err := f.auth.Login(ctx, "alice", goodPassword, nvr.ClientInfo{Addr: client.Addr, UserAgent: longUA})
	if err != nil {
		t.Fatalf("Login = %v", err)
	}
	if !strings.HasPrefix(token, "hs_") || len(token) != len("hs_")+43 {
		t.Fatalf("token %q is not hs_ + 43 characters", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, "hs_"))
	if err != nil || len(raw) != 32 {
		t.Fatalf("token body decodes to %d bytes, %v; want 32", len(raw), err)
	}
	if nvr.IsAPIToken(token) {
		t.Fatal("a session token looks like an API token")
	}
	now := f.clock.Now()
	if sess.ID == 0 || sess.UserID != f.alice.ID || !sess.CreatedAt.Equal(now) || !sess.LastSeenAt.Equal(now) ||
		!sess.ExpiresAt.Equal(now.Add(24*time.Hour)) || sess.ClientAddr != client.Addr || len(sess.UserAgent) != 256 {
		t.Fatalf("session = %+v", sess)
	}
	if !bytes.Equal(sess.TokenHash, nvr.HashToken(token)) {
		t.Fatal("returned session's hash is not HashToken(token)")
	}

	stored, err := f.db.SessionByTokenHash(ctx, nvr.HashToken(token))
	if err != nil || stored.ID != sess.ID || !bytes.Equal(stored.TokenHash, nvr.HashToken(token)) {
		t.Fatalf("stored session %+v, %v; want session %d under HashToken(token)", stored, err, sess.ID)
	}
	// Nothing on disk holds the token itself: the database file and its
	// write-ahead log, read as bytes.
	var disk []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(f.db.Path() + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		disk = append(disk, b...)
	}
	if !bytes.Contains(disk, stored.TokenHash) {
		t.Fatal("the token hash is not in the database files: the leak check reads the wrong files")
	}
	for _, leak := range []string{token, strings.TrimPrefix(token, "hs_"), string(raw)} {
		if bytes.Contains(disk, []byte(leak)) || bytes.Contains(stored.TokenHash, []byte(leak)) {
			t.Fatal("the store holds the token itself")
		}
	}

	p, err := f.auth.Authenticate(ctx, token)
	if err != nil {
		t.Fatalf("Authenticate(new session) = %v", err)
	}
	want := nvr.Principal{UserID: f.alice.ID, Kind: nvr.CredentialSession, CredentialID: sess.ID, Scope: nvr.ScopeAll}
	if p != want {
		t.Fatalf("principal = %+v, want %+v", p, want)
	}

	token2, _, err := f.auth.Login(ctx, "alice", goodPassword, client)
	if err != nil || token2 == token {
		t.Fatalf("second login: %v, same token %v", err, token2 == token)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	bob := f.addUser(t, "bob", true)
	ctx := context.Background()
	cases := []struct {
		name, user, password string
	}{
		{"wrong password", "alice", "wrong password!"},
		{"unknown user", "mallory", goodPassword},
		{"disabled user with right password", "bob", goodPassword},
		{"empty password", "alice", ""},
		{"case differs", "Alice", goodPassword},
		{"password too long", "alice", strings.Repeat("x", nvr.MaxPasswordLen+1)},
		{"name too long", strings.Repeat("a", 65), goodPassword},
	}
	var first string
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each attempt from its own address and, where possible, its own
			// account, so the rate limiter stays out of the way.
			addr := fmt.Sprintf("198.51.100.%d:4000", i+1)
			token, sess, err := f.auth.Login(ctx, tc.user, tc.password, nvr.ClientInfo{Addr: addr})
			if err == nil || token != "" || sess.ID != 0 {
				t.Fatalf("Login = %q, %+v, %v; want a failure", token, sess, err)
			}
			if nvr.ErrorKind(err) != nvr.KindUnauthorized {
				t.Fatalf("kind = %v, want unauthorized", nvr.ErrorKind(err))
			}
			if first == "" {
				first = err.Error() + "|" + nvr.ErrorMessage(err)
			}
			if got := err.Error() + "|" + nvr.ErrorMessage(err); got != first {
				t.Fatalf("error %q differs from %q", got, first)
			}
		})
	}
	if n := len(f.sessions(t, f.alice.ID)) + len(f.sessions(t, bob.ID)); n != 0 {
		t.Fatalf("%d sessions created by failed logins", n)
	}
}

func TestLoginStoreErrorIsNotBadPassword(t *testing.T) {
	t.Parallel()
	f := newMemAuthFixture(t)
	f.store.credentialsErr = errors.New("database is locked")
	_, _, err := f.auth.Login(context.Background(), "alice", goodPassword, client)
	if nvr.ErrorKind(err) != nvr.KindInternal {
		t.Fatalf("Login with a failing store = %v (kind %v), want internal", err, nvr.ErrorKind(err))
	}
}

// TestLoginAccountRateLimit: after 5 failures for one account, the 6th
// attempt is refused with KindUnavailable and a RetryAfter, even with the
// right password and from a fresh address.
func TestLoginAccountRateLimit(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	for i := range 5 {
		addr := fmt.Sprintf("203.0.113.%d:1000", i+1)
		_, _, err := f.auth.Login(ctx, "alice", "wrong password", nvr.ClientInfo{Addr: addr})
		if nvr.ErrorKind(err) != nvr.KindUnauthorized {
			t.Fatalf("failure %d: kind %v, want unauthorized", i+1, nvr.ErrorKind(err))
		}
	}
	_, _, err := f.auth.Login(ctx, "alice", goodPassword, nvr.ClientInfo{Addr: "203.0.113.99:1000"})
	if nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Fatalf("6th attempt after 5 failures: %v (kind %v), want unavailable", err, nvr.ErrorKind(err))
	}
	wait := nvr.RetryAfter(err)
	if wait <= 0 {
		t.Fatalf("RetryAfter = %v, want > 0", wait)
	}
	// Another account from the same addresses is not affected.
	f.addUser(t, "carol", false)
	if _, _, err := f.auth.Login(ctx, "carol", goodPassword, nvr.ClientInfo{Addr: "203.0.113.1:1000"}); err != nil {
		t.Fatalf("other account locked too: %v", err)
	}
	f.clock.Advance(wait)
	if _, _, err := f.auth.Login(ctx, "alice", goodPassword, nvr.ClientInfo{Addr: "203.0.113.99:1000"}); err != nil {
		t.Fatalf("login after RetryAfter = %v", err)
	}
}

// TestLoginRateLimitDoubles: once locked, each further failure doubles the
// wait, starting at one second.
func TestLoginRateLimitDoubles(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	var waits []time.Duration
	for i := range 40 {
		addr := fmt.Sprintf("203.0.113.%d:1000", i+1)
		_, _, err := f.auth.Login(ctx, "alice", "wrong password", nvr.ClientInfo{Addr: addr})
		switch nvr.ErrorKind(err) {
		case nvr.KindUnauthorized:
		case nvr.KindUnavailable:
			w := nvr.RetryAfter(err)
			waits = append(waits, w)
			f.clock.Advance(w)
		default:
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if len(waits) < 5 || waits[0] != time.Second {
		t.Fatalf("waits = %v, want a lock escalating from 1s", waits)
	}
	for i := 1; i < len(waits); i++ {
		if want := min(2*waits[i-1], 15*time.Minute); waits[i] != want {
			t.Fatalf("waits = %v, want each twice the one before, capped at 15m", waits)
		}
	}
	if last := waits[len(waits)-1]; last != 15*time.Minute {
		t.Fatalf("last wait %v, want the 15m cap", last)
	}
}

// TestLoginSuccessExemptsTheDevice: a good login makes its address one the
// account signs in from, which the account-wide lock (strangers' failures
// from anywhere) no longer holds back; the account-wide count itself is not
// reset, so new addresses stay limited.
func TestLoginSuccessExemptsTheDevice(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	fail := func(n int, base int) {
		t.Helper()
		for i := range n {
			addr := fmt.Sprintf("203.0.113.%d:1000", base+i)
			_, _, err := f.auth.Login(ctx, "alice", "wrong password", nvr.ClientInfo{Addr: addr})
			if nvr.ErrorKind(err) != nvr.KindUnauthorized {
				t.Fatalf("failure: %v (kind %v), want unauthorized", err, nvr.ErrorKind(err))
			}
		}
	}
	fail(4, 1)
	if _, _, err := f.auth.Login(ctx, "alice", goodPassword, client); err != nil {
		t.Fatalf("good login after 4 failures = %v", err)
	}
	fail(1, 10) // the 5th failure on the account: it locks for new addresses
	if _, _, err := f.auth.Login(ctx, "alice", goodPassword, nvr.ClientInfo{Addr: "203.0.113.200:1"}); nvr.ErrorKind(err) != nvr.KindUnavailable {
		t.Fatalf("good login from a new address during the account lock = %v, want unavailable", err)
	}
	if _, _, err := f.auth.Login(ctx, "alice", goodPassword, client); err != nil {
		t.Fatalf("good login from the device that signed in before = %v", err)
	}
}

// TestLoginStrangerCannotLockOwnerOut (issue 14, finding 7): wrong
// passwords for a user name from other addresses do not refuse the right
// password from the owner's own device; the strangers are refused.
func TestLoginStrangerCannotLockOwnerOut(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	if _, _, err := f.auth.Login(ctx, "alice", goodPassword, client); err != nil {
		t.Fatalf("first login = %v", err)
	}
	refused := 0
	for i := range 40 {
		addr := fmt.Sprintf("198.51.100.%d:999", i%4)
		_, _, err := f.auth.Login(ctx, "alice", "wrong password", nvr.ClientInfo{Addr: addr})
		if nvr.ErrorKind(err) == nvr.KindUnavailable {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("40 wrong passwords from 4 addresses were never refused")
	}
	if _, _, err := f.auth.Login(ctx, "alice", goodPassword, client); err != nil {
		t.Fatalf("the owner's device after strangers' failures = %v, want a session", err)
	}
}

// TestLoginAddressRateLimit: one address guessing across many accounts is
// stopped after 20 failures; other addresses are not.
func TestLoginAddressRateLimit(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	const attacker = "[2001:db8:aa:bb::1]:40000"
	for i := range 20 {
		_, _, err := f.auth.Login(ctx, fmt.Sprintf("user%d", i), "guess", nvr.ClientInfo{Addr: attacker})
		if nvr.ErrorKind(err) != nvr.KindUnauthorized {
			t.Fatalf("failure %d: kind %v, want unauthorized", i+1, nvr.ErrorKind(err))
		}
	}
	// Same /64, another host and port, a real account with the right password.
	_, _, err := f.auth.Login(ctx, "alice", goodPassword, nvr.ClientInfo{Addr: "[2001:db8:aa:bb:ffff::2]:1"})
	if nvr.ErrorKind(err) != nvr.KindUnavailable || nvr.RetryAfter(err) <= 0 {
		t.Fatalf("21st attempt from the /64 after 20 failures: %v (kind %v, retry %v), want unavailable",
			err, nvr.ErrorKind(err), nvr.RetryAfter(err))
	}
	if _, _, err := f.auth.Login(ctx, "alice", goodPassword, nvr.ClientInfo{Addr: "[2001:db8:aa:bc::1]:1"}); err != nil {
		t.Fatalf("login from another /64 = %v", err)
	}
}

// TestAuthenticateRefusals keeps the in-memory store: its credentials of
// a deleted user are a state the database does not hold (deleting a user
// deletes their sessions and tokens), and Auth must refuse them anyway.
func TestAuthenticateRefusals(t *testing.T) {
	t.Parallel()
	f := newMemAuthFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	disabled := f.store.addUser(nvr.User{Name: "dora", HouseholdID: 1, Role: nvr.RoleMember}, goodPassword)
	f.store.update(disabled.ID, func(u *nvr.User) { u.Disabled = true })
	gone := f.store.addUser(nvr.User{Name: "gus", HouseholdID: 1, Role: nvr.RoleMember}, goodPassword)
	f.store.deleteUser(gone.ID)

	session := func(fill byte, user nvr.UserID, lastSeen, expires time.Time) string {
		tok := randomToken("hs_", fill)
		f.store.putSession(nvr.Session{UserID: user, TokenHash: nvr.HashToken(tok), CreatedAt: now.Add(-time.Hour),
			LastSeenAt: lastSeen, ExpiresAt: expires})
		return tok
	}
	apiToken := func(fill byte, user nvr.UserID, expires time.Time) string {
		tok := randomToken("hth_", fill)
		f.store.putToken(nvr.APIToken{UserID: user, Name: "t", Scope: nvr.ScopeAll, TokenHash: nvr.HashToken(tok),
			CreatedAt: now.Add(-time.Hour), LastUsedAt: now, ExpiresAt: expires})
		return tok
	}
	valid := session(1, f.alice.ID, now, now.Add(time.Hour))
	cases := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"garbage", "not a token"},
		{"prefix only", "hs_"},
		{"short", valid[:len(valid)-1]},
		{"long", valid + "A"},
		{"bad base64", "hs_" + strings.Repeat("!", 43)},
		{"padded", valid[:len(valid)-1] + "="},
		{"bearer scheme included", "Bearer " + valid},
		{"api prefix on session body", "hth_" + strings.TrimPrefix(valid, "hs_")},
		{"unknown session", randomToken("hs_", 2)},
		{"unknown api token", randomToken("hth_", 3)},
		{"session expired (absolute)", session(4, f.alice.ID, now, now)},
		{"session expired long ago", session(5, f.alice.ID, now.Add(-time.Minute), now.Add(-time.Second))},
		{"session idle-expired", session(6, f.alice.ID, now.Add(-time.Hour), now.Add(time.Hour))},
		{"session of deleted user", session(7, gone.ID, now, now.Add(time.Hour))},
		{"session of disabled user", session(8, disabled.ID, now, now.Add(time.Hour))},
		{"api token expired", apiToken(9, f.alice.ID, now)},
		{"api token of deleted user", apiToken(10, gone.ID, time.Time{})},
		{"api token of disabled user", apiToken(11, disabled.ID, time.Time{})},
	}
	var first string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.auth.Authenticate(ctx, tc.token)
			if err == nil || p != (nvr.Principal{}) {
				t.Fatalf("Authenticate = %+v, %v; want unauthorized", p, err)
			}
			if nvr.ErrorKind(err) != nvr.KindUnauthorized {
				t.Fatalf("kind = %v, want unauthorized", nvr.ErrorKind(err))
			}
			if first == "" {
				first = err.Error()
			}
			if err.Error() != first {
				t.Fatalf("error %q differs from %q", err.Error(), first)
			}
		})
	}
	if _, err := f.auth.Authenticate(ctx, valid); err != nil {
		t.Fatalf("the valid control session = %v", err)
	}
}

// looseAuthStore finds any row for any hash, like a store whose lookup
// matched loosely; Auth must still compare the stored hash.
type looseAuthStore struct {
	*memAuthStore
	session nvr.Session
	token   nvr.APIToken
}

func (s *looseAuthStore) SessionByTokenHash(context.Context, []byte) (nvr.Session, error) {
	return s.session, nil
}

func (s *looseAuthStore) TokenByHash(context.Context, []byte) (nvr.APIToken, error) {
	return s.token, nil
}

func (s *looseAuthStore) SessionUser(ctx context.Context, _ []byte) (nvr.Session, nvr.User, error) {
	u, err := s.User(ctx, s.session.UserID)
	return s.session, u, err
}

func (s *looseAuthStore) TokenUser(ctx context.Context, _ []byte) (nvr.APIToken, nvr.User, error) {
	u, err := s.User(ctx, s.token.UserID)
	return s.token, u, err
}

func TestAuthenticateComparesStoredHash(t *testing.T) {
	t.Parallel()
	mem := newMemAuthStore()
	u := mem.addUser(nvr.User{Name: "alice", HouseholdID: 1, Role: nvr.RoleMember}, goodPassword)
	clock := newFakeClock()
	now := clock.Now()
	other := randomToken("hs_", 1)
	otherAPI := randomToken("hth_", 1)
	store := &looseAuthStore{
		memAuthStore: mem,
		session:      nvr.Session{ID: 5, UserID: u.ID, TokenHash: nvr.HashToken(other), LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		token:        nvr.APIToken{ID: 6, UserID: u.ID, Scope: nvr.ScopeAll, TokenHash: nvr.HashToken(otherAPI), LastUsedAt: now},
	}
	auth := nvr.NewAuth(store, nvr.AuthConfig{Argon2: cheapArgon2, Now: clock.Now})
	for _, tok := range []string{randomToken("hs_", 2), randomToken("hth_", 2)} {
		if p, err := auth.Authenticate(context.Background(), tok); nvr.ErrorKind(err) != nvr.KindUnauthorized {
			t.Fatalf("Authenticate(token whose hash differs from the row) = %+v, %v; want unauthorized", p, err)
		}
	}
	for _, tok := range []string{other, otherAPI} {
		if _, err := auth.Authenticate(context.Background(), tok); err != nil {
			t.Fatalf("control: Authenticate = %v", err)
		}
	}
}

// TestAuthenticateMalformedNeverReachesStore counts store calls: the
// in-memory store's job.
func TestAuthenticateMalformedNeverReachesStore(t *testing.T) {
	t.Parallel()
	f := newMemAuthFixture(t)
	_, _, before := f.store.counts()
	for _, tok := range []string{"", "hs_x", "hth_x", "hs_" + strings.Repeat("!", 43), strings.Repeat("a", 10000)} {
		if _, err := f.auth.Authenticate(context.Background(), tok); nvr.ErrorKind(err) != nvr.KindUnauthorized {
			t.Fatalf("Authenticate(%.20q) = %v", tok, err)
		}
	}
	if _, _, after := f.store.counts(); after != before {
		t.Fatalf("store called %d times for malformed tokens", after-before)
	}
}

func TestAuthenticateTouchesAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		idle      time.Duration // since last seen / used
		neverUsed bool
		want      int
	}{
		{"just used", 0, false, 0},
		{"59s ago", 59 * time.Second, false, 0},
		{"61s ago", 61 * time.Second, false, 1},
		{"10 minutes ago", 10 * time.Minute, false, 1},
		{"never used", 0, true, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newMemAuthFixture(t) // counts the touches
			ctx := context.Background()
			now := f.clock.Now()
			last := now.Add(-tc.idle)
			if tc.neverUsed {
				last = time.Time{}
			}
			stok := randomToken("hs_", 1)
			if !tc.neverUsed {
				f.store.putSession(nvr.Session{UserID: f.alice.ID, TokenHash: nvr.HashToken(stok), LastSeenAt: last, ExpiresAt: now.Add(time.Hour)})
				if _, err := f.auth.Authenticate(ctx, stok); err != nil {
					t.Fatalf("session: %v", err)
				}
			}
			atok := randomToken("hth_", 2)
			f.store.putToken(nvr.APIToken{UserID: f.alice.ID, Scope: nvr.ScopeView, TokenHash: nvr.HashToken(atok), LastUsedAt: last})
			if _, err := f.auth.Authenticate(ctx, atok); err != nil {
				t.Fatalf("token: %v", err)
			}
			touchS, touchT, _ := f.store.counts()
			if !tc.neverUsed && touchS != tc.want {
				t.Fatalf("TouchSession called %d times, want %d", touchS, tc.want)
			}
			if touchT != tc.want {
				t.Fatalf("TouchToken called %d times, want %d", touchT, tc.want)
			}
			// A burst right after never writes again.
			for range 5 {
				if !tc.neverUsed {
					if _, err := f.auth.Authenticate(ctx, stok); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := f.auth.Authenticate(ctx, atok); err != nil {
					t.Fatal(err)
				}
			}
			touchS2, touchT2, _ := f.store.counts()
			if touchS2 != touchS || touchT2 != touchT {
				t.Fatalf("burst wrote last-seen again: sessions %d→%d, tokens %d→%d", touchS, touchS2, touchT, touchT2)
			}
		})
	}
}

func TestAuthenticateAPIToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		scope   nvr.TokenScope
		expires time.Duration // from now; 0: never
		ok      bool
	}{
		{"view, no expiry", nvr.ScopeView, 0, true},
		{"trigger, expires later", nvr.ScopeTrigger, time.Hour, true},
		{"all, expires in 1ns", nvr.ScopeAll, time.Nanosecond, true},
		{"view, expired", nvr.ScopeView, -time.Nanosecond, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newAuthFixture(t)
			now := f.clock.Now()
			var exp time.Time
			if tc.expires != 0 {
				exp = now.Add(tc.expires)
			}
			tok := randomToken("hth_", byte(i))
			stored := f.putToken(t, nvr.APIToken{UserID: f.alice.ID, Name: "door", Scope: tc.scope, TokenHash: nvr.HashToken(tok), CreatedAt: now, ExpiresAt: exp})
			p, err := f.auth.Authenticate(context.Background(), tok)
			if !tc.ok {
				if nvr.ErrorKind(err) != nvr.KindUnauthorized {
					t.Fatalf("Authenticate = %+v, %v; want unauthorized", p, err)
				}
				return
			}
			want := nvr.Principal{UserID: f.alice.ID, Kind: nvr.CredentialToken, CredentialID: stored.ID, Scope: tc.scope}
			if err != nil || p != want {
				t.Fatalf("Authenticate = %+v, %v; want %+v", p, err, want)
			}
			// The same token becomes invalid exactly at its expiry.
			if !exp.IsZero() {
				f.clock.Advance(exp.Sub(f.clock.Now()))
				if _, err := f.auth.Authenticate(context.Background(), tok); nvr.ErrorKind(err) != nvr.KindUnauthorized {
					t.Fatalf("at expiry: %v, want unauthorized", err)
				}
			}
		})
	}
}

func TestSessionExpiryBoundaries(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	token, _, err := f.auth.Login(ctx, "alice", goodPassword, client)
	if err != nil {
		t.Fatal(err)
	}
	// Stay active: each step is under the 1 h idle timeout, and the touch
	// keeps the session alive until the 24 h absolute expiry.
	for elapsed := time.Duration(0); elapsed < 24*time.Hour-50*time.Minute; elapsed += 50 * time.Minute {
		f.clock.Advance(50 * time.Minute)
		if _, err := f.auth.Authenticate(ctx, token); err != nil {
			t.Fatalf("active session refused after %v: %v", elapsed+50*time.Minute, err)
		}
	}
	f.clock.Advance(time.Hour)
	if _, err := f.auth.Authenticate(ctx, token); nvr.ErrorKind(err) != nvr.KindUnauthorized {
		t.Fatalf("after the absolute timeout: %v, want unauthorized", err)
	}

	token2, _, err := f.auth.Login(ctx, "alice", goodPassword, client)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.auth.Authenticate(ctx, token2); nvr.ErrorKind(err) != nvr.KindUnauthorized {
		t.Fatalf("after exactly the idle timeout: %v, want unauthorized", err)
	}

	cases := []struct {
		name string
		s    nvr.Session
		at   time.Duration
		want bool
	}{
		{"fresh", nvr.Session{LastSeenAt: epoch, ExpiresAt: epoch.Add(time.Hour)}, 0, true},
		{"just before idle", nvr.Session{LastSeenAt: epoch, ExpiresAt: epoch.Add(10 * time.Hour)}, time.Hour - 1, true},
		{"at idle", nvr.Session{LastSeenAt: epoch, ExpiresAt: epoch.Add(10 * time.Hour)}, time.Hour, false},
		{"just before absolute", nvr.Session{LastSeenAt: epoch.Add(time.Hour), ExpiresAt: epoch.Add(90 * time.Minute)}, 90*time.Minute - 1, true},
		{"at absolute", nvr.Session{LastSeenAt: epoch.Add(time.Hour), ExpiresAt: epoch.Add(90 * time.Minute)}, 90 * time.Minute, false},
		{"zero session", nvr.Session{}, 0, false},
	}
	for _, tc := range cases {
		if got := nvr.SessionValid(tc.s, epoch.Add(tc.at), time.Hour); got != tc.want {
			t.Errorf("%s: SessionValid = %v, want %v", tc.name, got, tc.want)
		}
	}
}

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestLogout(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	token, sess, err := f.auth.Login(ctx, "alice", goodPassword, client)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.auth.Login(ctx, "alice", goodPassword, client)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.auth.Logout(ctx, token); err != nil {
		t.Fatalf("Logout = %v", err)
	}
	left := f.sessions(t, f.alice.ID)
	if len(left) != 1 || left[0].ID == sess.ID {
		t.Fatalf("sessions after logout %+v, want only the other one (not %d)", left, sess.ID)
	}
	if _, err := f.auth.Authenticate(ctx, token); nvr.ErrorKind(err) != nvr.KindUnauthorized {
		t.Fatalf("Authenticate after logout = %v, want unauthorized", err)
	}
	if _, err := f.auth.Authenticate(ctx, other); err != nil {
		t.Fatalf("the other session ended too: %v", err)
	}
	// Logging out twice, an unknown token, a malformed one or an API token
	// is not an error and deletes nothing.
	apiTok := randomToken("hth_", 5)
	f.putToken(t, nvr.APIToken{UserID: f.alice.ID, Scope: nvr.ScopeAll, TokenHash: nvr.HashToken(apiTok), CreatedAt: f.clock.Now()})
	for _, tok := range []string{token, randomToken("hs_", 9), "garbage", "", apiTok} {
		if err := f.auth.Logout(ctx, tok); err != nil {
			t.Fatalf("Logout(%q) = %v", tok, err)
		}
	}
	if after := f.sessions(t, f.alice.ID); len(after) != 1 || after[0].ID != left[0].ID {
		t.Fatalf("sessions %+v after the no-op logouts, want %+v", after, left)
	}
	if _, err := f.auth.Authenticate(ctx, apiTok); err != nil {
		t.Fatalf("Logout with an API token revoked it: %v", err)
	}
}

func TestNewAuthDefaults(t *testing.T) {
	t.Parallel()
	a := nvr.NewAuth(newMemAuthStore(), nvr.AuthConfig{Argon2: cheapArgon2})
	cfg := a.Config()
	if cfg.IdleTimeout != 7*24*time.Hour || cfg.AbsoluteTimeout != 30*24*time.Hour || cfg.Now == nil || cfg.Argon2 != cheapArgon2 {
		t.Fatalf("config = %+v", cfg)
	}
}

// TestAuthConcurrent exercises Login and Authenticate from many goroutines
// (meaningful under -race).
func TestAuthConcurrent(t *testing.T) {
	t.Parallel()
	f := newAuthFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			addr := fmt.Sprintf("192.0.2.%d:1", i+1)
			tok, _, err := f.auth.Login(ctx, "alice", goodPassword, nvr.ClientInfo{Addr: addr})
			if err != nil {
				t.Error(err)
				return
			}
			for range 20 {
				if _, err := f.auth.Authenticate(ctx, tok); err != nil {
					t.Error(err)
					return
				}
			}
			_, _, _ = f.auth.Login(ctx, "nobody", "wrong password", nvr.ClientInfo{Addr: addr})
		})
	}
	wg.Wait()
}
