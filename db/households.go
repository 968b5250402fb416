package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// CreateHousehold creates a household. Names are unique regardless of case:
// KindConflict if one by that name exists.
func (w writes) CreateHousehold(ctx context.Context, name string, at time.Time) (nvr.Household, error) {
	const op = "create household"
	public := nvr.NewHouseholdPublicID()
	res, err := w.c.ExecContext(ctx,
		`INSERT INTO households (public_id, name, created_at_ns) VALUES (?, ?, ?)`, string(public), name, ns(at))
	switch {
	case isUnique(err):
		return nvr.Household{}, conflict(op, fmt.Sprintf("a household named %q already exists", name), err)
	case isCheck(err):
		return nvr.Household{}, invalid(op, "household name must not be empty", err)
	case err != nil:
		return nvr.Household{}, internal(op, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nvr.Household{}, internal(op, err)
	}
	return nvr.Household{ID: nvr.HouseholdID(id), PublicID: public, Name: name, CreatedAt: fromNs(ns(at))}, nil
}

const householdColumns = `id, public_id, name, created_at_ns`

func scanHousehold(row interface{ Scan(...any) error }) (nvr.Household, error) {
	var (
		h  nvr.Household
		at int64
	)
	if err := row.Scan(&h.ID, &h.PublicID, &h.Name, &at); err != nil {
		return nvr.Household{}, err
	}
	h.CreatedAt = fromNs(at)
	return h, nil
}

// Households lists every household ordered by name.
func (d *DB) Households(ctx context.Context) ([]nvr.Household, error) {
	const op = "list households"
	rows, err := d.reader.QueryContext(ctx,
		`SELECT `+householdColumns+` FROM households ORDER BY name, id`)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var hs []nvr.Household
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		hs = append(hs, h)
	}
	return hs, internal(op, rows.Err())
}

// HouseholdByRef finds a household by public ID when ref has that form,
// and by its exact name otherwise; KindNotFound when there is none. The
// row number is not a reference: it never leaves the server.
func (d *DB) HouseholdByRef(ctx context.Context, ref string) (nvr.Household, error) {
	const op = "find household"
	if id, err := nvr.ParseHouseholdPublicID(ref); err == nil {
		h, err := d.HouseholdByPublicID(ctx, id)
		if err == nil || !errors.Is(err, nvr.ErrNotFound) {
			return h, err
		}
	}
	// The NOCASE index finds the row; the BINARY comparison makes the match
	// exact.
	h, err := scanHousehold(d.reader.QueryRowContext(ctx,
		`SELECT `+householdColumns+` FROM households WHERE name = ?1 AND name = ?1 COLLATE BINARY`, ref))
	if isNoRows(err) {
		return nvr.Household{}, notFound(op, "household")
	}
	return h, internal(op, err)
}

// HouseholdByPublicID finds a household by its public ID; KindNotFound when
// none.
func (d *DB) HouseholdByPublicID(ctx context.Context, id nvr.HouseholdPublicID) (nvr.Household, error) {
	const op = "find household"
	if _, err := nvr.ParseHouseholdPublicID(string(id)); err != nil {
		return nvr.Household{}, notFound(op, "household")
	}
	h, err := scanHousehold(d.reader.QueryRowContext(ctx,
		`SELECT `+householdColumns+` FROM households WHERE public_id = ?`, string(id)))
	if isNoRows(err) {
		return nvr.Household{}, notFound(op, "household")
	}
	return h, internal(op, err)
}

// Household returns one household by its row number; KindNotFound when
// missing.
func (d *DB) Household(ctx context.Context, id nvr.HouseholdID) (nvr.Household, error) {
	const op = "get household"
	h, err := scanHousehold(d.reader.QueryRowContext(ctx,
		`SELECT `+householdColumns+` FROM households WHERE id = ?`, id))
	if isNoRows(err) {
		return nvr.Household{}, notFound(op, "household")
	}
	return h, internal(op, err)
}

// DeleteHousehold removes an empty household: KindConflict while users or
// cameras still belong to it, KindNotFound if it does not exist.
func (w writes) DeleteHousehold(ctx context.Context, id nvr.HouseholdID) error {
	const op = "delete household"
	res, err := w.c.ExecContext(ctx, `DELETE FROM households WHERE id = ?`, id)
	switch {
	case isForeignKey(err):
		// Say what is left, so the admin knows what to move or remove.
		var people, cameras int
		if qerr := w.c.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users WHERE household_id = ?),
			(SELECT count(*) FROM cameras WHERE household_id = ?)`, id, id).Scan(&people, &cameras); qerr != nil {
			return conflict(op, "household still has people or cameras: move or remove them first", err)
		}
		return conflict(op, fmt.Sprintf("household still has %s and %s: move or remove them first",
			plural(people, "person", "people"), plural(cameras, "camera", "cameras")), err)
	case err != nil:
		return internal(op, err)
	}
	return affectedOne(res, op, "household")
}

// isDecimal reports whether s is non-empty and all ASCII digits.
func isDecimal(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// plural says n with the noun's singular or plural form.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
