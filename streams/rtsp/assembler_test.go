package rtsp

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/sei"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// ueBits appends ue(v) of k as a bit string.
func ueBits(k uint32) string {
	v := k + 1
	n := 0
	for x := v; x > 1; x >>= 1 {
		n++
	}
	s := ""
	for range n {
		s += "0"
	}
	for i := n; i >= 0; i-- {
		if v>>uint(i)&1 == 1 {
			s += "1"
		} else {
			s += "0"
		}
	}
	return s
}

// slice264 makes an H.264 slice NAL unit of type typ whose first_mb_in_slice
// is firstMB, followed by filler payload.
func slice264(typ byte, firstMB uint32, payload int) []byte {
	bits := ueBits(firstMB) + "1"
	for len(bits)%8 != 0 {
		bits += "0"
	}
	out := []byte{0x60 | typ}
	for i := 0; i < len(bits); i += 8 {
		var b byte
		for j := range 8 {
			if bits[i+j] == '1' {
				b |= 0x80 >> j
			}
		}
		out = append(out, b)
	}
	for i := range payload {
		out = append(out, byte(i%200)+1)
	}
	return out
}

var (
	sps264 = []byte{0x67, 0x42, 0xc0, 0x1e}
	pps264 = []byte{0x68, 0xce, 0x3c, 0x80}
	sei264 = []byte{0x06, 0x05, 0x01, 0xaa, 0x80}
)

type pkt struct {
	nalus  [][]byte
	ts     uint32
	marker bool
}

func run(a *assembler, pkts []pkt) []picture {
	var out []picture
	for _, p := range pkts {
		a.push(p.nalus, p.ts, p.marker, func(pic picture) {
			out = append(out, picture{NALUs: cloneNALUs(pic.NALUs), TS: pic.TS})
		})
	}
	return out
}

// frame3 is a 3-slice frame as separate packets; marker on the last when
// mark is "last", on every slice when "all", on none when "none".
func frame3(ts uint32, idr bool, mark string) []pkt {
	typ := byte(1)
	if idr {
		typ = 5
	}
	var ps []pkt
	if idr {
		ps = append(ps, pkt{nalus: [][]byte{sps264, pps264}, ts: ts})
	}
	ps = append(ps, pkt{nalus: [][]byte{sei264}, ts: ts})
	for i, mb := range []uint32{0, 40, 80} {
		m := mark == "all" || mark == "last" && i == 2
		ps = append(ps, pkt{nalus: [][]byte{slice264(typ, mb, 100)}, ts: ts, marker: m})
	}
	return ps
}

