package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

// maxFragment caps the bytes of one fragment read into memory (a GOP);
// segment.Scan caps the moof, this caps moof and mdat together.
const maxFragment = 64 << 20

// maxFragmentSamples caps the samples of one fragment, all tracks (a GOP
// of 60 s at 60 fps with audio is under 7,000). A trun without per-sample
// entries claims any number of samples in 20 bytes, and decoding makes an
// object per sample: a few kilobytes must not cost gigabytes.
const maxFragmentSamples = 1 << 16

// segFile is one open segment file and the fragments of it to play.
type segFile struct {
	r       io.ReaderAt
	closer  io.Closer   // the open file; nil for bytes in memory
	path    string      // names the segment in errors
	track   media.Track // the video track, ClockRate 90000
	trackID int
	scale   int64 // the video track's timescale
	frags   []*segment.FragmentInfo
	skipped []error // requested fragments that are not whole fragments
}

// openFile opens src, reads its layout and video track and selects the
// fragments to play: src.Fragments that are whole fragments of the file
// (all whole fragments when none are named) and start after after.
func openFile(src segment.ClipSource, after time.Time) (*segFile, error) {
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, fmt.Errorf("open segment: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open segment %s: %w", src.Path, err)
	}
	sf, err := loadSegment(f, st.Size(), src, after)
	if err != nil {
		f.Close()
		return nil, err
	}
	sf.closer = f
	return sf, nil
}

// loadSegment is openFile on a segment's size bytes read through r
// (src.Path names it in errors): the file, or bytes in memory for the fuzz
// target, which then reads exactly what playback reads without a file
// write per input.
func loadSegment(r io.ReaderAt, size int64, src segment.ClipSource, after time.Time) (*segFile, error) {
	sf := &segFile{r: r, path: src.Path}
	if err := sf.load(size, src, after); err != nil {
		return nil, err
	}
	return sf, nil
}

func (sf *segFile) load(size int64, src segment.ClipSource, after time.Time) error {
	l, err := segment.Scan(sf.r, size)
	if err != nil {
		return fmt.Errorf("open segment %s: %w", sf.path, err)
	}
	init := make([]byte, l.Init.Size)
	if _, err := sf.r.ReadAt(init, 0); err != nil {
		return fmt.Errorf("open segment %s: read init: %w", sf.path, err)
	}
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(withoutUdta(init))); err != nil {
		return fmt.Errorf("open segment %s: parse init: %w", sf.path, err)
	}
	for _, t := range in.Tracks {
		tr, ok := videoTrack(t.Codec)
		if ok && t.TimeScale > 0 {
			sf.track, sf.trackID, sf.scale = tr, t.ID, int64(t.TimeScale)
			break
		}
	}
	if sf.trackID == 0 {
		return fmt.Errorf("open segment %s: no H.264 or H.265 track", sf.path)
	}
	keep := func(fi *segment.FragmentInfo) {
		if after.IsZero() || fi.Wall.After(after) {
			sf.frags = append(sf.frags, fi)
		}
	}
	if len(src.Fragments) == 0 {
		for i := range l.Fragments {
			keep(&l.Fragments[i])
		}
		return nil
	}
	byOff := make(map[int64]*segment.FragmentInfo, len(l.Fragments))
	for i := range l.Fragments {
		byOff[l.Fragments[i].Offset] = &l.Fragments[i]
	}
	for _, ref := range src.Fragments {
		fi := byOff[ref.Offset]
		if fi == nil || fi.Length != ref.Length {
			sf.skipped = append(sf.skipped, fmt.Errorf("segment %s: fragment [%d, +%d) is not a whole fragment", sf.path, ref.Offset, ref.Length))
			continue
		}
		keep(fi)
	}
	return nil
}

