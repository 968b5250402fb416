package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// File is the destination of one segment. *os.File implements it. Write
// may fail part-way (ENOSPC); Truncate then cuts the partial fragment off.
type File interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

// Default policy values.
const (
	DefaultSyncInterval       = time.Second
	DefaultMaxFragmentDur     = 10 * time.Second
	DefaultMaxFragmentBytes   = 32 << 20
	DefaultTargetDuration     = 60 * time.Second
	defaultVideoSampleDur90k  = 3000 // 30 fps, used until a real DTS difference is seen
	maxAudioFramesPerFragment = 1 << 16
)

// Fragment describes one whole fragment of a segment file: what the index
// stores so that any instant can be found without scanning files.
type Fragment struct {
	Segment     uint64    // the segment's sequence number (SegmentStart.Seq)
	Index       int       // 0 for the first fragment of the segment
	Offset      int64     // byte offset of the fragment (its prft box) in the file
	Length      int64     // bytes: prft + moof + mdat
	Start90k    int64     // decode time of the first sample, 90 kHz, from the segment start
	Duration90k int64     // fragment duration, 90 kHz
	Wall        time.Time // capture wall time of the first sample
	Key         bool      // starts with a video keyframe (false only for a GOP cut by MaxFragment*)
	Samples     []int     // sample count per MP4 track (track ID - 1)
}

// WriterOptions configure a Writer. Zero fields take the defaults.
type WriterOptions struct {
	Seq uint64 // copied into Fragment.Segment
	// SyncInterval bounds the time between a fragment's write and its
	// fsync (default DefaultSyncInterval; negative: fsync every fragment).
	SyncInterval time.Duration
	// MaxFragmentDuration and MaxFragmentBytes cut a GOP that grows past
	// them into a fragment that does not start with a keyframe, bounding
	// memory and the loss on a crash when a camera sends long GOPs.
	MaxFragmentDuration time.Duration
	MaxFragmentBytes    int
	// Now is the clock of the sync policy (default time.Now).
	Now func() time.Time
	// OnFragment is called (on the writing goroutine) for each fragment
	// once it is durable: after the fsync that covered it.
	OnFragment func(Fragment)
	// Buffers, when set, lends the fragment buffers (shared by the writers
	// of many cameras); nil allocates one per fragment.
	Buffers *FragmentBuffers
	// OnSync, when set, is called (on the writing goroutine) after each
	// fsync of the file, so an owner can count them (write amplification
	// and the card's wear are measured in fsyncs per camera-minute).
	OnSync func()
}

