package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// Notification channels and rules (the notify migration). Every read and
// delete names the owning user, so one user's ID never reaches another's
// row: another user's row answers KindNotFound like a missing one. The
// writes are methods of writes, like the directory's: NotifyChange runs
// them in one transaction with their audit row; on DB (tests' set-up)
// each commits on its own.

var (
	_ nvr.NotifyStore  = (*DB)(nil)
	_ nvr.NotifyWriter = writes{}
	_ nvr.NotifyWriter = (*DB)(nil)
)

// NotifyChange runs fn's writes and appends e in one write transaction: a
// settings change whose audit row cannot be written is not made. When fn
// fails nothing of it stays and no row is written here; the caller records
// the failed attempt.
func (d *DB) NotifyChange(ctx context.Context, e nvr.AuditEntry, fn func(w nvr.NotifyWriter) error) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(writes{c: tx}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, e)
	})
}

const channelColumns = `id, public_id, user_id, kind, name, target, secret, local_ok, created_at_ns`

func scanChannel(row interface{ Scan(...any) error }) (nvr.NotifyChannel, error) {
	var (
		c                 nvr.NotifyChannel
		id, user, created int64
		pub, kind, secret string
		localOK           bool
	)
	if err := row.Scan(&id, &pub, &user, &kind, &c.Name, &c.Target, &secret, &localOK, &created); err != nil {
		return nvr.NotifyChannel{}, err
	}
	c.Seq, c.ID, c.UserID, c.Kind = id, nvr.NotifyChannelID(pub), nvr.UserID(user), nvr.NotifyChannelKind(kind)
	c.Secret, c.LocalOK, c.CreatedAt = nvr.NewSecret(secret), localOK, fromNs(created)
	return c, nil
}

// CreateNotifyChannel stores c under its user; KindNotFound for a missing
// user, KindConflict when the user has nvr.MaxNotifyChannels already (the
// count and the insert are one transaction).
func (w writes) CreateNotifyChannel(ctx context.Context, c nvr.NotifyChannel) (nvr.NotifyChannel, error) {
	const op = "create notification channel"
	err := w.atomically(ctx, func(tx conn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notify_channels WHERE user_id = ?`, int64(c.UserID)).Scan(&n); err != nil {
			return internal(op, err)
		}
		if n >= nvr.MaxNotifyChannels {
			return conflict(op, "at most 16 channels per user", nil)
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO notify_channels (public_id, user_id, kind, name, target, secret, local_ok, created_at_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			string(c.ID), int64(c.UserID), string(c.Kind), c.Name, c.Target, c.Secret.Reveal(), b2i(c.LocalOK), ns(c.CreatedAt))
		switch {
		case isForeignKey(err):
			return notFound(op, "user")
		case isCheck(err):
			return invalid(op, "channel fields out of range", err)
		case err != nil:
			return internal(op, err)
		}
		c.Seq, err = res.LastInsertId()
		return internal(op, err)
	})
	if err != nil {
		return nvr.NotifyChannel{}, err
	}
	c.CreatedAt = fromNs(ns(c.CreatedAt))
	return c, nil
}

// NotifyChannels lists user u's channels, oldest first.
func (d *DB) NotifyChannels(ctx context.Context, u nvr.UserID) ([]nvr.NotifyChannel, error) {
	const op = "list notification channels"
	rows, err := d.reader.QueryContext(ctx, `SELECT `+channelColumns+` FROM notify_channels WHERE user_id = ? ORDER BY id`, int64(u))
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []nvr.NotifyChannel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		out = append(out, c)
	}
	return out, internal(op, rows.Err())
}

// NotifyChannel reads one of u's channels; KindNotFound for a missing one
// or another user's.
func (d *DB) NotifyChannel(ctx context.Context, u nvr.UserID, id nvr.NotifyChannelID) (nvr.NotifyChannel, error) {
	const op = "get notification channel"
	c, err := scanChannel(d.reader.QueryRowContext(ctx,
		`SELECT `+channelColumns+` FROM notify_channels WHERE user_id = ? AND public_id = ?`, int64(u), string(id)))
	if isNoRows(err) {
		return nvr.NotifyChannel{}, notFound(op, "channel")
	}
	if err != nil {
		return nvr.NotifyChannel{}, internal(op, err)
	}
	return c, nil
}

// DeleteNotifyChannel removes one of u's channels; KindNotFound otherwise.
func (w writes) DeleteNotifyChannel(ctx context.Context, u nvr.UserID, id nvr.NotifyChannelID) error {
	const op = "delete notification channel"
	res, err := w.c.ExecContext(ctx, `DELETE FROM notify_channels WHERE user_id = ? AND public_id = ?`, int64(u), string(id))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "channel")
}

const ruleColumns = `id, public_id, user_id, COALESCE(camera_id, ''), kinds, labels, quiet_start, quiet_end, cooldown_ms, thumbnail, created_at_ns`

func scanRule(row interface{ Scan(...any) error }) (nvr.NotifyRule, error) {
	var (
		r                             nvr.NotifyRule
		id, user, cooldownMs, created int64
		pub, cam, kinds, labels       string
		thumb                         bool
	)
	if err := row.Scan(&id, &pub, &user, &cam, &kinds, &labels, &r.QuietStart, &r.QuietEnd, &cooldownMs, &thumb, &created); err != nil {
		return nvr.NotifyRule{}, err
	}
	if err := json.Unmarshal([]byte(kinds), &r.Kinds); err != nil {
		return nvr.NotifyRule{}, err
	}
	if err := json.Unmarshal([]byte(labels), &r.Labels); err != nil {
		return nvr.NotifyRule{}, err
	}
	r.Seq, r.ID, r.UserID, r.CameraID = id, nvr.NotifyRuleID(pub), nvr.UserID(user), nvr.CameraID(cam)
	r.Cooldown, r.Thumbnail, r.CreatedAt = time.Duration(cooldownMs)*time.Millisecond, thumb, fromNs(created)
	return r, nil
}

// CreateNotifyRule stores r; KindNotFound for a missing user or camera,
// KindConflict beyond nvr.MaxNotifyRules.
func (w writes) CreateNotifyRule(ctx context.Context, r nvr.NotifyRule) (nvr.NotifyRule, error) {
	const op = "create notification rule"
	if r.Labels == nil {
		r.Labels = []string{}
	}
	kinds, err := json.Marshal(r.Kinds)
	if err != nil {
		return nvr.NotifyRule{}, internal(op, err)
	}
	labels, err := json.Marshal(r.Labels)
	if err != nil {
		return nvr.NotifyRule{}, internal(op, err)
	}
	err = w.atomically(ctx, func(tx conn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notify_rules WHERE user_id = ?`, int64(r.UserID)).Scan(&n); err != nil {
			return internal(op, err)
		}
		if n >= nvr.MaxNotifyRules {
			return conflict(op, "at most 32 rules per user", nil)
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO notify_rules (public_id, user_id, camera_id, kinds, labels, quiet_start, quiet_end, cooldown_ms, thumbnail, created_at_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(r.ID), int64(r.UserID), nullText(string(r.CameraID)), string(kinds), string(labels),
			r.QuietStart, r.QuietEnd, r.Cooldown.Milliseconds(), b2i(r.Thumbnail), ns(r.CreatedAt))
		switch {
		case isForeignKey(err):
			return notFound(op, "user or camera")
		case isCheck(err):
			return invalid(op, "rule fields out of range", err)
		case err != nil:
			return internal(op, err)
		}
		r.Seq, err = res.LastInsertId()
		return internal(op, err)
	})
	if err != nil {
		return nvr.NotifyRule{}, err
	}
	r.CreatedAt = fromNs(ns(r.CreatedAt))
	return r, nil
}

