package rtsp

import "github.com/hearthnvr/hearth/streams/media"

// Access unit bounds. A picture that grows past them is junk: it is dropped
// whole instead of growing the buffer.
const (
	maxAUSize  = 8 << 20 // bytes per access unit
	maxAUNALUs = 256     // NAL units per access unit (slices + SEI + parameter sets)
)

// picture is one assembled access unit. Its NAL units alias the assembler's
// buffer and are valid only until the next call to push or flush.
type picture struct {
	NALUs [][]byte
	TS    uint32 // RTP timestamp of the picture's packets
}

// assembler groups the NAL units of RTP packets into whole pictures. It is a
// pure state machine (no I/O, no clock); one goroutine at a time.
//
// A picture ends when any of these holds:
//   - the RTP timestamp changes (cameras that never set the marker);
//   - a slice with first_mb_in_slice == 0 (H.264) or
//     first_slice_segment_in_pic_flag (H.265) follows a slice;
//   - the packet has the RTP marker bit, unless the camera was caught
//     setting it on every slice: then the marker is ignored for the rest of
//     the session and pictures end on the next picture's first slice.
//
// Parameter sets, AUDs and prefix SEI that follow a slice are held as the
// picture's "tail": they lead the next picture if a first slice comes next,
// and stay in the current one if a continuation slice comes next (GStreamer's
// rtph264pay config-interval=-1 repeats SPS/PPS before every IDR slice).
type assembler struct {
	codec media.Codec
	// bufs, when set, lends buf for each picture, which goes back once the
	// picture is emitted and nothing of the next one is held (see Buffers);
	// nil keeps one buffer for the assembler's life.
	bufs *Buffers

	buf    []byte // NAL unit bytes of the current picture, back to back
	ends   []int  // end offset in buf of each NAL unit
	views  [][]byte
	ts     uint32
	tail   int  // index in ends of the first held leading NAL unit, or -1
	slices bool // the current picture has at least one slice
	first  bool // ... and its first slice
	broken bool // over the bounds: drop everything until the next picture starts

	dropped int // pictures dropped: over the bounds or first slice lost

	// Marker bookkeeping.
	lastTS       uint32 // timestamp of the last picture ended by a marker
	lastByMarker bool
	ignoreMarker bool
}

func newAssembler(codec media.Codec) *assembler { return &assembler{codec: codec, tail: -1} }

// push adds the NAL units of one depacketized RTP packet and calls emit for
// each picture it completes (zero, one or two). Empty and malformed NAL units
// are skipped. emit must not keep the picture's slices after it returns.
func (a *assembler) push(nalus [][]byte, ts uint32, marker bool, emit func(picture)) {
	if ts != a.ts {
		if a.slices {
			a.flush(emit, false)
		}
		a.ts = ts // held NAL units sent with their own timestamp lead the next picture
	}
	for _, n := range nalus {
		kind, first, ok := classifyNALU(a.codec, n)
		if !ok {
			continue
		}
		switch {
		case kind == kindSlice && first && a.slices:
			a.flush(emit, false)
		case kind == kindSlice && !first:
			if a.lastByMarker && !a.slices && ts == a.lastTS {
				// A continuation of a picture already ended by a marker:
				// this camera marks every slice. Stop trusting the marker.
				a.ignoreMarker = true
			}
			a.tail = -1 // held NAL units belong to this picture after all
		case kind == kindPrefix && a.slices && a.tail < 0:
			a.tail = len(a.ends)
		}
		if kind == kindSlice {
			a.slices = true
			a.first = a.first || first
			a.lastByMarker = false
		}
		a.add(n)
	}
	if marker && a.slices && !a.ignoreMarker {
		a.tail = -1 // the marker says everything so far is this picture
		a.flush(emit, true)
	}
}

func (a *assembler) add(n []byte) {
	if a.broken {
		return
	}
	if len(a.ends) >= maxAUNALUs || len(a.buf)+len(n) > maxAUSize {
		a.broken = true
		a.buf, a.ends, a.tail = a.buf[:0], a.ends[:0], -1
		if cap(a.buf) > maxAUSize/4 { // do not keep a junk-sized buffer around
			a.buf = nil
		}
		return
	}
	if a.buf == nil && a.bufs != nil {
		a.buf = a.bufs.get()
	}
	a.buf = append(a.buf, n...)
	a.ends = append(a.ends, len(a.buf))
}

// release gives an empty buf back to bufs.
func (a *assembler) release() {
	if a.bufs != nil && len(a.buf) == 0 && a.buf != nil {
		a.bufs.put(a.buf)
		a.buf = nil
	}
}

// flush ends the current picture (which has slices) and emits it when it
// is whole: within the bounds and with its first slice. Held tail NAL units
// move to the next picture.
func (a *assembler) flush(emit func(picture), byMarker bool) {
	n := len(a.ends)
	if a.tail >= 0 {
		n = a.tail
	}
	if a.broken || !a.first {
		a.dropped++ // over the bounds, or its first slice was lost
	} else {
		a.views = a.views[:0]
		start := 0
		for _, end := range a.ends[:n] {
			a.views = append(a.views, a.buf[start:end:end])
			start = end
		}
		emit(picture{NALUs: a.views, TS: a.ts})
	}
	a.lastTS, a.lastByMarker = a.ts, byMarker
	// Keep the tail as the start of the next picture.
	cut := 0
	if n > 0 {
		cut = a.ends[n-1]
	}
	kept := copy(a.buf, a.buf[cut:])
	a.buf = a.buf[:kept]
	k := copy(a.ends, a.ends[n:])
	a.ends = a.ends[:k]
	for i := range a.ends {
		a.ends[i] -= cut
	}
	a.tail, a.slices, a.first, a.broken = -1, false, false, false
	a.release()
}

// reset forgets any partial picture (after packet loss, for example).
func (a *assembler) reset() {
	a.buf, a.ends = a.buf[:0], a.ends[:0]
	a.tail, a.slices, a.first, a.broken, a.lastByMarker = -1, false, false, false, false
	a.release()
}