func (o WriterOptions) withDefaults() WriterOptions {
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.MaxFragmentDuration <= 0 {
		o.MaxFragmentDuration = DefaultMaxFragmentDur
	}
	if o.MaxFragmentBytes <= 0 {
		o.MaxFragmentBytes = DefaultMaxFragmentBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Writer writes one segment file: the init segment at creation, then one
// fragment per GOP. It is for one goroutine at a time.
//
// Sync policy: the init is fsynced at creation. Each fragment is written
// with a single Write (to an *os.File: one writev per 1024 pieces, one in
// practice) as soon as its GOP is complete (the next keyframe arrived), so
// a killed process loses at most the GOP in flight (recovery cuts a torn
// fragment off, however it was written). The file
// is fsynced after a fragment write when SyncInterval has passed since the
// previous fsync, on Sync when fragments are pending, and on Close; a power
// loss therefore loses at most SyncInterval plus one GOP. OnFragment sees a
// fragment only after it is durable, so an index fed from it never points
// past the synced data.
type Writer struct {
	f       File
	info    *media.StreamInfo
	opts    WriterOptions
	tracks  []*track
	byMedia []*track // media track index → track (nil: not stored)
	ref     *track   // reference track: the video track, else the first

	runs    []*trackRun
	refRun  *trackRun
	gop     []*media.Unit // units of the fragment being collected
	gopSize int
	seq     uint32

	size    int64 // bytes of the valid prefix: init + whole fragments
	refTime int64 // reference-track time at the end of the last fragment
	frags   int
	pending []Fragment // written, not yet fsynced
	// Reused by writeFragment's vectored write: the fragment's header, the
	// NAL units' length prefixes and the pieces.
	head, lens []byte
	iov        [][]byte
	lastSync   time.Time
	err        error // sticky write error
	closed     bool
}

// NewWriter writes the init segment for info to f and fsyncs it. The
// caller created f (O_EXCL, directory fsynced: see CreateFile) and keeps
// no other handle writing to it; Close closes it.
func NewWriter(f File, info *media.StreamInfo, opts WriterOptions) (*Writer, error) {
	tracks, err := mapTracks(info)
	if err != nil {
		return nil, fmt.Errorf("new segment: %w", err)
	}
	w := &Writer{f: f, info: info, opts: opts.withDefaults(), tracks: tracks, byMedia: make([]*track, len(info.Tracks))}
	w.ref = tracks[0]
	for _, t := range tracks {
		w.byMedia[t.src] = t
		if t.video() && !w.ref.video() {
			w.ref = t
		}
	}
	for _, t := range tracks {
		r := &trackRun{t: t}
		if t.video() {
			r.nominal = defaultVideoSampleDur90k
		}
		w.runs = append(w.runs, r)
		if t == w.ref {
			w.refRun = r
		}
	}
	init := buildInit(tracks, info.CameraID, info.Stream)
	if _, err := f.Write(init); err != nil {
		w.err = fmt.Errorf("write segment init: %w", err)
		return w, w.err
	}
	if err := f.Sync(); err != nil {
		w.err = fmt.Errorf("sync segment init: %w", err)
		return w, w.err
	}
	w.synced()
	w.size = int64(len(init))
	w.lastSync = w.opts.Now()
	return w, nil
}

// Info returns the stream description the segment was created for.
func (w *Writer) Info() *media.StreamInfo { return w.info }

// Size returns the length of the valid prefix written so far (init and
// whole fragments).
func (w *Writer) Size() int64 { return w.size }

// Duration90k returns the segment's duration: its fragments plus the GOP
// being collected, up to the latest unit's DTS.
func (w *Writer) Duration90k() int64 {
	d := w.refTime
	if n := w.firstRef(); n != nil {
		last := w.lastRef()
		d += last.DTS - n.DTS
	}
	return d * media.VideoClockRate / int64(w.ref.timescale)
}

func (w *Writer) firstRef() *media.Unit {
	for _, u := range w.gop {
		if w.byMedia[u.Track] == w.ref {
			return u
		}
	}
	return nil
}

func (w *Writer) lastRef() *media.Unit {
	for i := len(w.gop) - 1; i >= 0; i-- {
		if w.byMedia[w.gop[i].Track] == w.ref {
			return w.gop[i]
		}
	}
	return nil
}

// ErrClosed is returned by a Writer or Segmenter used after Close.
var ErrClosed = errors.New("segment closed")

// WriteUnit adds u to the segment. A video keyframe (and for streams
// without video, a second of audio) completes the buffered GOP, which is
// written as one fragment before u starts the next. Units of tracks that
// are not stored are ignored. After a write error every call returns it;
// Close then keeps the valid prefix.
func (w *Writer) WriteUnit(u *media.Unit) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return ErrClosed
	}
	if u.Track < 0 || u.Track >= len(w.byMedia) || w.byMedia[u.Track] == nil {
		return nil
	}
	t := w.byMedia[u.Track]
	if len(w.gop) > 0 && t == w.ref && w.cut(u) {
		if err := w.flush(u); err != nil {
			return err
		}
	}
	if len(w.gop) == 0 && t != w.ref {
		return nil // a fragment starts with a reference sample
	}
	w.gop = append(w.gop, u)
	w.gopSize += u.Size()
	return nil
}

// cut reports whether ref unit u starts a new fragment.
func (w *Writer) cut(u *media.Unit) bool {
	if w.ref.video() && u.Key {
		return true
	}
	first := w.firstRef()
	span := time.Duration((u.DTS - first.DTS) * int64(time.Second) / int64(w.ref.timescale))
	if !w.ref.video() && span >= time.Second {
		return true
	}
	return span >= w.opts.MaxFragmentDuration || w.gopSize >= w.opts.MaxFragmentBytes
}

