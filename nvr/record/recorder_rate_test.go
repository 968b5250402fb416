package record

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/internal/clocktest"
	"github.com/hearthnvr/hearth/nvr"
	"github.com/hearthnvr/hearth/nvr/nvrtest"
)

func TestRateMeter(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m := rateMeter{window: 10 * time.Second}
	// 1 MB a second for 10 s: 8 Mbit/s over the full window.
	for i := range 100 {
		m.add(t0.Add(time.Duration(i)*100*time.Millisecond), 100_000)
	}
	if got := m.bitsPerSecond(t0.Add(9900 * time.Millisecond)); got < 7.9e6 || got > 8.1e6 {
		t.Errorf("steady 1 MB/s: %v bit/s, want 8e6", got)
	}
	// Five quiet seconds halve it; a full quiet window empties it.
	if got := m.bitsPerSecond(t0.Add(14900 * time.Millisecond)); got < 3.9e6 || got > 4.1e6 {
		t.Errorf("after 5 quiet seconds: %v bit/s, want 4e6", got)
	}
	if got := m.bitsPerSecond(t0.Add(time.Minute)); got != 0 {
		t.Errorf("after a quiet minute: %v bit/s, want 0", got)
	}
	// A clock step back stays in the current bucket.
	m.add(t0, 1000)
	if got := m.bitsPerSecond(t0); got != 800 {
		t.Errorf("after a step back: %v bit/s, want 800", got)
	}
}

// recLog is a log destination safe for the recorder and the test.
type recLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *recLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *recLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRecorderRateCeiling: a camera that starts sending far above the
// ceiling has its recording paused (state over-rate, the open segment
// closed, the flood not written) and resumed once back to its normal rate.
func TestRecorderRateCeiling(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Now())
	// The simulated camera's normal rate, measured on another camera of
	// the same kind (10 fps, 1 s GOPs): the ceiling is four times it and
	// the flood adds ten times its average frame to every frame.
	probe := nvrtest.NewUnitFeed(t, nvr.NewCameraID(), 10, 10, time.Now())
	var probeBytes int
	for range 30 {
		probeBytes += probe.Next().Size()
	}
	normalBps := float64(probeBytes) * 8 / 3
	logs := &recLog{}
	e := newRecorderEnv(t, nvr.CameraChanges{}, RecorderConfig{Target: time.Minute, SyncInterval: time.Millisecond,
		MaxBitrate: 4 * normalBps, RateWindow: 2 * time.Second, Now: clock.Now, Log: slog.New(slog.NewTextHandler(logs, nil))})
	cam := e.cam
	e.start()
	<-e.rec.Recovered()
	filler := append([]byte{0x0c}, append(bytes.Repeat([]byte{0xff}, 10*probeBytes/30), 0x80)...) // H.264 filler data NAL
	var normalBytes, floodBytes int64
	send := func(n int, flood bool) {
		for range n {
			u := e.feed.Next()
			normalBytes += int64(u.Size())
			if flood {
				u.NALUs = append(append([][]byte(nil), u.NALUs...), filler)
				floodBytes += int64(len(filler))
			}
			clock.Advance(100 * time.Millisecond)
			e.hub.Publish(u)
			time.Sleep(2 * time.Millisecond)
		}
	}
	send(30, false)
	nvrtest.WaitFor(t, 5*time.Second, "recording", func() bool { return e.rec.statusOf(cam).State == RecordingActive })

	send(60, true)
	nvrtest.WaitFor(t, 5*time.Second, "over-rate", func() bool { return e.rec.statusOf(cam).State == RecordingOverRate })
	if l := logs.String(); !strings.Contains(l, "above the rate ceiling") || !strings.Contains(l, fmt.Sprintf("ceiling_bps=%d", int64(4*normalBps))) {
		t.Errorf("no warning naming the ceiling in the log:\n%s", l)
	}

	// Back to normal for more than the window: recording resumes in a new
	// segment.
	send(40, false)
	nvrtest.WaitFor(t, 5*time.Second, "recording again", func() bool {
		return e.rec.statusOf(cam).State == RecordingActive && len(e.segments()) >= 2
	})
	e.stop()
	var written int64
	for _, s := range e.segments() {
		if s.State != nvr.SegmentClosed {
			t.Errorf("segment %d %s", s.ID, s.State)
		}
		written += s.Bytes
	}
	// Without the ceiling the whole flood is written; with it at most the
	// GOP in flight when the ceiling tripped and the frames before (plus
	// the files' boxes).
	if limit := normalBytes + 15*int64(len(filler)) + 64<<10; written > limit {
		t.Errorf("wrote %d bytes, want at most %d: the flood (%d bytes) was recorded", written, limit, floodBytes)
	}
	checkClean(t, e.store, e.dir)
}
