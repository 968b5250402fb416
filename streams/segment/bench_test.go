package segment

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// discardFile is a File that keeps nothing.
type discardFile struct{ n int64 }

func (f *discardFile) Write(p []byte) (int, error) { f.n += int64(len(p)); return len(p), nil }
func (f *discardFile) Sync() error                 { return nil }
func (f *discardFile) Truncate(int64) error        { return nil }
func (f *discardFile) Close() error                { return nil }

type discardFiles struct{}

func (discardFiles) Create(SegmentStart) (File, error) { return &discardFile{}, nil }

// BenchmarkWriteSegment records 60 s of the simulated camera (10 fps, IDR
// every 25 frames, PCMU audio) per iteration into a discarding File.
// Metrics: MB/s of input; cpu-%/Mbps: CPU time as a percentage of the
// media duration, per Mbit/s of input bitrate (what one more Mbit/s of
// camera costs one core); allocs/unit.
func BenchmarkWriteSegment(b *testing.B) {
	_, units := makeUnits(b, feedConfig{Seconds: 60, Audio: media.PCMU})
	var bytes int64
	for _, u := range units {
		bytes += int64(u.Size())
	}
	media := 60 * time.Second
	mbps := float64(bytes) * 8 / media.Seconds() / 1e6
	b.SetBytes(bytes)
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		s := NewSegmenter(Config{Files: discardFiles{}, Target: 60 * time.Second})
		for _, u := range units {
			if err := s.WriteUnit(u); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&ms1)
	perIter := elapsed / time.Duration(b.N)
	b.ReportMetric(100*perIter.Seconds()/media.Seconds()/mbps, "cpu-%/Mbps")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/float64(len(units)), "allocs/unit")
}

// BenchmarkClip assembles a clip over three 10 s segments and reads it
// whole.
func BenchmarkClip(b *testing.B) {
	_, units := makeUnits(b, feedConfig{Seconds: 30, Audio: media.PCMU})
	rec := recordUnits(b, b.TempDir(), units, Config{Target: 10 * time.Second})
	var srcs []ClipSource
	for _, p := range rec.paths {
		srcs = append(srcs, ClipSource{Path: p})
	}
	c, err := OpenClip(srcs, ClipOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(c.Size())
	c.Close()
	b.ReportAllocs()
	buf := make([]byte, 256<<10)
	for b.Loop() {
		c, err := OpenClip(srcs, ClipOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, c.NewReader(), buf); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// manyRunsFile is a segment whose one fragment has a traf of runs truns of
// n samples each, every sample taking tfhd's defaults (no per-sample
// fields): the most samples a moof of a few kilobytes can claim within
// Scan's caps.
func manyRunsFile(runs, n int) []byte {
	p := boundsFile(1, []uint32{1}, 0)
	l, err := Scan(bytes.NewReader(p), int64(len(p)))
	if err != nil {
		panic(err)
	}
	var w boxWriter
	w.bytes(p[:l.Init.Size])
	moof := w.pos()
	w.start("moof")
	w.full("mfhd", 0, 0)
	w.u32(1)
	w.end()
	w.start("traf")
	w.full("tfhd", 0, 0x020038) // default-base-is-moof, default duration, size and flags
	w.u32(1)
	w.u32(3000)
	w.u32(1)
	w.u32(0)
	w.end()
	w.full("tfdt", 1, 0)
	w.u64(0)
	w.end()
	var offs []int
	for range runs {
		w.full("trun", 0, 0x1)
		w.u32(uint32(n))
		offs = append(offs, w.pos())
		w.u32(0)
		w.end()
	}
	w.end()
	w.end()
	for _, at := range offs {
		w.putU32(at, uint32(w.pos()-moof+8))
	}
	w.start("mdat")
	w.zeros(n)
	w.end()
	return w.b
}

// BenchmarkScan scans a 60 s segment of the simulated camera (10 fps, IDR
// every 25 frames, PCMU audio in 20 ms units: 24 fragments, 600 video and
// 3,000 audio samples), from its file (in the page cache: what recovery
// and clips pay) and from memory, and, from memory, a hostile file of a few kilobytes
// whose fragment claims 64 truns of 19,200 samples each (no per-sample
// fields), the most Scan accepts in one traf.
func BenchmarkScan(b *testing.B) {
	_, units := makeUnits(b, feedConfig{Seconds: 60, Audio: media.PCMU})
	rec := recordUnits(b, b.TempDir(), units, Config{Target: 2 * time.Minute})
	real, err := os.ReadFile(rec.paths[0])
	if err != nil {
		b.Fatal(err)
	}
	b.Run("segment60sFile", func(b *testing.B) {
		f, err := os.Open(rec.paths[0])
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		b.ReportAllocs()
		for b.Loop() {
			l, err := Scan(f, int64(len(real)))
			if err != nil {
				b.Fatal(err)
			}
			if len(l.Fragments) != 24 || l.TailErr != nil {
				b.Fatalf("%d fragments (tail %v), want 24", len(l.Fragments), l.TailErr)
			}
		}
	})
	for _, bc := range []struct {
		name  string
		file  []byte
		frags int
	}{
		{"segment60s", real, 24},
		{"manyRuns", manyRunsFile(64, 19200), 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l, err := Scan(bytes.NewReader(bc.file), int64(len(bc.file)))
				if err != nil {
					b.Fatal(err)
				}
				if len(l.Fragments) != bc.frags || l.TailErr != nil {
					b.Fatalf("%d fragments (tail %v), want %d", len(l.Fragments), l.TailErr, bc.frags)
				}
			}
		})
	}
}