// withoutUdta returns ftyp+moov without moov's udta box (Hearth's camera
// identity box, which mediacommon's parser does not know; the identity is
// taken from the caller anyway).
func withoutUdta(init []byte) []byte {
	box := func(p []byte) (size int, typ string, ok bool) {
		if len(p) < 8 {
			return 0, "", false
		}
		size = int(binary.BigEndian.Uint32(p))
		return size, string(p[4:8]), size >= 8 && size <= len(p)
	}
	ftypSize, typ, ok := box(init)
	if !ok || typ != "ftyp" {
		return init
	}
	moov := init[ftypSize:]
	moovSize, typ, ok := box(moov)
	if !ok || typ != "moov" {
		return init
	}
	out := append([]byte(nil), init[:ftypSize+8]...)
	for p := moov[8:moovSize]; len(p) > 0; {
		n, typ, ok := box(p)
		if !ok {
			return init
		}
		if typ != "udta" {
			out = append(out, p[:n]...)
		}
		p = p[n:]
	}
	binary.BigEndian.PutUint32(out[ftypSize:], uint32(len(out)-ftypSize))
	return out
}

// videoTrack describes a parsed sample entry as a media.Track.
func videoTrack(c codecs.Codec) (media.Track, bool) {
	switch c := c.(type) {
	case *codecs.H264:
		t := media.Track{Codec: media.H264, ClockRate: media.VideoClockRate, SPS: c.SPS, PPS: c.PPS}
		var sps h264.SPS
		if sps.Unmarshal(c.SPS) == nil {
			t.Width, t.Height, t.FPS = sps.Width(), sps.Height(), sps.FPS()
		}
		return t, true
	case *codecs.H265:
		t := media.Track{Codec: media.H265, ClockRate: media.VideoClockRate, VPS: c.VPS, SPS: c.SPS, PPS: c.PPS}
		var sps h265.SPS
		if sps.Unmarshal(c.SPS) == nil {
			t.Width, t.Height, t.FPS = sps.Width(), sps.Height(), sps.FPS()
		}
		return t, true
	}
	return media.Track{}, false
}

// sample is one decoded video sample of a fragment; times in 90 kHz from
// the fragment's first sample.
type sample struct {
	dts, cto, dur int64
	wall          time.Time
	key           bool
	nalus         [][]byte
}

// decode reads fragment fi and returns its video samples in decode order
// and the fragment's duration (90 kHz).
func (sf *segFile) decode(fi *segment.FragmentInfo) ([]sample, int64, error) {
	if fi.Length > maxFragment {
		return nil, 0, fmt.Errorf("segment %s: fragment at %d: %d bytes exceeds %d", sf.path, fi.Offset, fi.Length, maxFragment)
	}
	var n int
	for _, r := range fi.Tracks {
		n += r.Samples
	}
	if n > maxFragmentSamples {
		return nil, 0, fmt.Errorf("segment %s: fragment at %d: %d samples exceeds %d", sf.path, fi.Offset, n, maxFragmentSamples)
	}
	p := make([]byte, fi.Length)
	if _, err := sf.r.ReadAt(p, fi.Offset); err != nil {
		return nil, 0, fmt.Errorf("segment %s: read fragment at %d: %w", sf.path, fi.Offset, err)
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(p); err != nil {
		return nil, 0, fmt.Errorf("segment %s: parse fragment at %d: %w", sf.path, fi.Offset, err)
	}
	var out []sample
	var t int64 // track timescale, from the fragment's first sample
	for _, part := range parts {
		for _, pt := range part.Tracks {
			if pt.ID != sf.trackID {
				continue
			}
			for _, s := range pt.Samples {
				var au h264.AVCC // the same 4-byte length framing for H.265
				if err := au.Unmarshal(s.Payload); err != nil {
					return nil, 0, fmt.Errorf("segment %s: fragment at %d: sample: %w", sf.path, fi.Offset, err)
				}
				d := t * media.VideoClockRate / sf.scale
				out = append(out, sample{
					dts:   d,
					cto:   int64(s.PTSOffset) * media.VideoClockRate / sf.scale,
					dur:   int64(s.Duration) * media.VideoClockRate / sf.scale,
					wall:  fi.Wall.Add(time.Duration(d) * time.Second / media.VideoClockRate),
					key:   !s.IsNonSyncSample,
					nalus: au,
				})
				t += int64(s.Duration)
			}
		}
	}
	if len(out) == 0 {
		return nil, 0, errors.New("segment " + sf.path + ": fragment without video samples")
	}
	return out, t * media.VideoClockRate / sf.scale, nil
}

func (sf *segFile) close() {
	if sf != nil && sf.closer != nil {
		sf.closer.Close()
		sf.closer = nil
	}
}
