package db

import (
	"context"
	"database/sql"
	"strings"

	"github.com/hearthnvr/hearth/nvr"
)

// DefaultAuditLimit is how many rows Audit returns when asked for none or
// a negative number.
const DefaultAuditLimit = 100

// AppendAudit writes one audit row. A zero UserID or empty CameraID is
// stored as NULL.
func (d *DB) AppendAudit(ctx context.Context, e nvr.AuditEntry) error {
	_, err := d.hot.appendAudit.ExecContext(ctx,
		ns(e.At), nullID(int64(e.UserID)), e.Principal, nullText(string(e.CameraID)), e.Action, e.Result, e.Detail)
	return internal("append audit", err)
}

// appendAudit writes e inside tx, with the statement AppendAudit prepares
// on the writer.
func appendAudit(ctx context.Context, tx *sql.Tx, e nvr.AuditEntry) error {
	_, err := tx.ExecContext(ctx, insertAudit,
		ns(e.At), nullID(int64(e.UserID)), e.Principal, nullText(string(e.CameraID)), e.Action, e.Result, e.Detail)
	return internal("append audit", err)
}

// Audit returns the newest limit audit rows, newest first; limit <= 0
// means DefaultAuditLimit.
func (d *DB) Audit(ctx context.Context, limit int) ([]nvr.AuditEntry, error) {
	const op = "read audit log"
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	return d.auditRows(ctx, op, `
		SELECT `+auditColumns+`
		FROM audit_log ORDER BY at_ns DESC, id DESC LIMIT ?`, limit)
}

// auditColumns are an audit row's columns in auditRows' order.
const auditColumns = `id, at_ns, COALESCE(user_id, 0), principal, COALESCE(camera_id, ''), action, result, detail`

// auditRows runs query (selecting auditColumns) and reads its rows.
func (d *DB) auditRows(ctx context.Context, op, query string, args ...any) ([]nvr.AuditEntry, error) {
	rows, err := d.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var es []nvr.AuditEntry
	for rows.Next() {
		var (
			e  nvr.AuditEntry
			at int64
		)
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Principal, &e.CameraID, &e.Action, &e.Result, &e.Detail); err != nil {
			return nil, internal(op, err)
		}
		e.At = fromNs(at)
		es = append(es, e)
	}
	return es, internal(op, rows.Err())
}

// CameraAudit returns the audit rows of cams strictly older than before
// (zero: from the newest), newest first, at most limit (the viewing log's
// read; audit_log_camera_at serves it).
func (d *DB) CameraAudit(ctx context.Context, cams []nvr.CameraID, before nvr.AuditCursor, limit int) ([]nvr.AuditEntry, error) {
	if before.IsZero() {
		return d.cameraAudit(ctx, cams, "", "DESC", limit)
	}
	return d.cameraAudit(ctx, cams, "AND (at_ns < ? OR (at_ns = ? AND id < ?))", "DESC", limit,
		ns(before.At), ns(before.At), before.ID)
}

// CameraAuditAfter returns the audit rows of cams from after on (after's
// own row included), oldest first, at most limit.
func (d *DB) CameraAuditAfter(ctx context.Context, cams []nvr.CameraID, after nvr.AuditCursor, limit int) ([]nvr.AuditEntry, error) {
	return d.cameraAudit(ctx, cams, "AND (at_ns > ? OR (at_ns = ? AND id >= ?))", "ASC", limit,
		ns(after.At), ns(after.At), after.ID)
}

// cameraAudit reads the rows of cams that also meet where (with its
// arguments), ordered by time then ID in dir.
func (d *DB) cameraAudit(ctx context.Context, cams []nvr.CameraID, where, dir string, limit int, whereArgs ...any) ([]nvr.AuditEntry, error) {
	const op = "read camera audit"
	if len(cams) == 0 || limit <= 0 {
		return nil, nil
	}
	args := make([]any, 0, len(cams)+len(whereArgs)+1)
	marks := make([]string, 0, len(cams))
	for _, c := range cams {
		args = append(args, string(c))
		marks = append(marks, "?")
	}
	args = append(args, whereArgs...)
	args = append(args, limit)
	return d.auditRows(ctx, op, `
		SELECT `+auditColumns+`
		FROM audit_log WHERE camera_id IN (`+strings.Join(marks, ",")+`) `+where+`
		ORDER BY at_ns `+dir+`, id `+dir+` LIMIT ?`, args...)
}

var _ nvr.ViewingStore = (*DB)(nil)