func TestAssembler(t *testing.T) {
	t.Parallel()
	stream := func(mark string, frames int) []pkt {
		var ps []pkt
		for i := range frames {
			ps = append(ps, frame3(uint32(i*3600), i%5 == 0, mark)...)
		}
		return ps
	}
	cases := []struct {
		name     string
		pkts     []pkt
		want     int // pictures
		skipHead int // leading pictures not checked for 3 slices
	}{
		{"marker-on-last", stream("last", 10), 10, 0},
		{"no-marker", stream("none", 10), 9, 0}, // the last waits for the next timestamp
		{"marker-on-every-slice", stream("all", 10), 9, 1},
		{"slices-in-one-packet", func() []pkt {
			var ps []pkt
			for i := range 4 {
				ps = append(ps, pkt{nalus: [][]byte{sei264, slice264(1, 0, 10), slice264(1, 9, 10), slice264(1, 18, 10)}, ts: uint32(i), marker: true})
			}
			return ps
		}(), 4, 0},
		{"same-ts-different-pictures", func() []pkt {
			var ps []pkt
			for range 4 { // a camera with a frozen timestamp and no marker: first_mb == 0 splits
				ps = append(ps, pkt{nalus: [][]byte{slice264(1, 0, 10)}, ts: 7}, pkt{nalus: [][]byte{slice264(1, 3, 10)}, ts: 7}, pkt{nalus: [][]byte{slice264(1, 6, 10)}, ts: 7})
			}
			return ps
		}(), 3, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pics := run(newAssembler(media.H264), tc.pkts)
			if len(pics) != tc.want {
				t.Fatalf("got %d pictures, want %d", len(pics), tc.want)
			}
			for i, p := range pics[tc.skipHead:] {
				if n := countSlices(p.NALUs); n != 3 {
					t.Errorf("picture %d has %d slices, want 3", i+tc.skipHead, n)
				}
			}
		})
	}
	t.Run("parameter-sets-before-every-idr-slice", func(t *testing.T) {
		// GStreamer rtph264pay config-interval=-1: SPS/PPS before each IDR slice.
		ps := []pkt{
			{nalus: [][]byte{sps264, pps264, slice264(5, 0, 50)}, ts: 0},
			{nalus: [][]byte{sps264, pps264, slice264(5, 20, 50)}, ts: 0, marker: true},
			{nalus: [][]byte{slice264(1, 0, 50)}, ts: 3600},
			{nalus: [][]byte{slice264(1, 20, 50)}, ts: 3600, marker: true},
		}
		pics := run(newAssembler(media.H264), ps)
		if len(pics) != 2 || len(pics[0].NALUs) != 6 || countSlices(pics[0].NALUs) != 2 || countSlices(pics[1].NALUs) != 2 {
			t.Fatalf("pictures = %d %v", len(pics), pics)
		}
	})
	t.Run("lead-nalus-stay-with-picture", func(t *testing.T) {
		pics := run(newAssembler(media.H264), frame3(0, true, "last"))
		if len(pics) != 1 || len(pics[0].NALUs) != 6 || !bytes.Equal(pics[0].NALUs[0], sps264) || !bytes.Equal(pics[0].NALUs[2], sei264) {
			t.Fatalf("pictures = %v", pics)
		}
	})
	t.Run("lost-first-slice-dropped", func(t *testing.T) {
		ps := frame3(0, false, "last")
		ps = append(ps[:1], ps[2:]...) // drop slice 0
		ps = append(ps, frame3(3600, false, "last")...)
		pics := run(newAssembler(media.H264), ps)
		if len(pics) != 1 || pics[0].TS != 3600 {
			t.Fatalf("got %d pictures, want only the whole one", len(pics))
		}
	})
	t.Run("bounds", func(t *testing.T) {
		a := newAssembler(media.H264)
		big := slice264(1, 0, 5<<20)
		ps := []pkt{{nalus: [][]byte{big}, ts: 1}, {nalus: [][]byte{slice264(1, 99, 5<<20)}, ts: 1, marker: true}}
		var many [][]byte
		many = append(many, slice264(1, 0, 1))
		for i := range maxAUNALUs + 5 {
			many = append(many, slice264(1, uint32(i+1), 1))
		}
		ps = append(ps, pkt{nalus: many, ts: 2, marker: true})
		ps = append(ps, frame3(3, false, "last")...)
		pics := run(a, ps)
		if len(pics) != 1 || pics[0].TS != 3 || a.dropped != 2 {
			t.Fatalf("got %d pictures (dropped %d), want 1 (2)", len(pics), a.dropped)
		}
		if cap(a.buf) > maxAUSize {
			t.Errorf("buffer kept %d bytes", cap(a.buf))
		}
	})
	t.Run("h265", func(t *testing.T) {
		vps, sps, pps := []byte{0x40, 0x01, 0x0c}, []byte{0x42, 0x01, 0x01}, []byte{0x44, 0x01, 0xc1}
		idr := func(first bool) []byte { // IDR_W_RADL (19)
			b := byte(0x00)
			if first {
				b = 0x80
			}
			return []byte{19 << 1, 0x01, b, 0xaa, 0xbb}
		}
		trail := func(first bool) []byte {
			b := byte(0x00)
			if first {
				b = 0x80
			}
			return []byte{1 << 1, 0x01, b, 0xaa}
		}
		ps := []pkt{
			{nalus: [][]byte{vps, sps, pps}, ts: 0},
			{nalus: [][]byte{idr(true)}, ts: 0}, {nalus: [][]byte{idr(false)}, ts: 0},
			{nalus: [][]byte{trail(true)}, ts: 3000}, {nalus: [][]byte{trail(false)}, ts: 3000, marker: true},
			{nalus: [][]byte{trail(true)}, ts: 6000, marker: true},
		}
		pics := run(newAssembler(media.H265), ps)
		if len(pics) != 3 || len(pics[0].NALUs) != 5 || len(pics[1].NALUs) != 2 || len(pics[2].NALUs) != 1 {
			t.Fatalf("pictures = %d %v", len(pics), pics)
		}
	})
}

