package supervisor

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/streams/media"
)

// fakeSource is a Source whose behaviour is a function field.
type fakeSource struct {
	run func(ctx context.Context, publish func(*media.Unit)) error
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) Run(ctx context.Context, publish func(*media.Unit)) error {
	return f.run(ctx, publish)
}

// unitFor returns a video unit stamped with camera id.
func unitFor(id string) *media.Unit {
	info := &media.StreamInfo{CameraID: id, Stream: "main", Tracks: []media.Track{{Codec: media.H264, ClockRate: media.VideoClockRate}}}
	return &media.Unit{Info: info, Key: true, NALUs: [][]byte{{0x65, 0x88}}}
}

// instantRun is the clock of a supervisor under test: an auto clocktest
// clock (every pause moves it and returns at once; Waits lists the
// pauses) and the hook that ends a run after a pause. Tests that use it
// disable the timeouts (their watchdog would sleep on the same clock).
type instantRun struct {
	*clocktest.Clock
	mu sync.Mutex
	// stop, when set, is called after each Sleep with the pauses so far;
	// returning true cancels cancel.
	stop   func(sleeps []time.Duration, now time.Time) bool
	cancel context.CancelFunc
}

// clockStart is where every instantRun's clock starts.
var clockStart = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newInstantRun() *instantRun { return &instantRun{Clock: clocktest.NewAuto(clockStart)} }

// Sleep pauses on the clock, then asks stop whether the run is over.
func (c *instantRun) Sleep(ctx context.Context, d time.Duration) error {
	_ = c.Clock.Sleep(ctx, d) // ctx is checked below, after stop
	c.mu.Lock()
	stop, cancel := c.stop, c.cancel
	c.mu.Unlock()
	if stop != nil && stop(c.Waits(), c.Now()) {
		cancel()
	}
	return ctx.Err()
}

// maxSource makes every jitter draw its ceiling.
type maxSource struct{}

func (maxSource) Uint64() uint64 { return math.MaxUint64 }

// statusLog records every Status OnChange reports.
type statusLog struct {
	mu  sync.Mutex
	all []Status
}

func (l *statusLog) add(st Status) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, st)
}

func (l *statusLog) list() []Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Status(nil), l.all...)
}

// failures returns the statuses in a waiting state, in order.
func (l *statusLog) failures() []Status {
	var out []Status
	for _, st := range l.list() {
		if st.State.Waiting() {
			out = append(out, st)
		}
	}
	return out
}

// logBuffer is a concurrency-safe buffer for a test logger.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newInstant builds a supervisor on an instantRun: cfg gets the clock,
// no timeouts and, unless set, a fixed seed and a discarding Publish.
func newInstant(cfg Config) (*instantRun, *Supervisor) {
	c := newInstantRun()
	cfg.Now, cfg.Sleep = c.Now, c.Sleep
	cfg.ReadTimeout, cfg.ConnectTimeout = -1, -1
	if cfg.Rand == nil {
		cfg.Rand = newSeed(1)
	}
	if cfg.Publish == nil {
		cfg.Publish = func(*media.Unit) {}
	}
	return c, New(cfg)
}

// runUntil runs s until stop, called after each pause, says so.
func (c *instantRun) runUntil(s *Supervisor, stop func(sleeps []time.Duration, now time.Time) bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.mu.Lock()
	c.stop, c.cancel = stop, cancel
	c.mu.Unlock()
	if err := s.Run(ctx); err != nil {
		panic(err)
	}
}

// runInstant is newInstant then runUntil.
func runInstant(cfg Config, stop func(sleeps []time.Duration, now time.Time) bool) (*instantRun, *Supervisor) {
	c, s := newInstant(cfg)
	c.runUntil(s, stop)
	return c, s
}

// afterSleeps stops a run after n pauses.
func afterSleeps(n int) func([]time.Duration, time.Time) bool {
	return func(s []time.Duration, _ time.Time) bool { return len(s) >= n }
}

// newSeed returns a deterministic jitter source.
func newSeed(n uint64) rand.Source { return rand.NewPCG(n, n^0x9e3779b97f4a7c15) }
