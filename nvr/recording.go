package nvr

import (
	"context"
	"time"
)

// SegmentID identifies a recorded segment file in the index.
type SegmentID int64

// SegmentState is where a segment is in its life (see docs/storage.md):
// open while being written, closed once finished or recovered, deleting
// from the moment retention chose it until its file and row are gone.
type SegmentState string

// Segment states.
const (
	SegmentOpen     SegmentState = "open"
	SegmentClosed   SegmentState = "closed"
	SegmentDeleting SegmentState = "deleting"
)

// Segment is one fMP4 file of one camera stream, about a minute long.
type Segment struct {
	ID       SegmentID
	CameraID CameraID
	Stream   string // "main" or "sub"
	// Path is relative to the recordings directory: "<camera-id>/<name>.mp4".
	// It is derived from the camera ID when the segment is created, never
	// from anything a client sends.
	Path  string
	State SegmentState
	// Start is the wall time of the first sample; End the wall time at the
	// end of the last whole, durable fragment (End == Start while empty).
	Start, End time.Time
	// Bytes is the length of the valid prefix (through the last whole fragment).
	Bytes  int64
	Codec  string // video codec, e.g. "h264"
	Width  int
	Height int
	Audio  string // audio codec, or ""
	// Event marks footage kept for an event (events-only cameras, pre/post
	// roll); it follows the event retention age instead of the continuous one.
	Event bool
}

// Fragment is one GOP of a segment, durable on disk: what lets any instant
// be found without scanning files.
type Fragment struct {
	SegmentID   SegmentID
	Index       int   // 0 for the first fragment of the segment
	Offset      int64 // byte offset in the file
	Length      int64 // bytes
	Start       time.Time
	Duration90k int64
	Key         bool // starts with a keyframe
}

// End returns the wall time at the fragment's end.
func (f Fragment) End() time.Time {
	return f.Start.Add(time.Duration(f.Duration90k) * time.Second / 90000)
}

// TimeRange is a half-open interval of wall time.
type TimeRange struct{ Start, End time.Time }

// RecordingUsage sums one camera's recorded bytes.
type RecordingUsage struct {
	CameraID    CameraID
	HouseholdID HouseholdID
	Bytes       int64
	Segments    int
	Oldest      time.Time // start of the oldest segment
}

// MaxSegmentDuration bounds a segment's wall-time span (End - Start). The
// recorder cuts segments at about a minute; the bound lets the index find
// every segment overlapping an instant with one bounded range scan. A
// store refuses fragments that would stretch a segment past it.
const MaxSegmentDuration = time.Hour

// FragmentAppend is one open segment's share of a batched AddFragments.
type FragmentAppend struct {
	Segment   SegmentID
	Fragments []Fragment
}

// FragmentBatcher is a RecordingStore that can index several segments'
// fragments in one transaction. The result has one slot per append: nil,
// or the error AddFragments would have returned for it alone; a failed
// append never keeps the others from being indexed.
type FragmentBatcher interface {
	AddFragmentsBatch(ctx context.Context, batch []FragmentAppend) []error
}

// RecordingStore is the index of recorded segments. Implementations are safe
// for concurrent use; every method reads or writes current committed state.
// Errors are *Error values: KindNotFound for a missing segment, KindInvalid
// for a value out of range, KindConflict for a change the segment's state
// does not allow.
type RecordingStore interface {
	// CreateSegment registers a segment as open before its file gets any
	// media; the row's ID is returned in the result. State must be "" or
	// open; End zero means Start. KindNotFound if the camera does not
	// exist, KindConflict if the path is taken, KindInvalid for a path that
	// is not "<camera-id>/<name>" or a stream other than "main" or "sub".
	CreateSegment(ctx context.Context, s Segment) (Segment, error)
	// AddFragments records whole, fsynced fragments of an open segment and
	// advances its End and Bytes, in one transaction. Fragments come in
	// file order: each starts at or after the previous one's end offset and
	// at or after the segment's Start; their SegmentID and Index are
	// ignored (the store numbers them). KindConflict if the segment is not
	// open, KindInvalid for a fragment out of order or one that would make
	// the segment longer than MaxSegmentDuration.
	AddFragments(ctx context.Context, id SegmentID, frags []Fragment) error
	// CloseSegment marks an open segment closed with its final End and
	// Bytes, which may not fall short of its indexed fragments (KindInvalid).
	// KindConflict if the segment is not open.
	CloseSegment(ctx context.Context, id SegmentID, end time.Time, bytes int64) error
	// Segment reads one segment, in any state; KindNotFound when missing.
	Segment(ctx context.Context, id SegmentID) (Segment, error)
	// SegmentsByState lists segments in a state, oldest first (recovery).
	SegmentsByState(ctx context.Context, st SegmentState) ([]Segment, error)
	// AllSegments lists every segment, by camera then start (check).
	AllSegments(ctx context.Context) ([]Segment, error)
	// SegmentsBetween lists a camera stream's closed and open segments that
	// overlap [from, to), by start.
	SegmentsBetween(ctx context.Context, cam CameraID, stream string, from, to time.Time) ([]Segment, error)
	// Fragments lists a segment's fragments in order, in any state.
	Fragments(ctx context.Context, id SegmentID) ([]Fragment, error)
	// FragmentsBetween lists a camera stream's fragments overlapping
	// [from, to), in time order, plus the key fragment at or before from
	// and the fragments between it and from (a decoder needs them all).
	// Deleting segments are never included.
	FragmentsBetween(ctx context.Context, cam CameraID, stream string, from, to time.Time) ([]Fragment, error)
	// CoveredRanges returns the merged recorded time of a camera stream in
	// [from, to), clipped to it; recordings less than gap apart (and
	// touching or overlapping ones) are joined.
	CoveredRanges(ctx context.Context, cam CameraID, stream string, from, to time.Time, gap time.Duration) ([]TimeRange, error)
	// MarkSegmentDeleting is the first step of deletion; a deleting segment
	// is never served again. Marking a deleting segment again is harmless.
	MarkSegmentDeleting(ctx context.Context, id SegmentID) error
	// DeleteSegment removes the row, after its file was unlinked.
	// KindConflict unless the segment was marked deleting first.
	DeleteSegment(ctx context.Context, id SegmentID) error
	// OldestSegments lists up to limit closed segments, oldest start first,
	// optionally of one camera ("" for all).
	OldestSegments(ctx context.Context, cam CameraID, limit int) ([]Segment, error)
	// Usage sums recorded bytes per camera (closed and open segments), by
	// household then camera; cameras with no such segment are left out.
	Usage(ctx context.Context) ([]RecordingUsage, error)
}
