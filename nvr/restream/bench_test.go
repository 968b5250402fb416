package restream_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
	"github.com/hearthnvr/hearth/streams/simcam"
)

// cpuTime is this process's user + system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRestreamCPUPerClient measures the restream's CPU per client:
// one 640x368 10 fps camera (simcam, ~1.6 Mbit/s, in this process) played
// by 0, 1 and 4 real ffmpeg clients (child processes, so their CPU is not
// counted) for a window each; the figure is the process's CPU above the
// no-client baseline, per client, in percent of one core. Run:
//
//	go test -run '^$' -bench RestreamCPUPerClient -benchtime 1x ./nvr/restream
func BenchmarkRestreamCPUPerClient(b *testing.B) {
	cam := simcam.CameraConfig{Width: 640, Height: 368, FPS: 10, GOP: 25}
	w := newWorld(b, cam, cam)
	const window = 6 * time.Second
	total := 0 // clients started so far; they play until the benchmark ends
	measure := func(n int) float64 {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for i := 0; i < n; i++ {
			tok, _, err := nvrtest.Operator(w.dir).CreateToken(ctx, w.ana.ID, "bench", nvr.ScopeView, 0)
			if err != nil {
				b.Fatal(err)
			}
			startFFmpeg(b, inputFile(b, w.url("ana", tok, w.camA.ID)))
		}
		total += n
		waitFor(b, 30*time.Second, "clients playing", func() bool { return w.sessions.Count() == total })
		time.Sleep(time.Second) // past the clients' start
		c0, t0 := cpuTime(b), time.Now()
		time.Sleep(window)
		return float64(cpuTime(b)-c0) / float64(time.Since(t0)) * 100
	}
	for range b.N {
		base := measure(0)
		one := measure(1)
		five := measure(4) // with measure(1)'s client still playing: 5

		b.ReportMetric(base, "cpu%-baseline")
		b.ReportMetric(one-base, "cpu%-1-client")
		b.ReportMetric((five-base)/5, "cpu%-per-client-of-5")
	}
}