// flush writes the buffered GOP as one fragment. next is the unit that
// follows it (for the last sample's duration), or nil.
func (w *Writer) flush(next *media.Unit) error {
	if len(w.gop) == 0 {
		return nil
	}
	for _, r := range w.runs {
		r.reset()
	}
	first := w.gop[0] // a reference-track unit (see WriteUnit)
	w.refRun.base = w.refTime
	key := !w.ref.video() || first.Key

	// Samples, track by track, in arrival order.
	var prev [16]*media.Unit
	lastOf := prev[:0]
	for range w.runs {
		lastOf = append(lastOf, nil)
	}
	for _, u := range w.gop {
		t := w.byMedia[u.Track]
		r := w.runs[t.id-1]
		if p := lastOf[t.id-1]; p != nil {
			w.closeSample(r, p, u.DTS)
		} else if t != w.ref {
			// Place the track's first sample against the reference
			// track: same offset from the fragment start as in media time.
			off := (u.DTS*int64(media.VideoClockRate)/int64(t.timescale) - first.DTS*int64(media.VideoClockRate)/int64(w.ref.timescale))
			base := w.refTime*int64(media.VideoClockRate)/int64(w.ref.timescale) + off
			r.base = max(0, base*int64(t.timescale)/int64(media.VideoClockRate))
		}
		w.openSample(r, u)
		lastOf[t.id-1] = u
	}
	for i, r := range w.runs {
		if p := lastOf[i]; p != nil {
			nextDTS := int64(-1)
			if next != nil && w.byMedia[next.Track] == r.t {
				nextDTS = next.DTS
			}
			w.closeSample(r, p, nextDTS)
		}
	}

	w.seq++
	dur := w.refRun.duration()
	frag := Fragment{
		Segment:     w.opts.Seq,
		Index:       w.frags,
		Offset:      w.size,
		Start90k:    w.refTime * media.VideoClockRate / int64(w.ref.timescale),
		Duration90k: dur * media.VideoClockRate / int64(w.ref.timescale),
		Wall:        first.Wall,
		Key:         key,
		Samples:     make([]int, len(w.runs)),
	}
	for i, r := range w.runs {
		frag.Samples[i] = len(r.samples)
	}
	var err error
	frag.Length, err = w.writeFragment(first.Wall)
	for _, r := range w.runs {
		// The units' payloads are on their way to the disk now: holding
		// their NAL units until the next flush kept a second GOP per
		// camera alive (32 MB of the 72 MB in-use heap at 32 × 4 Mbit/s).
		r.release()
	}
	clear(w.gop)
	w.gop = w.gop[:0]
	w.gopSize = 0
	if err != nil {
		w.err = fmt.Errorf("write segment %d fragment %d at offset %d: %w", w.opts.Seq, frag.Index, frag.Offset, err)
		return w.err
	}
	w.size += frag.Length
	w.refTime += dur
	w.frags++
	w.pending = append(w.pending, frag)
	if w.opts.SyncInterval < 0 || w.opts.Now().Sub(w.lastSync) >= w.opts.SyncInterval {
		return w.sync()
	}
	return nil
}

// writeFragment writes the fragment of w.runs and returns its length.
// To a file (*os.File on Linux) it goes with one writev of its header and
// the units' own NAL units, so no copy of the GOP is made: a buffer built
// per fragment was a second GOP per camera while it lived, and at 32
// cameras of 4 Mbit/s 156-389 MB of allocations per 28 s. Elsewhere (other
// File implementations) it is built in a buffer lent by Buffers (or of its
// exact size) and given back once written.
func (w *Writer) writeFragment(wall time.Time) (int64, error) {
	if f, ok := w.f.(*os.File); ok && vectored {
		w.head = appendFragmentHead(w.head[:0], w.seq, wall, w.refRun, w.runs)
		nalus := 0
		for _, r := range w.runs {
			if len(r.samples) > 0 && r.t.video() {
				nalus += len(r.data)
			}
		}
		if cap(w.lens) < 4*nalus {
			w.lens = make([]byte, 4*nalus)
		}
		lens := w.lens[:4*nalus]
		w.iov = append(w.iov[:0], w.head)
		k := 0
		for _, r := range w.runs {
			if len(r.samples) == 0 {
				continue
			}
			for _, d := range r.data {
				if r.t.video() {
					binary.BigEndian.PutUint32(lens[k:], uint32(len(d)))
					w.iov = append(w.iov, lens[k:k+4:k+4])
					k += 4
				}
				if len(d) > 0 {
					w.iov = append(w.iov, d)
				}
			}
		}
		_, err := writeVectors(f, w.iov)
		clear(w.iov) // the pieces alias the units: hold them no longer
		return int64(len(w.head) + mdatPayloadSize(w.runs)), err
	}
	buf := appendFragment(w.opts.Buffers.get(fragmentSize(w.runs)), w.seq, wall, w.refRun, w.runs)
	defer w.opts.Buffers.put(buf)
	_, err := w.f.Write(buf)
	return int64(len(buf)), err
}

