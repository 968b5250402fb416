package db

import (
	"context"
	"database/sql"
	"errors"
)

// hotStatements are prepared once at Open: they run on every request
// (authentication, the policy's reads, the media audit row). database/sql
// re-prepares each lazily on whichever pooled connection runs it.
type hotStatements struct {
	subject          *sql.Stmt
	cameraAccess     *sql.Stmt
	householdCameras *sql.Stmt
	assignedCameras  *sql.Stmt
	sessionByHash    *sql.Stmt
	tokenByHash      *sql.Stmt
	userByID         *sql.Stmt
	sessionUser      *sql.Stmt
	tokenUser        *sql.Stmt
	appendAudit      *sql.Stmt // on the writer
	seg              segmentStatements
}

// joinedUserColumns is userColumns for a query that names the users table u.
const joinedUserColumns = `u.id, u.public_id, u.name, COALESCE(u.household_id, 0), u.role, u.is_admin, u.disabled, u.created_at_ns`

func (h *hotStatements) prepare(ctx context.Context, reader, writer *sql.DB) error {
	for _, s := range []struct {
		dst   **sql.Stmt
		db    *sql.DB
		query string
	}{
		{&h.subject, reader, subjectQuery},
		{&h.cameraAccess, reader, cameraAccessQuery},
		{&h.householdCameras, reader,
			`SELECT ` + cameraColumns + ` FROM cameras WHERE household_id = ? ORDER BY name`},
		{&h.assignedCameras, reader, `
			SELECT ` + joinedCameraColumns + `
			FROM cameras c JOIN camera_viewers v ON v.camera_id = c.id AND v.user_id = ?2
			WHERE c.household_id = ?1 ORDER BY c.name`},
		{&h.sessionByHash, reader, `SELECT ` + sessionColumns + ` FROM sessions WHERE token_hash = ?`},
		{&h.tokenByHash, reader, `SELECT ` + tokenColumns + ` FROM api_tokens WHERE token_hash = ?`},
		{&h.userByID, reader, `SELECT ` + userColumns + ` FROM users WHERE id = ?`},
		{&h.sessionUser, reader, `SELECT ` + joinedUserColumns + `, s.id, s.public_id, s.user_id, s.token_hash, s.created_at_ns, s.last_seen_at_ns,
			       s.expires_at_ns, s.client_addr, s.user_agent
			FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`},
		{&h.tokenUser, reader, `SELECT ` + joinedUserColumns + `, t.id, t.public_id, t.user_id, t.name, t.scope, t.token_hash, t.created_at_ns,
			       t.last_used_at_ns, t.expires_at_ns
			FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`},
		{&h.appendAudit, writer, insertAudit},
	} {
		st, err := s.db.PrepareContext(ctx, s.query)
		if err != nil {
			return err
		}
		*s.dst = st
	}
	return h.seg.prepare(ctx, reader, writer)
}

func (h *hotStatements) close() error {
	var errs []error
	stmts := []*sql.Stmt{h.subject, h.cameraAccess, h.householdCameras, h.assignedCameras,
		h.sessionByHash, h.tokenByHash, h.userByID, h.sessionUser, h.tokenUser, h.appendAudit}
	for _, st := range append(stmts, h.seg.all()...) {
		if st != nil {
			errs = append(errs, st.Close()) // idempotent
		}
	}
	return errors.Join(errs...)
}

// insertAudit writes one audit row: AppendAudit's prepared statement, and
// Change's inside its transaction.
const insertAudit = `
	INSERT INTO audit_log (at_ns, user_id, principal, camera_id, action, result, detail)
	VALUES (?, ?, ?, ?, ?, ?, ?)`
