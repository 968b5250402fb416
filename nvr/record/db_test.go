package record

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
)

// The recorder and recovery tests index into a real database
// (db/dbtest): the states they need (rows without files, files without
// rows, a torn tail, a camera that is gone) are states of the disk or of
// the directory, which a real index holds as well as a fake. Where a test
// needs the index itself to fail, it wraps the database (refusingStore,
// the reserve's guard). The retention tests use the database too
// (dbRetentionIndex), but for those that need fakeRecordings, for the
// reasons given there.

// allSegments returns every segment row of store, by camera and start.
func allSegments(t testing.TB, store nvr.RecordingStore) []nvr.Segment {
	t.Helper()
	segs, err := store.AllSegments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// dbRetentionIndex is a retentionEnv's index in a real database.
type dbRetentionIndex struct {
	t testing.TB
	d *db.DB
	n int // segments added, for unique paths
}

func (x *dbRetentionIndex) OldestSegments(ctx context.Context, cam nvr.CameraID, limit int) ([]nvr.Segment, error) {
	return x.d.OldestSegments(ctx, cam, limit)
}

func (x *dbRetentionIndex) Usage(ctx context.Context) ([]nvr.RecordingUsage, error) {
	return x.d.Usage(ctx)
}

func (x *dbRetentionIndex) MarkSegmentDeleting(ctx context.Context, id nvr.SegmentID) error {
	return x.d.MarkSegmentDeleting(ctx, id)
}

func (x *dbRetentionIndex) DeleteSegment(ctx context.Context, id nvr.SegmentID) error {
	return x.d.DeleteSegment(ctx, id)
}

func (x *dbRetentionIndex) SegmentsByState(ctx context.Context, st nvr.SegmentState) ([]nvr.Segment, error) {
	return x.d.SegmentsByState(ctx, st)
}

// addClosed creates s open and closes it at its end and size, as the
// recorder does.
func (x *dbRetentionIndex) addClosed(s nvr.Segment) nvr.Segment {
	x.t.Helper()
	ctx := context.Background()
	x.n++
	end, bytes := s.End, s.Bytes
	s.Path, s.State, s.End, s.Bytes = fmt.Sprintf("%s/%d-%d.mp4", s.CameraID, s.Start.Unix(), x.n), nvr.SegmentOpen, time.Time{}, 0
	s, err := x.d.CreateSegment(ctx, s)
	if err != nil {
		x.t.Fatalf("create segment: %v", err)
	}
	if err := x.d.CloseSegment(ctx, s.ID, end, bytes); err != nil {
		x.t.Fatalf("close segment %d: %v", s.ID, err)
	}
	row, ok := x.row(s.ID)
	if !ok {
		x.t.Fatalf("segment %d not found after closing it", s.ID)
	}
	return row
}

func (x *dbRetentionIndex) row(id nvr.SegmentID) (nvr.Segment, bool) {
	x.t.Helper()
	s, err := x.d.Segment(context.Background(), id)
	if nvr.ErrorKind(err) == nvr.KindNotFound {
		return nvr.Segment{}, false
	}
	if err != nil {
		x.t.Fatal(err)
	}
	return s, true
}

func (x *dbRetentionIndex) indexedBytes() int64 {
	var n int64
	for _, s := range allSegments(x.t, x.d) {
		n += s.Bytes
	}
	return n
}
