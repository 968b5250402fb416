package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// The segment index: segment rows and their life cycle (create, append
// fragments, close, mark deleting, delete). The range queries are in
// recordings_query.go, the fragment blob in recordings_blob.go.

var _ nvr.RecordingStore = (*DB)(nil)

// maxSegmentNs mirrors the CHECK on segments.end_ns.
const maxSegmentNs = int64(nvr.MaxSegmentDuration)

// segmentColumns are the columns scanSegment reads; never the blob.
const segmentColumns = `id, camera_id, stream, path, state, start_ns, end_ns, bytes, codec, width, height, audio, event`

func scanSegment(row interface{ Scan(...any) error }) (nvr.Segment, error) {
	var (
		s                  nvr.Segment
		id, startNs, endNs int64
		cam, state         string
	)
	if err := row.Scan(&id, &cam, &s.Stream, &s.Path, &state, &startNs, &endNs, &s.Bytes,
		&s.Codec, &s.Width, &s.Height, &s.Audio, &s.Event); err != nil {
		return nvr.Segment{}, err
	}
	s.ID, s.CameraID, s.State = nvr.SegmentID(id), nvr.CameraID(cam), nvr.SegmentState(state)
	s.Start, s.End = fromNs(startNs), fromNs(endNs)
	return s, nil
}

func scanSegments(rows *sql.Rows, op string) ([]nvr.Segment, error) {
	defer rows.Close()
	var ss []nvr.Segment
	for rows.Next() {
		s, err := scanSegment(rows)
		if err != nil {
			return nil, internal(op, err)
		}
		ss = append(ss, s)
	}
	return ss, internal(op, rows.Err())
}

// validStream reports whether s names a camera stream.
func validStream(s string) bool { return s == "main" || s == "sub" }

