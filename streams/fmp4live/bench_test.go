package fmp4live

import (
	"testing"

	"github.com/hearthnvr/hearth/streams/media"
)

// BenchmarkMuxerWrite is the packaging cost of one live frame (640×368
// simcam, GOP 10): what an MSE viewer adds to the send path.
func BenchmarkMuxerWrite(b *testing.B) {
	s := newSource(b, 640, 0)
	units := make([]*media.Unit, 100)
	for i := range units {
		units[i] = s.next(b)
	}
	m := NewMuxer()
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		u := *units[i%len(units)]
		u.DTS, u.PTS = int64(i)*9000, int64(i)*9000
		out, err := m.Write(&u)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range out.Fragments {
			bytes += int64(len(f))
		}
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "B/frame")
}
