package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
)

// TestMain lets the test binary double as a simulated-camera process, so
// ingest benchmarks measure Hearth's CPU without the simulator's.
func TestMain(m *testing.M) {
	if mask := os.Getenv("HEARTH_TEST_UMASK"); mask != "" {
		// The umask is the whole process's: set only in a child.
		m, err := strconv.ParseUint(mask, 8, 32)
		if err != nil {
			fmt.Fprintln(os.Stderr, "HEARTH_TEST_UMASK:", err)
			os.Exit(2)
		}
		syscall.Umask(int(m))
	}
	if dir := os.Getenv("HEARTH_TEST_PREPARE_DATA"); dir != "" {
		os.Exit(prepareDataChild(dir))
	}
	if args := os.Getenv("HEARTH_TEST_SUBCOMMAND"); args != "" {
		ctx, stop := context.WithCancel(context.Background())
		go func() { // the parent closes our stdin to stop us
			_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
			stop()
		}()
		os.Exit(run(ctx, strings.Fields(args), env{stdin: strings.NewReader(""), stdout: os.Stdout, stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

// simcamProcess runs "hearth simcam" in a child process and returns the
// camera IDs and URLs it prints.
func simcamProcess(tb testing.TB, args ...string) []nvr.Camera {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_SUBCOMMAND=simcam --listen 127.0.0.1:0 "+strings.Join(args, " "))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	var cams []nvr.Camera
	sc := bufio.NewScanner(out)
	want := 0
	for _, a := range args {
		if n, ok := strings.CutPrefix(a, "--cameras="); ok {
			fmt.Sscan(n, &want)
		}
	}
	for len(cams) < want && sc.Scan() {
		var id, url string
		if _, err := fmt.Sscanf(sc.Text(), "camera %s %s", &id, &url); err == nil {
			cams = append(cams, nvr.Camera{ID: nvr.CameraID(id), HouseholdID: 1, Name: id[:6], MainURL: url,
				Transport: nvr.TransportTCP, Enabled: true, LocalOK: true})
		}
	}
	go func() { // keep draining
		for sc.Scan() {
		}
	}()
	if len(cams) != want {
		tb.Fatalf("simcam printed %d cameras, want %d", len(cams), want)
	}
	return cams
}

type staticCameras []nvr.Camera

func (s staticCameras) Cameras(context.Context, nvr.HouseholdID) ([]nvr.Camera, error) { return s, nil }

// BenchmarkIngest measures what ingest costs per camera: N simulated
// cameras (in another process) pulled over RTSP on loopback for a fixed
// time. Run with -benchtime 1x:
//
//	go test -run '^$' -bench Ingest -benchtime 1x ./cmd/hearth/
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
			cams := simcamProcess(b, append(tc.args, fmt.Sprintf("--cameras=%d", tc.cameras))...)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			in := nvr.NewIngest(nvr.IngestConfig{Cameras: staticCameras(cams), StaggerWindow: 500 * time.Millisecond})
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

// benchClip returns the 1080p25 ~4 Mbit/s clip of "hearth bench".
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
