package segment

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	mp4 "github.com/abema/go-mp4"

	"github.com/hearthnvr/hearth/streams/media"
)

// goMP4Trun sums a trun payload the way parseTrun does, from go-mp4's
// decoding of it: the oracle parseTrun is held to.
func goMP4Trun(p []byte, tfhd *mp4.Tfhd) (trunSum, error) {
	var trun mp4.Trun
	if err := unmarshal(p, &trun); err != nil {
		return trunSum{}, err
	}
	s := trunSum{samples: len(trun.Entries)}
	if trun.CheckFlag(trunDataOffsetPresent) {
		s.dataOffset = int64(trun.DataOffset)
	}
	for i, e := range trun.Entries {
		dur, size, sf := tfhd.DefaultSampleDuration, tfhd.DefaultSampleSize, tfhd.DefaultSampleFlags
		if trun.CheckFlag(trunSampleDurationPresent) {
			dur = e.SampleDuration
		}
		if trun.CheckFlag(trunSampleSizePresent) {
			size = e.SampleSize
		}
		if trun.CheckFlag(trunSampleFlagsPresent) {
			sf = e.SampleFlags
		}
		if i == 0 && trun.CheckFlag(trunFirstSampleFlagsPresent) {
			sf = trun.FirstSampleFlags
		}
		if i == 0 {
			s.firstSync = sf&sampleIsNonSync == 0
		}
		s.duration += int64(dur)
		s.data += int64(size)
	}
	return s, nil
}

// checkFragmentDecoders decodes payload p as the fragment box typ with
// Scan's in-place decoder and with mp4.Unmarshal, and fails unless both
// refuse it or both give the same value.
func checkFragmentDecoders(t *testing.T, typ string, p []byte) {
	t.Helper()
	var ours, theirs any
	var errOurs, errTheirs error
	switch typ {
	case "mfhd":
		var a, b mp4.Mfhd
		errOurs, errTheirs = decodeMfhd(p, &a), unmarshal(p, &b)
		ours, theirs = a, b
	case "tfhd":
		var a, b mp4.Tfhd
		errOurs, errTheirs = decodeTfhd(p, &a), unmarshal(p, &b)
		ours, theirs = a, b
	case "tfdt":
		var a, b mp4.Tfdt
		errOurs, errTheirs = decodeTfdt(p, &a), unmarshal(p, &b)
		ours, theirs = a, b
	case "trun":
		// go-mp4 allocates an entry per claimed sample: the oracle is asked
		// only about truns whose claim a test can afford.
		if len(p) >= 8 && binary.BigEndian.Uint32(p[4:]) > 1<<12 {
			return
		}
		tfhd := mp4.Tfhd{DefaultSampleDuration: 3000, DefaultSampleSize: 7, DefaultSampleFlags: sampleIsNonSync}
		ours, errOurs = parseTrun(p, &tfhd)
		theirs, errTheirs = goMP4Trun(p, &tfhd)
	default:
		t.Fatalf("no decoder for %q", typ)
	}
	if (errOurs == nil) != (errTheirs == nil) {
		t.Fatalf("%s % x: in place %v, go-mp4 %v", typ, p, errOurs, errTheirs)
	}
	if errOurs == nil && !reflect.DeepEqual(ours, theirs) {
		t.Fatalf("%s % x: in place %+v, go-mp4 %+v", typ, p, ours, theirs)
	}
}

// fragmentBoxes returns the payloads of the mfhd, tfhd, tfdt and trun
// boxes of data's fragments, by type.
func fragmentBoxes(t testing.TB, data []byte) map[string][][]byte {
	t.Helper()
	l, err := Scan(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]byte{}
	var walk func(p []byte)
	walk = func(p []byte) {
		kids, ok := children(p)
		if !ok {
			t.Fatal("bad children")
		}
		for _, k := range kids {
			switch k.typ {
			case "traf":
				walk(sub(p, k))
			case "mfhd", "tfhd", "tfdt", "trun":
				out[k.typ] = append(out[k.typ], sub(p, k))
			}
		}
	}
	for _, f := range l.Fragments {
		walk(data[f.moofOff+8 : f.moofOff+f.moofSize])
	}
	return out
}

