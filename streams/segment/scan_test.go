package segment

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
	"github.com/hearthnvr/hearth/streams/testpeer"
)

// oneSegment records 10 s (with PCMU audio) and returns the file's bytes.
func oneSegment(t testing.TB) (string, []byte) {
	t.Helper()
	_, units := makeUnits(t, feedConfig{Seconds: 10, Audio: media.PCMU})
	rec := recordUnits(t, t.TempDir(), units, Config{Target: time.Minute})
	data, err := os.ReadFile(rec.paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return rec.paths[0], data
}

// TestScanTornTail cuts a real segment at many offsets: Scan finds exactly
// the whole fragments before the cut, never more, never panics.
func TestScanTornTail(t *testing.T) {
	t.Parallel()
	_, data := oneSegment(t)
	full, err := Scan(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	ends := []int64{full.Init.Size}
	for _, f := range full.Fragments {
		ends = append(ends, f.Offset+f.Length)
	}
	for cut := int64(0); cut <= int64(len(data)); cut += 1 + cut%251 {
		l, err := Scan(bytes.NewReader(data[:cut]), cut)
		if cut < full.Init.Size {
			if err == nil || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("cut %d inside init: err %v, want ErrCorrupt", cut, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		want := ends[0]
		for _, e := range ends {
			if e <= cut {
				want = e
			}
		}
		if l.ValidSize != want {
			t.Fatalf("cut %d: valid %d, want %d", cut, l.ValidSize, want)
		}
		if (l.TailErr == nil) != (cut == want) {
			t.Fatalf("cut %d: tail error %v", cut, l.TailErr)
		}
	}
}

// TestTruncateRecovers: Truncate at a torn tail leaves a file ffmpeg
// decodes without error, with the whole fragments' frames.
func TestTruncateRecovers(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	_, data := oneSegment(t)
	full, _ := Scan(bytes.NewReader(data), int64(len(data)))
	dir := t.TempDir()
	for i, f := range full.Fragments[:3] {
		for _, cut := range []int64{f.Offset + 5, f.Offset + 40, f.Offset + f.Length - 1} {
			p := filepath.Join(dir, "torn.mp4")
			if err := os.WriteFile(p, data[:cut], 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Truncate(p)
			if err != nil {
				t.Fatalf("truncate at %d: %v", cut, err)
			}
			st, _ := os.Stat(p)
			if len(l.Fragments) != i || st.Size() != f.Offset {
				t.Fatalf("cut %d: %d fragments, size %d; want %d, %d", cut, len(l.Fragments), st.Size(), i, f.Offset)
			}
			if i > 0 {
				if e := decodeErrors(t, p); e != "" {
					t.Fatalf("cut %d: decode errors: %s", cut, e)
				}
				if n := countFrames(t, p); n != 25*i {
					t.Fatalf("cut %d: %d frames, want %d", cut, n, 25*i)
				}
			}
		}
	}
}

func TestScanGarbage(t *testing.T) {
	t.Parallel()
	_, data := oneSegment(t)
	full, _ := Scan(bytes.NewReader(data), int64(len(data)))
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		junk := make([]byte, r.IntN(4096))
		for j := range junk {
			junk[j] = byte(r.Uint32())
		}
		if _, err := Scan(bytes.NewReader(junk), int64(len(junk))); err == nil && len(junk) < 8 {
			t.Fatalf("junk of %d bytes scanned", len(junk))
		}
		// Garbage after the second fragment is a torn tail.
		cut := full.Fragments[1].Offset + full.Fragments[1].Length
		buf := append(append([]byte(nil), data[:cut]...), junk...)
		l, err := Scan(bytes.NewReader(buf), int64(len(buf)))
		if err != nil || l.ValidSize != cut && len(junk) > 0 {
			t.Fatalf("garbage tail: valid %v, err %v", l, err)
		}
	}
}

// failingFile passes writes to f until limit bytes, then writes what fits
// and fails with ENOSPC.
type failingFile struct {
	*os.File
	limit int64
	n     int64
}

func (f *failingFile) Write(p []byte) (int, error) {
	if f.n+int64(len(p)) <= f.limit {
		n, err := f.File.Write(p)
		f.n += int64(n)
		return n, err
	}
	k := f.limit - f.n
	n, _ := f.File.Write(p[:k])
	f.n += int64(n)
	return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
}

func TestWriteErrorKeepsValidPrefix(t *testing.T) {
	t.Parallel()
	testpeer.Require(t, "ffmpeg")
	_, units := makeUnits(t, feedConfig{Seconds: 10, Audio: media.PCMU})
	dir := t.TempDir()
	files := &dirFiles{dir: dir, wrap: func(f *os.File) File { return &failingFile{File: f, limit: 1_200_000} }}
	var frags []Fragment
	var closed []Closed
	clock := clocktest.New(epoch)
	s := NewSegmenter(Config{Files: files, Target: time.Minute, Writer: WriterOptions{Now: clock.Now},
		Observer: ObserverFuncs{OnFragment: func(f Fragment) { frags = append(frags, f) }, OnClosed: func(c Closed) { closed = append(closed, c) }}})
	var werr error
	for _, u := range units {
		clock.Set(u.Wall)
		if werr = s.WriteUnit(u); werr != nil {
			break
		}
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("write error %v, want ENOSPC", werr)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close after error: %v", err)
	}
	if len(closed) != 1 || !errors.Is(closed[0].Err, syscall.ENOSPC) {
		t.Fatalf("closed %+v", closed)
	}
	p := files.paths[0]
	st, _ := os.Stat(p)
	l := scanFile(t, p)
	if l.TailErr != nil || st.Size() != l.ValidSize || st.Size() != closed[0].Size || len(l.Fragments) == 0 {
		t.Fatalf("after error: size %d, layout valid %d tail %v, %d fragments, closed %+v", st.Size(), l.ValidSize, l.TailErr, len(l.Fragments), closed[0])
	}
	if len(frags) != len(l.Fragments) {
		t.Errorf("reported %d durable fragments, file has %d", len(frags), len(l.Fragments))
	}
	if e := decodeErrors(t, p); e != "" {
		t.Errorf("decode: %s", e)
	}
}

// TestSyncPolicy: fragments are reported only after an fsync, and an
// fsync happens at most SyncInterval after a fragment is written.
func TestSyncPolicy(t *testing.T) {
	t.Parallel()
	_, units := makeUnits(t, feedConfig{Seconds: 10, GOP: 5}) // 0.5 s GOPs
	clock := clocktest.New(epoch)
	var syncs []time.Time
	var reported []time.Time // clock time at report
	f := &recFile{sync: func() { syncs = append(syncs, clock.Now()) }}
	w, err := NewWriter(f, units[0].Info, WriterOptions{SyncInterval: 2 * time.Second, Now: clock.Now,
		OnFragment: func(fr Fragment) {
			reported = append(reported, clock.Now())
			if fr.Offset+fr.Length > f.syncedSize {
				t.Errorf("fragment %d reported before it was synced", fr.Index)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		clock.Set(u.Wall)
		if err := w.WriteUnit(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(nil); err != nil {
		t.Fatal(err)
	}
	if len(reported) != 20 {
		t.Fatalf("%d fragments reported, want 20", len(reported))
	}
	for i := 1; i < len(syncs); i++ {
		if d := syncs[i].Sub(syncs[i-1]); d > 2*time.Second+500*time.Millisecond {
			t.Errorf("sync gap %v", d)
		}
	}
	if len(syncs) > 8 {
		t.Errorf("%d syncs for 10 s at a 2 s interval", len(syncs))
	}
}

// recFile is an in-memory File that records syncs.
type recFile struct {
	bytes.Buffer
	sync       func()
	syncedSize int64
}

func (f *recFile) Sync() error {
	f.syncedSize = int64(f.Len())
	if f.sync != nil {
		f.sync()
	}
	return nil
}
func (f *recFile) Truncate(n int64) error { f.Buffer.Truncate(int(n)); return nil }
func (f *recFile) Close() error           { return nil }

var _ File = (*recFile)(nil)

// FuzzScan scans arbitrary bytes as a segment file. The seed is small (two
// short GOPs with audio, tiny stand-in slices: Scan reads no pixels): the
// engine mutates and, for every input with new coverage, minimizes in time
// that grows with the input's size, so a seed of real footage (megabytes)
// slows it to a crawl.
func FuzzScan(f *testing.F) {
	_, units := makeUnits(f, feedConfig{Seconds: 1, GOP: 5, Audio: media.PCMU, Width: simcam.MinWidth, Height: simcam.MinHeight})
	for i, u := range units {
		if u.Track == 0 {
			typ := byte(0x41) // non-IDR slice
			if u.Key {
				typ = 0x65 // IDR slice
			}
			u.NALUs = [][]byte{{typ, 0x9a, byte(i)}}
		}
	}
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
	w.Close(nil)
	data := buf.Bytes()
	if l, err := Scan(bytes.NewReader(data), int64(len(data))); err != nil || len(l.Fragments) < 2 || l.ValidSize != int64(len(data)) {
		f.Fatalf("seed of %d bytes is not a whole segment of fragments: %v", len(data), err)
	}
	f.Logf("seed: %d bytes", len(data))
	f.Add(data)
	for _, n := range []int{0, 8, 30, 700, len(data) / 2, len(data) - 1} {
		f.Add(data[:n])
	}
	// Past the caps on tracks, trafs per track and truns (TestScanBounds).
	f.Add(boundsFile(9, []uint32{9}, 1))
	f.Add(boundsFile(2, []uint32{2, 2}, 1))
	f.Add(boundsFile(1, []uint32{1}, 65))
	f.Fuzz(func(t *testing.T, p []byte) {
		l, err := Scan(bytes.NewReader(p), int64(len(p)))
		if err != nil {
			return
		}
		if l.ValidSize > int64(len(p)) || l.ValidSize < l.Init.Size {
			t.Fatalf("valid size %d of %d", l.ValidSize, len(p))
		}
		end := l.Init.Size
		for _, fr := range l.Fragments {
			if fr.Offset != end || fr.Length <= 0 {
				t.Fatalf("fragment at %d, want %d", fr.Offset, end)
			}
			end += fr.Length
		}
		if end != l.ValidSize {
			t.Fatalf("fragments end at %d, valid %d", end, l.ValidSize)
		}
	})
}

// TestScanAudioParams: Scan reads an audio track's channels and sample rate
// from its sample entry, which replay needs for G.711 (mediacommon does not
// parse ulaw/alaw entries).
func TestScanAudioParams(t *testing.T) {
	path, _ := oneSegment(t)
	l := scanFile(t, path)
	if len(l.Init.Tracks) != 2 {
		t.Fatalf("tracks %+v, want video and audio", l.Init.Tracks)
	}
	v, a := l.Init.Tracks[0], l.Init.Tracks[1]
	if v.Handler != "vide" || v.Channels != 0 || v.SampleRate != 0 {
		t.Fatalf("video track %+v", v)
	}
	if a.Handler != "soun" || a.Entry != "ulaw" || a.Channels != 1 || a.SampleRate != 8000 || a.Timescale != 8000 {
		t.Fatalf("audio track %+v, want ulaw, 1 channel, 8000 Hz", a)
	}
}
