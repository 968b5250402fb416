package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/hearthnvr/hearth/cmd/internal/memtune"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/ingest"
)

// benchConfig is the typed configuration of "hearth-bench".
type benchConfig struct {
	Scenarios []string
	// Cameras and Duration shape the record scenario.
	Cameras  int
	Duration time.Duration
	// StormCameras is the fleet of the storm scenario, StormOutage how
	// long it stays down.
	StormCameras int
	StormOutage  time.Duration
	// ClipMinutes is the footage the clip scenario assembles.
	ClipMinutes int
	// IndexDays and IndexEvents size the index scenario's 16 cameras.
	IndexDays   int
	IndexEvents int
	// Viewers and LiveWindow shape the live scenario.
	Viewers    int
	LiveWindow time.Duration
	// ReviewFootage and ReviewClicks shape the review scenario; Hearth
	// names the hearth binary it runs (default: beside this program).
	ReviewFootage time.Duration
	ReviewClicks  int
	Hearth        string
	// CPUProfile and MemProfile, when set, name files for pprof profiles
	// of the whole run (go tool pprof).
	CPUProfile, MemProfile string
	// Work holds the generated 1080p clip between runs.
	Work string
	// GCPercent and LimitMiB are serve's --gc-percent and
	// --memory-limit-mib: the same defaults, so the figures are the
	// appliance's; a limit of 256 shows a 1 GiB Pi's default here.
	GCPercent, LimitMiB int
}

var benchScenarios = []string{"record", "storm", "clip", "index", "live"}

// extraScenarios run only when named: review needs the hearth binary and
// minutes of recorded footage.
var extraScenarios = []string{"review"}

