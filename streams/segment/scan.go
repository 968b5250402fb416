package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ErrCorrupt reports a segment file (or a part of one) that does not have
// the expected structure. Scan wraps it with the offset and the reason.
var ErrCorrupt = errors.New("corrupt segment")

// Caps on what Scan reads into memory, whatever the box sizes claim.
const (
	maxFtyp    = 4 << 10
	maxMoov    = 4 << 20
	maxMoof    = 16 << 20
	maxPrft    = 64
	maxSamples = 1 << 20 // per trun
	// The writer stores at most maxTracks tracks (a camera has one video
	// and at most a few audio tracks), one traf per track and one trun per
	// traf. More is no recording of ours, and without a cap their count
	// drives quadratic work: every traf looks its track up among the
	// init's tracks, and a parser that grows a track's sample slice per
	// trun (mediacommon, for replay) copies it once per trun.
	maxTracks = 8  // in the init
	maxRuns   = 64 // trun boxes in one traf
)

// TrackInfo describes one track of a segment's init.
type TrackInfo struct {
	ID        uint32
	Timescale uint32
	Handler   string // "vide" or "soun"
	Entry     string // sample entry type: avc1, hvc1, mp4a, ulaw, alaw, Opus
	// Width and Height of a video track, from its visual sample entry.
	Width, Height int
	// Channels and SampleRate of an audio track, from its audio sample
	// entry: what a reader needs to pass G.711 and Opus on, whose entries
	// mediacommon's parser does not know (ulaw, alaw).
	Channels, SampleRate int
}

// Init is what Scan learns from a segment's ftyp+moov.
type Init struct {
	Size     int64 // bytes of ftyp+moov
	CameraID string
	Stream   string
	Tracks   []TrackInfo

	traks []byte // the raw trak boxes: equal bytes mean equal codec params
	udta  []byte
	ref   int // index of the reference track in Tracks
}

// SameParams reports whether two inits describe the same tracks and codec
// parameters, so their fragments can be played after one init.
func (i *Init) SameParams(o *Init) bool { return string(i.traks) == string(o.traks) }

// TrackRun is one track's part of a fragment.
type TrackRun struct {
	TrackID  uint32
	Base     uint64 // baseMediaDecodeTime (tfdt), track timescale
	Duration int64  // track timescale
	Samples  int
	DataSize int64
}

// FragmentInfo is one whole fragment found by Scan.
type FragmentInfo struct {
	Index       int
	Offset      int64 // of the prft box (or moof when there is none)
	Length      int64 // through the end of the mdat
	Seq         uint32
	Wall        time.Time // from prft; zero when absent
	Start90k    int64     // reference track's tfdt in 90 kHz
	Duration90k int64
	Key         bool // first sample of the reference track is a sync sample
	Tracks      []TrackRun

	moofOff, moofSize int64
	mdatOff, mdatSize int64
	seqPos            int   // offset of mfhd's sequence_number in the moof
	tfdtPos           []int // offset of each traf's 64-bit (v1) or 32-bit (v0) tfdt field
	tfdtV1            []bool
}

// Layout is the result of Scan.
type Layout struct {
	Init      Init
	Fragments []FragmentInfo
	Size      int64 // the file size given to Scan
	ValidSize int64 // init + whole fragments: where a torn tail starts
	// TailErr says why bytes after ValidSize were rejected (nil when
	// ValidSize == Size). It wraps ErrCorrupt.
	TailErr error
}

// Scan parses a segment file box by box. It returns an error (wrapping
// ErrCorrupt, or the read error) only when the init itself is unusable;
// a torn or corrupt tail ends the fragment list and is described by
// Layout.TailErr. Scan trusts no size field: every box is checked against
// the file size, and only headers, the moov and moofs (capped) are read.
func Scan(r io.ReaderAt, size int64) (*Layout, error) {
	l := &Layout{Size: size}
	if size < 0 {
		return nil, fmt.Errorf("scan init: %w", corrupt(0, "negative size %d", size))
	}
	if err := scanInit(r, size, &l.Init); err != nil {
		return nil, err
	}
	l.ValidSize = l.Init.Size
	off := l.Init.Size
	for off < size {
		f, err := scanFragment(r, size, off, &l.Init)
		if err != nil {
			l.TailErr = err
			break
		}
		f.Index = len(l.Fragments)
		l.Fragments = append(l.Fragments, f)
		off += f.Length
		l.ValidSize = off
	}
	return l, nil
}

func corrupt(off int64, format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", ErrCorrupt, off, fmt.Sprintf(format, args...))
}

