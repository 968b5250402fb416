package nvr

import (
	"context"
	"crypto/subtle"
	"sync"
	"time"
)

// SetupTokenLifetime is how long a first-run setup link works.
const SetupTokenLifetime = time.Hour

// Setup guards first-run setup: while no appliance admin exists, one
// random token, printed by serve, lets its holder create the admin once.
// There is never a default password. Safe for concurrent use.
type Setup struct {
	dir *Directory
	now func() time.Time

	mu      sync.Mutex
	hash    []byte
	expires time.Time
	used    bool
}

// NewSetup returns a Setup with no token.
func NewSetup(dir *Directory, now func() time.Time) *Setup {
	if now == nil {
		now = time.Now
	}
	return &Setup{dir: dir, now: now}
}

// Begin makes a fresh setup token if no enabled admin exists, and returns
// it ("" when setup is not needed). The token works once, for an hour.
func (s *Setup) Begin(ctx context.Context) (string, error) {
	n, err := s.dir.store.AdminCount(ctx)
	if err != nil {
		return "", Wrap("begin setup", err)
	}
	if n > 0 {
		return "", nil
	}
	token := newSecretToken(setupTokenPrefix)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hash, s.expires, s.used = HashToken(token), s.now().Add(SetupTokenLifetime), false
	return token, nil
}

const setupTokenPrefix = "hsetup_"

var errBadSetupToken = &Error{Op: "setup", Kind: KindNotFound, Msg: "this setup link is invalid, used or expired; restart hearth serve for a new one"}

// Valid reports whether token is the current, unused, unexpired setup token.
func (s *Setup) Valid(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.validLocked(token)
}

func (s *Setup) validLocked(token string) bool {
	return s.hash != nil && !s.used && s.now().Before(s.expires) && wellFormedToken(token, setupTokenPrefix) &&
		subtle.ConstantTimeCompare(HashToken(token), s.hash) == 1
}

// Complete creates the appliance admin with the token; it works once, and
// only while there is still no admin.
func (s *Setup) Complete(ctx context.Context, token, name, password string) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.validLocked(token) {
		return User{}, errBadSetupToken
	}
	if err := ValidateUsername(name); err != nil {
		return User{}, err
	}
	if err := ValidatePassword(password); err != nil {
		return User{}, err
	}
	if n, err := s.dir.store.AdminCount(ctx); err != nil || n > 0 {
		s.used = true // an admin appeared meanwhile (e.g. by the CLI)
		if err != nil {
			return User{}, Wrap("setup", err)
		}
		return User{}, errBadSetupToken
	}
	nu := NewUser{Name: name, Admin: true, Role: RoleMember, Password: password}
	hash, err := s.dir.prepareUser(&nu)
	if err != nil {
		return User{}, err
	}
	var u User
	setup := Subject{Principal: Principal{Kind: CredentialSetup}}
	if err := s.dir.change(ctx, setup, "", "setup:add-admin", func(w DirectoryWriter) (err error) {
		u, err = s.dir.createUser(ctx, w, nu, hash)
		return err
	}); err != nil {
		return User{}, err
	}
	s.used = true
	return u, nil
}
