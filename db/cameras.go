package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hearthnvr/hearth/nvr"
)

// CreateCamera stores a new camera with the ID the caller assigned (see
// nvr.NewCameraID); an empty Transport is stored as TCP. KindInvalid for a
// malformed ID or a value the schema refuses, KindNotFound if the household
// does not exist, KindConflict if the household already has a camera by
// that name (regardless of case) or the ID is taken.
func (d *DB) CreateCamera(ctx context.Context, c nvr.Camera) (nvr.Camera, error) {
	const op = "create camera"
	if _, err := nvr.ParseCameraID(string(c.ID)); err != nil {
		return nvr.Camera{}, invalid(op, "camera ID must be 32 lowercase hex characters", nil)
	}
	if c.Transport == "" {
		c.Transport = nvr.TransportTCP
	}
	_, err := d.writer.ExecContext(ctx, `
		INSERT INTO cameras (id, household_id, name, main_url, sub_url, rtsp_username, rtsp_password,
		                     transport, enabled, created_at_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(c.ID), int64(c.HouseholdID), c.Name, c.MainURL, c.SubURL, c.Username, c.Password.Reveal(),
		string(c.Transport), b2i(c.Enabled), ns(c.CreatedAt))
	if err != nil {
		return nvr.Camera{}, cameraWriteError(op, c, err)
	}
	c.CreatedAt = fromNs(ns(c.CreatedAt))
	return c, nil
}

// cameraWriteError maps an insert or update failure. It names the camera,
// never its URLs or credentials.
func cameraWriteError(op string, c nvr.Camera, err error) error {
	switch {
	case isPrimaryKey(err):
		return conflict(op, "a camera with that ID already exists", err)
	case isUnique(err):
		return conflict(op, fmt.Sprintf("a camera named %q already exists in this household", c.Name), err)
	case isForeignKey(err):
		return notFound(op, "household")
	case isCheck(err):
		return invalid(op, "camera name must not be empty and transport must be tcp, udp or auto", err)
	}
	return internal(op, err)
}

const cameraColumns = `id, household_id, name, main_url, sub_url, rtsp_username, rtsp_password,
	transport, enabled, created_at_ns`

func scanCamera(row interface{ Scan(...any) error }) (nvr.Camera, error) {
	var (
		c                       nvr.Camera
		id, password, transport string
		household, at           int64
	)
	if err := row.Scan(&id, &household, &c.Name, &c.MainURL, &c.SubURL, &c.Username, &password,
		&transport, &c.Enabled, &at); err != nil {
		return nvr.Camera{}, err
	}
	c.ID, c.HouseholdID, c.Transport = nvr.CameraID(id), nvr.HouseholdID(household), nvr.Transport(transport)
	c.Password = nvr.NewSecret(password)
	c.CreatedAt = fromNs(at)
	return c, nil
}

func scanCameras(rows *sql.Rows, op string) ([]nvr.Camera, error) {
	defer rows.Close()
	var cs []nvr.Camera
	for rows.Next() {
		c, err := scanCamera(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		cs = append(cs, c)
	}
	return cs, internal(op, rows.Err())
}

// Cameras lists household h's cameras ordered by name; h == 0 lists every
// camera ordered by household, then name.
func (d *DB) Cameras(ctx context.Context, h nvr.HouseholdID) ([]nvr.Camera, error) {
	const op = "list cameras"
	var (
		rows *sql.Rows
		err  error
	)
	if h == 0 {
		rows, err = d.reader.QueryContext(ctx,
			`SELECT `+cameraColumns+` FROM cameras ORDER BY household_id, name`)
	} else {
		rows, err = d.reader.QueryContext(ctx,
			`SELECT `+cameraColumns+` FROM cameras WHERE household_id = ? ORDER BY name`, int64(h))
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return scanCameras(rows, op)
}

// Camera returns one camera; KindNotFound when missing.
func (d *DB) Camera(ctx context.Context, id nvr.CameraID) (nvr.Camera, error) {
	const op = "get camera"
	c, err := scanCamera(d.reader.QueryRowContext(ctx,
		`SELECT `+cameraColumns+` FROM cameras WHERE id = ?`, string(id)))
	if isNoRows(err) {
		return nvr.Camera{}, notFound(op, "camera")
	}
	return c, internal(op, err)
}

// UpdateCamera replaces a camera's name, URLs, credentials, transport and
// enabled flag (all of them: pass the password back to keep it). The ID,
// household and creation time never change here; a HouseholdID other than
// the stored one is KindInvalid (use MoveCamera). KindNotFound if missing.
func (d *DB) UpdateCamera(ctx context.Context, c nvr.Camera) error {
	const op = "update camera"
	if c.Transport == "" {
		c.Transport = nvr.TransportTCP
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var h nvr.HouseholdID
		err := tx.QueryRowContext(ctx, `SELECT household_id FROM cameras WHERE id = ?`, string(c.ID)).Scan(&h)
		if isNoRows(err) {
			return notFound(op, "camera")
		}
		if err != nil {
			return err
		}
		if c.HouseholdID != h {
			return invalid(op, "moving a camera to another household is a separate operation", nil)
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE cameras SET name = ?, main_url = ?, sub_url = ?, rtsp_username = ?, rtsp_password = ?,
			                   transport = ?, enabled = ?
			WHERE id = ?`,
			c.Name, c.MainURL, c.SubURL, c.Username, c.Password.Reveal(), string(c.Transport), b2i(c.Enabled),
			string(c.ID))
		if err != nil {
			return cameraWriteError(op, c, err)
		}
		return nil
	})
	return internal(op, err)
}

// DeleteCamera removes a camera and its viewer assignments; audit rows
// stay. KindNotFound if missing.
func (d *DB) DeleteCamera(ctx context.Context, id nvr.CameraID) error {
	const op = "delete camera"
	res, err := d.writer.ExecContext(ctx, `DELETE FROM cameras WHERE id = ?`, string(id))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "camera")
}

// MoveCamera moves a camera to household to and, in the same transaction,
// drops its viewer assignments (they were for the old household's viewers).
// Moving a camera to the household it is in changes nothing. KindNotFound
// if the camera or the household is missing, KindConflict if the target
// household already has a camera by that name.
func (d *DB) MoveCamera(ctx context.Context, id nvr.CameraID, to nvr.HouseholdID) error {
	const op = "move camera"
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var (
			from nvr.HouseholdID
			name string
		)
		err := tx.QueryRowContext(ctx, `SELECT household_id, name FROM cameras WHERE id = ?`, string(id)).
			Scan(&from, &name)
		if isNoRows(err) {
			return notFound(op, "camera")
		}
		if err != nil {
			return err
		}
		if from == to {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE cameras SET household_id = ? WHERE id = ?`, int64(to), string(id))
		if err != nil {
			return cameraWriteError(op, nvr.Camera{ID: id, Name: name}, err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM camera_viewers WHERE camera_id = ?`, string(id))
		return err
	})
	return internal(op, err)
}