func (d *DB) queryRules(ctx context.Context, op, where string, args ...any) ([]nvr.NotifyRule, error) {
	rows, err := d.reader.QueryContext(ctx, `SELECT `+ruleColumns+` FROM notify_rules WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []nvr.NotifyRule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		out = append(out, r)
	}
	return out, internal(op, rows.Err())
}

// NotifyRules lists user u's rules, oldest first.
func (d *DB) NotifyRules(ctx context.Context, u nvr.UserID) ([]nvr.NotifyRule, error) {
	return d.queryRules(ctx, "list notification rules", `user_id = ?`, int64(u))
}

// NotifyRulesFor lists the rules naming camera cam or every camera whose
// users belong to cam's household now; with cam "", the every-camera
// rules of appliance admins. It narrows the candidates so that one
// household's events do not put every other household's users to the
// policy (and into the audit log as denials); it decides nothing.
func (d *DB) NotifyRulesFor(ctx context.Context, cam nvr.CameraID) ([]nvr.NotifyRule, error) {
	const op = "list notification rules"
	if cam == "" {
		return d.queryRules(ctx, op, `camera_id IS NULL AND user_id IN (SELECT id FROM users WHERE is_admin = 1)`)
	}
	return d.queryRules(ctx, op, `(camera_id IS NULL OR camera_id = :cam)
		AND user_id IN (SELECT u.id FROM users u JOIN cameras c ON c.household_id = u.household_id WHERE c.id = :cam)`,
		sql.Named("cam", string(cam)))
}

// DeleteNotifyRule removes one of u's rules; KindNotFound otherwise.
func (w writes) DeleteNotifyRule(ctx context.Context, u nvr.UserID, id nvr.NotifyRuleID) error {
	const op = "delete notification rule"
	res, err := w.c.ExecContext(ctx, `DELETE FROM notify_rules WHERE user_id = ? AND public_id = ?`, int64(u), string(id))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "rule")
}
