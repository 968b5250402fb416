package record

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/recordstore"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

// indexTimeout bounds one index write. Index writes use a context detached
// from the recorder's cancellation: the segments closed at shutdown must
// still be recorded as closed.
const indexTimeout = 10 * time.Second

// segmentIndex is one camera's segment.Files and segment.Observer: it
// names and creates segment files and keeps the index in step with them.
// Every method runs on the camera's recording goroutine.
//
// Creation order (docs/storage.md, procedure A): the row is registered as
// open (CreateSegment) before the file is created with O_EXCL and its
// directory fsynced. A crash between the two leaves an open row without a
// file, which recovery removes; a crash after leaves an open row with a
// file holding at most a torn init or torn fragments, which recovery
// truncates and closes. A file therefore never exists without a row while
// recording runs, so `hearth check` beside a running server reports no
// false "file without row", and any orphan file recovery finds is
// unexpected (a copy, a restore) rather than routine.
type segmentIndex struct {
	store nvr.RecordingStore
	// add indexes fragments: the recorder's indexBatcher.add.
	add    func(ctx context.Context, id nvr.SegmentID, frags []nvr.Fragment) error
	vol    recordstore.Volume
	cam    nvr.CameraID
	stream string // the subscription's stream, "main"
	event  bool   // segments are event footage (events-only camera)
	create func(path string) (segment.File, error)
	log    *slog.Logger

	// onOpen and onFragment report progress to the camera's state.
	onOpen     func()
	onFragment func()
	onIndexErr func(error)

	// offsite, when set, hears of each indexed fragment (nil: no copy);
	// household is the camera's, to pick the copy's target.
	offsite           nvr.FragmentSink
	household         nvr.HouseholdID
	preRoll, postRoll time.Duration

	open  map[uint64]*openSegment // by segmenter sequence number
	batch []segment.Fragment      // durable, not yet in the index
}

type openSegment struct {
	row     nvr.Segment
	abs     string
	indexed int            // fragments in the index
	end     time.Time      // end of the last indexed fragment
	frags   []nvr.Fragment // indexed, for the off-site notice (only with offsite set)
}

var (
	_ segment.Files    = (*segmentIndex)(nil)
	_ segment.Observer = (*segmentIndex)(nil)
)

func (x *segmentIndex) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), indexTimeout)
}

// Create implements segment.Files.
func (x *segmentIndex) Create(s segment.SegmentStart) (segment.File, error) {
	// The path comes from the stream's own camera ID, which must be the
	// camera this recorder was started for, and from a timestamp.
	if s.CameraID != string(x.cam) {
		return nil, fmt.Errorf("stream carries camera %q, recorder is for %q", s.CameraID, x.cam)
	}
	if _, err := nvr.ParseCameraID(s.CameraID); err != nil {
		return nil, fmt.Errorf("stream carries an invalid camera ID %q", s.CameraID)
	}
	if err := x.vol.Verify(); err != nil {
		return nil, err
	}
	dir := filepath.Join(x.vol.Dir, s.CameraID)
	if err := recordstore.EnsureDir(dir); err != nil {
		return nil, fmt.Errorf("camera directory: %w", err)
	}
	name := recordstore.SegmentFileName(s.Wall, s.Seq, x.event)
	row := nvr.Segment{
		CameraID: x.cam,
		Stream:   x.stream,
		Path:     s.CameraID + "/" + name,
		State:    nvr.SegmentOpen,
		Start:    s.Wall,
		End:      s.Wall,
		Event:    x.event,
	}
	describeStream(&row, s.Info)
	ctx, cancel := x.ctx()
	defer cancel()
	// 1. Register the segment as open.
	row, err := x.store.CreateSegment(ctx, row)
	if err != nil {
		return nil, fmt.Errorf("register segment: %w", err)
	}
	// 2. Create the file (O_EXCL, directory fsynced).
	abs := filepath.Join(dir, name)
	f, err := x.create(abs)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			// A file nobody indexed holds the name: leave the row open, so
			// recovery judges that file with it, and never unlink it here.
			return nil, err
		}
		// No file was created: drop the row by the deletion procedure
		// (the unlink finds nothing).
		if derr := recordstore.DropRow(ctx, x.store, row.ID); derr != nil {
			x.log.Warn("drop segment row after failed create", "segment", row.ID, "err", derr)
		}
		return nil, err
	}
	x.open[s.Seq] = &openSegment{row: row, abs: abs, end: s.Wall}
	x.onOpen()
	return f, nil
}

