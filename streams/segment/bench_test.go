package segment

import (
	"io"
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
