package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

var _ nvr.ShutterStore = (*DB)(nil)

// SetShutter reads camera id's shutter, applies fn and writes the result
// and its history rows (see nvr.DirectoryWriter) in w's transaction: in a
// directory change (DB.Change) that is the one its audit row commits in,
// so a switch is on record exactly when it happened.
func (w writes) SetShutter(ctx context.Context, id nvr.CameraID, at time.Time,
	fn func(nvr.Shutter) (nvr.Shutter, error)) (nvr.Shutter, error) {
	const op = "change shutter"
	var out nvr.Shutter
	err := w.atomically(ctx, func(tx conn) error {
		var (
			cur        nvr.Shutter
			start, end int64
		)
		err := tx.QueryRowContext(ctx, `
			SELECT shutter_closed, shutter_start_min, shutter_end_min, shutter_keep_recording
			FROM cameras WHERE id = ?`, string(id)).Scan(&cur.Closed, &start, &end, &cur.KeepRecording)
		if isNoRows(err) {
			return notFound(op, "camera")
		}
		if err != nil {
			return internal(op, err)
		}
		cur.Schedule = nvr.DailyWindow{Start: int(start), End: int(end)}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if err := next.Schedule.Validate(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE cameras SET shutter_closed = ?, shutter_start_min = ?, shutter_end_min = ?, shutter_keep_recording = ?
			WHERE id = ?`,
			b2i(next.Closed), next.Schedule.Start, next.Schedule.End, b2i(next.KeepRecording), string(id)); err != nil {
			return internal(op, err)
		}
		switch {
		case next.Closed && !cur.Closed:
			_, err = tx.ExecContext(ctx, `INSERT INTO shutter_periods (camera_id, start_ns) VALUES (?, ?)`,
				string(id), ns(at))
		case !next.Closed && cur.Closed:
			// max(): a clock stepped back between the close and the open
			// must not make a period end before it began.
			_, err = tx.ExecContext(ctx, `
				UPDATE shutter_periods SET end_ns = max(start_ns, ?) WHERE camera_id = ? AND end_ns IS NULL`,
				ns(at), string(id))
		}
		if err != nil {
			return internal(op, err)
		}
		if next.Schedule != cur.Schedule {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO shutter_schedules (camera_id, from_ns, start_min, end_min) VALUES (?, ?, ?, ?)`,
				string(id), ns(at), next.Schedule.Start, next.Schedule.End); err != nil {
				return internal(op, err)
			}
		}
		out = next
		return nil
	})
	return out, err
}

// ShutterHistory returns camera id's hand-closed periods overlapping
// [from, to) and the schedule changes that affect that range.
func (d *DB) ShutterHistory(ctx context.Context, id nvr.CameraID, from, to time.Time) ([]nvr.ShutterPeriod, []nvr.ScheduleChange, error) {
	const op = "read shutter history"
	tx, err := d.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // one snapshot for both reads
	if err != nil {
		return nil, nil, internal(op, err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, `
		SELECT start_ns, COALESCE(end_ns, 0) FROM shutter_periods
		WHERE camera_id = ? AND start_ns < ? AND (end_ns IS NULL OR end_ns > ?)
		ORDER BY start_ns`, string(id), ns(to), ns(from))
	if err != nil {
		return nil, nil, internal(op, err)
	}
	var periods []nvr.ShutterPeriod
	for rows.Next() {
		var s, e int64
		if err := rows.Scan(&s, &e); err != nil {
			rows.Close()
			return nil, nil, internal(op, err)
		}
		periods = append(periods, nvr.ShutterPeriod{Start: fromNs(s), End: fromNs(e), Cause: nvr.ShutterByHand})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, internal(op, err)
	}
	rows.Close()
	// The schedule in force at from is the newest set at or before it.
	rows, err = tx.QueryContext(ctx, `
		SELECT from_ns, start_min, end_min FROM (
			SELECT id, from_ns, start_min, end_min FROM shutter_schedules
			WHERE camera_id = ? AND from_ns <= ? ORDER BY from_ns DESC, id DESC LIMIT 1)
		UNION ALL
		SELECT from_ns, start_min, end_min FROM (
			SELECT id, from_ns, start_min, end_min FROM shutter_schedules
			WHERE camera_id = ? AND from_ns > ? AND from_ns < ? ORDER BY from_ns, id)
		ORDER BY from_ns`, string(id), ns(from), string(id), ns(from), ns(to))
	if err != nil {
		return nil, nil, internal(op, err)
	}
	defer rows.Close()
	var changes []nvr.ScheduleChange
	for rows.Next() {
		var at, s, e int64
		if err := rows.Scan(&at, &s, &e); err != nil {
			return nil, nil, internal(op, err)
		}
		changes = append(changes, nvr.ScheduleChange{At: fromNs(at), Window: nvr.DailyWindow{Start: int(s), End: int(e)}})
	}
	return periods, changes, internal(op, rows.Err())
}
