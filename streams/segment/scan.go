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

func parseMoov(p []byte, in *Init) error {
	kids, ok := children(p)
	if !ok {
		return errors.New("bad moov children")
	}
	in.ref = -1
	for _, k := range kids {
		switch k.typ {
		case "trak":
			if len(in.Tracks) == maxTracks {
				return fmt.Errorf("more than %d tracks", maxTracks)
			}
			t, err := parseTrak(sub(p, k))
			if err != nil {
				return err
			}
			for _, o := range in.Tracks {
				if o.ID == t.ID {
					return fmt.Errorf("duplicate track %d", t.ID)
				}
			}
			if t.Handler == "vide" && (in.ref < 0 || in.Tracks[in.ref].Handler != "vide") {
				in.ref = len(in.Tracks)
			}
			in.Tracks = append(in.Tracks, t)
			in.traks = append(in.traks, p[k.off:k.off+k.size]...)
		case "udta":
			in.udta = append([]byte(nil), p[k.off:k.off+k.size]...)
			ukids, ok := children(sub(p, k))
			if !ok {
				continue
			}
			if id, ok := find(ukids, identityBox); ok {
				q := sub(sub(p, k), id)
				if len(q) >= 2 && int(q[1])+2 < len(q) {
					in.CameraID = string(q[2 : 2+q[1]])
					q = q[2+q[1]:]
					if int(q[0])+1 <= len(q) {
						in.Stream = string(q[1 : 1+q[0]])
					}
				}
			}
		}
	}
	if len(in.Tracks) == 0 {
		return errors.New("no tracks")
	}
	if in.ref < 0 {
		in.ref = 0
	}
	return nil
}

