package db

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// The segment index's read paths. The time-range queries share one shape:
// within a camera stream, start_ns in [from - MaxSegmentDuration, to) on
// the segments_camera_stream_start index, which also carries end_ns and
// state for the overlap and state filters. A segment spans at most
// MaxSegmentDuration, so the lower bound loses nothing and the scan reads
// at most an hour of extra index entries whatever the table's size. Only
// the rows of overlapping segments are read, and only their blobs decoded.

// segmentStatements are the segment index's prepared statements: the
// per-GOP write and the playback and retention reads.
type segmentStatements struct {
	byID             *sql.Stmt
	forAppend        *sql.Stmt // on the writer
	appendFragments  *sql.Stmt // on the writer
	between          *sql.Stmt
	fragmentsBetween *sql.Stmt
	covered          *sql.Stmt
	oldest           *sql.Stmt
	oldestCamera     *sql.Stmt
	usage            *sql.Stmt
}

// overlapping is the WHERE clause of the range queries: ?1 camera, ?2
// stream, ?3 from, ?4 to, ?5 from - MaxSegmentDuration. A segment overlaps
// [from, to) when it starts before to and ends after from; an empty one
// (just opened) when it starts in [from, to).
const overlapping = `
	camera_id = ?1 AND stream = ?2 AND start_ns >= ?5 AND start_ns < ?4
	AND (end_ns > ?3 OR start_ns >= ?3) AND state IN ('open', 'closed')`

func (s *segmentStatements) prepare(ctx context.Context, reader, writer *sql.DB) error {
	for _, q := range []struct {
		dst   **sql.Stmt
		db    *sql.DB
		query string
	}{
		{&s.byID, reader, `SELECT ` + segmentColumns + ` FROM segments WHERE id = ?`},
		{&s.forAppend, writer, `SELECT state, start_ns, end_ns, bytes, fragments FROM segments WHERE id = ?`},
		{&s.appendFragments, writer, `UPDATE segments SET fragments = fragments || ?, end_ns = ?, bytes = ? WHERE id = ?`},
		{&s.between, reader, `SELECT ` + segmentColumns + ` FROM segments WHERE ` + overlapping + ` ORDER BY start_ns, id`},
		{&s.fragmentsBetween, reader, `SELECT id, start_ns, fragments FROM segments WHERE ` + overlapping + ` ORDER BY start_ns, id`},
		{&s.covered, reader, `SELECT start_ns, end_ns FROM segments WHERE ` + overlapping + ` AND end_ns > start_ns ORDER BY start_ns`},
		{&s.oldest, reader, `SELECT ` + segmentColumns + ` FROM segments WHERE state = 'closed' ORDER BY start_ns, id LIMIT ?`},
		{&s.oldestCamera, reader, `SELECT ` + segmentColumns + ` FROM segments WHERE camera_id = ? AND state = 'closed' ORDER BY start_ns, id LIMIT ?`},
		// Per camera: the sums kept by the triggers, and the oldest start
		// as the smaller of two MIN()s, each one seek on
		// segments_camera_state_start.
		{&s.usage, reader, `
			SELECT u.camera_id, COALESCE(c.household_id, 0), u.bytes, u.segments,
			       MIN(COALESCE((SELECT MIN(start_ns) FROM segments s WHERE s.camera_id = u.camera_id AND s.state = 'closed'), 9223372036854775807),
			           COALESCE((SELECT MIN(start_ns) FROM segments s WHERE s.camera_id = u.camera_id AND s.state = 'open'), 9223372036854775807))
			FROM segment_usage u LEFT JOIN cameras c ON c.id = u.camera_id
			WHERE u.segments > 0
			ORDER BY COALESCE(c.household_id, 0), u.camera_id`},
	} {
		st, err := q.db.PrepareContext(ctx, q.query)
		if err != nil {
			return fmt.Errorf("prepare segment statement: %w", err)
		}
		*q.dst = st
	}
	return nil
}

func (s *segmentStatements) all() []*sql.Stmt {
	return []*sql.Stmt{s.byID, s.forAppend, s.appendFragments, s.between, s.fragmentsBetween, s.covered,
		s.oldest, s.oldestCamera, s.usage}
}

// rangeArgs validates a range query and returns its arguments (see
// overlapping); ok is false when [from, to) is empty.
func rangeArgs(op string, cam nvr.CameraID, stream string, from, to time.Time) (args []any, ok bool, err error) {
	if !validStream(stream) {
		return nil, false, invalid(op, `stream must be "main" or "sub"`, nil)
	}
	if !to.After(from) {
		return nil, false, nil
	}
	f, t := from.UnixNano(), to.UnixNano()
	return []any{string(cam), stream, f, t, f - maxSegmentNs}, true, nil
}

// SegmentsBetween lists a camera stream's open and closed segments
// overlapping [from, to), by start; see nvr.RecordingStore.
func (d *DB) SegmentsBetween(ctx context.Context, cam nvr.CameraID, stream string, from, to time.Time) ([]nvr.Segment, error) {
	const op = "list segments between"
	args, ok, err := rangeArgs(op, cam, stream, from, to)
	if !ok {
		return nil, err
	}
	rows, err := d.hot.seg.between.QueryContext(ctx, args...)
	if err != nil {
		return nil, internal(op, err)
	}
	return scanSegments(rows, op)
}

