package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// CreateCamera stores a new camera with the ID the caller assigned (see
// nvr.NewCameraID); an empty Transport is stored as TCP and zero recording
// settings as their defaults (nvr.Camera.WithRecordingDefaults), and the
// result carries what was stored. KindInvalid for a malformed ID, invalid
// recording settings (nvr.Camera.ValidateRecording) or a value the schema
// refuses, KindNotFound if the household does not exist, KindConflict if
// the household already has a camera by that name (regardless of case) or
// the ID is taken.
func (w writes) CreateCamera(ctx context.Context, c nvr.Camera) (nvr.Camera, error) {
	const op = "create camera"
	if _, err := nvr.ParseCameraID(string(c.ID)); err != nil {
		return nvr.Camera{}, invalid(op, "camera ID must be 32 lowercase hex characters", nil)
	}
	if c.Transport == "" {
		c.Transport = nvr.TransportTCP
	}
	c = c.WithRecordingDefaults()
	if err := c.ValidateRecording(); err != nil {
		return nvr.Camera{}, invalid(op, nvr.ErrorMessage(err), nil)
	}
	// The mode the recording switch turns back on (record_resume_mode):
	// the camera's own, or continuous for a camera stored off.
	c.ResumeRecordMode = c.RecordMode
	if c.RecordMode == nvr.RecordOff {
		c.ResumeRecordMode = nvr.RecordContinuous
	}
	if err := c.Detection.Validate(); err != nil {
		return nvr.Camera{}, invalid(op, nvr.ErrorMessage(err), nil)
	}
	_, err := w.c.ExecContext(ctx, `
		INSERT INTO cameras (id, household_id, name, main_url, sub_url, rtsp_username, rtsp_password,
		                     transport, enabled, created_at_ns,
		                     record_mode, pre_roll_ms, post_roll_ms, retain_continuous_days, retain_event_days,
		                     detector, motion_sensitivity, motion_zones, events_enabled, local_ok,
		                     onvif_url, event_source, record_resume_mode)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(c.ID), int64(c.HouseholdID), c.Name, c.MainURL, c.SubURL, c.Username, c.Password.Reveal(),
		string(c.Transport), b2i(c.Enabled), ns(c.CreatedAt),
		string(c.RecordMode), c.PreRoll.Milliseconds(), c.PostRoll.Milliseconds(),
		days(c.RetainContinuous), days(c.RetainEvents),
		string(c.Detection.Detector), c.Detection.Sensitivity, c.Detection.Zones, b2i(!c.Detection.NoEvents),
		b2i(c.LocalOK), c.ONVIFURL, eventSource(c.Detection.Source), string(c.ResumeRecordMode))
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
		return invalid(op, "camera name must not be empty, transport must be tcp, udp or auto, and recording settings in range", err)
	}
	return internal(op, err)
}

// cameraColumns are the columns scanCamera reads, in order;
// joinedCameraColumns the same for a query that names the table c.
const (
	cameraColumns = `id, household_id, name, main_url, sub_url, rtsp_username, rtsp_password,
	transport, enabled, created_at_ns,
	record_mode, pre_roll_ms, post_roll_ms, retain_continuous_days, retain_event_days, household_since_ns,
	detector, motion_sensitivity, motion_zones, events_enabled, local_ok,
	shutter_closed, shutter_start_min, shutter_end_min, shutter_keep_recording,
	onvif_url, event_source, record_resume_mode`
	joinedCameraColumns = `c.id, c.household_id, c.name, c.main_url, c.sub_url, c.rtsp_username, c.rtsp_password,
	c.transport, c.enabled, c.created_at_ns,
	c.record_mode, c.pre_roll_ms, c.post_roll_ms, c.retain_continuous_days, c.retain_event_days, c.household_since_ns,
	c.detector, c.motion_sensitivity, c.motion_zones, c.events_enabled, c.local_ok,
	c.shutter_closed, c.shutter_start_min, c.shutter_end_min, c.shutter_keep_recording,
	c.onvif_url, c.event_source, c.record_resume_mode`
)

// eventSource is the stored event_source of s (” is Hearth's detector).
func eventSource(s nvr.EventSource) string {
	if s == "" {
		return string(nvr.EventSourceHearth)
	}
	return string(s)
}

// day is the unit of the retention columns.
const day = 24 * time.Hour

// days converts a retention age to the stored whole days (validated).
func days(d time.Duration) int64 { return int64(d / day) }

// cameraRecording holds the stored recording settings while scanning.
type cameraRecording struct {
	mode                                  string
	preMs, postMs, continuousDays, events int64
	householdSinceNs                      int64
	detector, zones                       string
	sensitivity                           int64
	eventsEnabled                         bool
	localOK                               bool
	shutterClosed, keepRecording          bool
	shutterStart, shutterEnd              int64
	onvifURL, eventSource                 string
	resumeMode                            string
}

// dest returns the scan destinations, in the order of cameraColumns' tail.
func (r *cameraRecording) dest() []any {
	return []any{&r.mode, &r.preMs, &r.postMs, &r.continuousDays, &r.events, &r.householdSinceNs,
		&r.detector, &r.sensitivity, &r.zones, &r.eventsEnabled, &r.localOK,
		&r.shutterClosed, &r.shutterStart, &r.shutterEnd, &r.keepRecording,
		&r.onvifURL, &r.eventSource, &r.resumeMode}
}

// apply sets c's recording settings from r.
func (r *cameraRecording) apply(c *nvr.Camera) {
	c.RecordMode = nvr.RecordMode(r.mode)
	c.PreRoll = time.Duration(r.preMs) * time.Millisecond
	c.PostRoll = time.Duration(r.postMs) * time.Millisecond
	c.RetainContinuous = time.Duration(r.continuousDays) * day
	c.RetainEvents = time.Duration(r.events) * day
	c.HouseholdSince = fromNs(r.householdSinceNs)
	c.Detection = nvr.Detection{Detector: nvr.DetectorMode(r.detector), Sensitivity: int(r.sensitivity),
		Zones: r.zones, NoEvents: !r.eventsEnabled}
	if r.eventSource != string(nvr.EventSourceHearth) {
		c.Detection.Source = nvr.EventSource(r.eventSource) // "hearth" is the default, ""
	}
	c.LocalOK = r.localOK
	c.ONVIFURL = r.onvifURL
	c.ResumeRecordMode = nvr.RecordMode(r.resumeMode)
	c.Shutter = nvr.Shutter{Closed: r.shutterClosed, KeepRecording: r.keepRecording,
		Schedule: nvr.DailyWindow{Start: int(r.shutterStart), End: int(r.shutterEnd)}}
}

func scanCamera(row interface{ Scan(...any) error }) (nvr.Camera, error) {
	var (
		c                       nvr.Camera
		id, password, transport string
		household, at           int64
		rec                     cameraRecording
	)
	if err := row.Scan(append([]any{&id, &household, &c.Name, &c.MainURL, &c.SubURL, &c.Username, &password,
		&transport, &c.Enabled, &at}, rec.dest()...)...); err != nil {
		return nvr.Camera{}, err
	}
	c.ID, c.HouseholdID, c.Transport = nvr.CameraID(id), nvr.HouseholdID(household), nvr.Transport(transport)
	c.Password = nvr.NewSecret(password)
	c.CreatedAt = fromNs(at)
	rec.apply(&c)
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

// UpdateCamera replaces a camera's name, URLs, credentials, transport,
// enabled flag and recording settings (all of them: pass the password back
// to keep it; an empty RecordMode is continuous, but zero retention is
// KindInvalid, never "delete everything"). The ID, household and creation
// time never change here; a HouseholdID other than the stored one is
// KindInvalid (use MoveCamera). KindNotFound if missing.
func (w writes) UpdateCamera(ctx context.Context, c nvr.Camera) error {
	const op = "update camera"
	if c.Transport == "" {
		c.Transport = nvr.TransportTCP
	}
	if c.RecordMode == "" {
		c.RecordMode = nvr.RecordContinuous
	}
	if err := c.ValidateRecording(); err != nil {
		return invalid(op, nvr.ErrorMessage(err), nil)
	}
	c.Detection = c.Detection.WithDefaults()
	if err := c.Detection.Validate(); err != nil {
		return invalid(op, nvr.ErrorMessage(err), nil)
	}
	err := w.atomically(ctx, func(tx conn) error {
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
			                   transport = ?, enabled = ?,
			                   record_mode = ?, pre_roll_ms = ?, post_roll_ms = ?,
			                   retain_continuous_days = ?, retain_event_days = ?,
			                   detector = ?, motion_sensitivity = ?, motion_zones = ?, events_enabled = ?,
			                   local_ok = ?, onvif_url = ?, event_source = ?,
			                   record_resume_mode = CASE WHEN ? = 'off' THEN record_resume_mode ELSE ? END
			WHERE id = ?`,
			c.Name, c.MainURL, c.SubURL, c.Username, c.Password.Reveal(), string(c.Transport), b2i(c.Enabled),
			string(c.RecordMode), c.PreRoll.Milliseconds(), c.PostRoll.Milliseconds(),
			days(c.RetainContinuous), days(c.RetainEvents),
			string(c.Detection.Detector), c.Detection.Sensitivity, c.Detection.Zones, b2i(!c.Detection.NoEvents),
			b2i(c.LocalOK), c.ONVIFURL, eventSource(c.Detection.Source),
			string(c.RecordMode), string(c.RecordMode), string(c.ID))
		if err != nil {
			return cameraWriteError(op, c, err)
		}
		return nil
	})
	return internal(op, err)
}

