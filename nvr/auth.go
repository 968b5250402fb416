package nvr

import (
	"context"
	"crypto/subtle"
	"time"
)

// AuthConfig holds the session lifetimes and hashing cost.
type AuthConfig struct {
	IdleTimeout     time.Duration // a session unused this long ends (default 7 days)
	AbsoluteTimeout time.Duration // a session ends this long after login regardless (default 30 days)
	Argon2          Argon2Params  // zero: DefaultArgon2
	Now             func() time.Time
}

// touchEvery bounds last-seen writes: a busy page must not turn every
// request into a database write.
const touchEvery = time.Minute

// Auth turns credentials into principals: password logins into sessions, and
// session cookies or API tokens into a Principal, checked against the
// database on every request. Safe for concurrent use.
type Auth struct {
	store   AuthStore
	limiter *LoginLimiter
	cfg     AuthConfig
	// dummyHash is verified when the account does not exist so that a
	// wrong name costs as long as a wrong password.
	dummyHash string
}

// NewAuth returns an Auth over store.
func NewAuth(store AuthStore, cfg AuthConfig) *Auth {
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 7 * 24 * time.Hour
	}
	if cfg.AbsoluteTimeout == 0 {
		cfg.AbsoluteTimeout = 30 * 24 * time.Hour
	}
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = DefaultArgon2()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Auth{
		store:     store,
		limiter:   NewLoginLimiter(cfg.Now),
		cfg:       cfg,
		dummyHash: HashPassword("hearth-dummy-password", cfg.Argon2),
	}
}

// Config returns the effective configuration.
func (a *Auth) Config() AuthConfig { return a.cfg }

// ClientInfo describes where a login comes from.
type ClientInfo struct {
	Addr      string // remote IP (and port)
	UserAgent string
}

var errBadLogin = &Error{Op: "login", Kind: KindUnauthorized, Msg: "invalid username or password"}

// Login checks a username and password and starts a session. Every failure
// (unknown user, wrong password, disabled account) is the same
// KindUnauthorized error; too many failures answer KindUnavailable with
// RetryAfter set. The returned token is shown to the client once and
// stored only as a hash.
func (a *Auth) Login(ctx context.Context, name, password string, client ClientInfo) (string, Session, error) {
	if wait := a.limiter.Wait(name, client.Addr); wait > 0 {
		return "", Session{}, &Error{Op: "login", Kind: KindUnavailable,
			Msg: "too many failed logins; try again later", RetryAfter: wait}
	}
	if len(password) > MaxPasswordLen || len(name) > maxNameLen {
		a.limiter.Failed(name, client.Addr)
		return "", Session{}, errBadLogin
	}
	u, hash, err := a.store.UserCredentials(ctx, name)
	if err != nil && ErrorKind(err) != KindNotFound {
		return "", Session{}, Wrap("login", err)
	}
	if err != nil {
		hash = a.dummyHash
	}
	ok := VerifyPassword(password, hash)
	if err != nil || !ok || u.Disabled {
		a.limiter.Failed(name, client.Addr)
		return "", Session{}, errBadLogin
	}
	a.limiter.Succeeded(name, client.Addr)

	token := newSecretToken(sessionTokenPrefix)
	now := a.cfg.Now()
	s := Session{
		UserID:     u.ID,
		TokenHash:  HashToken(token),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(a.cfg.AbsoluteTimeout),
		ClientAddr: client.Addr,
		UserAgent:  truncate(client.UserAgent, 256),
	}
	id, err := a.store.CreateSession(ctx, s)
	if err != nil {
		return "", Session{}, Wrap("login", err)
	}
	s.ID = id
	return token, s, nil
}

// Logout ends the session of token; an unknown token is not an error.
func (a *Auth) Logout(ctx context.Context, token string) error {
	if !wellFormedToken(token, sessionTokenPrefix) {
		return nil
	}
	s, err := a.store.SessionByTokenHash(ctx, HashToken(token))
	if ErrorKind(err) == KindNotFound {
		return nil
	}
	if err != nil {
		return Wrap("logout", err)
	}
	return Wrap("logout", a.store.DeleteSession(ctx, s.ID))
}

// Authenticate resolves a session token or API token into a principal.
// Anything wrong with it (malformed, unknown, expired, disabled user)
// answers the same KindUnauthorized error.
func (a *Auth) Authenticate(ctx context.Context, token string) (Principal, error) {
	switch {
	case wellFormedToken(token, sessionTokenPrefix):
		return a.authenticateSession(ctx, token)
	case wellFormedToken(token, apiTokenPrefix):
		return a.authenticateToken(ctx, token)
	}
	return Principal{}, errUnauthenticated
}

func (a *Auth) authenticateSession(ctx context.Context, token string) (Principal, error) {
	hash := HashToken(token)
	s, u, err := a.store.SessionUser(ctx, hash)
	if ErrorKind(err) == KindNotFound {
		return Principal{}, errUnauthenticated
	}
	if err != nil {
		return Principal{}, Wrap("authenticate", err)
	}
	now := a.cfg.Now()
	// The row was found by its hash; compare anyway so a store that matched
	// loosely could never authenticate the wrong session.
	if subtle.ConstantTimeCompare(s.TokenHash, hash) != 1 || !SessionValid(s, now, a.cfg.IdleTimeout) ||
		u.ID != s.UserID || u.Disabled {
		return Principal{}, errUnauthenticated
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := a.store.TouchSession(ctx, s.ID, now); err != nil {
			return Principal{}, Wrap("authenticate", err)
		}
	}
	return Principal{UserID: s.UserID, Kind: CredentialSession, CredentialID: s.ID, Scope: ScopeAll}, nil
}

// SessionValid reports whether s is within both its idle and absolute expiry at now.
func SessionValid(s Session, now time.Time, idle time.Duration) bool {
	return now.Before(s.ExpiresAt) && now.Before(s.LastSeenAt.Add(idle))
}

func (a *Auth) authenticateToken(ctx context.Context, token string) (Principal, error) {
	hash := HashToken(token)
	t, u, err := a.store.TokenUser(ctx, hash)
	if ErrorKind(err) == KindNotFound {
		return Principal{}, errUnauthenticated
	}
	if err != nil {
		return Principal{}, Wrap("authenticate", err)
	}
	now := a.cfg.Now()
	if subtle.ConstantTimeCompare(t.TokenHash, hash) != 1 || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) ||
		u.ID != t.UserID || u.Disabled {
		return Principal{}, errUnauthenticated
	}
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := a.store.TouchToken(ctx, t.ID, now); err != nil {
			return Principal{}, Wrap("authenticate", err)
		}
	}
	return Principal{UserID: t.UserID, Kind: CredentialToken, CredentialID: t.ID, Scope: t.Scope}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
