package record

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

// skipError is a segment retention must not touch; its row stays as it is.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// execute deletes the planned segments in order. It stops at the first
// store or unlink failure (the remaining footage waits for the next pass)
// and sets aside segments that must not be touched.
func (r *Retention) execute(ctx context.Context, del []plannedSegment, st *RetentionStatus) error {
	if len(del) == 0 {
		return nil
	}
	// Opened per pass, so a directory replaced under us is never reached
	// through a stale handle; every path is resolved inside it, following
	// no link out of it.
	root, err := os.OpenRoot(r.cfg.Dir)
	if err != nil {
		return refusef("open the recordings directory: %v", err)
	}
	defer root.Close()
	for _, d := range del {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := r.deleteSegment(ctx, root, d.seg)
		var skip *skipError
		switch {
		case errors.As(err, &skip):
			r.setAside(d.seg, skip.reason)
			st.Problems = append(st.Problems, fmt.Sprintf("segment %d skipped: %s", d.seg.ID, skip.reason))
		case err != nil:
			return err
		default:
			st.FreedBytes += d.seg.Bytes
			st.DeletedSegments++
		}
	}
	return nil
}

// deleteSegment is the storage procedure (ARCHITECTURE invariant 5):
// check the file, mark the row deleting, unlink the file, remove the row.
// A crash after the mark leaves a deleting row that recovery finishes.
func (r *Retention) deleteSegment(ctx context.Context, root *os.Root, s nvr.Segment) error {
	if reason := recordstore.SegmentPathProblem(s); reason != "" {
		return &skipError{reason}
	}
	// Before anything changes: the file must be there and be a plain file.
	// A missing file leaves the row alone (a volume problem must never
	// turn into lost index rows; hearth check --repair reconciles).
	fi, err := root.Lstat(s.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &skipError{"file is missing (run hearth check)"}
	case err != nil:
		return &skipError{fmt.Sprintf("file cannot be checked: %v", err)}
	case !fi.Mode().IsRegular():
		return &skipError{"not a regular file (" + fi.Mode().Type().String() + ")"}
	}
	if err := r.cfg.Store.MarkSegmentDeleting(ctx, s.ID); err != nil {
		if nvr.ErrorKind(err) == nvr.KindNotFound { // removed meanwhile (hearth check --repair)
			return &skipError{"row vanished before deletion"}
		}
		return fmt.Errorf("mark segment %d deleting: %w", s.ID, err)
	}
	if err := root.Remove(s.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unlink segment %d (its row stays deleting for recovery): %w", s.ID, err)
	}
	if err := r.cfg.Store.DeleteSegment(ctx, s.ID); err != nil {
		return fmt.Errorf("delete segment %d (its row stays deleting for recovery): %w", s.ID, err)
	}
	return nil
}

// setAside remembers a segment never to touch again in this process and
// logs why. Called with passMu held.
func (r *Retention) setAside(s nvr.Segment, reason string) {
	if _, ok := r.bad[s.ID]; ok {
		return
	}
	r.bad[s.ID] = reason
	r.cfg.Log.Error("retention skips a segment", "segment", int64(s.ID), "camera", string(s.CameraID), "reason", reason)
}