func TestFirstSlice(t *testing.T) {
	t.Parallel()
	for _, mb := range []uint32{0, 1, 2, 7, 8, 100, 8159, 34559, 1 << 20} {
		n := slice264(1, mb, 4)
		first, ok := firstSliceH264(n)
		if !ok || first != (mb == 0) {
			t.Errorf("first_mb %d: first=%v ok=%v", mb, first, ok)
		}
	}
	for _, n := range [][]byte{nil, {}, {0x65}, {0x65, 0x00}, {0x65, 0x00, 0x00, 0x00, 0x00, 0x00}} {
		if _, ok := firstSliceH264(n); ok {
			t.Errorf("truncated %x: ok", n)
		}
	}
}

func TestUnwrap(t *testing.T) {
	t.Parallel()
	var u unwrapper
	start := uint32(math.MaxUint32 - 3600*2)
	for i := range 10 {
		ts := start + uint32(i*3600) // wraps after two steps
		if got := u.unwrap(ts); got != int64(i*3600) {
			t.Fatalf("step %d: ts %d → %d, want %d", i, ts, got, i*3600)
		}
	}
	// B-frame style reordering across the wrap.
	var b unwrapper
	seq := []uint32{math.MaxUint32 - 1000, 500, math.MaxUint32 - 100, 2000}
	want := []int64{0, 1501, 900, 3001}
	for i, ts := range seq {
		if got := b.unwrap(ts); got != want[i] {
			t.Errorf("reorder %d: %d, want %d", i, got, want[i])
		}
	}
	if d := mediaDuration(90000*3600*24*30+45000, 90000); d != 30*24*time.Hour+500*time.Millisecond {
		t.Errorf("mediaDuration = %v", d)
	}
}

// TestParameterSetChange feeds the pictures of a 640×368 camera and then of
// a 512×288 one (different SPS in band) through the session's video path
// and checks that units after the change carry a new StreamInfo with the
// new size, that nothing is published between the change and the new key,
// and that keys always carry their parameter sets.
func TestParameterSetChange(t *testing.T) {
	t.Parallel()
	var units []*media.Unit
	s := &session{
		cfg: Config{CameraID: idA, Stream: "main", Now: time.Now}, log: slog.New(slog.DiscardHandler),
		publish:  func(u *media.Unit) { units = append(units, u) },
		videoNTP: func(uint8, uint32) (time.Time, bool) { return time.Time{}, false },
	}
	s.video.state.codec = media.H264
	s.video.asm = newAssembler(media.H264)
	s.video.wall.clockRate = 90000
	s.info = s.newInfo()
	first := s.info
	ts := uint32(math.MaxUint32 - 3600*5) // wrap within the test too
	feed := func(width, height, frames int) {
		cam, err := simcam.NewCamera(simcam.CameraConfig{ID: idA, Width: width, Height: height, GOP: 5, FPS: 25})
		if err != nil {
			t.Fatal(err)
		}
		for range frames {
			au, err := cam.Next()
			if err != nil {
				t.Fatal(err)
			}
			if au.IDR { // out-of-band style: strip SPS/PPS from every other key
				if au.Frame%10 == 5 {
					au.NALUs = au.NALUs[2:]
				}
			}
			s.video.asm.push(au.NALUs, ts, true, s.emitVideo)
			ts += 3600
		}
	}
	feed(640, 368, 12)
	feed(512, 288, 12)
	if len(units) != 24 {
		t.Fatalf("published %d units, want 24", len(units))
	}
	for i, u := range units {
		want := [2]int{640, 368}
		if i >= 12 {
			want = [2]int{512, 288}
		}
		vt := u.Info.Tracks[0]
		if got := [2]int{vt.Width, vt.Height}; got != want {
			t.Errorf("unit %d size %v, want %v", i, got, want)
		}
		if u.Key && (!hasNALU(u.NALUs, 7) || !hasNALU(u.NALUs, 8)) {
			t.Errorf("unit %d: key without SPS/PPS", i)
		}
		if st, ok := sei.Find(u.NALUs); !ok || st.CameraID != idA {
			t.Errorf("unit %d: stamp %v %v", i, st, ok)
		}
		if u.PTS != int64(i)*3600 {
			t.Errorf("unit %d PTS %d, want %d", i, u.PTS, i*3600)
		}
	}
	if units[0].Info == units[12].Info || units[12].Info == first && units[0].Info != first {
		t.Error("StreamInfo pointer did not change with the SPS")
	}
	if units[11].Info != units[0].Info || units[23].Info != units[12].Info {
		t.Error("StreamInfo changed without a parameter change")
	}
}