// describeStream fills the codec fields of a segment row.
func describeStream(s *nvr.Segment, info *media.StreamInfo) {
	if info == nil {
		return
	}
	if v := info.Video(); v >= 0 {
		t := info.Tracks[v]
		s.Codec, s.Width, s.Height = string(t.Codec), t.Width, t.Height
	}
	for _, t := range info.Tracks {
		if !t.Codec.IsVideo() && s.Audio == "" {
			s.Audio = string(t.Codec)
		}
	}
}

// Fragment implements segment.Observer: the fragment is durable; it is
// indexed by flush, batched with the others of the same fsync.
func (x *segmentIndex) Fragment(f segment.Fragment) {
	x.batch = append(x.batch, f)
}

// flush writes the batched durable fragments to the index, one
// AddFragments per segment. Fragments that could not be written stay
// batched and are retried with the next batch.
func (x *segmentIndex) flush() {
	if len(x.batch) == 0 {
		return
	}
	keep := x.batch[:0]
	for i := 0; i < len(x.batch); {
		seq := x.batch[i].Segment
		j := i
		for j < len(x.batch) && x.batch[j].Segment == seq {
			j++
		}
		group := x.batch[i:j]
		i = j
		o := x.open[seq]
		if o == nil {
			continue // its Create failed; nothing to index
		}
		frags := make([]nvr.Fragment, 0, len(group))
		end := o.end
		for _, f := range group {
			fr := nvr.Fragment{SegmentID: o.row.ID, Index: f.Index, Offset: f.Offset, Length: f.Length,
				Start: f.Wall, Duration90k: f.Duration90k, Key: f.Key}
			frags = append(frags, fr)
			end = fr.End()
		}
		ctx, cancel := x.ctx()
		err := x.add(ctx, o.row.ID, frags)
		cancel()
		if err != nil {
			x.onIndexErr(fmt.Errorf("index fragments of segment %d: %w", o.row.ID, err))
			keep = append(keep, group...)
			continue
		}
		o.indexed += len(frags)
		o.end = end
		x.onFragment()
		if x.offsite != nil {
			o.frags = append(o.frags, frags...)
			x.tellOffsite(o, false)
		}
	}
	x.batch = keep
}

// Closed implements segment.Observer: the file is finished and closed.
func (x *segmentIndex) Closed(c segment.Closed) {
	x.flush()
	o := x.open[c.Seq]
	if o == nil {
		return
	}
	delete(x.open, c.Seq)
	ctx, cancel := x.ctx()
	defer cancel()
	if c.Fragments == 0 {
		// Nothing recorded (the stream ended or failed in the first GOP):
		// delete it by the deletion procedure.
		if err := recordstore.RemoveSegment(ctx, x.store, o.row, o.abs); err != nil {
			x.onIndexErr(fmt.Errorf("remove empty segment %d: %w", o.row.ID, err))
		}
		return
	}
	if o.indexed != c.Fragments {
		// Some fragments did not reach the index: leave the row open, so
		// the next recovery indexes them from the file.
		x.onIndexErr(fmt.Errorf("segment %d left open: %d of %d fragments indexed", o.row.ID, o.indexed, c.Fragments))
		return
	}
	if c.Err != nil {
		// A failed write: the writer truncated to the valid prefix; if that
		// failed too, the file is longer, and recovery must cut it.
		if fi, err := os.Stat(o.abs); err != nil || fi.Size() != c.Size {
			x.onIndexErr(fmt.Errorf("segment %d left open for recovery after: %w", o.row.ID, c.Err))
			return
		}
	}
	if err := x.store.CloseSegment(ctx, o.row.ID, o.end, c.Size); err != nil {
		x.onIndexErr(fmt.Errorf("close segment %d: %w", o.row.ID, err))
	}
	x.tellOffsite(o, true)
}

// tellOffsite hands the off-site copier every fragment of o indexed so
// far: they are durable (fsynced) and in the index, so the copier may read
// them back from the file. The sink never blocks.
func (x *segmentIndex) tellOffsite(o *openSegment, closed bool) {
	if x.offsite == nil || x.household == 0 {
		return
	}
	x.offsite.Durable(nvr.DurableFragments{Household: x.household, Segment: o.row, File: o.abs,
		Fragments: append([]nvr.Fragment(nil), o.frags...), Closed: closed, PreRoll: x.preRoll, PostRoll: x.postRoll})
}
