package segment

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// TestVectoredWriteMatchesBuffer writes the same stream, video and AAC,
// through a Writer on a real file (one writev per fragment, on Linux) and
// on an in-memory File (each fragment built in one buffer): the bytes and
// the fragments reported must be the same.
func TestVectoredWriteMatchesBuffer(t *testing.T) {
	t.Parallel()
	info, units := makeUnits(t, feedConfig{Seconds: 6, FPS: 10, GOP: 10, Audio: media.AAC})
	write := func(f File) []Fragment {
		var frags []Fragment
		w, err := NewWriter(f, info, WriterOptions{SyncInterval: -1, Now: func() time.Time { return epoch },
			Buffers: &FragmentBuffers{}, OnFragment: func(fr Fragment) { frags = append(frags, fr) }})
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
		return frags
	}
	path := filepath.Join(t.TempDir(), "v.mp4")
	f, err := CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vecFrags := write(f)
	mem := &recFile{}
	memFrags := write(mem)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, mem.Bytes()) {
		t.Fatalf("file %d bytes, buffered %d bytes: they differ", len(got), mem.Len())
	}
	if len(vecFrags) != len(memFrags) || len(vecFrags) < 3 {
		t.Fatalf("%d fragments, buffered %d", len(vecFrags), len(memFrags))
	}
	for i := range vecFrags {
		if vecFrags[i].Offset != memFrags[i].Offset || vecFrags[i].Length != memFrags[i].Length {
			t.Errorf("fragment %d: %+v, buffered %+v", i, vecFrags[i], memFrags[i])
		}
	}
	scanFile(t, path) // and it scans as a segment
}

// TestAdvance drops written bytes from the pieces of a short writev.
func TestAdvance(t *testing.T) {
	t.Parallel()
	pieces := func() [][]byte { return [][]byte{[]byte("ab"), []byte("cde"), {}, []byte("f")} }
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "ab|cde||f"}, {1, "b|cde||f"}, {2, "cde||f"}, {4, "e||f"}, {5, "f"}, {6, ""}} {
		var got []string
		for _, p := range advance(pieces(), tc.n) {
			got = append(got, string(p))
		}
		if s := strings.Join(got, "|"); s != tc.want {
			t.Errorf("advance %d = %q, want %q", tc.n, s, tc.want)
		}
	}
}
