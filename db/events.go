package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

var _ nvr.EventStore = (*DB)(nil)

// eventColumns: id is the internal row number (Event.Seq, the thumbnail's
// file name); public_id is the event's only name outside the store.
const eventColumns = `id, public_id, camera_id, kind, label, start_ns, last_ns, COALESCE(end_ns, 0), score, zones,
	pinned, thumb_type, created_at_ns`

// scanEvent scans eventColumns, then into extra the columns a query
// selects after them.
func scanEvent(row interface{ Scan(...any) error }, extra ...any) (nvr.Event, error) {
	var (
		e                              nvr.Event
		seq, startNs, lastNs, endNs, c int64
		pub, cam, kind, zones          string
	)
	dst := append([]any{&seq, &pub, &cam, &kind, &e.Label, &startNs, &lastNs, &endNs, &e.Score, &zones,
		&e.Pinned, &e.ThumbType, &c}, extra...)
	if err := row.Scan(dst...); err != nil {
		return nvr.Event{}, err
	}
	e.ID, e.Seq, e.CameraID, e.Kind = nvr.EventID(pub), seq, nvr.CameraID(cam), nvr.EventKind(kind)
	e.Start, e.Last, e.End, e.CreatedAt = fromNs(startNs), fromNs(lastNs), fromNs(endNs), fromNs(c)
	if err := json.Unmarshal([]byte(zones), &e.Zones); err != nil {
		return nvr.Event{}, err
	}
	return e, nil
}

// reviewedColumn follows eventColumns in listings: the listing user's
// review mark, one seek in event_reviews' primary key. Its one argument is
// the user; 0 matches no row (user IDs start at 1).
const reviewedColumn = `, EXISTS (SELECT 1 FROM event_reviews r WHERE r.user_id = ? AND r.event_id = events.id)`

