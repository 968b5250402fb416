package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

// CreateUser creates a user with the given password hash; u.ID is ignored
// and assigned. KindConflict if the name is taken (regardless of case),
// KindNotFound if u.HouseholdID names no household, KindInvalid for a role
// the schema refuses.
func (w writes) CreateUser(ctx context.Context, u nvr.User, passwordHash string) (nvr.User, error) {
	const op = "create user"
	u.PublicID = nvr.NewPublicID()
	res, err := w.c.ExecContext(ctx, `
		INSERT INTO users (public_id, name, household_id, role, is_admin, disabled, password_hash, created_at_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.PublicID, u.Name, nullID(int64(u.HouseholdID)), string(u.Role), b2i(u.Admin), b2i(u.Disabled),
		passwordHash, ns(u.CreatedAt))
	switch {
	case isUnique(err):
		return nvr.User{}, conflict(op, fmt.Sprintf("a user named %q already exists", u.Name), err)
	case isForeignKey(err):
		return nvr.User{}, notFound(op, "household")
	case isCheck(err):
		return nvr.User{}, invalid(op, "user name must not be empty and role must be owner, member or viewer", err)
	case err != nil:
		return nvr.User{}, internal(op, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nvr.User{}, internal(op, err)
	}
	u.ID = nvr.UserID(id)
	u.CreatedAt = fromNs(ns(u.CreatedAt))
	return u, nil
}

const userColumns = `id, public_id, name, COALESCE(household_id, 0), role, is_admin, disabled, created_at_ns`

// scanUser scans userColumns, then extra. It scans into plain Go types,
// which database/sql converts without reflection: this is on the
// per-request path.
func scanUser(row interface{ Scan(...any) error }, extra ...any) (nvr.User, error) {
	var (
		id, household, at  int64
		public, name, role string
		admin, disabled    bool
	)
	dest := append([]any{&id, &public, &name, &household, &role, &admin, &disabled, &at}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nvr.User{}, err
	}
	return nvr.User{ID: nvr.UserID(id), PublicID: public, Name: name, HouseholdID: nvr.HouseholdID(household), Role: nvr.Role(role),
		Admin: admin, Disabled: disabled, CreatedAt: fromNs(at)}, nil
}

// Users lists household h's users ordered by name; h == 0 lists all users.
func (d *DB) Users(ctx context.Context, h nvr.HouseholdID) ([]nvr.User, error) {
	const op = "list users"
	var (
		rows *sql.Rows
		err  error
	)
	if h == 0 {
		rows, err = d.reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name, id`)
	} else {
		rows, err = d.reader.QueryContext(ctx,
			`SELECT `+userColumns+` FROM users WHERE household_id = ? ORDER BY name, id`, h)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var us []nvr.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		us = append(us, u)
	}
	return us, internal(op, rows.Err())
}

// UserByRef finds a user by ID when ref is a decimal number, and by exact
// name otherwise; KindNotFound when there is none.
func (d *DB) UserByRef(ctx context.Context, ref string) (nvr.User, error) {
	const op = "find user"
	if isDecimal(ref) {
		id, err := nvr.ParseInt64ID(ref)
		if err != nil {
			return nvr.User{}, notFound(op, "user")
		}
		return d.user(ctx, op, nvr.UserID(id))
	}
	u, _, err := d.userCredentials(ctx, op, ref)
	return u, err
}

// UserByPublicID finds a user by public ID; KindNotFound when none.
func (d *DB) UserByPublicID(ctx context.Context, id string) (nvr.User, error) {
	const op = "find user"
	if _, err := nvr.ParsePublicID(id); err != nil {
		return nvr.User{}, notFound(op, "user")
	}
	u, err := scanUser(d.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE public_id = ?`, id))
	if isNoRows(err) {
		return nvr.User{}, notFound(op, "user")
	}
	return u, internal(op, err)
}

// User returns one user; KindNotFound when missing.
func (d *DB) User(ctx context.Context, id nvr.UserID) (nvr.User, error) {
	return d.user(ctx, "get user", id)
}

func (d *DB) user(ctx context.Context, op string, id nvr.UserID) (nvr.User, error) {
	u, err := scanUser(d.hot.userByID.QueryRowContext(ctx, id))
	if isNoRows(err) {
		return nvr.User{}, notFound(op, "user")
	}
	return u, internal(op, err)
}

// UserCredentials returns the user whose name is exactly name, and its
// password hash; KindNotFound when there is none.
func (d *DB) UserCredentials(ctx context.Context, name string) (nvr.User, string, error) {
	return d.userCredentials(ctx, "get user credentials", name)
}

func (d *DB) userCredentials(ctx context.Context, op, name string) (nvr.User, string, error) {
	var hash string
	// The NOCASE unique index finds the row; the BINARY comparison makes the
	// match exact, so the login limiter's per-name count cannot be dodged
	// by changing case.
	row := d.reader.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users
		WHERE name = ?1 AND name = ?1 COLLATE BINARY`, name)
	u, err := scanUser(row, &hash)
	if isNoRows(err) {
		return nvr.User{}, "", notFound(op, "user")
	}
	if err != nil {
		return nvr.User{}, "", internal(op, err)
	}
	return u, hash, nil
}

