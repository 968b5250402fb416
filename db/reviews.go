package db

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

var _ nvr.ReviewStore = (*DB)(nil)

// SetEventReviewed marks or unmarks a live event of cam for user u; see
// nvr.ReviewStore. The event is found by its public ID and camera inside
// the statement, so a mark can only name an event of the granted camera.
func (d *DB) SetEventReviewed(ctx context.Context, u nvr.UserID, cam nvr.CameraID, id nvr.EventID, reviewed bool, at time.Time) error {
	const op = "mark event reviewed"
	var ok bool
	err := d.reader.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM events WHERE public_id = ? AND camera_id = ? AND state = 'live')`,
		string(id), string(cam)).Scan(&ok)
	if err != nil {
		return internal(op, err)
	}
	if !ok {
		return notFound(op, "event")
	}
	if reviewed {
		// INSERT OR IGNORE: a second mark keeps the first one's time. The
		// SELECT finds the event again, so one deleted meanwhile gets no
		// mark (and the foreign key would refuse one anyway).
		_, err = d.writer.ExecContext(ctx, `
			INSERT OR IGNORE INTO event_reviews (user_id, event_id, reviewed_at_ns)
			SELECT ?, id, ? FROM events WHERE public_id = ? AND camera_id = ? AND state = 'live'`,
			int64(u), ns(at), string(id), string(cam))
	} else {
		err = d.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `
				DELETE FROM event_reviews WHERE user_id = ?
				AND event_id = (SELECT id FROM events WHERE public_id = ? AND camera_id = ?)`,
				int64(u), string(id), string(cam)); err != nil {
				return err
			}
			// The floor promises that everything below it is marked:
			// it comes down to this event.
			_, err := tx.ExecContext(ctx, `
				UPDATE event_review_floors SET floor_ns = min(floor_ns,
				       (SELECT start_ns FROM events WHERE public_id = ? AND camera_id = ?))
				WHERE user_id = ? AND camera_id = ?`, string(id), string(cam), int64(u), string(cam))
			return err
		})
	}
	if isForeignKey(err) {
		return notFound(op, "user")
	}
	return internal(op, err)
}

// EventReviewed reports whether u marked event id reviewed.
func (d *DB) EventReviewed(ctx context.Context, u nvr.UserID, id nvr.EventID) (bool, error) {
	const op = "read review mark"
	var ok bool
	err := d.reader.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM event_reviews r JOIN events e ON e.id = r.event_id
		               WHERE r.user_id = ? AND e.public_id = ?)`, int64(u), string(id)).Scan(&ok)
	return ok, internal(op, err)
}

// MarkEventsReviewed marks every live event of scope that started before
// before reviewed for u, in one statement; see nvr.ReviewStore.
//
// The scope is a VALUES table joined to events by camera, so each camera
// is one walk of its (camera_id, start_ns) index from its Since. The join
// to users and cameras repeats the policy's standing conditions (u
// enabled, the camera in u's household, a viewer assigned the camera) in
// the same statement: a camera moved or a viewer unassigned after the
// policy decided gets no marks.
func (d *DB) MarkEventsReviewed(ctx context.Context, u nvr.UserID, scope []nvr.EventScope, before, at time.Time) (int, error) {
	const op = "mark events reviewed"
	if len(scope) == 0 {
		return 0, nil
	}
	if len(scope) > maxEventScopes {
		return 0, invalid(op, "too many cameras", nil)
	}
	var values strings.Builder
	args := make([]any, 0, 2*len(scope)+5)
	for i, s := range scope {
		if i > 0 {
			values.WriteString(", ")
		}
		values.WriteString("(?, ?)")
		args = append(args, string(s.CameraID), ns(s.Since))
	}
	var n int64
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			WITH scope (camera_id, since_ns) AS (VALUES `+values.String()+`)
			INSERT OR IGNORE INTO event_reviews (user_id, event_id, reviewed_at_ns)
			SELECT u.id, e.id, ?
			FROM scope s
			JOIN events e ON e.camera_id = s.camera_id AND e.start_ns >= s.since_ns
			JOIN cameras c ON c.id = e.camera_id
			JOIN users u ON u.id = ? AND u.disabled = 0 AND u.household_id = c.household_id
			WHERE e.state = 'live' AND e.start_ns < ?
			  AND (u.role <> 'viewer'
			       OR EXISTS (SELECT 1 FROM camera_viewers v WHERE v.user_id = u.id AND v.camera_id = c.id))`,
			append(slices.Clip(args), ns(at), int64(u), ns(before))...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		// Every event of these cameras below before is now marked: the
		// floor rises to it, under the same conditions as the marks.
		_, err = tx.ExecContext(ctx, `
			WITH scope (camera_id, since_ns) AS (VALUES `+values.String()+`)
			INSERT INTO event_review_floors (user_id, camera_id, floor_ns)
			SELECT u.id, c.id, ?
			FROM scope s
			JOIN cameras c ON c.id = s.camera_id
			JOIN users u ON u.id = ? AND u.disabled = 0 AND u.household_id = c.household_id
			WHERE u.role <> 'viewer'
			   OR EXISTS (SELECT 1 FROM camera_viewers v WHERE v.user_id = u.id AND v.camera_id = c.id)
			ON CONFLICT (user_id, camera_id) DO UPDATE SET floor_ns = max(floor_ns, excluded.floor_ns)`,
			append(slices.Clip(args), ns(before), int64(u))...)
		return err
	})
	if err != nil {
		return 0, internal(op, err)
	}
	return int(n), nil
}
