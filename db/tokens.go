package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// CreateToken stores a new API token; t.ID is ignored and assigned (never
// reused). KindNotFound if the user does not exist, KindInvalid for a scope
// the schema refuses.
func (w writes) CreateToken(ctx context.Context, t nvr.APIToken) (nvr.APIToken, error) {
	const op = "create token"
	t.PublicID = nvr.NewPublicID()
	res, err := w.c.ExecContext(ctx, `
		INSERT INTO api_tokens (public_id, user_id, name, scope, token_hash, created_at_ns, last_used_at_ns, expires_at_ns, digest_ha1)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.PublicID, int64(t.UserID), t.Name, string(t.Scope), t.TokenHash, ns(t.CreatedAt), ns(t.LastUsedAt), ns(t.ExpiresAt), t.DigestHA1)
	switch {
	case isForeignKey(err):
		return nvr.APIToken{}, notFound(op, "user")
	case isUnique(err):
		return nvr.APIToken{}, conflict(op, "token already in use", err)
	case isCheck(err):
		return nvr.APIToken{}, invalid(op, "scope must be view, trigger, all or mqtt, and the token hash must be set", err)
	case err != nil:
		return nvr.APIToken{}, internal(op, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nvr.APIToken{}, internal(op, err)
	}
	t.ID = id
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt = fromNs(ns(t.CreatedAt)), fromNs(ns(t.LastUsedAt)), fromNs(ns(t.ExpiresAt))
	return t, nil
}

const tokenColumns = `id, public_id, user_id, name, scope, token_hash, created_at_ns, last_used_at_ns, expires_at_ns`

func scanToken(row interface{ Scan(...any) error }) (nvr.APIToken, error) {
	var (
		t                            nvr.APIToken
		user, created, used, expires int64
		scope                        string
	)
	if err := row.Scan(&t.ID, &t.PublicID, &user, &t.Name, &scope, &t.TokenHash, &created, &used, &expires); err != nil {
		return nvr.APIToken{}, err
	}
	t.UserID, t.Scope = nvr.UserID(user), nvr.TokenScope(scope)
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt = fromNs(created), fromNs(used), fromNs(expires)
	return t, nil
}

// TokenByHash returns the API token with that hash, whatever its expiry;
// KindNotFound when there is none.
func (d *DB) TokenByHash(ctx context.Context, hash []byte) (nvr.APIToken, error) {
	const op = "get token"
	t, err := scanToken(d.hot.tokenByHash.QueryRowContext(ctx, hash))
	if isNoRows(err) {
		return nvr.APIToken{}, notFound(op, "token")
	}
	return t, internal(op, err)
}

// TokenUser returns the API token with that hash and its user in one read;
// KindNotFound when there is none.
func (d *DB) TokenUser(ctx context.Context, hash []byte) (nvr.APIToken, nvr.User, error) {
	const op = "get token"
	var (
		t                            nvr.APIToken
		user, created, used, expires int64
		scope                        string
	)
	u, err := scanUser(d.hot.tokenUser.QueryRowContext(ctx, hash),
		&t.ID, &t.PublicID, &user, &t.Name, &scope, &t.TokenHash, &created, &used, &expires)
	if isNoRows(err) {
		return nvr.APIToken{}, nvr.User{}, notFound(op, "token")
	}
	if err != nil {
		return nvr.APIToken{}, nvr.User{}, internal(op, err)
	}
	t.UserID, t.Scope = nvr.UserID(user), nvr.TokenScope(scope)
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt = fromNs(created), fromNs(used), fromNs(expires)
	return t, u, nil
}

// TouchToken sets the token's last-used time. A token deleted meanwhile is
// not an error: the next check will find it gone.
func (d *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := d.writer.ExecContext(ctx, `UPDATE api_tokens SET last_used_at_ns = ? WHERE id = ?`, ns(at), id)
	return internal("touch token", err)
}

// Tokens lists user u's API tokens in creation order; u == 0 lists every
// token. TokenHash is left nil: listings never carry credential material.
func (d *DB) Tokens(ctx context.Context, u nvr.UserID) ([]nvr.APIToken, error) {
	const op = "list tokens"
	var (
		rows *sql.Rows
		err  error
	)
	if u == 0 {
		rows, err = d.reader.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	} else {
		rows, err = d.reader.QueryContext(ctx,
			`SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY id`, int64(u))
	}
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var ts []nvr.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		t.TokenHash = nil
		ts = append(ts, t)
	}
	return ts, internal(op, rows.Err())
}

// DeleteToken revokes an API token; KindNotFound if there is none.
func (w writes) DeleteToken(ctx context.Context, id int64) error {
	const op = "delete token"
	res, err := w.c.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ?`, id)
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "token")
}

// DigestTokens returns the tokens with a digest HA1 of the user named
// name, with the user, in one read; none when the user is missing.
func (d *DB) DigestTokens(ctx context.Context, name string) ([]nvr.APIToken, nvr.User, error) {
	const op = "read digest tokens"
	rows, err := d.reader.QueryContext(ctx, `
		SELECT t.id, t.scope, t.digest_ha1, t.expires_at_ns, u.id
		FROM users u JOIN api_tokens t ON t.user_id = u.id
		WHERE u.name = ? AND t.digest_ha1 <> ''`, name)
	if err != nil {
		return nil, nvr.User{}, internal(op, err)
	}
	defer rows.Close()
	var (
		toks []nvr.APIToken
		u    nvr.User
	)
	for rows.Next() {
		var (
			t        nvr.APIToken
			scope    string
			exp, uid int64
		)
		if err := rows.Scan(&t.ID, &scope, &t.DigestHA1, &exp, &uid); err != nil {
			return nil, nvr.User{}, internal(op, err)
		}
		t.Scope, t.ExpiresAt, t.UserID = nvr.TokenScope(scope), fromNs(exp), nvr.UserID(uid)
		u.ID = nvr.UserID(uid)
		toks = append(toks, t)
	}
	return toks, u, internal(op, rows.Err())
}
