package replay

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// BenchmarkReaderNext is the cost of reading one recorded frame back
// (file read, fMP4 parse, pacing bookkeeping), without the waiting: the
// clock advances itself.
func BenchmarkReaderNext(b *testing.B) {
	ft := record(b, span{0, 20}, span{30 * time.Second, 20})
	plan := ft.planner(time.Minute, nil)
	ctx := context.Background()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(ctx, plan, epoch, Options{CameraID: testCamID, Clock: newClock(true)})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/frame")
}
