package record

import (
	"time"

	"github.com/hearthnvr/hearth/streams/segment"
)

// Ingest rate ceiling defaults (RecorderConfig.MaxBitrate, RateWindow).
const (
	// DefaultMaxCameraBitrate is far above what a 4K camera sends at its
	// best quality (16-32 Mbit/s) and far below what fills a disk in
	// hours (a camera at 914 Mbit/s writes 400 GB an hour).
	DefaultMaxCameraBitrate = 40e6 // bits per second
	// DefaultRateWindow averages the rate over several GOPs, so one large
	// keyframe burst does not trip the ceiling.
	DefaultRateWindow = 10 * time.Second
	// rateResume is the share of the ceiling the rate must fall under
	// before recording resumes, so a camera at the ceiling does not flap.
	rateResume  = 0.9
	rateBuckets = 10
)

// rateMeter measures a byte rate over a sliding window of rateBuckets
// buckets, on the clock it is given. Not safe for concurrent use: the
// camera's recording goroutine owns it.
type rateMeter struct {
	window time.Duration
	bytes  [rateBuckets]int64
	head   int       // the current bucket
	start  time.Time // start of the current bucket; zero before the first add
}

// add counts n bytes seen at now.
func (m *rateMeter) add(now time.Time, n int) {
	m.advance(now)
	m.bytes[m.head] += int64(n)
}

// bitsPerSecond is the average over the window ending at now. The window is
// always the full length, so a start is measured low, never high.
func (m *rateMeter) bitsPerSecond(now time.Time) float64 {
	m.advance(now)
	var sum int64
	for _, b := range m.bytes {
		sum += b
	}
	return float64(sum) * 8 / m.window.Seconds()
}

// advance moves the current bucket to now, emptying the ones passed. A
// clock that steps back stays in the current bucket.
func (m *rateMeter) advance(now time.Time) {
	if m.start.IsZero() {
		m.start = now
		return
	}
	width := m.window / rateBuckets
	steps := int64(now.Sub(m.start) / width)
	if steps <= 0 {
		return
	}
	if steps >= rateBuckets {
		m.bytes = [rateBuckets]int64{}
		m.head, m.start = 0, now
		return
	}
	for range steps {
		m.head = (m.head + 1) % rateBuckets
		m.bytes[m.head] = 0
	}
	m.start = m.start.Add(time.Duration(steps) * width)
}

// overRate measures n more bytes of the camera's stream (0 when idle) and
// reports whether its recording is paused for exceeding the ceiling. On
// crossing above, the open segment is closed cleanly (whatever it holds
// stays), the state reads over-rate and a warning names the rate; nothing
// is written until the rate falls under rateResume of the ceiling, then
// recording resumes at the next keyframe. Recording goroutine only.
func (c *cameraRecorder) overRate(n int, seg *segment.Segmenter) (bool, error) {
	ceiling := c.r.cfg.MaxBitrate
	if ceiling <= 0 {
		return false, nil
	}
	now := c.r.cfg.Now()
	c.rate.add(now, n)
	bps := c.rate.bitsPerSecond(now)
	switch {
	case !c.paused && bps > ceiling:
		c.paused = true
		c.log.Warn("camera sends above the rate ceiling; its recording pauses",
			"bitrate_bps", int64(bps), "ceiling_bps", int64(ceiling), "window", c.r.cfg.RateWindow)
		c.setPhase(RecordingOverRate)
		c.setActive(false)
		c.pre.reset()
		return true, seg.Close()
	case c.paused && bps < rateResume*ceiling:
		c.paused = false
		c.log.Info("camera back under the rate ceiling; recording resumes", "bitrate_bps", int64(bps))
		c.setPhase(c.idleState())
	case c.paused:
		// Still over after the stream came back (the state read waiting
		// while there was none).
		c.setPhase(RecordingOverRate)
	}
	return c.paused, nil
}
