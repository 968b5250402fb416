package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/db"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
	"github.com/hearthnvr/hearth/nvr/record"
)

// BenchmarkRecord measures what recording costs end to end: N simulated
// cameras (in another process) pulled over RTSP, fanned out by the hubs
// and written as segments with the SQLite index, for a fixed time. Run
// with -benchtime 1x:
//
//	go test -run '^$' -bench Record -benchtime 1x ./cmd/hearth-bench/
func BenchmarkRecord(b *testing.B) {
	for _, tc := range []struct {
		name    string
		cameras int
		args    []string
	}{
		{"simcam-640x368-10fps", 16, []string{"--fps=10", "--size=640x368"}},
		{"file-1080p25-4Mbps", 8, []string{"--file=" + benchClip(b)}},
	} {
		b.Run(fmt.Sprintf("%s/cameras=%d", tc.name, tc.cameras), func(b *testing.B) {
			cams := simcamProcess(b, tc.cameras, tc.args...)
			data := b.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			store, err := db.Open(ctx, filepath.Join(data, databaseFile))
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			h, err := store.CreateHousehold(ctx, "Bench", time.Now())
			if err != nil {
				b.Fatal(err)
			}
			for i := range cams {
				cams[i].HouseholdID, cams[i].RecordMode, cams[i].CreatedAt = h.ID, nvr.RecordContinuous, time.Now()
				if cams[i], err = store.CreateCamera(ctx, cams[i]); err != nil {
					b.Fatal(err)
				}
			}
			in := ingest.NewIngest(ingest.IngestConfig{Cameras: store, StaggerWindow: 500 * time.Millisecond})
			rec := record.NewRecorder(record.RecorderConfig{Cameras: store, Ingest: in, Store: store, DataDir: data})
			var wg sync.WaitGroup
			wg.Go(func() { _ = in.Run(ctx) })
			wg.Go(func() { _ = rec.Run(ctx) })
			defer func() { cancel(); wg.Wait() }()
			time.Sleep(6 * time.Second) // connect, first keyframes, first segments
			const window = 10 * time.Second
			cpu0, t0 := processCPU(), time.Now()
			in0, disk0 := ingested(in, cams), recordedBytesOf(ctx, store)
			for b.Loop() {
				time.Sleep(window)
			}
			cpu, wall := processCPU()-cpu0, time.Since(t0)
			received := float64(ingested(in, cams) - in0)
			written := float64(recordedBytesOf(ctx, store) - disk0)
			mbits := written * 8 / 1e6 / wall.Seconds()
			cpuPct := 100 * cpu.Seconds() / wall.Seconds()
			b.ReportMetric(cpuPct/float64(len(cams)), "cpu%/camera")
			b.ReportMetric(cpuPct/mbits, "cpu%/(recorded-Mbit/s)")
			b.ReportMetric(mbits, "recorded-Mbit/s")
			b.ReportMetric(written/received, "written/received")
		})
	}
}