// FragmentsBetween lists a camera stream's fragments overlapping [from,
// to) in time order, led by the key fragment at or before from; see
// nvr.RecordingStore. The key fragment is looked for in the segments that
// overlap the range: the recorder cuts segments on keyframes, and a
// segment that starts without one (new codec parameters) cannot be
// decoded from an older segment's keyframe anyway.
func (d *DB) FragmentsBetween(ctx context.Context, cam nvr.CameraID, stream string, from, to time.Time) ([]nvr.Fragment, error) {
	const op = "list fragments between"
	args, ok, err := rangeArgs(op, cam, stream, from, to)
	if !ok {
		return nil, err
	}
	rows, err := d.hot.seg.fragmentsBetween.QueryContext(ctx, args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	fromNs, toNs := from.UnixNano(), to.UnixNano()
	var (
		out  []nvr.Fragment
		lead []nvr.Fragment // before from, since the last key fragment; while out is empty
		blob []byte
	)
	for rows.Next() {
		var id, startNs int64
		if err := rows.Scan(&id, &startNs, &blob); err != nil {
			return nil, internal(op, err)
		}
		_, err := walkBlob(blob, startNs, func(i int, f rawFragment) bool {
			endNs := f.startNs + dur90kToNs(f.dur90k)
			if f.startNs >= toNs {
				return true // fragments are in file order, not necessarily time order
			}
			if endNs <= fromNs && f.startNs < fromNs {
				if len(out) == 0 {
					if f.key {
						lead = lead[:0]
					}
					lead = append(lead, f.fragment(nvr.SegmentID(id), i))
				}
				return true
			}
			if len(out) == 0 && !f.key {
				out = append(out, lead...)
			}
			out = append(out, f.fragment(nvr.SegmentID(id), i))
			return true
		})
		if err != nil {
			return nil, internal(op, fmt.Errorf("segment %d: %w", id, err))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}

// CoveredRanges returns the merged recorded time of a camera stream within
// [from, to); see nvr.RecordingStore. It reads only the index.
func (d *DB) CoveredRanges(ctx context.Context, cam nvr.CameraID, stream string, from, to time.Time, gap time.Duration) ([]nvr.TimeRange, error) {
	const op = "list covered ranges"
	args, ok, err := rangeArgs(op, cam, stream, from, to)
	if !ok {
		return nil, err
	}
	gapNs := max(int64(gap), 0)
	rows, err := d.hot.seg.covered.QueryContext(ctx, args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	fromNs, toNs := from.UnixNano(), to.UnixNano()
	var (
		spans    [][2]int64
		startNs  int64
		endNs    int64
		haveSpan bool
	)
	for rows.Next() {
		var s, e int64
		if err := rows.Scan(&s, &e); err != nil {
			return nil, internal(op, err)
		}
		switch {
		case !haveSpan:
			startNs, endNs, haveSpan = s, e, true
		case s <= endNs || s-endNs < gapNs:
			endNs = max(endNs, e)
		default:
			spans = append(spans, [2]int64{startNs, endNs})
			startNs, endNs = s, e
		}
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, err)
	}
	if haveSpan {
		spans = append(spans, [2]int64{startNs, endNs})
	}
	out := make([]nvr.TimeRange, 0, len(spans))
	for _, sp := range spans {
		s, e := max(sp[0], fromNs), min(sp[1], toNs)
		if e > s {
			out = append(out, nvr.TimeRange{Start: time.Unix(0, s).UTC(), End: time.Unix(0, e).UTC()})
		}
	}
	return out, nil
}

// OldestSegments lists up to limit closed segments, oldest start first, of
// camera cam or, when cam is "", of all cameras. limit <= 0 lists none.
func (d *DB) OldestSegments(ctx context.Context, cam nvr.CameraID, limit int) ([]nvr.Segment, error) {
	const op = "list oldest segments"
	if limit <= 0 {
		return nil, nil
	}
	var (
		rows *sql.Rows
		err  error
	)
	if cam == "" {
		rows, err = d.hot.seg.oldest.QueryContext(ctx, limit)
	} else {
		rows, err = d.hot.seg.oldestCamera.QueryContext(ctx, string(cam), limit)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return scanSegments(rows, op)
}

// Usage sums each camera's open and closed segments, by household then
// camera. A camera that was deleted (its segments all deleting) is absent.
func (d *DB) Usage(ctx context.Context) ([]nvr.RecordingUsage, error) {
	const op = "sum recording usage"
	rows, err := d.hot.seg.usage.QueryContext(ctx)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var us []nvr.RecordingUsage
	for rows.Next() {
		var (
			u             nvr.RecordingUsage
			cam           string
			household, at int64
		)
		if err := rows.Scan(&cam, &household, &u.Bytes, &u.Segments, &at); err != nil {
			return nil, internal(op, err)
		}
		if at == math.MaxInt64 { // no open or closed segment: not counted
			at = 0
		}
		u.CameraID, u.HouseholdID, u.Oldest = nvr.CameraID(cam), nvr.HouseholdID(household), fromNs(at)
		us = append(us, u)
	}
	return us, internal(op, rows.Err())
}
