package nvr

import (
	"context"
	"slices"
	"time"
)

// A user's own account: their sessions and API tokens. Each method takes the
// UserGrant the policy gave for the request and touches only that user's
// rows; another user's session or token answers ErrNotFound.

// CheckPassword verifies a signed-in user's current password before a
// change, under the same failure limit as Login.
func (a *Auth) CheckPassword(ctx context.Context, g UserGrant, password string, client ClientInfo) error {
	name := g.User().Name
	if wait := a.limiter.Wait(name, client.Addr); wait > 0 {
		return &Error{Op: "check password", Kind: KindUnavailable,
			Msg: "too many failed attempts; try again later", RetryAfter: wait}
	}
	_, hash, err := a.store.UserCredentials(ctx, name)
	if err != nil && ErrorKind(err) != KindNotFound {
		return Wrap("check password", err)
	}
	if err != nil || len(password) > MaxPasswordLen || !VerifyPassword(password, hash) {
		a.limiter.Failed(name, client.Addr)
		return &Error{Op: "check password", Kind: KindInvalid, Msg: "the current password is wrong"}
	}
	return nil
}

// UserSessions lists the user's sessions, oldest first, without token hashes.
func (d *Directory) UserSessions(ctx context.Context, g UserGrant) ([]Session, error) {
	ss, err := d.store.Sessions(ctx, g.User().ID)
	return ss, Wrap("list sessions", err)
}

// EndUserSession signs out the user's session with that public ID.
func (d *Directory) EndUserSession(ctx context.Context, g UserGrant, publicID string) error {
	ss, err := d.UserSessions(ctx, g)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ss, func(s Session) bool { return s.PublicID == publicID })
	if i < 0 || publicID == "" {
		return ErrNotFound
	}
	return d.change(ctx, g.subject, "", "end-own-session", func(w DirectoryWriter) error {
		return Wrap("end session", w.DeleteSession(ctx, ss[i].ID))
	})
}

// EndOtherUserSessions signs out every session of the user but the one
// making the request (a phone left signed in at a friend's, a laptop
// sold), in one audited change; it returns how many ended. Only a session
// may ask: ErrNotFound for an API token, like the other account changes.
func (d *Directory) EndOtherUserSessions(ctx context.Context, g UserGrant) (int, error) {
	p := g.Principal()
	if p.Kind != CredentialSession {
		return 0, ErrNotFound
	}
	ss, err := d.UserSessions(ctx, g)
	if err != nil {
		return 0, err
	}
	var others []Session
	for _, s := range ss {
		if s.ID != p.CredentialID {
			others = append(others, s)
		}
	}
	if len(others) == 0 {
		return 0, nil
	}
	err = d.change(ctx, g.subject, "", "end-other-sessions", func(w DirectoryWriter) error {
		for _, s := range others {
			if err := w.DeleteSession(ctx, s.ID); err != nil && ErrorKind(err) != KindNotFound {
				return Wrap("end session", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(others), nil
}

// UserTokens lists the user's API tokens, without hashes.
func (d *Directory) UserTokens(ctx context.Context, g UserGrant) ([]APIToken, error) {
	ts, err := d.store.Tokens(ctx, g.User().ID)
	for i := range ts {
		ts[i].TokenHash = nil
	}
	return ts, Wrap("list tokens", err)
}

// RevokeUserToken deletes the user's API token with that public ID.
func (d *Directory) RevokeUserToken(ctx context.Context, g UserGrant, publicID string) error {
	ts, err := d.UserTokens(ctx, g)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ts, func(t APIToken) bool { return t.PublicID == publicID })
	if i < 0 || publicID == "" {
		return ErrNotFound
	}
	return d.change(ctx, g.subject, "", "revoke-own-token", func(w DirectoryWriter) error {
		return d.revokeToken(ctx, w, ts[i].ID)
	})
}

// UserHousehold returns the household of the granted user; KindNotFound
// for the appliance admin without one.
func (d *Directory) UserHousehold(ctx context.Context, g UserGrant) (Household, error) {
	if !g.Valid() || g.User().HouseholdID == 0 {
		return Household{}, ErrNotFound
	}
	// By row number: HouseholdByRef takes a public ID or a name, and a
	// household may be named with digits.
	h, err := d.store.Household(ctx, g.User().HouseholdID)
	return h, Wrap("household", err)
}

// ChangeOwnPassword sets the granted user's password (see setPassword:
// every session and token ends) and records the change. The caller has
// checked the current password.
func (d *Directory) ChangeOwnPassword(ctx context.Context, g UserGrant, password string) error {
	if !g.Valid() {
		return ErrNotFound
	}
	const action = "change-own-password"
	hash, err := d.newPasswordHash(password)
	if err != nil {
		return d.refused(ctx, g.subject, "", action, err)
	}
	return d.change(ctx, g.subject, "", action, func(w DirectoryWriter) error {
		return d.setPassword(ctx, w, g.User().ID, hash)
	})
}

// CreateOwnToken issues an API token to the granted user (see createToken)
// and records it.
func (d *Directory) CreateOwnToken(ctx context.Context, g UserGrant, name string, scope TokenScope, ttl time.Duration) (string, APIToken, error) {
	if !g.Valid() {
		return "", APIToken{}, ErrNotFound
	}
	var (
		token string
		t     APIToken
	)
	err := d.change(ctx, g.subject, "", "create-own-token", func(w DirectoryWriter) (err error) {
		token, t, err = d.createToken(ctx, w, g.User().ID, name, scope, ttl)
		return err
	})
	return token, t, err
}
