package db

import (
	"context"
	"database/sql"

	"github.com/hearthnvr/hearth/nvr"
)

var (
	_ nvr.OffsiteStore  = (*DB)(nil)
	_ nvr.OffsiteWriter = writes{}
)

// OffsiteTarget implements nvr.OffsiteStore.
func (d *DB) OffsiteTarget(ctx context.Context, h nvr.HouseholdID) (nvr.OffsiteTarget, error) {
	const op = "read offsite target"
	var (
		t       nvr.OffsiteTarget
		kind    string
		key     string
		updated int64
	)
	err := d.reader.QueryRowContext(ctx, `
		SELECT kind, path, sftp_addr, sftp_user, sftp_host_key, sftp_key, recipient, continuous, updated_at_ns
		FROM offsite_targets WHERE household_id = ?`, int64(h)).
		Scan(&kind, &t.Path, &t.SFTPAddr, &t.SFTPUser, &t.SFTPHostKey, &key, &t.Recipient, &t.Continuous, &updated)
	if isNoRows(err) {
		return nvr.OffsiteTarget{}, notFound(op, "offsite target")
	}
	if err != nil {
		return nvr.OffsiteTarget{}, internal(op, err)
	}
	t.Household, t.Kind, t.SFTPKey, t.UpdatedAt = h, nvr.OffsiteKind(kind), nvr.NewSecret(key), fromNs(updated)
	return t, nil
}

// OffsiteChange implements nvr.OffsiteStore: fn's writes and the audit row
// commit together or not at all.
func (d *DB) OffsiteChange(ctx context.Context, e nvr.AuditEntry, fn func(w nvr.OffsiteWriter) error) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(writes{c: tx}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, e)
	})
}

// PutOffsiteTarget implements nvr.OffsiteWriter.
func (w writes) PutOffsiteTarget(ctx context.Context, t nvr.OffsiteTarget) error {
	const op = "store offsite target"
	_, err := w.c.ExecContext(ctx, `
		INSERT INTO offsite_targets (household_id, kind, path, sftp_addr, sftp_user, sftp_host_key, sftp_key, recipient, continuous, updated_at_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (household_id) DO UPDATE SET kind = excluded.kind, path = excluded.path,
			sftp_addr = excluded.sftp_addr, sftp_user = excluded.sftp_user, sftp_host_key = excluded.sftp_host_key,
			sftp_key = excluded.sftp_key, recipient = excluded.recipient, continuous = excluded.continuous,
			updated_at_ns = excluded.updated_at_ns`,
		int64(t.Household), string(t.Kind), t.Path, t.SFTPAddr, t.SFTPUser, t.SFTPHostKey, t.SFTPKey.Reveal(),
		t.Recipient, t.Continuous, ns(t.UpdatedAt))
	switch {
	case isForeignKey(err):
		return notFound(op, "household")
	case isCheck(err):
		return invalid(op, "the target's kind, path or key is not valid", err)
	case err != nil:
		return internal(op, err)
	}
	return nil
}

// PinOffsiteHostKey implements nvr.OffsiteWriter: it stores key only while
// none is pinned, so a second first use cannot replace the first.
func (w writes) PinOffsiteHostKey(ctx context.Context, h nvr.HouseholdID, key string) error {
	const op = "pin offsite host key"
	res, err := w.c.ExecContext(ctx, `
		UPDATE offsite_targets SET sftp_host_key = ? WHERE household_id = ? AND sftp_host_key IN ('', ?)`, key, int64(h), key)
	if err != nil {
		return internal(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(op, err)
	} else if n == 0 {
		return conflict(op, "another host key is already pinned for this target", nil)
	}
	return nil
}

// DeleteOffsiteTarget implements nvr.OffsiteWriter.
func (w writes) DeleteOffsiteTarget(ctx context.Context, h nvr.HouseholdID) error {
	if _, err := w.c.ExecContext(ctx, `DELETE FROM offsite_targets WHERE household_id = ?`, int64(h)); err != nil {
		return internal("delete offsite target", err)
	}
	return nil
}
