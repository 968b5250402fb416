package db

import (
	"context"
	"database/sql"

	"github.com/hearthnvr/hearth/nvr"
)

// Share links (migration 0014). The policy reads a link with its creator
// and camera on every request that uses it; the three reads run in one
// read transaction, so they are one snapshot.

const shareColumns = `id, camera_id, created_by, kind, start_ns, end_ns, created_at_ns, expires_at_ns,
	passcode_hash, max_views, views, note`

func scanShareLink(row interface{ Scan(...any) error }, extra ...any) (nvr.ShareLink, error) {
	var (
		l                                nvr.ShareLink
		cam, kind                        string
		by, start, end, created, expires int64
	)
	dest := append([]any{&l.ID, &cam, &by, &kind, &start, &end, &created, &expires, &l.PasscodeHash, &l.MaxViews, &l.Views, &l.Note}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nvr.ShareLink{}, err
	}
	l.CameraID, l.CreatedBy, l.Kind = nvr.CameraID(cam), nvr.UserID(by), nvr.ShareKind(kind)
	if l.Kind == nvr.ShareClip {
		l.Window = nvr.TimeRange{Start: fromNs(start), End: fromNs(end)}
	}
	l.CreatedAt, l.ExpiresAt = fromNs(created), fromNs(expires)
	return l, nil
}

// ShareAccessByDigest reads the link whose secret has digest, its creator
// and its camera; KindNotFound when there is no such link.
func (d *DB) ShareAccessByDigest(ctx context.Context, digest []byte) (nvr.ShareAccess, error) {
	return d.shareAccess(ctx, `SELECT `+shareColumns+` FROM share_links WHERE token_digest = ?`, digest)
}

// ShareAccessByID reads link id, its creator and its camera; KindNotFound
// when there is no such link.
func (d *DB) ShareAccessByID(ctx context.Context, id int64) (nvr.ShareAccess, error) {
	return d.shareAccess(ctx, `SELECT `+shareColumns+` FROM share_links WHERE id = ?`, id)
}

func (d *DB) shareAccess(ctx context.Context, query string, key any) (nvr.ShareAccess, error) {
	const op = "read share link"
	tx, err := d.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nvr.ShareAccess{}, internal(op, err)
	}
	defer func() { _ = tx.Rollback() }()
	var acc nvr.ShareAccess
	acc.Link, err = scanShareLink(tx.QueryRowContext(ctx, query, key))
	if isNoRows(err) {
		return nvr.ShareAccess{}, notFound(op, "share link")
	}
	if err != nil {
		return nvr.ShareAccess{}, internal(op, err)
	}
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, int64(acc.Link.CreatedBy)))
	if err != nil && !isNoRows(err) {
		return nvr.ShareAccess{}, internal(op, err)
	}
	acc.Creator = u
	c, err := scanCamera(tx.QueryRowContext(ctx, `SELECT `+cameraColumns+` FROM cameras WHERE id = ?`, string(acc.Link.CameraID)))
	if err != nil && !isNoRows(err) {
		return nvr.ShareAccess{}, internal(op, err)
	}
	if err == nil {
		acc.Camera = nvr.CameraFacts{Camera: c, Exists: true}
	}
	return acc, nil
}

// CountShareView adds a view to link id when it has one left.
func (d *DB) CountShareView(ctx context.Context, id int64) (bool, error) {
	res, err := d.writer.ExecContext(ctx,
		`UPDATE share_links SET views = views + 1 WHERE id = ? AND (max_views = 0 OR views < max_views)`, id)
	if err != nil {
		return false, internal("count share view", err)
	}
	n, err := res.RowsAffected()
	return n == 1, internal("count share view", err)
}

// CreateShareLink stores l under digest with its audit row, in one
// transaction.
func (d *DB) CreateShareLink(ctx context.Context, l nvr.ShareLink, digest []byte, audit func(nvr.ShareLink) nvr.AuditEntry) (nvr.ShareLink, error) {
	const op = "create share link"
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO share_links
			(token_digest, camera_id, created_by, kind, start_ns, end_ns, created_at_ns, expires_at_ns, passcode_hash, max_views, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			digest, string(l.CameraID), int64(l.CreatedBy), string(l.Kind), ns(l.Window.Start), ns(l.Window.End),
			ns(l.CreatedAt), ns(l.ExpiresAt), l.PasscodeHash, l.MaxViews, l.Note)
		if err != nil {
			return internal(op, err)
		}
		if l.ID, err = res.LastInsertId(); err != nil {
			return internal(op, err)
		}
		return appendAudit(ctx, tx, audit(l))
	})
	if err != nil {
		return nvr.ShareLink{}, err
	}
	return l, nil
}

// DeleteShareLink deletes link id with its audit row, in one transaction;
// KindNotFound when there is none.
func (d *DB) DeleteShareLink(ctx context.Context, id int64, audit nvr.AuditEntry) error {
	const op = "delete share link"
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM share_links WHERE id = ?`, id)
		if err != nil {
			return internal(op, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return internal(op, err)
			}
			return notFound(op, "share link")
		}
		return appendAudit(ctx, tx, audit)
	})
}

// ShareLinks lists the links of household h's cameras, newest first.
func (d *DB) ShareLinks(ctx context.Context, h nvr.HouseholdID) ([]nvr.ShareLinkInfo, error) {
	const op = "list share links"
	rows, err := d.reader.QueryContext(ctx, `
		SELECT l.id, l.camera_id, l.created_by, l.kind, l.start_ns, l.end_ns, l.created_at_ns, l.expires_at_ns,
			l.passcode_hash, l.max_views, l.views, l.note, c.name, c.household_id, COALESCE(u.name, '')
		FROM share_links l JOIN cameras c ON c.id = l.camera_id LEFT JOIN users u ON u.id = l.created_by
		WHERE c.household_id = ? ORDER BY l.created_at_ns DESC, l.id DESC`, int64(h))
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []nvr.ShareLinkInfo
	for rows.Next() {
		var (
			info nvr.ShareLinkInfo
			hh   int64
		)
		info.ShareLink, err = scanShareLink(rows, &info.CameraName, &hh, &info.CreatorName)
		if err != nil {
			return nil, internal(op, err)
		}
		info.CameraHousehold = nvr.HouseholdID(hh)
		out = append(out, info)
	}
	return out, internal(op, rows.Err())
}

var _ nvr.ShareStore = (*DB)(nil)
