package segment

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// boundsFile builds a segment by hand: an init with tracks video tracks
// (IDs 1..tracks) and one fragment whose moof has a traf per entry of
// trafs (the track ID), each with runs truns of one 1-byte sample.
func boundsFile(tracks int, trafs []uint32, runs int) []byte {
	var w boxWriter
	w.start("ftyp")
	w.str("isom")
	w.end()
	w.start("moov")
	for id := 1; id <= tracks; id++ {
		w.start("trak")
		w.full("tkhd", 0, 3)
		w.zeros(8) // creation and modification times
		w.u32(uint32(id))
		w.zeros(68) // reserved, duration, layer...matrix, width, height
		w.end()
		w.start("mdia")
		w.full("mdhd", 0, 0)
		w.zeros(8) // creation and modification times
		w.u32(90000)
		w.zeros(8) // duration, language, pre_defined
		w.end()
		w.start("minf")
		w.start("stbl")
		w.full("stsd", 0, 0)
		w.u32(1)
		w.u32(8)
		w.str("avc1")
		w.end()
		w.end()
		w.end()
		w.end()
		w.end()
	}
	w.end()
	moof := w.pos()
	w.start("moof")
	w.full("mfhd", 0, 0)
	w.u32(1)
	w.end()
	var offs []int
	for _, id := range trafs {
		w.start("traf")
		w.full("tfhd", 0, 0x020018) // default-base-is-moof, default duration and size
		w.u32(id)
		w.u32(3000)
		w.u32(1)
		w.end()
		w.full("tfdt", 1, 0)
		w.u64(0)
		w.end()
		for range runs {
			w.full("trun", 0, 0x1)
			w.u32(1)
			offs = append(offs, w.pos())
			w.u32(0)
			w.end()
		}
		w.end()
	}
	w.end()
	for _, at := range offs {
		w.putU32(at, uint32(w.pos()-moof+8)) // the mdat's first byte
	}
	w.start("mdat")
	w.u8(0)
	w.end()
	return w.b
}

// TestScanBounds: the counts that drive quadratic work in Scan (every traf
// looks its track up among the init's tracks) and in replay (a parser that
// copies a track's samples once per trun) are capped: an init of more than
// 8 tracks is corrupt, and a fragment with two trafs for one track or more
// than 64 truns in a traf ends the valid part of the file. 25,000 tracks
// and 100,000 trafs (6.8 MB) took 6.3 s to scan.
func TestScanBounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		file    []byte
		initErr string // Scan's error; "" when the init is valid
		tailErr string // the fragment's error; "" when it is whole
	}{
		{"8 tracks", boundsFile(8, []uint32{8}, 1), "", ""},
		{"9 tracks", boundsFile(9, []uint32{9}, 1), "more than 8 tracks", ""},
		{"one traf per track", boundsFile(2, []uint32{1, 2}, 1), "", ""},
		{"two trafs for one track", boundsFile(2, []uint32{2, 2}, 1), "", "two trafs for track 2"},
		{"64 truns", boundsFile(1, []uint32{1}, 64), "", ""},
		{"65 truns", boundsFile(1, []uint32{1}, 65), "", "track 1: more than 64 truns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Scan(bytes.NewReader(tc.file), int64(len(tc.file)))
			if tc.initErr != "" {
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.initErr) {
					t.Fatalf("scan: %v, want ErrCorrupt with %q", err, tc.initErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if tc.tailErr == "" {
				if len(l.Fragments) != 1 || l.ValidSize != l.Size {
					t.Fatalf("%d fragments, valid %d of %d (tail %v), want the whole fragment", len(l.Fragments), l.ValidSize, l.Size, l.TailErr)
				}
				return
			}
			if len(l.Fragments) != 0 || l.ValidSize != l.Init.Size || !errors.Is(l.TailErr, ErrCorrupt) || !strings.Contains(l.TailErr.Error(), tc.tailErr) {
				t.Fatalf("%d fragments, valid %d (init %d), tail %v; want none and %q", len(l.Fragments), l.ValidSize, l.Init.Size, l.TailErr, tc.tailErr)
			}
		})
	}
}

// TestWriterStoresAtMostMaxTracks: a stream with more storable tracks than
// Scan accepts is recorded with the first maxTracks, so the file it writes
// is always one Scan reads.
func TestWriterStoresAtMostMaxTracks(t *testing.T) {
	info, units := makeUnits(t, feedConfig{Seconds: 1, GOP: 5, Width: simcam.MinWidth, Height: simcam.MinHeight})
	for range maxTracks + 2 {
		info.Tracks = append(info.Tracks, media.Track{Codec: media.PCMU, ClockRate: 8000, SampleRate: 8000, Channels: 1})
	}
	var buf recFile
	w, err := NewWriter(&buf, info, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if err := w.WriteUnit(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(nil); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := Scan(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Init.Tracks) != maxTracks || len(l.Fragments) == 0 || l.ValidSize != l.Size {
		t.Fatalf("%d tracks, %d fragments, valid %d of %d (tail %v); want %d tracks and whole fragments",
			len(l.Init.Tracks), len(l.Fragments), l.ValidSize, l.Size, l.TailErr, maxTracks)
	}
}
