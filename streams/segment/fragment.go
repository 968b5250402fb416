package segment

import (
	"encoding/binary"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// Sample flags (ISO/IEC 14496-12 8.8.3.1).
const (
	flagsSync    = 0x02000000 // sample_depends_on = 2 (does not depend on others)
	flagsNonSync = 0x01010000 // sample_depends_on = 1, sample_is_non_sync_sample
)

// maxGap bounds a sample duration taken from a DTS difference: a larger
// (or non-positive) difference is a discontinuity (reconnect, clock jump),
// and the sample gets the nominal duration instead.
const maxGap = 10 * time.Second

// ntpEpochOffset is the number of seconds from 1900-01-01 to 1970-01-01.
const ntpEpochOffset = 2208988800

// sampleMeta is one trun entry.
type sampleMeta struct {
	dur   uint32
	size  uint32
	flags uint32
	cto   int32
}

// trackRun collects one track's samples of the fragment being built.
type trackRun struct {
	t       *track
	base    int64 // tfdt, track timescale, segment timeline
	samples []sampleMeta
	data    [][]byte // payload pieces in order (video: NALUs; audio: frames)
	nominal int64    // last known good sample duration
}

func (r *trackRun) reset() {
	r.samples = r.samples[:0]
	clear(r.data)
	r.data = r.data[:0]
}

// release drops the references to the units' payloads once the fragment
// is built; the samples' metadata stays until reset.
func (r *trackRun) release() {
	clear(r.data)
	r.data = r.data[:0]
}

func (r *trackRun) duration() int64 {
	var d int64
	for _, s := range r.samples {
		d += int64(s.dur)
	}
	return d
}

// clampDur returns d when it is a plausible sample duration in timescale
// units, else the nominal duration.
func clampDur(d, nominal int64, timescale uint32) int64 {
	if d <= 0 || d > int64(maxGap/time.Second)*int64(timescale) {
		return nominal
	}
	return d
}

// audioFrameDur returns the nominal duration of one audio frame in the
// track's timescale.
func audioFrameDur(t *track, frame []byte) int64 {
	switch t.codec {
	case media.AAC:
		return 1024
	case media.PCMU, media.PCMA:
		return int64(len(frame) / max(t.channels, 1))
	case media.Opus:
		return opusDuration(frame)
	}
	return 0
}

// opusDuration returns an Opus packet's duration at 48 kHz from its TOC
// byte (RFC 6716 section 3.1), 960 when unknown.
func opusDuration(p []byte) int64 {
	if len(p) == 0 {
		return 960
	}
	toc := p[0]
	cfg := toc >> 3
	var frame int64
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = []int64{480, 960, 1920, 2880}[cfg&3]
	case cfg < 16: // hybrid: 10, 20 ms
		frame = []int64{480, 960}[cfg&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = []int64{120, 240, 480, 960}[cfg&3]
	}
	switch toc & 3 {
	case 0:
		return frame
	case 1, 2:
		return 2 * frame
	default:
		if len(p) < 2 {
			return frame
		}
		return frame * int64(p[1]&0x3f)
	}
}

// fragmentSize is an upper bound of appendFragment's output for runs:
// the sample data plus each box's fixed part and 16 bytes per sample.
func fragmentSize(runs []*trackRun) int {
	n := 256
	for _, r := range runs {
		n += 128 + 16*len(r.samples)
		for _, s := range r.samples {
			n += int(s.size)
		}
	}
	return n
}

// appendFragment appends prft+moof+mdat for runs to dst. seq is the
// mfhd sequence number; wall the capture time of the fragment's first
// reference-track sample; ref the reference track's run (for prft).
func appendFragment(dst []byte, seq uint32, wall time.Time, ref *trackRun, runs []*trackRun) []byte {
	dst = appendFragmentHead(dst, seq, wall, ref, runs)
	for _, r := range runs {
		if len(r.samples) == 0 {
			continue
		}
		for _, n := range r.data {
			if r.t.video() {
				dst = binary.BigEndian.AppendUint32(dst, uint32(len(n)))
			}
			dst = append(dst, n...)
		}
	}
	return dst
}

// mdatPayloadSize is the size of the mdat box's payload for runs: video
// NAL units with 4-byte length prefixes, audio frames as they are.
func mdatPayloadSize(runs []*trackRun) int {
	n := 0
	for _, r := range runs {
		if len(r.samples) == 0 {
			continue
		}
		for _, d := range r.data {
			n += len(d)
			if r.t.video() {
				n += 4
			}
		}
	}
	return n
}

// appendFragmentHead appends the fragment's prft, its moof and the mdat
// box header to dst: everything but the samples, which follow in runs'
// order (see appendFragment and Writer's vectored write).
func appendFragmentHead(dst []byte, seq uint32, wall time.Time, ref *trackRun, runs []*trackRun) []byte {
	w := boxWriter{b: dst}
	// prft: wall clock of the first sample, for recovery and for clocks.
	w.full("prft", 1, 0)
	w.u32(ref.t.id)
	w.u64(ntpTime(wall))
	w.u64(uint64(ref.base))
	w.end()

	moofAt := w.pos()
	w.start("moof")
	w.full("mfhd", 0, 0)
	w.u32(seq)
	w.end()
	var offsets []int // positions of trun data_offset fields, per non-empty run
	var fixed [8]int
	offsets = fixed[:0]
	for _, r := range runs {
		if len(r.samples) == 0 {
			continue
		}
		w.start("traf")
		w.full("tfhd", 0, 0x020000) // default-base-is-moof
		w.u32(r.t.id)
		w.end()
		w.full("tfdt", 1, 0)
		w.u64(uint64(r.base))
		w.end()
		flags := uint32(0x000001 | 0x000100 | 0x000200 | 0x000400)
		if r.t.video() {
			flags |= 0x000800
		}
		w.full("trun", 1, flags)
		w.u32(uint32(len(r.samples)))
		offsets = append(offsets, w.pos())
		w.u32(0) // data_offset, patched below
		for _, s := range r.samples {
			w.u32(s.dur)
			w.u32(s.size)
			w.u32(s.flags)
			if r.t.video() {
				w.u32(uint32(s.cto))
			}
		}
		w.end()
		w.end()
	}
	w.end() // moof
	moofSize := w.pos() - moofAt

	i := 0
	data := moofSize + 8
	for _, r := range runs {
		if len(r.samples) == 0 {
			continue
		}
		w.putU32(offsets[i], uint32(data))
		i++
		for _, d := range r.data {
			data += len(d)
			if r.t.video() {
				data += 4
			}
		}
	}
	w.u32(uint32(8 + mdatPayloadSize(runs)))
	w.str("mdat")
	return w.b
}

// ntpTime converts t to a 64-bit NTP timestamp (32.32 fixed point seconds
// since 1900).
func ntpTime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	s := uint64(t.Unix() + ntpEpochOffset)
	f := uint64(t.Nanosecond()) << 32 / 1e9
	return s<<32 | f
}

// fromNTP is the inverse of ntpTime; zero stays the zero time.
func fromNTP(v uint64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	s := int64(v>>32) - ntpEpochOffset
	ns := int64((v & 0xffffffff) * 1e9 >> 32)
	return time.Unix(s, ns).UTC()
}
