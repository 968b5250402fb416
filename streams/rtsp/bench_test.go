package rtsp

import (
	"context"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
	"github.com/hearthnvr/hearth/streams/simcam"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchIngest reads b.N units from url and reports the process CPU time per
// second of media (it includes the server when it runs in-process, as
// simcam does) and allocations per unit.
func benchIngest(b *testing.B, url string) {
	c, err := New(Config{CameraID: idA, URL: url, ReadTimeout: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	var n, bytes atomic.Int64
	var firstPTS, lastPTS atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var m0, m1 runtime.MemStats
	var cpu0 time.Duration
	errc := make(chan error, 1)
	go func() {
		errc <- c.Run(ctx, func(u *media.Unit) {
			if u.Track != videoTrack {
				return
			}
			i := n.Add(1)
			if i == 1 { // start measuring at the first key
				firstPTS.Store(u.PTS)
				runtime.ReadMemStats(&m0)
				cpu0 = cpuTime()
				return
			}
			bytes.Add(int64(u.Size()))
			lastPTS.Store(u.PTS)
			if i == int64(b.N)+1 {
				runtime.ReadMemStats(&m1)
				close(done)
			}
		})
	}()
	select {
	case <-done:
	case err := <-errc:
		b.Fatalf("Run: %v", err)
	}
	cpu := cpuTime() - cpu0
	cancel()
	<-errc
	mediaSec := float64(lastPTS.Load()-firstPTS.Load()) / 90000
	b.ReportMetric(float64(cpu.Milliseconds())/mediaSec, "cpu-ms/media-s")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(b.N), "allocs/unit")
	b.ReportMetric(float64(bytes.Load())*8/mediaSec/1e6, "Mbit/s")
}

// BenchmarkClient ingests from simcam (in-process: the CPU figure includes
// the camera's encoder) and from GStreamer serving x264 at about 4 Mbit/s
// (out of process: the figure is the client alone).
func BenchmarkClient(b *testing.B) {
	b.Run("simcam", func(b *testing.B) {
		srv := startSimcam(b, simcam.ServerConfig{Cameras: []simcam.CameraConfig{{ID: idA, FPS: 25}}})
		benchIngest(b, srv.URL(1))
	})
	b.Run("gst-x264-4mbit", func(b *testing.B) {
		url := startGst(b, "videotestsrc is-live=true pattern=snow ! video/x-raw,width=640,height=360,framerate=25/1 ! "+
			"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=50 bitrate=4000 ! rtph264pay name=pay0 pt=96 config-interval=-1")
		benchIngest(b, url)
	})
}