// CreateSegment registers an open segment; see nvr.RecordingStore. The
// camera's existence is checked in the same transaction as the insert, so
// a segment cannot be created for a camera being deleted.
func (d *DB) CreateSegment(ctx context.Context, s nvr.Segment) (nvr.Segment, error) {
	const op = "create segment"
	if _, err := nvr.ParseCameraID(string(s.CameraID)); err != nil {
		return nvr.Segment{}, invalid(op, "camera ID must be 32 lowercase hex characters", nil)
	}
	name, ok := strings.CutPrefix(s.Path, string(s.CameraID)+"/")
	switch {
	case !ok || name == "" || name == "." || name == ".." || strings.Contains(name, "/"):
		return nvr.Segment{}, invalid(op, "segment path must be <camera-id>/<name>", nil)
	case !validStream(s.Stream):
		return nvr.Segment{}, invalid(op, `stream must be "main" or "sub"`, nil)
	case s.State != "" && s.State != nvr.SegmentOpen:
		return nvr.Segment{}, invalid(op, "a new segment is open", nil)
	case s.Start.IsZero() || s.Start.UnixNano() <= 0:
		return nvr.Segment{}, invalid(op, "segment start is required", nil)
	case s.Bytes < 0 || s.Width < 0 || s.Height < 0:
		return nvr.Segment{}, invalid(op, "segment size and dimensions must not be negative", nil)
	}
	if s.End.IsZero() {
		s.End = s.Start
	}
	if span := s.End.Sub(s.Start); span < 0 || span > nvr.MaxSegmentDuration {
		return nvr.Segment{}, invalid(op, fmt.Sprintf("segment end must be within %v after its start", nvr.MaxSegmentDuration), nil)
	}
	s.State = nvr.SegmentOpen
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM cameras WHERE id = ?`, string(s.CameraID)).Scan(&one)
		if isNoRows(err) {
			return notFound(op, "camera")
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO segments (camera_id, stream, path, state, start_ns, end_ns, bytes, codec, width, height, audio, event)
			VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(s.CameraID), s.Stream, s.Path, ns(s.Start), ns(s.End), s.Bytes, s.Codec, s.Width, s.Height,
			s.Audio, b2i(s.Event))
		switch {
		case isUnique(err):
			return conflict(op, "a segment with that path already exists", err)
		case isCheck(err):
			return invalid(op, "segment values out of range", err)
		case err != nil:
			return err
		}
		id, err := res.LastInsertId()
		s.ID = nvr.SegmentID(id)
		return err
	})
	if err != nil {
		return nvr.Segment{}, internal(op, err)
	}
	s.Start, s.End = fromNs(ns(s.Start)), fromNs(ns(s.End))
	return s, nil
}

// AddFragments appends fragments to an open segment's index and advances
// its end and bytes, in one transaction; see nvr.RecordingStore. No
// fragments is a no-op.
func (d *DB) AddFragments(ctx context.Context, id nvr.SegmentID, frags []nvr.Fragment) error {
	const op = "add fragments"
	if len(frags) == 0 {
		return nil
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		u, err := d.prepareAppend(ctx, tx, op, id, frags)
		if err != nil {
			return err
		}
		return d.writeAppend(ctx, tx, u)
	})
	return internal(op, err)
}

// AddFragmentsBatch indexes several open segments' fragments in one
// transaction; see nvr.FragmentBatcher. An append that its segment's
// state or its fragments refuse writes nothing and is reported in its
// slot; the others commit. A failed write or commit fails them all: the
// transaction rolls back whole, so a slot's error always means that
// append is not in the index and may be retried.
//
// Why: the recorder indexes each camera's fragments as they become
// durable, about every 2 s per camera, and one transaction per append
// wrote three pages to the WAL (the row, its index entry, the camera's
// usage row) for some 7 bytes of index. Committed together, appends share
// the pages they have in common (docs/performance.md: write amplification).
func (d *DB) AddFragmentsBatch(ctx context.Context, batch []nvr.FragmentAppend) []error {
	const op = "add fragments"
	errs := make([]error, len(batch))
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for i, a := range batch {
			if len(a.Fragments) == 0 {
				continue
			}
			u, err := d.prepareAppend(ctx, tx, op, a.Segment, a.Fragments)
			var refused *nvr.Error
			if errors.As(err, &refused) {
				errs[i] = err // nothing written for it
				continue
			}
			if err == nil {
				err = d.writeAppend(ctx, tx, u)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	for i := range errs {
		if err != nil {
			errs[i] = err
		}
		errs[i] = internal(op, errs[i])
	}
	return errs
}

// segmentAppend is an append checked against its row, ready to write.
type segmentAppend struct {
	id            nvr.SegmentID
	tail          []byte // the fragments' encoding, appended to the blob
	endNs, nbytes int64
}

// prepareAppend reads segment id's row within tx and checks frags against
// it, writing nothing. Refusals are *nvr.Error values; any other error is
// the database's.
func (d *DB) prepareAppend(ctx context.Context, tx *sql.Tx, op string, id nvr.SegmentID, frags []nvr.Fragment) (segmentAppend, error) {
	var (
		state                  string
		startNs, endNs, nbytes int64
		blob                   []byte
	)
	err := tx.StmtContext(ctx, d.hot.seg.forAppend).QueryRowContext(ctx, int64(id)).
		Scan(&state, &startNs, &endNs, &nbytes, &blob)
	if isNoRows(err) {
		return segmentAppend{}, notFound(op, "segment")
	}
	if err != nil {
		return segmentAppend{}, err
	}
	if nvr.SegmentState(state) != nvr.SegmentOpen {
		return segmentAppend{}, conflict(op, "segment is "+state+", not open", nil)
	}
	st, err := walkBlob(blob, startNs, nil)
	if err != nil {
		return segmentAppend{}, internal(op, fmt.Errorf("segment %d: %w", id, err))
	}
	tail, st, err := appendFragments(nil, st, startNs, frags)
	if err != nil {
		return segmentAppend{}, invalid(op, err.Error(), nil)
	}
	endNs, nbytes = max(endNs, st.endNs), max(nbytes, st.endOffset)
	if endNs-startNs > maxSegmentNs {
		return segmentAppend{}, invalid(op, fmt.Sprintf("a segment may span at most %v; start a new one", nvr.MaxSegmentDuration), nil)
	}
	return segmentAppend{id: id, tail: tail, endNs: endNs, nbytes: nbytes}, nil
}

// writeAppend writes a prepared append within tx.
func (d *DB) writeAppend(ctx context.Context, tx *sql.Tx, u segmentAppend) error {
	_, err := tx.StmtContext(ctx, d.hot.seg.appendFragments).ExecContext(ctx, u.tail, u.endNs, u.nbytes, int64(u.id))
	return err
}

// CloseSegment marks an open segment closed; see nvr.RecordingStore.
func (d *DB) CloseSegment(ctx context.Context, id nvr.SegmentID, end time.Time, bytes int64) error {
	const op = "close segment"
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var (
			state                  string
			startNs, endNs, nbytes int64
		)
		err := tx.QueryRowContext(ctx, `SELECT state, start_ns, end_ns, bytes FROM segments WHERE id = ?`, int64(id)).
			Scan(&state, &startNs, &endNs, &nbytes)
		if isNoRows(err) {
			return notFound(op, "segment")
		}
		if err != nil {
			return err
		}
		switch e := ns(end); {
		case nvr.SegmentState(state) != nvr.SegmentOpen:
			return conflict(op, "segment is "+state+", not open", nil)
		case e < endNs:
			return invalid(op, "final end is before the end of the segment's indexed fragments", nil)
		case e-startNs > maxSegmentNs:
			return invalid(op, fmt.Sprintf("a segment may span at most %v", nvr.MaxSegmentDuration), nil)
		case bytes < nbytes:
			return invalid(op, "final size is short of the segment's indexed fragments", nil)
		}
		_, err = tx.ExecContext(ctx, `UPDATE segments SET state = 'closed', end_ns = ?, bytes = ? WHERE id = ?`,
			ns(end), bytes, int64(id))
		return err
	})
	return internal(op, err)
}

// Segment reads one segment in any state; KindNotFound when missing.
func (d *DB) Segment(ctx context.Context, id nvr.SegmentID) (nvr.Segment, error) {
	const op = "get segment"
	s, err := scanSegment(d.hot.seg.byID.QueryRowContext(ctx, int64(id)))
	if isNoRows(err) {
		return nvr.Segment{}, notFound(op, "segment")
	}
	return s, internal(op, err)
}

// SegmentsByState lists the segments in state st, oldest start first.
func (d *DB) SegmentsByState(ctx context.Context, st nvr.SegmentState) ([]nvr.Segment, error) {
	const op = "list segments by state"
	rows, err := d.reader.QueryContext(ctx,
		`SELECT `+segmentColumns+` FROM segments WHERE state = ? ORDER BY start_ns, id`, string(st))
	if err != nil {
		return nil, internal(op, err)
	}
	return scanSegments(rows, op)
}

// AllSegments lists every segment in any state, by camera, then start.
func (d *DB) AllSegments(ctx context.Context) ([]nvr.Segment, error) {
	const op = "list segments"
	rows, err := d.reader.QueryContext(ctx,
		`SELECT `+segmentColumns+` FROM segments ORDER BY camera_id, start_ns, id`)
	if err != nil {
		return nil, internal(op, err)
	}
	return scanSegments(rows, op)
}

// Fragments decodes one segment's fragment index, in any state;
// KindNotFound when the segment is missing.
func (d *DB) Fragments(ctx context.Context, id nvr.SegmentID) ([]nvr.Fragment, error) {
	const op = "list fragments"
	var (
		startNs int64
		blob    []byte
	)
	err := d.reader.QueryRowContext(ctx, `SELECT start_ns, fragments FROM segments WHERE id = ?`, int64(id)).
		Scan(&startNs, &blob)
	if isNoRows(err) {
		return nil, notFound(op, "segment")
	}
	if err != nil {
		return nil, internal(op, err)
	}
	frags, err := decodeFragments(blob, id, startNs)
	if err != nil {
		return nil, internal(op, fmt.Errorf("segment %d: %w", id, err))
	}
	return frags, nil
}

// MarkSegmentDeleting marks a segment deleting, the first step of its
// deletion; marking it again is harmless. KindNotFound when missing.
func (d *DB) MarkSegmentDeleting(ctx context.Context, id nvr.SegmentID) error {
	const op = "mark segment deleting"
	res, err := d.writer.ExecContext(ctx, `UPDATE segments SET state = 'deleting' WHERE id = ?`, int64(id))
	if err != nil {
		return internal(op, err)
	}
	return affectedOne(res, op, "segment")
}

// DeleteSegment removes a deleting segment's row, the last step of its
// deletion. KindConflict if it was not marked deleting, KindNotFound when
// missing.
func (d *DB) DeleteSegment(ctx context.Context, id nvr.SegmentID) error {
	const op = "delete segment"
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE id = ? AND state = 'deleting'`, int64(id))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var state string
		err = tx.QueryRowContext(ctx, `SELECT state FROM segments WHERE id = ?`, int64(id)).Scan(&state)
		if isNoRows(err) {
			return notFound(op, "segment")
		}
		if err != nil {
			return err
		}
		return conflict(op, "segment is "+state+"; mark it deleting and unlink its file first", nil)
	})
	return internal(op, err)
}