// DeleteCamera removes a camera and its viewer assignments and, in the same
// transaction, marks all its segments and events deleting: from then on
// none is served or counted, and the deletion procedures (SegmentsByState
// deleting: unlink the file, then DeleteSegment; DeletingEvents: unlink
// the thumbnail, then DeleteEvent) remove them. Audit rows stay.
// KindNotFound if missing.
func (w writes) DeleteCamera(ctx context.Context, id nvr.CameraID) error {
	const op = "delete camera"
	err := w.atomically(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cameras WHERE id = ?`, string(id))
		if err != nil {
			return err
		}
		if err := affectedOne(res, op, "camera"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE segments SET state = 'deleting' WHERE camera_id = ? AND state <> 'deleting'`, string(id))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE events SET state = 'deleting' WHERE camera_id = ? AND state <> 'deleting'`, string(id))
		return err
	})
	return internal(op, err)
}

// MoveCamera moves a camera to household to and, in the same transaction,
// drops its viewer assignments (they were for the old household's viewers).
// Moving a camera to the household it is in changes nothing. KindNotFound
// if the camera or the household is missing, KindConflict if the target
// household already has a camera by that name.
func (w writes) MoveCamera(ctx context.Context, id nvr.CameraID, to nvr.HouseholdID, at time.Time) error {
	const op = "move camera"
	err := w.atomically(ctx, func(tx conn) error {
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
		// From now on the camera's footage is the new household's; what was
		// recorded before stays behind household_since_ns, which is the
		// later of the move's time and the newest indexed footage's end
		// plus nvr.MoveFootageMargin (capture stamps may run ahead of this
		// clock: see there).
		var newestEnd int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(end_ns), 0) FROM segments WHERE camera_id = ?`,
			string(id)).Scan(&newestEnd); err != nil {
			return err
		}
		since := ns(at)
		if bound := newestEnd + int64(nvr.MoveFootageMargin); newestEnd > 0 && bound > since {
			since = bound
		}
		_, err = tx.ExecContext(ctx, `UPDATE cameras SET household_id = ?, household_since_ns = ? WHERE id = ?`,
			int64(to), since, string(id))
		if err != nil {
			return cameraWriteError(op, nvr.Camera{ID: id, Name: name}, err)
		}
		if _, err = tx.ExecContext(ctx, `DELETE FROM camera_viewers WHERE camera_id = ?`, string(id)); err != nil {
			return err
		}
		return moveShutter(ctx, tx, id, ns(at))
	})
	return internal(op, err)
}

// moveShutter gives a moved camera an open shutter with no schedule: the
// old household's privacy settings (a presence schedule, a hand close)
// are theirs, and the new household decides its own. A hand-closed period
// ends at the move; a schedule ending is a schedule row, so the timeline
// stops drawing it there.
func moveShutter(ctx context.Context, tx conn, id nvr.CameraID, atNs int64) error {
	var start, end int64
	if err := tx.QueryRowContext(ctx, `SELECT shutter_start_min, shutter_end_min FROM cameras WHERE id = ?`,
		string(id)).Scan(&start, &end); err != nil {
		return err
	}
	if start != 0 || end != 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shutter_schedules (camera_id, from_ns, start_min, end_min)
			VALUES (?, ?, 0, 0)`, string(id), atNs); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE shutter_periods SET end_ns = max(start_ns, ?)
		WHERE camera_id = ? AND end_ns IS NULL`, atNs, string(id)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE cameras SET shutter_closed = 0, shutter_start_min = 0, shutter_end_min = 0,
		shutter_keep_recording = 0 WHERE id = ?`, string(id))
	return err
}