func zonesJSON(zs []string) string {
	if len(zs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(zs) // []string always marshals
	return string(b)
}

// CreateEvent stores a new open event; see nvr.EventStore. The camera's
// existence is checked in the insert itself, so no event is created for a
// camera being deleted.
func (d *DB) CreateEvent(ctx context.Context, e nvr.Event) (nvr.Event, error) {
	const op = "create event"
	if _, err := nvr.ParseCameraID(string(e.CameraID)); err != nil {
		return nvr.Event{}, invalid(op, "camera ID must be 32 lowercase hex characters", nil)
	}
	if _, err := nvr.ParseEventKind(string(e.Kind)); err != nil {
		return nvr.Event{}, err
	}
	if err := nvr.ValidateLabel(e.Label); err != nil {
		return nvr.Event{}, err
	}
	if e.Start.IsZero() || e.Start.UnixNano() <= 0 {
		return nvr.Event{}, invalid(op, "event start is required", nil)
	}
	if e.Last.Before(e.Start) {
		e.Last = e.Start
	}
	e.End, e.Pinned, e.ThumbType = time.Time{}, false, ""
	// The public ID is random (128 bits): a collision is not a case to
	// handle, and the UNIQUE constraint would refuse one.
	e.ID = nvr.NewEventID()
	var seq int64
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO events (public_id, camera_id, kind, label, start_ns, last_ns, score, zones, created_at_ns)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM cameras WHERE id = ?)`,
			string(e.ID), string(e.CameraID), string(e.Kind), e.Label, ns(e.Start), ns(e.Last), max(e.Score, 0),
			zonesJSON(e.Zones), ns(e.CreatedAt), string(e.CameraID))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return notFound(op, "camera")
		}
		if seq, err = res.LastInsertId(); err != nil {
			return err
		}
		// A review floor promises every event below it is marked; an
		// event starting below one (created a moment after the motion it
		// records began, or after a clock step) brings it down.
		_, err = tx.ExecContext(ctx, `UPDATE event_review_floors SET floor_ns = ? WHERE camera_id = ? AND floor_ns > ?`,
			ns(e.Start), string(e.CameraID), ns(e.Start))
		return err
	})
	if isCheck(err) {
		return nvr.Event{}, invalid(op, "event values out of range", err)
	}
	if nvr.ErrorKind(err) == nvr.KindNotFound {
		return nvr.Event{}, err
	}
	if err != nil {
		return nvr.Event{}, internal(op, err)
	}
	e.Seq = seq
	e.Start, e.Last, e.CreatedAt = fromNs(ns(e.Start)), fromNs(ns(e.Last)), fromNs(ns(e.CreatedAt))
	return e, nil
}

// ExtendEvent advances an open event; see nvr.EventStore. Last and the
// score never go back; zones are merged with the stored ones.
func (d *DB) ExtendEvent(ctx context.Context, id nvr.EventID, last time.Time, score float64, zones []string) error {
	const op = "extend event"
	res, err := d.writer.ExecContext(ctx, `
		UPDATE events SET last_ns = max(last_ns, ?), score = max(score, ?),
		       zones = (SELECT json_group_array(value) FROM
		                  (SELECT value FROM json_each(events.zones) UNION SELECT value FROM json_each(?) ORDER BY 1))
		WHERE public_id = ? AND end_ns IS NULL AND state = 'live'`,
		ns(last), max(score, 0), zonesJSON(zones), string(id))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "open event")
}

// CloseEvent sets an open event's end (not before its start).
func (d *DB) CloseEvent(ctx context.Context, id nvr.EventID, end time.Time) error {
	const op = "close event"
	res, err := d.writer.ExecContext(ctx, `
		UPDATE events SET end_ns = max(start_ns, ?), last_ns = max(last_ns, start_ns, ?)
		WHERE public_id = ? AND end_ns IS NULL AND state = 'live'`, ns(end), ns(end), string(id))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "open event")
}

// RepairOpenEvents closes every open event at its last activity, except
// the events in keep (by public ID), which the caller holds open.
func (d *DB) RepairOpenEvents(ctx context.Context, keep ...nvr.EventID) (int, error) {
	const op = "repair open events"
	ids := make([]string, len(keep))
	for i, id := range keep {
		ids[i] = string(id)
	}
	keepJSON, err := json.Marshal(ids)
	if err != nil {
		return 0, internal(op, err)
	}
	// A camera's outage (offline) is the health watcher's: it goes on
	// across a restart while the camera stays dark, and the watcher
	// continues or closes it (OpenOutages), so a camera that never
	// came back is not announced offline again after every restart.
	res, err := d.writer.ExecContext(ctx, `UPDATE events SET end_ns = last_ns
		WHERE end_ns IS NULL AND kind <> 'offline' AND public_id NOT IN (SELECT value FROM json_each(?))`, string(keepJSON))
	if err != nil {
		return 0, internal(op, err)
	}
	n, err := res.RowsAffected()
	return int(n), internal(op, err)
}

// OpenOutages lists the cameras' outages (offline events) still open,
// oldest first: a restart leaves them open (RepairOpenEvents does not close
// them) for the health watcher to continue or close.
func (d *DB) OpenOutages(ctx context.Context) ([]nvr.Event, error) {
	const op = "list open outages"
	rows, err := d.reader.QueryContext(ctx,
		`SELECT `+eventColumns+` FROM events WHERE end_ns IS NULL AND kind = 'offline' AND state = 'live' ORDER BY start_ns`)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []nvr.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		out = append(out, e)
	}
	return out, internal(op, rows.Err())
}

// SetEventThumbnail records the event's thumbnail type.
func (d *DB) SetEventThumbnail(ctx context.Context, id nvr.EventID, contentType string) error {
	const op = "set event thumbnail"
	res, err := d.writer.ExecContext(ctx,
		`UPDATE events SET thumb_type = ? WHERE public_id = ? AND state = 'live'`, contentType, string(id))
	if isCheck(err) {
		return invalid(op, "thumbnail type must be image/jpeg or video/mp4", err)
	}
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "event")
}

// EventCamera returns the camera of a live event.
func (d *DB) EventCamera(ctx context.Context, id nvr.EventID) (nvr.CameraID, error) {
	const op = "get event camera"
	var cam string
	err := d.reader.QueryRowContext(ctx,
		`SELECT camera_id FROM events WHERE public_id = ? AND state = 'live'`, string(id)).Scan(&cam)
	if isNoRows(err) {
		return "", notFound(op, "event")
	}
	return nvr.CameraID(cam), internal(op, err)
}

// Event returns a live event of camera cam.
func (d *DB) Event(ctx context.Context, cam nvr.CameraID, id nvr.EventID) (nvr.Event, error) {
	const op = "get event"
	e, err := scanEvent(d.reader.QueryRowContext(ctx,
		`SELECT `+eventColumns+` FROM events WHERE public_id = ? AND camera_id = ? AND state = 'live'`,
		string(id), string(cam)))
	if isNoRows(err) {
		return nvr.Event{}, notFound(op, "event")
	}
	return e, internal(op, err)
}

// maxEventScopes bounds the cameras of one listing (SQL variables).
const maxEventScopes = 1000

// maxEventUnion is the most cameras listed with one sub-select each:
// SQLite allows 500 terms in a compound select.
const maxEventUnion = 250

// Events lists live events of the query's cameras, each from its Since
// on, newest first (start, then public ID, descending).
//
// Each camera is a sub-select that walks its own (camera_id, start_ns
// DESC, public_id DESC) index and stops at the limit; the union is merged and cut
// again. One WHERE with an OR per camera made SQLite collect every
// matching row of every camera and sort them: 250,000 rows for a household
// of four cameras with a month of busy events, about 150 ms a page.
func (d *DB) Events(ctx context.Context, q nvr.EventQuery) ([]nvr.Event, error) {
	const op = "list events"
	if len(q.Cameras) == 0 {
		return nil, nil
	}
	if len(q.Cameras) > maxEventScopes || q.Limit <= 0 {
		return nil, invalid(op, "too many cameras or no limit", nil)
	}
	var (
		filter strings.Builder
		fargs  []any
	)
	if !q.Start.IsZero() {
		filter.WriteString(` AND COALESCE(end_ns, last_ns) >= ?`)
		fargs = append(fargs, ns(q.Start))
	}
	if !q.End.IsZero() {
		filter.WriteString(` AND start_ns < ?`)
		fargs = append(fargs, ns(q.End))
	}
	if q.Kind != "" {
		filter.WriteString(` AND kind = ?`)
		fargs = append(fargs, string(q.Kind))
	}
	if q.Label != "" {
		filter.WriteString(` AND label = ?`)
		fargs = append(fargs, q.Label)
	}
	switch q.Reviewed {
	case nvr.ReviewAny:
	case nvr.ReviewOnlyMarked, nvr.ReviewOnlyUnmarked:
		if q.Reviewer == 0 {
			return nil, invalid(op, "a review filter needs a reviewer", nil)
		}
		not := ""
		if q.Reviewed == nvr.ReviewOnlyUnmarked {
			not = "NOT "
		}
		filter.WriteString(` AND ` + not + `EXISTS (SELECT 1 FROM event_reviews r WHERE r.user_id = ? AND r.event_id = events.id)`)
		fargs = append(fargs, int64(q.Reviewer))
	default:
		return nil, invalid(op, "unknown review filter", nil)
	}
	if q.After.ID != "" {
		// The plain bound first: with only the OR, SQLite does not bound
		// the index walk by the cursor (3.5 s for the second page of a
		// month of events, 5 ms with it).
		filter.WriteString(` AND start_ns <= ? AND (start_ns < ? OR public_id < ?)`)
		fargs = append(fargs, ns(q.After.Start), ns(q.After.Start), string(q.After.ID))
	}
	// The tiebreak is the public ID, not the row number, so that a cursor
	// (which names the last event's start and ID) holds no counter.
	const order = ` ORDER BY start_ns DESC, public_id DESC LIMIT ?`
	var (
		query strings.Builder
		args  []any
	)
	// The unreviewed walk starts at the user's review floor on the camera
	// (event_review_floors: everything below it is marked), so a month of
	// reviewed events is not walked again on every page.
	// It is one lower bound with the camera's since, so that SQLite walks
	// the index from it (two separate bounds: it used one, filtered by
	// the other, and walked the month anyway).
	lower, lowerArgs := `?`, func(s nvr.EventScope) []any { return []any{ns(s.Since)} }
	if q.Reviewed == nvr.ReviewOnlyUnmarked {
		lower = `max(?, COALESCE((SELECT f.floor_ns FROM event_review_floors f WHERE f.user_id = ? AND f.camera_id = ?), 0))`
		lowerArgs = func(s nvr.EventScope) []any { return []any{ns(s.Since), int64(q.Reviewer), string(s.CameraID)} }
	}
	if len(q.Cameras) <= maxEventUnion {
		for i, s := range q.Cameras {
			if i > 0 {
				query.WriteString(` UNION ALL `)
			}
			query.WriteString(`SELECT * FROM (SELECT ` + eventColumns + reviewedColumn +
				` FROM events WHERE camera_id = ? AND start_ns >= ` + lower + ` AND state = 'live'` + filter.String() + order + `)`)
			args = append(args, int64(q.Reviewer), string(s.CameraID))
			args = append(args, lowerArgs(s)...)
			args = append(args, fargs...)
			args = append(args, q.Limit)
		}
	} else {
		query.WriteString(`SELECT ` + eventColumns + reviewedColumn + ` FROM events WHERE state = 'live' AND (`)
		args = append(args, int64(q.Reviewer))
		for i, s := range q.Cameras {
			if i > 0 {
				query.WriteString(` OR `)
			}
			query.WriteString(`(camera_id = ? AND start_ns >= ?)`)
			args = append(args, string(s.CameraID), ns(s.Since))
		}
		query.WriteString(`)` + filter.String())
		args = append(args, fargs...)
	}
	query.WriteString(order)
	args = append(args, q.Limit)
	rows, err := d.reader.QueryContext(ctx, query.String(), args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	evs := []nvr.Event{}
	for rows.Next() {
		var reviewed bool
		e, err := scanEvent(rows, &reviewed)
		if err != nil {
			return nil, internal(op, err)
		}
		e.Reviewed = reviewed
		evs = append(evs, e)
	}
	return evs, internal(op, rows.Err())
}

func scanEvents(rows *sql.Rows, op string) ([]nvr.Event, error) {
	defer rows.Close()
	evs := []nvr.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		evs = append(evs, e)
	}
	return evs, internal(op, rows.Err())
}

// SetEventPinned pins or unpins a live event of camera cam.
func (d *DB) SetEventPinned(ctx context.Context, cam nvr.CameraID, id nvr.EventID, pinned bool) error {
	const op = "pin event"
	res, err := d.writer.ExecContext(ctx,
		`UPDATE events SET pinned = ? WHERE public_id = ? AND camera_id = ? AND state = 'live'`,
		b2i(pinned), string(id), string(cam))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "event")
}

// MarkEventDeleting is deletion's first step for a live event of cam.
func (d *DB) MarkEventDeleting(ctx context.Context, cam nvr.CameraID, id nvr.EventID) error {
	const op = "mark event deleting"
	res, err := d.writer.ExecContext(ctx,
		`UPDATE events SET state = 'deleting' WHERE public_id = ? AND camera_id = ? AND state = 'live'`,
		string(id), string(cam))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "event")
}

// ExpireEvents marks deleting every closed, unpinned event whose end is
// older than its camera's event retention at now.
func (d *DB) ExpireEvents(ctx context.Context, now time.Time) (int, error) {
	const op = "expire events"
	res, err := d.writer.ExecContext(ctx, `
		UPDATE events SET state = 'deleting'
		WHERE state = 'live' AND pinned = 0 AND end_ns IS NOT NULL
		  AND end_ns < ? - (SELECT c.retain_event_days FROM cameras c WHERE c.id = events.camera_id) * ?`,
		ns(now), int64(day))
	if err != nil {
		return 0, internal(op, err)
	}
	n, err := res.RowsAffected()
	return int(n), internal(op, err)
}

// DeletingEvents lists up to limit events marked deleting, by ID.
func (d *DB) DeletingEvents(ctx context.Context, limit int) ([]nvr.Event, error) {
	const op = "list deleting events"
	rows, err := d.reader.QueryContext(ctx,
		`SELECT `+eventColumns+` FROM events WHERE state = 'deleting' ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, internal(op, err)
	}
	return scanEvents(rows, op)
}

// DeleteEvent removes an event's row; only a row marked deleting goes.
func (d *DB) DeleteEvent(ctx context.Context, id nvr.EventID) error {
	const op = "delete event"
	res, err := d.writer.ExecContext(ctx, `DELETE FROM events WHERE public_id = ? AND state = 'deleting'`, string(id))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "deleting event")
}

// PinnedRanges returns the footage kept by cam's pinned events, each with
// the camera's pre and post roll; see nvr.EventStore.
func (d *DB) PinnedRanges(ctx context.Context, cam nvr.CameraID) ([]nvr.TimeRange, error) {
	const op = "read pinned events"
	rows, err := d.reader.QueryContext(ctx, `
		SELECT e.start_ns - c.pre_roll_ms * 1000000, COALESCE(e.end_ns, e.last_ns) + c.post_roll_ms * 1000000
		FROM events e JOIN cameras c ON c.id = e.camera_id
		WHERE e.camera_id = ? AND e.pinned = 1 AND e.state = 'live'`, string(cam))
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var out []nvr.TimeRange
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, internal(op, err)
		}
		out = append(out, nvr.TimeRange{Start: time.Unix(0, a).UTC(), End: time.Unix(0, b).UTC()})
	}
	return out, internal(op, rows.Err())
}
