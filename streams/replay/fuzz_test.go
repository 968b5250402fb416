package replay

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/segment"
)

// FuzzSegmentFile reads arbitrary bytes as a recorded segment file the way
// playback does (layout scan, init parse, every fragment decoded): a torn,
// corrupted or planted file is an error, never a panic or a huge
// allocation. Seeded with a real segment, its truncations and byte flips.
func FuzzSegmentFile(f *testing.F) {
	ft := record(f, span{Seconds: 5})
	real, err := os.ReadFile(ft.paths[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	for _, n := range []int{0, 8, 16, 100, len(real) / 3, len(real) / 2, len(real) - 1} {
		f.Add(real[:n])
	}
	for _, off := range []int{3, 20, 40, 200, len(real) / 2} {
		b := append([]byte(nil), real...)
		b[off] ^= 0xff
		f.Add(b)
	}
	// A box claiming a size of 2^32-1, and one of 1 (64-bit size) of -1.
	f.Add([]byte("\xff\xff\xff\xffftypisom"))
	f.Add([]byte("\x00\x00\x00\x01moof\xff\xff\xff\xff\xff\xff\xff\xff"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "seg.mp4")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sf, err := openFile(segment.ClipSource{Path: path}, time.Time{})
		if err != nil {
			return
		}
		defer sf.close()
		for _, fi := range sf.frags {
			_, _, _ = sf.decode(fi)
		}
	})
}
