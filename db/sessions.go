package db

import (
	"context"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// CreateSession stores a new session and returns its ID (never reused).
// KindNotFound if the user does not exist.
func (d *DB) CreateSession(ctx context.Context, s nvr.Session) (int64, error) {
	const op = "create session"
	res, err := d.writer.ExecContext(ctx, `
		INSERT INTO sessions (public_id, user_id, token_hash, created_at_ns, last_seen_at_ns, expires_at_ns,
		                      client_addr, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		nvr.NewPublicID(), int64(s.UserID), s.TokenHash, ns(s.CreatedAt), ns(s.LastSeenAt), ns(s.ExpiresAt), s.ClientAddr, s.UserAgent)
	switch {
	case isForeignKey(err):
		return 0, notFound(op, "user")
	case isUnique(err):
		return 0, conflict(op, "session token already in use", err)
	case isCheck(err):
		return 0, invalid(op, "session token hash is missing", err)
	case err != nil:
		return 0, internal(op, err)
	}
	id, err := res.LastInsertId()
	return id, internal(op, err)
}

const sessionColumns = `id, public_id, user_id, token_hash, created_at_ns, last_seen_at_ns, expires_at_ns, client_addr, user_agent`

func scanSession(row interface{ Scan(...any) error }) (nvr.Session, error) {
	var (
		s                            nvr.Session
		user, created, seen, expires int64
	)
	if err := row.Scan(&s.ID, &s.PublicID, &user, &s.TokenHash, &created, &seen, &expires, &s.ClientAddr, &s.UserAgent); err != nil {
		return nvr.Session{}, err
	}
	s.UserID = nvr.UserID(user)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromNs(created), fromNs(seen), fromNs(expires)
	return s, nil
}

// SessionByTokenHash returns the session with that token hash, whatever
// its expiry; KindNotFound when there is none.
func (d *DB) SessionByTokenHash(ctx context.Context, hash []byte) (nvr.Session, error) {
	const op = "get session"
	s, err := scanSession(d.hot.sessionByHash.QueryRowContext(ctx, hash))
	if isNoRows(err) {
		return nvr.Session{}, notFound(op, "session")
	}
	return s, internal(op, err)
}

// SessionUser returns the session with that token hash and its user in one
// read; KindNotFound when there is none.
func (d *DB) SessionUser(ctx context.Context, hash []byte) (nvr.Session, nvr.User, error) {
	const op = "get session"
	var (
		s                            nvr.Session
		user, created, seen, expires int64
	)
	u, err := scanUser(d.hot.sessionUser.QueryRowContext(ctx, hash),
		&s.ID, &s.PublicID, &user, &s.TokenHash, &created, &seen, &expires, &s.ClientAddr, &s.UserAgent)
	if isNoRows(err) {
		return nvr.Session{}, nvr.User{}, notFound(op, "session")
	}
	if err != nil {
		return nvr.Session{}, nvr.User{}, internal(op, err)
	}
	s.UserID = nvr.UserID(user)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromNs(created), fromNs(seen), fromNs(expires)
	return s, u, nil
}

// TouchSession sets the session's last-seen time. A session deleted
// meanwhile is not an error: the next check will find it gone.
func (d *DB) TouchSession(ctx context.Context, id int64, at time.Time) error {
	_, err := d.writer.ExecContext(ctx, `UPDATE sessions SET last_seen_at_ns = ? WHERE id = ?`, ns(at), id)
	return internal("touch session", err)
}

// DeleteSession removes one session; deleting a missing one is not an error.
func (w writes) DeleteSession(ctx context.Context, id int64) error {
	_, err := w.c.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return internal("delete session", err)
}

// DeleteUserSessions ends every session of user u.
func (w writes) DeleteUserSessions(ctx context.Context, u nvr.UserID) error {
	_, err := w.c.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, int64(u))
	return internal("delete user sessions", err)
}

// DeleteUserCredentials ends every session and API token of user u in one
// transaction, so no reader sees the sessions gone and a token still alive.
func (w writes) DeleteUserCredentials(ctx context.Context, u nvr.UserID) error {
	err := w.atomically(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, int64(u)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, int64(u))
		return err
	})
	return internal("delete user credentials", err)
}

// Sessions lists user u's sessions, oldest first. TokenHash is left nil:
// listings never carry credential material.
func (d *DB) Sessions(ctx context.Context, u nvr.UserID) ([]nvr.Session, error) {
	const op = "list sessions"
	rows, err := d.reader.QueryContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? ORDER BY id`, int64(u))
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var ss []nvr.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		s.TokenHash = nil
		ss = append(ss, s)
	}
	return ss, internal(op, rows.Err())
}

// DeleteExpiredSessions removes the sessions that are past their absolute
// expiry or idle for longer than the idle timeout at now, and returns how
// many it removed. Not part of nvr's interfaces; for a periodic sweep.
func (d *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	const op = "delete expired sessions"
	res, err := d.writer.ExecContext(ctx,
		`DELETE FROM sessions WHERE expires_at_ns <= ?1 OR last_seen_at_ns <= ?1 - ?2`,
		now.UnixNano(), int64(d.idle))
	if err != nil {
		return 0, internal(op, err)
	}
	n, err := res.RowsAffected()
	return n, internal(op, err)
}