func parseTrak(p []byte) (TrackInfo, error) {
	var t TrackInfo
	kids, ok := children(p)
	if !ok {
		return t, errors.New("bad trak")
	}
	tkhd, ok := find(kids, "tkhd")
	if !ok {
		return t, errors.New("trak without tkhd")
	}
	q := sub(p, tkhd)
	if len(q) < 24 {
		return t, errors.New("short tkhd")
	}
	if q[0] == 1 {
		if len(q) < 24 {
			return t, errors.New("short tkhd")
		}
		t.ID = binary.BigEndian.Uint32(q[20:])
	} else {
		t.ID = binary.BigEndian.Uint32(q[12:])
	}
	mdia, ok := find(kids, "mdia")
	if !ok {
		return t, errors.New("trak without mdia")
	}
	mp := sub(p, mdia)
	mk, ok := children(mp)
	if !ok {
		return t, errors.New("bad mdia")
	}
	if b, ok := find(mk, "mdhd"); ok {
		q := sub(mp, b)
		if len(q) >= 24 && q[0] == 1 {
			t.Timescale = binary.BigEndian.Uint32(q[20:])
		} else if len(q) >= 16 {
			t.Timescale = binary.BigEndian.Uint32(q[12:])
		}
	}
	if t.Timescale == 0 {
		return t, errors.New("track without timescale")
	}
	if b, ok := find(mk, "hdlr"); ok {
		if q := sub(mp, b); len(q) >= 12 {
			t.Handler = string(q[8:12])
		}
	}
	// minf/stbl/stsd: the first sample entry's type.
	if b, ok := find(mk, "minf"); ok {
		np := sub(mp, b)
		if nk, ok := children(np); ok {
			if b, ok := find(nk, "stbl"); ok {
				sp := sub(np, b)
				if sk, ok := children(sp); ok {
					if b, ok := find(sk, "stsd"); ok {
						if q := sub(sp, b); len(q) >= 16 {
							t.Entry = string(q[12:16])
							// VisualSampleEntry (ISO 14496-12 12.1.3): after the
							// box header, 8 bytes of SampleEntry and 16 of
							// pre-defined/reserved, then width and height.
							if t.Handler == "vide" && len(q) >= 44 {
								t.Width = int(binary.BigEndian.Uint16(q[40:42]))
								t.Height = int(binary.BigEndian.Uint16(q[42:44]))
							}
							// AudioSampleEntry (12.2.3): after the box header, 8
							// bytes of SampleEntry and 8 reserved, then
							// channelcount, samplesize, 4 bytes, samplerate 16.16.
							if t.Handler == "soun" && len(q) >= 44 {
								t.Channels = int(binary.BigEndian.Uint16(q[32:34]))
								t.SampleRate = int(binary.BigEndian.Uint32(q[40:44]) >> 16)
							}
						}
					}
				}
			}
		}
	}
	if t.Entry == "" {
		return t, errors.New("track without sample entry")
	}
	return t, nil
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
		q := p[b.hdr:]
		switch {
		case len(q) >= 24 && q[0] == 1:
			f.Wall = fromNTP(binary.BigEndian.Uint64(q[8:]))
		case len(q) >= 20:
			f.Wall = fromNTP(binary.BigEndian.Uint64(q[8:]))
		default:
			return f, corrupt(off, "short prft")
		}
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

// parseMoof reads moof (the whole box) and checks that every sample lies in
// mdat.
func parseMoof(moof []byte, hdr int, f *FragmentInfo, in *Init, mdat box) error {
	kids, ok := children(moof[hdr:])
	if !ok {
		return errors.New("bad moof children")
	}
	at := func(b box) int { return hdr + int(b.off) + int(b.hdr) } // payload position in moof
	mfhd, ok := find(kids, "mfhd")
	if !ok || mfhd.size-mfhd.hdr < 8 {
		return errors.New("no mfhd")
	}
	f.seqPos = at(mfhd) + 4
	f.Seq = binary.BigEndian.Uint32(moof[f.seqPos:])
	dataStart, dataEnd := mdat.off+mdat.hdr, mdat.off+mdat.size
	refSeen := false
	for _, k := range kids {
		if k.typ != "traf" {
			continue
		}
		tp := moof[at(k) : at(k)+int(k.size-k.hdr)]
		tk, ok := children(tp)
		if !ok {
			return errors.New("bad traf")
		}
		tfhd, ok := find(tk, "tfhd")
		if !ok {
			return errors.New("traf without tfhd")
		}
		q := sub(tp, tfhd)
		if len(q) < 8 {
			return errors.New("short tfhd")
		}
		flags := binary.BigEndian.Uint32(q) & 0xffffff
		run := TrackRun{TrackID: binary.BigEndian.Uint32(q[4:])}
		ti := in.track(run.TrackID)
		if ti < 0 {
			return fmt.Errorf("fragment for unknown track %d", run.TrackID)
		}
		for _, o := range f.Tracks {
			if o.TrackID == run.TrackID {
				return fmt.Errorf("two trafs for track %d", run.TrackID)
			}
		}
		q = q[8:]
		base := f.moofOff
		var defDur, defSize, defFlags uint32
		need := func(n int) bool { return len(q) >= n }
		if flags&0x1 != 0 {
			if !need(8) {
				return errors.New("short tfhd")
			}
			base = int64(binary.BigEndian.Uint64(q))
			q = q[8:]
		}
		if flags&0x2 != 0 {
			if !need(4) {
				return errors.New("short tfhd")
			}
			q = q[4:]
		}
		for _, d := range []struct {
			bit uint32
			v   *uint32
		}{{0x8, &defDur}, {0x10, &defSize}, {0x20, &defFlags}} {
			if flags&d.bit != 0 {
				if !need(4) {
					return errors.New("short tfhd")
				}
				*d.v = binary.BigEndian.Uint32(q)
				q = q[4:]
			}
		}
		tfdt, ok := find(tk, "tfdt")
		if !ok {
			return errors.New("traf without tfdt")
		}
		q = sub(tp, tfdt)
		pos := at(k) + int(tfdt.off+tfdt.hdr) + 4
		switch {
		case len(q) >= 12 && q[0] == 1:
			run.Base = binary.BigEndian.Uint64(q[4:])
			f.tfdtV1 = append(f.tfdtV1, true)
		case len(q) >= 8 && q[0] == 0:
			run.Base = uint64(binary.BigEndian.Uint32(q[4:]))
			f.tfdtV1 = append(f.tfdtV1, false)
		default:
			return errors.New("bad tfdt")
		}
		f.tfdtPos = append(f.tfdtPos, pos)
		first, runs := true, 0
		for _, tr := range tk {
			if tr.typ != "trun" {
				continue
			}
			if runs++; runs > maxRuns {
				return fmt.Errorf("track %d: more than %d truns", run.TrackID, maxRuns)
			}
			q := sub(tp, tr)
			if len(q) < 8 {
				return errors.New("short trun")
			}
			tf := binary.BigEndian.Uint32(q) & 0xffffff
			n := binary.BigEndian.Uint32(q[4:])
			q = q[8:]
			if n > maxSamples {
				return fmt.Errorf("trun with %d samples", n)
			}
			var dataOff int64
			if tf&0x1 != 0 {
				if len(q) < 4 {
					return errors.New("short trun")
				}
				dataOff = int64(int32(binary.BigEndian.Uint32(q)))
				q = q[4:]
			}
			firstFlags, hasFirst := uint32(0), false
			if tf&0x4 != 0 {
				if len(q) < 4 {
					return errors.New("short trun")
				}
				firstFlags, hasFirst = binary.BigEndian.Uint32(q), true
				q = q[4:]
			}
			per := 0
			for _, bit := range []uint32{0x100, 0x200, 0x400, 0x800} {
				if tf&bit != 0 {
					per += 4
				}
			}
			if uint64(len(q)) < uint64(n)*uint64(per) {
				return errors.New("trun entries past its box")
			}
			var data int64
			for i := uint32(0); i < n; i++ {
				dur, sz, fl := defDur, defSize, defFlags
				if tf&0x100 != 0 {
					dur, q = binary.BigEndian.Uint32(q), q[4:]
				}
				if tf&0x200 != 0 {
					sz, q = binary.BigEndian.Uint32(q), q[4:]
				}
				if tf&0x400 != 0 {
					fl, q = binary.BigEndian.Uint32(q), q[4:]
				}
				if tf&0x800 != 0 {
					q = q[4:]
				}
				if i == 0 && hasFirst {
					fl = firstFlags
				}
				if i == 0 && first && ti == in.ref {
					f.Key = fl&0x00010000 == 0
					refSeen = true
				}
				run.Duration += int64(dur)
				data += int64(sz)
			}
			start := base + dataOff
			if n > 0 && (start < dataStart || start+data > dataEnd) {
				return fmt.Errorf("track %d samples at [%d, %d) outside mdat [%d, %d)", run.TrackID, start, start+data, dataStart, dataEnd)
			}
			run.Samples += int(n)
			run.DataSize += data
			first = false
		}
		if ti == in.ref {
			ts := int64(in.Tracks[ti].Timescale)
			f.Start90k = int64(run.Base)/ts*90000 + int64(run.Base)%ts*90000/ts
			f.Duration90k = run.Duration * 90000 / ts
		}
		f.Tracks = append(f.Tracks, run)
	}
	if !refSeen {
		// A fragment without the reference track (audio only while the
		// video stalled) is valid; it just is not a random access point.
		f.Key = false
	}
	if len(f.Tracks) == 0 {
		return errors.New("moof without traf")
	}
	return nil
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