// TestFragmentDecodersAgreeWithGoMP4: Scan's in-place decoders of mfhd,
// tfhd, tfdt and trun give what mp4.Unmarshal gives, on a real segment's
// boxes and on each optional field, version and truncation.
func TestFragmentDecodersAgreeWithGoMP4(t *testing.T) {
	_, data := oneSegment(t)
	boxes := fragmentBoxes(t, data)
	for _, typ := range []string{"mfhd", "tfhd", "tfdt", "trun"} {
		if len(boxes[typ]) == 0 {
			t.Fatalf("segment has no %s", typ)
		}
		for _, p := range boxes[typ] {
			checkFragmentDecoders(t, typ, p)
		}
	}
	be := binary.BigEndian
	full := func(version byte, flags uint32, rest ...uint32) []byte {
		p := be.AppendUint32(nil, uint32(version)<<24|flags)
		for _, v := range rest {
			p = be.AppendUint32(p, v)
		}
		return p
	}
	cases := []struct {
		typ string
		p   []byte
	}{
		{"mfhd", full(0, 0, 7)},
		{"mfhd", full(1, 0, 7)},
		{"mfhd", full(0, 0)},
		{"tfhd", full(0, 0x3b, 1, 0, 1<<20, 1, 3000, 7, 0x10000)},
		{"tfhd", full(0, 0x3b, 1, 0, 1<<20, 1, 3000, 7)},
		{"tfhd", full(0, 0x020000, 2)},
		{"tfhd", full(0, 0x1, 2, 5)},
		{"tfhd", full(1, 0, 2)},
		{"tfdt", full(0, 0, 90000)},
		{"tfdt", full(1, 0, 1, 2)},
		{"tfdt", full(1, 0, 1)},
		{"tfdt", full(2, 0, 1, 2)},
		{"trun", full(0, 0x1, 0)},
		{"trun", full(0, 0x1, 2, 100)},
		{"trun", full(0, 0x5, 2, 100, 0)},
		{"trun", full(0, 0xf01, 2, 100, 1, 2, 3, 4, 5, 6, 7, 8)},
		{"trun", full(1, 0xf05, 2, 100, 0, 1, 2, 0x10000, 4, 5, 6, 7, 8)},
		{"trun", full(0, 0x701, 2, 100, 1, 2, 3, 4, 5)},
		{"trun", full(0, 0x300, 3, 1, 2, 3, 4, 5, 6)},
		{"trun", full(0, 0x400, 1, 0x10000)},
		{"trun", full(0, 0x0)},
	}
	for _, c := range cases {
		checkFragmentDecoders(t, c.typ, c.p)
	}
}

// FuzzFragmentDecoders: on any payload, Scan's in-place decoders and
// mp4.Unmarshal agree (see checkFragmentDecoders).
func FuzzFragmentDecoders(f *testing.F) {
	types := []string{"mfhd", "tfhd", "tfdt", "trun"}
	_, units := makeUnits(f, feedConfig{Seconds: 1, GOP: 5, Audio: media.PCMU})
	var buf recFile
	w, err := NewWriter(&buf, units[0].Info, WriterOptions{})
	if err != nil {
		f.Fatal(err)
	}
	for _, u := range units {
		if err := w.WriteUnit(u); err != nil {
			f.Fatal(err)
		}
	}
	if err := w.Close(nil); err != nil {
		f.Fatal(err)
	}
	boxes := fragmentBoxes(f, buf.Bytes())
	for i, typ := range types {
		for _, p := range boxes[typ] {
			f.Add(uint8(i), p)
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, p []byte) {
		checkFragmentDecoders(t, types[int(i)%len(types)], p)
	})
}
