package replay

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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
	closer  io.Closer     // the open file; nil for bytes in memory
	path    string        // names the segment in errors
	tracks  []media.Track // the video track (ClockRate 90000) first, then the audio tracks
	ids     []int         // MP4 track_ID of each of tracks
	scales  []int64       // timescale of each of tracks
	send    []bool        // whether the samples of each of tracks are decoded and sent
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
	// mediacommon parses the video sample entries (avc1, hvc1 and their
	// parameter sets) but fails on a whole init with an entry it does not
	// know, and G.711's ulaw/alaw are such entries: it gets the video trak
	// alone, and the audio tracks are described from Scan's bounded parse.
	vi := -1
	for i, t := range l.Init.Tracks {
		if t.Handler == "vide" {
			vi = i
			break
		}
	}
	if vi < 0 {
		return fmt.Errorf("open segment %s: no H.264 or H.265 track", sf.path)
	}
	var in fmp4.Init
	if err := in.Unmarshal(bytes.NewReader(onlyTrak(init, vi))); err != nil {
		return fmt.Errorf("open segment %s: parse init: %w", sf.path, err)
	}
	for _, t := range in.Tracks {
		tr, ok := videoTrack(t.Codec)
		if ok && t.TimeScale > 0 {
			sf.tracks, sf.ids, sf.scales, sf.send = []media.Track{tr}, []int{t.ID}, []int64{int64(t.TimeScale)}, []bool{true}
			break
		}
	}
	if len(sf.tracks) == 0 {
		return fmt.Errorf("open segment %s: no H.264 or H.265 track", sf.path)
	}
	for _, t := range l.Init.Tracks {
		if tr, send, ok := audioTrack(t); ok {
			sf.tracks, sf.ids, sf.scales, sf.send = append(sf.tracks, tr), append(sf.ids, int(t.ID)), append(sf.scales, int64(t.Timescale)), append(sf.send, send)
		}
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

// onlyTrak returns ftyp+moov with moov's keep-th trak box and none of its
// other traks, and without its udta box (Hearth's camera identity box,
// which mediacommon's parser does not know; the identity is taken from the
// caller anyway).
func onlyTrak(init []byte, keep int) []byte {
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
	trak := 0
	for p := moov[8:moovSize]; len(p) > 0; {
		n, typ, ok := box(p)
		if !ok {
			return init
		}
		switch typ {
		case "udta":
		case "trak":
			if trak == keep {
				out = append(out, p[:n]...)
			}
			trak++
		default:
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

// maxAudioRate bounds an audio track's timescale (its sample rate): 8
// times the 48 kHz of Opus; more is no camera's.
const maxAudioRate = 384000

// audioTrack describes an audio track of a segment's init as a media.Track
// and whether its samples are sent: G.711 and Opus are (WebRTC carries
// them); AAC is described, so a session can say why it is not sent, but
// its samples are not decoded. ok is false for an entry Hearth does not
// write.
func audioTrack(t segment.TrackInfo) (tr media.Track, send, ok bool) {
	if t.Handler != "soun" || t.Timescale == 0 || t.Timescale > maxAudioRate {
		return media.Track{}, false, false
	}
	tr = media.Track{ClockRate: int(t.Timescale), SampleRate: t.SampleRate, Channels: max(1, t.Channels)}
	if tr.SampleRate == 0 {
		tr.SampleRate = tr.ClockRate
	}
	switch t.Entry {
	case "ulaw":
		tr.Codec = media.PCMU
	case "alaw":
		tr.Codec = media.PCMA
	case "Opus":
		tr.Codec = media.Opus
	case "mp4a":
		tr.Codec = media.AAC
		return tr, false, true
	default:
		return media.Track{}, false, false
	}
	return tr, true, true
}

// sample is one decoded sample of a fragment, video or audio; times in
// 90 kHz from the fragment's first video sample.
type sample struct {
	track         int // index into segFile.tracks
	dts, cto, dur int64
	wall          time.Time
	key           bool
	nalus         [][]byte // video
	payload       []byte   // audio: one frame
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
	var end int64 // video track timescale: the fragment's duration
	vscale := sf.scales[0]
	var vbase uint64
	for _, part := range parts {
		for _, pt := range part.Tracks {
			if pt.ID == sf.ids[0] {
				vbase = pt.BaseTime
				break
			}
		}
	}
	for _, part := range parts {
		for _, pt := range part.Tracks {
			ti := sf.trackIndex(pt.ID)
			if ti < 0 || !sf.send[ti] {
				continue
			}
			scale := sf.scales[ti]
			if ti > 0 {
				// Audio is placed against the video by the tracks' base
				// times, as the writer placed it.
				off := int64(pt.BaseTime)*media.VideoClockRate/scale - int64(vbase)*media.VideoClockRate/vscale
				var t int64
				for _, s := range pt.Samples {
					d := off + t*media.VideoClockRate/scale
					out = append(out, sample{
						track:   ti,
						dts:     d,
						dur:     int64(s.Duration) * media.VideoClockRate / scale,
						wall:    fi.Wall.Add(time.Duration(d) * time.Second / media.VideoClockRate),
						key:     false,
						payload: s.Payload,
					})
					t += int64(s.Duration)
				}
				continue
			}
			t := end
			for _, s := range pt.Samples {
				var au h264.AVCC // the same 4-byte length framing for H.265
				if err := au.Unmarshal(s.Payload); err != nil {
					return nil, 0, fmt.Errorf("segment %s: fragment at %d: sample: %w", sf.path, fi.Offset, err)
				}
				d := t * media.VideoClockRate / scale
				out = append(out, sample{
					dts:   d,
					cto:   int64(s.PTSOffset) * media.VideoClockRate / scale,
					dur:   int64(s.Duration) * media.VideoClockRate / scale,
					wall:  fi.Wall.Add(time.Duration(d) * time.Second / media.VideoClockRate),
					key:   !s.IsNonSyncSample,
					nalus: au,
				})
				t += int64(s.Duration)
			}
			end = t
		}
	}
	if !slices.ContainsFunc(out, func(s sample) bool { return s.track == 0 }) {
		return nil, 0, errors.New("segment " + sf.path + ": fragment without video samples")
	}
	// Audio is due at its place on the footage timeline: a base time far
	// from the video's (a corrupt or hostile file) would hold playback
	// until then, so audio more than a second outside the fragment goes.
	end90k := end * media.VideoClockRate / vscale
	out = slices.DeleteFunc(out, func(s sample) bool {
		return s.track != 0 && (s.dts < -media.VideoClockRate || s.dts > end90k+media.VideoClockRate)
	})
	// Decode order on one timeline; video first among equal times, so a
	// fragment starts at its keyframe.
	slices.SortStableFunc(out, func(a, b sample) int {
		if c := cmp.Compare(a.dts, b.dts); c != 0 {
			return c
		}
		return cmp.Compare(a.track, b.track)
	})
	return out, end * media.VideoClockRate / vscale, nil
}

// trackIndex returns the index in sf.tracks of MP4 track id, or -1.
func (sf *segFile) trackIndex(id int) int {
	for i, x := range sf.ids {
		if x == id {
			return i
		}
	}
	return -1
}

func (sf *segFile) close() {
	if sf != nil && sf.closer != nil {
		sf.closer.Close()
		sf.closer = nil
	}
}
