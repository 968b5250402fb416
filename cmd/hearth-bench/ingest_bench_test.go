package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
)

// simcamProcess runs the bench's simulated cameras in another process
// (this test binary as "hearth-bench simcam ARGS") and returns them.
func simcamProcess(tb testing.TB, cameras int, args ...string) []nvr.Camera {
	tb.Helper()
	e := env{stdin: strings.NewReader(""), stdout: os.Stdout, stderr: os.Stderr, self: testSelf}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	child, err := startSimcamChild(ctx, e, cameras, append(args, "--listen", "127.0.0.1:0", fmt.Sprintf("--cameras=%d", cameras))...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(child.kill)
	return child.cameras
}

type staticCameras []nvr.Camera

func (s staticCameras) Cameras(context.Context, nvr.HouseholdID) ([]nvr.Camera, error) { return s, nil }

// BenchmarkIngest measures what ingest costs per camera: N simulated
// cameras (in another process) pulled over RTSP on loopback for a fixed
// time. Run with -benchtime 1x:
//
//	go test -run '^$' -bench Ingest -benchtime 1x ./cmd/hearth-bench/
func BenchmarkIngest(b *testing.B) {
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
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			in := ingest.NewIngest(ingest.IngestConfig{Cameras: staticCameras(cams), StaggerWindow: 500 * time.Millisecond})
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Go(func() { _ = in.Run(ctx) })
			defer func() { cancel(); wg.Wait() }()
			time.Sleep(5 * time.Second) // connect and settle
			const window = 10 * time.Second
			cpu0, t0 := processCPU(), time.Now()
			bytes0 := ingested(in, cams)
			for b.Loop() {
				time.Sleep(window)
			}
			cpu, wall := processCPU()-cpu0, time.Since(t0)
			mbits := float64(ingested(in, cams)-bytes0) * 8 / 1e6 / wall.Seconds()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			cpuPct := 100 * cpu.Seconds() / wall.Seconds()
			b.ReportMetric(cpuPct/float64(len(cams)), "cpu%/camera")
			b.ReportMetric(cpuPct/mbits, "cpu%/(Mbit/s)")
			b.ReportMetric(mbits/float64(len(cams)), "Mbit/s/camera")
			b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/float64(len(cams))/1024, "heapKiB/camera")
		})
	}
}

// benchClip returns the 1080p25 ~4 Mbit/s clip of "hearth-bench".
func benchClip(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), "hearth-bench")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		tb.Fatal(err)
	}
	p, err := benchClipFile(context.Background(), dir)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