// FuzzAssembler feeds packets cut from the input to both codecs' assemblers
// and checks the invariants of every picture it emits.
func FuzzAssembler(f *testing.F) {
	f.Add([]byte{})
	f.Add(encodePkts(pkt{nalus: [][]byte{{}}, ts: 0, marker: true}))                                  // empty NAL unit
	f.Add(encodePkts(pkt{nalus: [][]byte{{0x7c, 0x85, 0xb8}}, ts: 0}))                                // truncated FU-A-like fragment
	f.Add(encodePkts(pkt{nalus: [][]byte{{0x65}}, ts: 0, marker: true}))                              // a single byte
	f.Add([]byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x01, 0x65, 0xff, 0x13, 0x37, 0x00, 0x00, 0x03}) // garbage
	f.Add(encodePkts(frame3(0, true, "last")...))
	f.Add(encodePkts(append(frame3(0, false, "all"), frame3(3600, false, "none")...)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, codec := range []media.Codec{media.H264, media.H265} {
			a := newAssembler(codec)
			for _, p := range decodePkts(data) {
				a.push(p.nalus, p.ts, p.marker, func(pic picture) {
					size, first := 0, false
					if len(pic.NALUs) == 0 || len(pic.NALUs) > maxAUNALUs {
						t.Fatalf("%s: picture with %d NAL units", codec, len(pic.NALUs))
					}
					for _, n := range pic.NALUs {
						size += len(n)
						kind, f, ok := classifyNALU(codec, n)
						if !ok {
							t.Fatalf("%s: malformed NAL unit %x in picture", codec, n)
						}
						first = first || kind == kindSlice && f
					}
					if !first || size > maxAUSize {
						t.Fatalf("%s: picture without first slice or too big (%d)", codec, size)
					}
				})
			}
		}
	})
}

// FuzzSliceHeader checks the slice-header reader never panics and agrees
// with the bit it reads: ue(v) == 0 exactly when the first bit is 1.
func FuzzSliceHeader(f *testing.F) {
	for _, s := range [][]byte{{}, {0x65}, {0x7c, 0x85}, {0x65, 0x88}, {0x41, 0x00, 0x00, 0x03, 0x01}, slice264(1, 40, 3), {0x26, 0x01, 0xaf}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n []byte) {
		first, ok := firstSliceH264(n)
		if ok && len(n) >= 2 && first != (n[1]&0x80 != 0) {
			t.Fatalf("H.264 %x: first=%v", n, first)
		}
		first, ok = firstSliceH265(n)
		if ok != (len(n) >= 3) || ok && first != (n[2]&0x80 != 0) {
			t.Fatalf("H.265 %x: first=%v ok=%v", n, first, ok)
		}
		classifyNALU(media.H264, n)
		classifyNALU(media.H265, n)
	})
}

// encodePkts/decodePkts: [flags][ts delta][count] then count×[len16][bytes].
func encodePkts(ps ...pkt) []byte {
	var out []byte
	var last uint32
	for _, p := range ps {
		flags := byte(0)
		if p.marker {
			flags = 1
		}
		out = append(out, flags, byte(p.ts-last), byte(len(p.nalus)))
		last = p.ts
		for _, n := range p.nalus {
			out = binary.BigEndian.AppendUint16(out, uint16(len(n)))
			out = append(out, n...)
		}
	}
	return out
}

func decodePkts(b []byte) []pkt {
	var ps []pkt
	var ts uint32
	for len(b) >= 3 {
		p := pkt{marker: b[0]&1 == 1}
		ts += uint32(b[1])
		p.ts = ts
		count := int(b[2])
		b = b[3:]
		for ; count > 0 && len(b) >= 2; count-- {
			l := int(binary.BigEndian.Uint16(b))
			b = b[2:]
			l = min(l, len(b))
			p.nalus = append(p.nalus, b[:l])
			b = b[l:]
		}
		ps = append(ps, p)
	}
	return ps
}
