package record

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
)

// removedCameraGrace is how long after its last fragment a deleting row of
// a removed camera is left alone: the recorder stops a removed camera
// within seconds, and its last write must have landed before the unlink.
const removedCameraGrace = 2 * time.Minute

// finishRemovedCameras finishes the deletion of removed cameras' footage
// while the service runs (db.DeleteCamera marks their rows deleting in the
// same transaction that removes the camera). Rows of cameras that still
// exist are left to recovery: they are a pass interrupted by a crash, and
// recovery owns them. Without Cameras nothing is finished here.
func (r *Retention) finishRemovedCameras(ctx context.Context, ref time.Time, st *RetentionStatus) error {
	if r.cfg.Cameras == nil {
		return nil
	}
	rows, err := r.cfg.Store.SegmentsByState(ctx, nvr.SegmentDeleting)
	if err != nil || len(rows) == 0 {
		return wrapIf("list deleting segments", err)
	}
	// Read after the rows: a camera removed in between only waits a pass.
	list, err := r.cfg.Cameras.Cameras(ctx, 0)
	if err != nil {
		return fmt.Errorf("list cameras: %w", err)
	}
	cams := make(map[nvr.CameraID]bool, len(list))
	for _, c := range list {
		cams[c.ID] = true
	}
	var root *os.Root
	emptied := make(map[nvr.CameraID]bool)
	for _, s := range rows {
		if cams[s.CameraID] || s.End.After(ref.Add(-removedCameraGrace)) {
			continue
		}
		if reason := recordstore.SegmentPathProblem(s); reason != "" {
			r.setAside(s, reason)
			continue
		}
		if root == nil {
			if root, err = os.OpenRoot(r.cfg.Dir); err != nil {
				return refusef("open the recordings directory: %v", err)
			}
			defer root.Close()
		}
		if err := root.Remove(s.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("unlink segment %d of removed camera %s: %w", s.ID, s.CameraID, err)
		}
		if err := r.cfg.Store.DeleteSegment(ctx, s.ID); err != nil {
			return fmt.Errorf("delete segment %d of removed camera %s: %w", s.ID, s.CameraID, err)
		}
		st.FreedBytes += s.Bytes
		st.DeletedSegments++
		emptied[s.CameraID] = true
	}
	for cam := range emptied {
		// Fails while files remain (a row set aside, a stray file): the
		// directory then stays for hearth check to report.
		_ = root.Remove(string(cam))
	}
	return nil
}

// wrapIf wraps a non-nil err with op.
func wrapIf(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// FinishRemovedCameras finishes, at once, the deletion of every removed
// camera's footage, without the grace that waits for the recorder's last
// write. It is for the shutdown, after the recorder and Run have returned:
// with nothing writing, the grace protects nothing, and a graceful stop
// then leaves the index and the files in agreement (hearth check clean)
// instead of a removed camera's rows marked deleting. Rows of cameras that
// still exist stay recovery's.
func (r *Retention) FinishRemovedCameras(ctx context.Context) error {
	var st RetentionStatus
	// ref past the grace: a segment that ended by now counts as settled.
	return r.finishRemovedCameras(ctx, r.cfg.Now().Add(removedCameraGrace), &st)
}