// openSample appends u's samples to r; the duration of the last one is
// set by closeSample.
func (w *Writer) openSample(r *trackRun, u *media.Unit) {
	t := r.t
	if t.video() {
		var size uint32
		for _, n := range u.NALUs {
			size += 4 + uint32(len(n))
		}
		flags := uint32(flagsNonSync)
		if u.Key {
			flags = flagsSync
		}
		r.samples = append(r.samples, sampleMeta{size: size, flags: flags, cto: int32(u.PTS - u.DTS)})
		r.data = append(r.data, u.NALUs...)
		return
	}
	for _, f := range u.Payload {
		if len(r.samples) >= maxAudioFramesPerFragment {
			break
		}
		r.samples = append(r.samples, sampleMeta{dur: uint32(audioFrameDur(t, f)), size: uint32(len(f)), flags: flagsSync})
		r.data = append(r.data, f)
	}
}

// closeSample sets the duration of the last sample of r, which came from
// unit u, from the DTS of the next unit of the track (nextDTS < 0: none).
func (w *Writer) closeSample(r *trackRun, u *media.Unit, nextDTS int64) {
	if len(r.samples) == 0 {
		return
	}
	last := &r.samples[len(r.samples)-1]
	if r.t.video() {
		d := r.nominal
		if nextDTS >= 0 {
			d = clampDur(nextDTS-u.DTS, r.nominal, r.t.timescale)
		}
		r.nominal = d
		last.dur = uint32(d)
		return
	}
	if nextDTS < 0 {
		return // keeps the frame's nominal duration
	}
	// The unit's frames have nominal durations; the last one stretches or
	// shrinks to meet the next unit's DTS when that is plausible.
	var inUnit int64
	for i := len(r.samples) - len(u.Payload); i < len(r.samples)-1; i++ {
		if i >= 0 {
			inUnit += int64(r.samples[i].dur)
		}
	}
	d := nextDTS - u.DTS - inUnit
	if d > 0 && d <= int64(maxGap/time.Second)*int64(r.t.timescale) {
		last.dur = uint32(d)
	}
}

func (w *Writer) sync() error {
	if err := w.f.Sync(); err != nil {
		w.err = fmt.Errorf("sync segment %d: %w", w.opts.Seq, err)
		return w.err
	}
	w.synced()
	w.lastSync = w.opts.Now()
	w.report()
	return nil
}

// synced counts one fsync of the file for OnSync.
func (w *Writer) synced() {
	if w.opts.OnSync != nil {
		w.opts.OnSync()
	}
}

func (w *Writer) report() {
	for _, f := range w.pending {
		if w.opts.OnFragment != nil {
			w.opts.OnFragment(f)
		}
	}
	clear(w.pending)
	w.pending = w.pending[:0]
}

// Sync fsyncs the file now if fragments were written since the last
// fsync, and reports them. A recorder calls it when no unit arrived for
// SyncInterval, so an idle stream's last fragment is not left unsynced.
func (w *Writer) Sync() error {
	if w.err != nil {
		return w.err
	}
	if len(w.pending) == 0 {
		return nil
	}
	return w.sync()
}

// SyncDue reports whether fragments are waiting for an fsync and until
// when they may wait under the sync policy.
func (w *Writer) SyncDue() (deadline time.Time, pending bool) {
	return w.lastSync.Add(w.opts.SyncInterval), len(w.pending) > 0
}

// Close writes the buffered GOP as a last fragment (next, if not nil, is
// the unit that follows it in the stream, for the last sample's duration),
// fsyncs and closes the file. After a write error it instead truncates the
// file to its valid prefix (the last whole fragment), fsyncs and closes it,
// and returns the write error. Close returns ErrClosed when called twice.
func (w *Writer) Close(next *media.Unit) error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	if w.err == nil {
		_ = w.flush(next)
	}
	if w.err == nil {
		_ = w.sync()
	}
	if w.err != nil {
		werr := w.err
		// Drop the partial fragment: the valid prefix ends at w.size.
		if err := w.f.Truncate(w.size); err != nil {
			werr = errors.Join(werr, fmt.Errorf("truncate segment %d to %d: %w", w.opts.Seq, w.size, err))
		} else if err := w.f.Sync(); err != nil {
			werr = errors.Join(werr, fmt.Errorf("sync segment %d: %w", w.opts.Seq, err))
		} else {
			w.synced()
			w.report() // the whole fragments before the failure are durable now
		}
		_ = w.f.Close()
		return werr
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close segment %d: %w", w.opts.Seq, err)
	}
	return nil
}
