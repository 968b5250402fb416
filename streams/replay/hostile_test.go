package replay

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/segment"
)

// manyRunsFragment builds moof+mdat for track id: one traf with runs truns
// of n samples each, every sample size bytes (tfhd defaults, no per-sample
// entries, so a 20-byte trun claims n samples), all pointing at the start
// of one mdat of n*size bytes.
func manyRunsFragment(id uint32, runs, n int, size uint32) []byte {
	be := binary.BigEndian
	box := func(typ string, payload ...[]byte) []byte {
		b := make([]byte, 8)
		copy(b[4:], typ)
		for _, p := range payload {
			b = append(b, p...)
		}
		be.PutUint32(b, uint32(len(b)))
		return b
	}
	mfhd := box("mfhd", be.AppendUint32(nil, 0), be.AppendUint32(nil, 1))
	tfhd := box("tfhd", be.AppendUint32(nil, 0x020038), be.AppendUint32(nil, id),
		be.AppendUint32(nil, 3000), be.AppendUint32(nil, size), be.AppendUint32(nil, 0))
	tfdt := box("tfdt", be.AppendUint32(nil, 1<<24), be.AppendUint64(nil, 0))
	const trunLen = 20
	trafLen := 8 + len(tfhd) + len(tfdt) + runs*trunLen
	moofLen := 8 + len(mfhd) + trafLen
	traf := make([]byte, 0, trafLen)
	traf = append(traf, tfhd...)
	traf = append(traf, tfdt...)
	for range runs {
		traf = append(traf, box("trun", be.AppendUint32(nil, 0x000001), be.AppendUint32(nil, uint32(n)),
			be.AppendUint32(nil, uint32(moofLen+8)))...)
	}
	out := box("moof", mfhd, box("traf", traf))
	return append(out, box("mdat", make([]byte, n*int(size)))...)
}

// withFragment is the init of a real segment followed by frag.
func withFragment(t testing.TB, frag []byte) []byte {
	real := smallSegment(t)
	l, err := segment.Scan(bytes.NewReader(real), int64(len(real)))
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]byte(nil), real[:l.Init.Size]...), frag...)
}

// TestHostileFragmentsAreBounded: fragments of a few kilobytes that claim
// many truns or many samples are refused before mediacommon parses them
// (it grows a track's sample slice once per trun: 80 truns of 19,200
// samples, 21 KB, took 8.6 s and ~100 MB; 1,000 such truns would take
// minutes and gigabytes).
func TestHostileFragmentsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		runs, n int
		want    string // in the scan's tail error, or in decode's error
		scanned bool   // Scan keeps the fragment; decode refuses it
	}{
		{"80 truns of 19200 samples", 80, 19200, "more than 64 truns", false},
		{"16000 truns of one sample", 16000, 1, "more than 64 truns", false},
		{"64 truns of 19200 samples", 64, 19200, "samples exceeds", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := withFragment(t, manyRunsFragment(1, tc.runs, tc.n, 1))
			l, err := segment.Scan(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			sf, err := loadSegment(bytes.NewReader(data), int64(len(data)), segment.ClipSource{Path: "hostile.mp4"}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.scanned {
				if len(sf.frags) != 0 || l.TailErr == nil || !strings.Contains(l.TailErr.Error(), tc.want) {
					t.Fatalf("%d fragments, tail %v; want none and %q", len(sf.frags), l.TailErr, tc.want)
				}
				return
			}
			if len(sf.frags) != 1 {
				t.Fatalf("%d fragments (tail %v), want 1", len(sf.frags), l.TailErr)
			}
			if _, _, err := sf.decode(sf.frags[0]); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("decode: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestAudioFarFromVideoIsDropped: a fragment whose audio base time is far
// from its video's (a corrupt or hostile file) keeps its pictures and
// loses that audio, instead of holding playback until the audio is due.
func TestAudioFarFromVideoIsDropped(t *testing.T) {
	ft := recordAudio(t, media.PCMU, span{0, 10})
	data, err := os.ReadFile(ft.paths[0])
	if err != nil {
		t.Fatal(err)
	}
	l, err := segment.Scan(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(l.Fragments) < 2 {
		t.Fatalf("scan: %v, %d fragments", err, len(l.Fragments))
	}
	fi := l.Fragments[1]
	var parts fmp4.Parts
	if err := parts.Unmarshal(data[fi.Offset : fi.Offset+fi.Length]); err != nil {
		t.Fatal(err)
	}
	for _, pt := range parts[0].Tracks {
		if pt.ID == 2 {
			pt.BaseTime = 1 << 40 // about 4,350 years at 8 kHz
		}
	}
	var buf seekablebuffer.Buffer
	if err := parts[0].Marshal(&buf); err != nil {
		t.Fatal(err)
	}
	bad := append(append(append([]byte(nil), data[:fi.Offset]...), buf.Bytes()...), data[fi.Offset+fi.Length:]...)
	sf, err := loadSegment(bytes.NewReader(bad), int64(len(bad)), segment.ClipSource{Path: "far.mp4"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	count := func(i int) (video, audio int) {
		samples, _, err := sf.decode(sf.frags[i])
		if err != nil {
			t.Fatalf("fragment %d: %v", i, err)
		}
		for _, s := range samples {
			if s.track == 0 {
				video++
			} else {
				audio++
			}
		}
		return video, audio
	}
	if v, a := count(0); v != testGOP || a == 0 {
		t.Fatalf("intact fragment: %d pictures, %d audio frames", v, a)
	}
	if v, a := count(1); v != testGOP || a != 0 {
		t.Fatalf("fragment with far audio: %d pictures (want %d), %d audio frames (want none)", v, testGOP, a)
	}
}
