package db

import (
	"context"
	"database/sql"

	"github.com/hearthnvr/hearth/nvr"
)

// AssignCamera lets viewer u see camera c. The store enforces the rules
// itself, in one transaction, so a concurrent move or role change cannot
// slip a stale assignment in: KindNotFound if the user or camera is missing
// or they are in different households, KindInvalid if u is not a viewer.
// Assigning a pair that is already assigned is not an error.
func (w writes) AssignCamera(ctx context.Context, u nvr.UserID, c nvr.CameraID) error {
	const op = "assign camera"
	err := w.atomically(ctx, func(tx conn) error {
		var (
			role          nvr.Role
			userHousehold int64
			camHousehold  sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `
			SELECT u.role, COALESCE(u.household_id, 0),
			       (SELECT household_id FROM cameras WHERE id = ?2)
			FROM users u WHERE u.id = ?1`, int64(u), string(c)).Scan(&role, &userHousehold, &camHousehold)
		switch {
		case isNoRows(err):
			return notFound(op, "user")
		case err != nil:
			return err
		case !camHousehold.Valid:
			return notFound(op, "camera")
		case role != nvr.RoleViewer:
			return invalid(op, "only viewers have assigned cameras; owners and members see every camera of their household", nil)
		case userHousehold != camHousehold.Int64:
			// Same answer as a missing camera: the viewer's household
			// has no such camera.
			return notFound(op, "camera")
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO camera_viewers (user_id, camera_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			int64(u), string(c))
		return err
	})
	return internal(op, err)
}

// UnassignCamera removes viewer u's access to camera c; removing an
// assignment that does not exist is not an error.
func (w writes) UnassignCamera(ctx context.Context, u nvr.UserID, c nvr.CameraID) error {
	_, err := w.c.ExecContext(ctx,
		`DELETE FROM camera_viewers WHERE user_id = ? AND camera_id = ?`, int64(u), string(c))
	return internal("unassign camera", err)
}

// AssignedCameras lists the IDs of the cameras assigned to user u, in ID order.
func (d *DB) AssignedCameras(ctx context.Context, u nvr.UserID) ([]nvr.CameraID, error) {
	const op = "list assigned cameras"
	rows, err := d.reader.QueryContext(ctx,
		`SELECT camera_id FROM camera_viewers WHERE user_id = ? ORDER BY camera_id`, int64(u))
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var ids []nvr.CameraID
	for rows.Next() {
		var id nvr.CameraID
		if err := rows.Scan(&id); err != nil {
			return nil, internal(op, err)
		}
		ids = append(ids, id)
	}
	return ids, internal(op, rows.Err())
}