// readBox reads the header of the box at off (limit: bytes to the end of
// the file) and, when want is not empty, checks its type.
func readBox(r io.ReaderAt, off, size int64, want string) (box, error) {
	var p [16]byte
	n, err := r.ReadAt(p[:min(16, size-off)], off)
	if err != nil && !errors.Is(err, io.EOF) {
		return box{}, fmt.Errorf("read segment at %d: %w", off, err)
	}
	b, ok := parseBoxHeader(p[:n], off, size-off)
	if !ok {
		return box{}, corrupt(off, "truncated or invalid box header")
	}
	if want != "" && b.typ != want {
		return box{}, corrupt(off, "box %q, want %q", printable(b.typ), want)
	}
	return b, nil
}

func printable(s string) string {
	for _, c := range []byte(s) {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", s)
		}
	}
	return s
}

// readAll reads box b (whole, header included), refusing more than limit.
func readAll(r io.ReaderAt, b box, limit int64) ([]byte, error) {
	if b.size > limit {
		return nil, corrupt(b.off, "%s box of %d bytes exceeds %d", b.typ, b.size, limit)
	}
	p := make([]byte, b.size)
	if _, err := r.ReadAt(p, b.off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, corrupt(b.off, "truncated %s", b.typ)
		}
		return nil, fmt.Errorf("read segment at %d: %w", b.off, err)
	}
	return p, nil
}

func scanInit(r io.ReaderAt, size int64, in *Init) error {
	ftyp, err := readBox(r, 0, size, "ftyp")
	if err != nil {
		return fmt.Errorf("scan init: %w", err)
	}
	if ftyp.size > maxFtyp {
		return fmt.Errorf("scan init: %w", corrupt(0, "ftyp of %d bytes", ftyp.size))
	}
	mb, err := readBox(r, ftyp.size, size, "moov")
	if err != nil {
		return fmt.Errorf("scan init: %w", err)
	}
	moov, err := readAll(r, mb, maxMoov)
	if err != nil {
		return fmt.Errorf("scan init: %w", err)
	}
	if err := parseMoov(moov[mb.hdr:], in); err != nil {
		return fmt.Errorf("scan init: %w", corrupt(mb.off, "%v", err))
	}
	in.Size = mb.off + mb.size
	return nil
}

func (in *Init) track(id uint32) int {
	for i, t := range in.Tracks {
		if t.ID == id {
			return i
		}
	}
	return -1
}

// scanFragment parses [prft] moof mdat at off.
func scanFragment(r io.ReaderAt, size, off int64, in *Init) (FragmentInfo, error) {
	f := FragmentInfo{Offset: off}
	b, err := readBox(r, off, size, "")
	if err != nil {
		return f, err
	}
	if b.typ == "prft" {
		p, err := readAll(r, b, maxPrft)
		if err != nil {
			return f, err
		}
		// prft (ISO 14496-12 8.16.5), which go-mp4 v1.7.1 has no type for:
		// version, flags, reference_track_ID, the 64-bit NTP time, then
		// media_time, 32 bits in version 0 and 64 in version 1.
		q := p[b.hdr:]
		if len(q) < 20 || q[0] == 1 && len(q) < 24 {
			return f, corrupt(off, "short prft")
		}
		f.Wall = fromNTP(binary.BigEndian.Uint64(q[8:]))
		if b, err = readBox(r, off+b.size, size, ""); err != nil {
			return f, err
		}
	}
	if b.typ != "moof" {
		return f, corrupt(b.off, "box %q where a fragment should start", printable(b.typ))
	}
	moof, err := readAll(r, b, maxMoof)
	if err != nil {
		return f, err
	}
	f.moofOff, f.moofSize = b.off, b.size
	mb, err := readBox(r, b.off+b.size, size, "mdat")
	if err != nil {
		return f, err
	}
	f.mdatOff, f.mdatSize = mb.off, mb.size
	if err := parseMoof(moof, int(b.hdr), &f, in, mb); err != nil {
		return f, corrupt(b.off, "%v", err)
	}
	f.Length = mb.off + mb.size - off
	return f, nil
}

// Truncate cuts the segment file at path after its last whole fragment
// and fsyncs it: the recovery step for a segment that was open at a crash.
// It returns the layout of what remains. An error wrapping ErrCorrupt
// means not even the init is valid: the file holds no recording.
func Truncate(path string) (*Layout, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("truncate segment: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("truncate segment: %w", err)
	}
	l, err := Scan(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("truncate segment %s: %w", path, err)
	}
	if l.ValidSize < l.Size {
		if err := f.Truncate(l.ValidSize); err != nil {
			return nil, fmt.Errorf("truncate segment %s to %d: %w", path, l.ValidSize, err)
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("truncate segment %s: sync: %w", path, err)
		}
		l.Size, l.TailErr = l.ValidSize, nil
	}
	return l, nil
}
