package replay

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/segment"
)

// TestLoadSegmentMatchesFile: the in-memory path FuzzSegmentFile takes
// (loadSegment on a bytes.Reader) reads exactly what playback reads from
// the file (openFile), for a whole segment and for a torn one, so the fuzz
// target covers the playback code without a file write per input.
func TestLoadSegmentMatchesFile(t *testing.T) {
	real := smallSegment(t)
	for _, tc := range []struct {
		name  string
		data  []byte
		frags int
	}{
		{"whole", real, 3},
		{"torn tail", real[:len(real)-1], 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seg.mp4")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			src := segment.ClipSource{Path: path}
			fromFile, err := openFile(src, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			defer fromFile.close()
			fromMem, err := loadSegment(bytes.NewReader(tc.data), int64(len(tc.data)), src, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(fromFile.frags) != tc.frags || len(fromMem.frags) != tc.frags {
				t.Fatalf("fragments: file %d, memory %d, want %d", len(fromFile.frags), len(fromMem.frags), tc.frags)
			}
			if !reflect.DeepEqual(fromFile.tracks, fromMem.tracks) || !reflect.DeepEqual(fromFile.ids, fromMem.ids) || !reflect.DeepEqual(fromFile.scales, fromMem.scales) {
				t.Fatalf("tracks: file %+v (ids %v, scales %v), memory %+v (ids %v, scales %v)",
					fromFile.tracks, fromFile.ids, fromFile.scales, fromMem.tracks, fromMem.ids, fromMem.scales)
			}
			for i := range fromFile.frags {
				fs, fd, ferr := fromFile.decode(fromFile.frags[i])
				ms, md, merr := fromMem.decode(fromMem.frags[i])
				if ferr != nil || merr != nil {
					t.Fatalf("fragment %d: file %v, memory %v", i, ferr, merr)
				}
				if len(fs) == 0 || fd <= 0 || !reflect.DeepEqual(fs, ms) || fd != md {
					t.Fatalf("fragment %d: file %d samples (%d), memory %d samples (%d)", i, len(fs), fd, len(ms), md)
				}
			}
		})
	}
}