// SetPasswordHash replaces a user's password hash; KindNotFound if missing.
// Ending the user's sessions is the caller's (nvr.Directory's) step.
func (w writes) SetPasswordHash(ctx context.Context, id nvr.UserID, hash string) error {
	const op = "set password"
	res, err := w.c.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "user")
}

// SetRole changes a user's role; for any role but viewer the user's camera
// assignments are dropped in the same transaction. KindNotFound if missing.
func (w writes) SetRole(ctx context.Context, id nvr.UserID, r nvr.Role) error {
	const op = "set role"
	err := w.atomically(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, string(r), id)
		if isCheck(err) {
			return invalid(op, "role must be owner, member or viewer", err)
		}
		if err != nil {
			return err
		}
		if err := affectedOne(res, op, "user"); err != nil {
			return err
		}
		if r != nvr.RoleViewer {
			_, err = tx.ExecContext(ctx, `DELETE FROM camera_viewers WHERE user_id = ?`, id)
		}
		return err
	})
	return internal(op, err)
}

// SetAdmin grants or removes appliance administration; KindNotFound if the
// user is missing, KindConflict if it would leave no enabled admin.
func (w writes) SetAdmin(ctx context.Context, id nvr.UserID, admin bool) error {
	return w.changeKeepingAdmin(ctx, "set admin", `UPDATE users SET is_admin = ? WHERE id = ?`, b2i(admin), id)
}

// SetDisabled disables or enables a user; KindNotFound if missing,
// KindConflict if it would leave no enabled admin. The policy reads the flag
// on every request, so it takes effect at once.
func (w writes) SetDisabled(ctx context.Context, id nvr.UserID, disabled bool) error {
	return w.changeKeepingAdmin(ctx, "set disabled", `UPDATE users SET disabled = ? WHERE id = ?`, b2i(disabled), id)
}

// DeleteUser removes a user; its sessions, tokens and camera assignments go
// with it (ON DELETE CASCADE), its audit rows stay. KindNotFound if missing,
// KindConflict if it would leave no enabled admin.
func (w writes) DeleteUser(ctx context.Context, id nvr.UserID) error {
	return w.changeKeepingAdmin(ctx, "delete user", `DELETE FROM users WHERE id = ?`, id)
}

// changeKeepingAdmin applies one change to one user row inside a write
// transaction and rolls it back if it took the last enabled admin away. The
// check and the change share the transaction (BEGIN IMMEDIATE), so two
// demotions racing, even from two processes, cannot both pass.
func (w writes) changeKeepingAdmin(ctx context.Context, op, stmt string, args ...any) error {
	const countAdmins = `SELECT count(*) FROM users WHERE is_admin = 1 AND disabled = 0`
	return w.atomically(ctx, func(tx conn) error {
		var before, after int
		if err := tx.QueryRowContext(ctx, countAdmins).Scan(&before); err != nil {
			return internal(op, err)
		}
		res, err := tx.ExecContext(ctx, stmt, args...)
		if err != nil {
			return internal(op, err)
		}
		if err := affectedOne(res, op, "user"); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, countAdmins).Scan(&after); err != nil {
			return internal(op, err)
		}
		if before > 0 && after == 0 {
			return conflict(op, "that would leave no appliance admin; make another admin first", nil)
		}
		return nil
	})
}

// AdminCount counts enabled appliance admins.
func (d *DB) AdminCount(ctx context.Context) (int, error) {
	var n int
	err := d.reader.QueryRowContext(ctx,
		`SELECT count(*) FROM users WHERE is_admin = 1 AND disabled = 0`).Scan(&n)
	return n, internal("count admins", err)
}