func (c benchConfig) Validate() error {
	if len(c.Scenarios) == 0 {
		return usagef("usage: hearth-bench [flags] SCENARIO... (%s, or all)", strings.Join(benchScenarios, ", "))
	}
	for _, s := range c.Scenarios {
		if !containsString(benchScenarios, s) && !containsString(extraScenarios, s) {
			return usagef("unknown scenario %q: want %s, %s or all", s, strings.Join(benchScenarios, ", "), strings.Join(extraScenarios, ", "))
		}
	}
	switch {
	case c.Cameras < 1 || c.Cameras > 256:
		return usagef("--cameras must be 1-256")
	case c.Duration < time.Second || c.Duration > 2*time.Minute:
		return usagef("--duration must be 1s-2m")
	case c.StormCameras < 1 || c.StormCameras > 1000:
		return usagef("--storm-cameras must be 1-1000")
	case c.StormOutage < time.Second || c.StormOutage > 5*time.Minute:
		return usagef("--storm-outage must be 1s-5m")
	case c.ClipMinutes < 1 || c.ClipMinutes > 60:
		return usagef("--clip-minutes must be 1-60")
	case c.IndexDays < 2 || c.IndexDays > 90:
		return usagef("--index-days must be 2-90")
	case c.IndexEvents < 0 || c.IndexEvents > 5_000_000:
		return usagef("--index-events must be 0-5000000")
	case c.Viewers < 1 || c.Viewers > 200:
		return usagef("--viewers must be 1-200")
	case c.LiveWindow < time.Second || c.LiveWindow > 2*time.Minute:
		return usagef("--live-window must be 1s-2m")
	case c.ReviewFootage < 30*time.Second || c.ReviewFootage > 10*time.Minute:
		return usagef("--review-footage must be 30s-10m")
	case c.ReviewClicks < 2 || c.ReviewClicks > 500:
		return usagef("--review-clicks must be 2-500")
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

const benchHelp = `Runs performance scenarios on loopback and prints one table each, with
the machine description. Each scenario finishes within a few minutes.

  record  N simulated cameras (another process) looping a 1080p25 H.264
          clip at ~4 Mbit/s (made with ffmpeg when missing) are recorded
          for --duration: CPU, CPU per recorded Mbit/s, RSS, written/received.
  storm   --storm-cameras cameras drop and return together: time until all
          stream again, peak concurrent handshakes, peak RSS vs steady.
  clip    --clip-minutes of 1080p footage assembled into one MP4 and read:
          throughput and time to first byte.
  index   a synthetic index of 16 cameras × --index-days of 60 s segments
          and --index-events events (built once, kept in --work): timeline,
          event list and clip lookup p50/p99; cold start of a fresh process.
  live    one simulated camera looping a 640x360 10 fps ~1 Mbit/s H.264
          sub-stream clip (made with ffmpeg when missing) to --viewers WebRTC
          viewers (another process): server CPU per viewer, ingest-to-send
          p50/p99; time to first decoded frame in headless Chromium when it
          is installed.
  review  (only when named) a "hearth demo" (--hearth; simulated cameras,
          recording) until it holds --review-footage, then --review-clicks
          clicks on the camera page's timeline at random recorded moments in
          headless Chromium, every other one from live: time from the click
          to the first recorded frame painted, median and p95.
`

// cmdBench runs the performance harness: "hearth-bench [flags] SCENARIO...".
func cmdBench(ctx context.Context, args []string, e env) error {
	cfg := benchConfig{}
	fs := newFlags("", e)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: hearth-bench [flags] SCENARIO... (%s, or all; and %s)\n\n%s\nflags:\n", strings.Join(benchScenarios, ", "), strings.Join(extraScenarios, ", "), benchHelp)
		fs.PrintDefaults()
	}
	fs.IntVar(&cfg.Cameras, "cameras", 32, "record: cameras")
	fs.DurationVar(&cfg.Duration, "duration", 20*time.Second, "record: measured time (after a warm-up)")
	fs.IntVar(&cfg.StormCameras, "storm-cameras", 500, "storm: cameras")
	fs.DurationVar(&cfg.StormOutage, "storm-outage", 12*time.Second, "storm: how long the fleet stays down")
	fs.IntVar(&cfg.ClipMinutes, "clip-minutes", 10, "clip: minutes of footage in the clip")
	fs.IntVar(&cfg.IndexDays, "index-days", 30, "index: days of footage")
	fs.IntVar(&cfg.IndexEvents, "index-events", 1_000_000, "index: events")
	fs.IntVar(&cfg.Viewers, "viewers", 50, "live: WebRTC viewers of the camera")
	fs.DurationVar(&cfg.LiveWindow, "live-window", 10*time.Second, "live: measured time")
	fs.DurationVar(&cfg.ReviewFootage, "review-footage", 3*time.Minute, "review: footage recorded before the clicks")
	fs.IntVar(&cfg.ReviewClicks, "review-clicks", 40, "review: clicks on the timeline")
	fs.StringVar(&cfg.Hearth, "hearth", "", "review: the hearth binary (default: hearth beside this program)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the run to `file`")
	fs.StringVar(&cfg.MemProfile, "memprofile", "", "write a heap profile at the end of the measured window to `file` (the goroutines then to file.goroutines, the run's allocations to file.allocs)")
	fs.IntVar(&cfg.GCPercent, "gc-percent", 0, "the collector's GOGC, as serve's flag (0: serve's default 40, or $GOGC)")
	fs.IntVar(&cfg.LimitMiB, "memory-limit-mib", 0, "soft memory limit in MiB, as serve's flag (0: a quarter of this machine, or $GOMEMLIMIT; -1: none)")
	fs.StringVar(&cfg.Work, "work", filepath.Join(os.TempDir(), "hearth-bench"), "directory for the generated test clip (kept between runs)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	for _, p := range pos {
		if p == "all" {
			cfg.Scenarios = append(cfg.Scenarios, benchScenarios...)
		} else {
			cfg.Scenarios = append(cfg.Scenarios, p)
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Work, 0o750); err != nil {
		return fmt.Errorf("bench work directory: %w", err)
	}
	stopProfile, err := startProfiles(cfg)
	if err != nil {
		return err
	}
	defer stopProfile()
	mem := memtune.Config{GCPercent: cfg.GCPercent, LimitBytes: int64(cfg.LimitMiB) << 20}
	if cfg.LimitMiB < 0 {
		mem.LimitBytes = -1
	}
	printMachine(e.stdout)
	fmt.Fprintf(e.stdout, "# runtime: %s (as hearth serve)\n", memtune.Apply(mem))
	for _, s := range cfg.Scenarios {
		var t *benchTable
		switch s {
		case "record":
			t, err = benchRecord(ctx, cfg, e)
		case "storm":
			t, err = benchStorm(ctx, cfg, e)
		case "clip":
			t, err = benchClipAssembly(ctx, cfg)
		case "index":
			t, err = benchIndex(ctx, cfg, e)
		case "live":
			t, err = benchLive(ctx, cfg, e)
		case "review":
			t, err = benchReview(ctx, cfg, e)
		}
		if err != nil {
			return fmt.Errorf("bench %s: %w", s, err)
		}
		t.print(e.stdout)
	}
	return nil
}

// benchTable is one scenario's result: rows of metric, value, target.
type benchTable struct {
	title string
	rows  [][3]string
}

func (t *benchTable) add(metric, value, target string) {
	t.rows = append(t.rows, [3]string{metric, value, target})
}

func (t *benchTable) print(w io.Writer) {
	fmt.Fprintf(w, "\n## %s\n", t.title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tvalue\ttarget")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r[0], r[1], r[2])
	}
	_ = tw.Flush()
}

// printMachine describes where the figures come from.
func printMachine(w io.Writer) {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	fmt.Fprintf(w, "# hearth bench: hearth %s, %s, %s/%s, %d cores (%s)\n",
		version(), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model)
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssBytes is this process's resident set size, from /proc.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// rssSampler records the peak RSS while it runs, and keeps the samples
// (every 100 ms, at most maxRSSSamples) for the steady figure.
type rssSampler struct {
	mu      sync.Mutex
	peak    int64
	samples []int64
	stop    context.CancelFunc
	done    chan struct{}
}

// maxRSSSamples bounds a sampler's memory: 10 minutes at 10 per second.
const maxRSSSamples = 6000

func sampleRSS(ctx context.Context) *rssSampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &rssSampler{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			rss := rssBytes()
			s.mu.Lock()
			s.peak = max(s.peak, rss)
			if len(s.samples) < maxRSSSamples {
				s.samples = append(s.samples, rss)
			}
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Peak stops the sampler and returns the peak.
func (s *rssSampler) Peak() int64 {
	p, _ := s.Stop()
	return p
}

// Stop stops the sampler and returns the peak and the steady RSS: the
// median of the samples, which a collection's brief high does not move.
func (s *rssSampler) Stop() (peak, steady int64) {
	s.stop()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) > 0 {
		sorted := slices.Clone(s.samples)
		slices.Sort(sorted)
		steady = sorted[len(sorted)/2]
	}
	return s.peak, steady
}

// ioWriteBytes is the bytes this process caused to be written to storage
// (/proc/self/io write_bytes: page-cache pages dirtied, file data and
// SQLite's alike), or -1 when the kernel does not say.
func ioWriteBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "write_bytes:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// filesSize sums the sizes of the files that exist among paths.
func filesSize(paths ...string) int64 {
	var n int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// perCameraTarget is the memory a camera may cost: 1.2 × the bytes of its
// GOP (one copy of each unit is the floor: the hub's GOP cache, shared by
// the recorder and viewers, plus the fragment being built) and 100 KiB of
// session, queues and goroutines.
func perCameraTarget(gopBytes float64) float64 { return 1.2*gopBytes + 100<<10 }

// meanGOPBytes is the mean size of the cameras' latest complete GOPs.
func meanGOPBytes(in *ingest.Ingest, cams []nvr.Camera) float64 {
	var sum, n float64
	for _, c := range cams {
		if h := in.RecordHub(c.ID); h != nil {
			if b := h.Stats().LastGOPBytes; b > 0 {
				sum += float64(b)
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// runtimeSnap is what the Go runtime says of the process's memory.
type runtimeSnap struct {
	goroutines   int
	stacks, heap uint64  // goroutine stacks, in-use heap spans
	live, goal   uint64  // heap marked live by the last collection; the next one's trigger goal
	kept         uint64  // free heap pages the runtime holds and has not returned to the OS
	gcCPU        float64 // CPU seconds the collector has spent (marking, pauses, assists)
	scavengeCPU  float64 // CPU seconds spent returning memory to the OS
	gcs          uint32  // completed collections
	pauseNs      uint64  // their stop-the-world pauses, summed
	at           time.Time
}

// settledBefore is the process's RSS and runtime figures before a
// scenario's cameras start, once the collector has run and returned the
// free heap: in "all", the scenario before left garbage and freed pages
// behind, which the next one's "before" counted and then reused, so its
// memory per camera read low (the storm after record: 285 KiB, alone
// 350-365 KiB).
func settledBefore() (int64, runtimeSnap) {
	debug.FreeOSMemory()
	return rssBytes(), takeRuntimeSnap()
}

func takeRuntimeSnap() runtimeSnap {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/scavenge/total:cpu-seconds"}}
	metrics.Read(samples)
	u64 := func(s metrics.Sample) uint64 {
		if s.Value.Kind() == metrics.KindUint64 {
			return s.Value.Uint64()
		}
		return 0
	}
	f64 := func(s metrics.Sample) float64 {
		if s.Value.Kind() == metrics.KindFloat64 {
			return s.Value.Float64()
		}
		return 0
	}
	return runtimeSnap{goroutines: runtime.NumGoroutine(), stacks: m.StackInuse, heap: m.HeapInuse,
		live: u64(samples[0]), goal: u64(samples[1]), kept: m.HeapIdle - m.HeapReleased,
		gcCPU: f64(samples[2]), scavengeCPU: f64(samples[3]),
		gcs: m.NumGC, pauseNs: m.PauseTotalNs, at: time.Now()}
}

// addRuntimeRows adds where a camera's memory goes by the runtime's count:
// goroutines and their stacks, the in-use heap (units, buffers, sessions).
func addRuntimeRows(t *benchTable, before, now runtimeSnap, cams int) {
	n := float64(cams)
	t.add("goroutines per camera", fmt.Sprintf("%.1f", float64(now.goroutines-before.goroutines)/n), "")
	t.add("goroutine stacks per camera", fmt.Sprintf("%.1f KiB", (float64(now.stacks)-float64(before.stacks))/n/1024), "")
	t.add("in-use heap per camera", fmt.Sprintf("%.0f KiB", (float64(now.heap)-float64(before.heap))/n/1024), "")
	// Live is what the cameras hold; the goal is live plus GOGC's headroom,
	// which the RSS follows; kept is freed heap not yet returned.
	perKiB := func(a, b uint64) string { return fmt.Sprintf("%.0f KiB", (float64(a)-float64(b))/n/1024) }
	t.add("live heap / heap goal per camera", perKiB(now.live, before.live)+" / "+perKiB(now.goal, before.goal), "")
	t.add("free heap kept per camera", perKiB(now.kept, before.kept), "")
	// The price of a small heap is collections: their rate is stable on a
	// shared machine, their CPU is not.
	if secs := now.at.Sub(before.at).Seconds(); secs > 0 {
		gcs := now.gcs - before.gcs
		t.add("GC cycles per second", fmt.Sprintf("%.1f (pauses %.2f ms each)", float64(gcs)/secs,
			float64(now.pauseNs-before.pauseNs)/1e6/float64(max(gcs, 1))), "")
		// The runtime's own estimate: steadier than the process's CPU on a
		// shared machine, and what a lower GOGC is paid in.
		t.add("GC / scavenger CPU, % of one core", fmt.Sprintf("%s / %s",
			fmtPct(100*(now.gcCPU-before.gcCPU)/secs), fmtPct(100*(now.scavengeCPU-before.scavengeCPU)/secs)), "")
	}
}

// addPerCamera adds the "memory per camera" row: the RSS above the
// process's before the cameras started, per camera, against the target.
func addPerCamera(t *benchTable, before, steady int64, cams int, gop float64) {
	per := float64(steady-before) / float64(cams)
	want := perCameraTarget(gop)
	t.add("memory per camera (steady - before)", fmt.Sprintf("%.0f KiB (GOP %.0f KiB)", per/1024, gop/1024),
		fmt.Sprintf("≤ 1.2 × GOP + 100 KiB = %.0f KiB %s", want/1024, verdict(per <= want)))
}

// simcamChild is "hearth simcam" in another process, so the harness
// measures Hearth's CPU and memory without the simulator's.
type simcamChild struct {
	cmd     *exec.Cmd
	cameras []nvr.Camera
	addr    string
	done    chan struct{}
}

// startSimcamChild runs "hearth simcam ARGS" and waits for its camera list.
func startSimcamChild(ctx context.Context, e env, want int, args ...string) (*simcamChild, error) {
	cmd := e.selfCommand(append([]string{"simcam"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe() // closing it stops a test-binary child
	if err != nil {
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start simcam: %w", err)
	}
	c := &simcamChild{cmd: cmd, done: make(chan struct{})}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-c.done:
			}
		}
	}()
	go func() { _ = cmd.Wait(); _ = stdin.Close(); close(c.done) }()
	timeout := time.NewTimer(60 * time.Second)
	defer timeout.Stop()
	for len(c.cameras) < want {
		select {
		case l, ok := <-lines:
			if !ok {
				return nil, fmt.Errorf("simcam exited: %s", strings.TrimSpace(stderr.String()))
			}
			var id, url string
			if _, err := fmt.Sscanf(l, "camera %s %s", &id, &url); err == nil {
				c.cameras = append(c.cameras, nvr.Camera{ID: nvr.CameraID(id), Name: "bench " + id[:6], MainURL: url,
					Transport: nvr.TransportTCP, Enabled: true, RecordMode: nvr.RecordContinuous,
					LocalOK: true}) // the bench's own cameras, on loopback
				c.addr = strings.TrimPrefix(strings.SplitN(url, "/cam/", 2)[0], "rtsp://")
			}
		case <-timeout.C:
			c.kill()
			return nil, errors.New("simcam printed no camera list within 60 s")
		case <-ctx.Done():
			c.kill()
			return nil, ctx.Err()
		}
	}
	go func() { // keep draining
		for range lines {
		}
	}()
	return c, nil
}

// kill ends the child at once (a camera fleet losing power) and waits.
func (c *simcamChild) kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}

// limitedWriter keeps the first n bytes.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		_, _ = l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// benchClipFile returns the 1080p25 ~4 Mbit/s H.264 test clip in work,
// made with ffmpeg when missing: a camera's main stream.
func benchClipFile(ctx context.Context, work string) (string, error) {
	return benchEncodedClip(ctx, work, "1080p25-4M.h264", "testsrc2=size=1920x1080:rate=25",
		"-g", "50", "-b:v", "4M", "-maxrate", "4M", "-bufsize", "8M")
}

// benchSubClipFile returns a 640x360 10 fps ~1 Mbit/s clip with a keyframe
// every 2 s: a camera's sub stream, what the live grid plays.
func benchSubClipFile(ctx context.Context, work string) (string, error) {
	return benchEncodedClip(ctx, work, "360p10-1M.h264", "testsrc2=size=640x360:rate=10",
		"-g", "20", "-b:v", "1M", "-maxrate", "1M", "-bufsize", "2M")
}

// benchEncodedClip returns work/name, 10 s of the lavfi source encoded by
// x264 the way a camera does (constant rate, no B-frames), made with ffmpeg
// when missing.
func benchEncodedClip(ctx context.Context, work, name, source string, rate ...string) (string, error) {
	path := filepath.Join(work, name)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		return "", errors.New("ffmpeg makes the test clips: install it (apt-get install ffmpeg)")
	}
	tmp := path + ".tmp"
	args := append([]string{"-v", "error", "-y", "-f", "lavfi", "-i", source, "-t", "10", "-c:v", "libx264",
		"-preset", "veryfast", "-tune", "zerolatency", "-bf", "0"}, rate...)
	out, err := exec.CommandContext(ctx, ff, append(args, "-f", "h264", tmp)...).CombinedOutput()
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("make the test clip %s: %w: %s", name, err, oneLine(string(out)))
	}
	return path, os.Rename(tmp, path)
}

func fmtPct(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + " %" }
func fmtMB(b int64) string    { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }
func fmtDur(d time.Duration) string {
	return d.Round(time.Millisecond).String()
}
