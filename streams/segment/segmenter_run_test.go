package segment

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearthnvr/hearth/streams/media"
)

// scriptSource returns units, fails once with failErr before unit failAt,
// and ends with endErr.
type scriptSource struct {
	units   []*media.Unit
	failAt  int
	failErr error
	endErr  error
	next    int
	failed  bool
}

var _ Source = (*scriptSource)(nil)

func (s *scriptSource) Next(context.Context) (*media.Unit, error) {
	if s.next == s.failAt && !s.failed {
		s.failed = true
		return nil, s.failErr
	}
	if s.next == len(s.units) {
		return nil, s.endErr
	}
	u := s.units[s.next]
	s.next++
	return u, nil
}

// TestRunReturnsSourceErrorWhileSyncPending: a source failure while a
// fragment waits for its fsync ends Run with that failure. Run bounds
// Next by the sync deadline; the child context is cancelled as soon as
// Next returns, so only the error itself can say the deadline passed.
func TestRunReturnsSourceErrorWhileSyncPending(t *testing.T) {
	t.Parallel()
	_, units := makeUnits(t, feedConfig{Seconds: 3, FPS: 10, GOP: 10})
	errBoom := errors.New("source failed")
	errEnd := errors.New("source ended")
	// Unit 15 is inside the second GOP: the first fragment is written and
	// waits for its fsync (an hour away), so Next runs under a deadline.
	src := &scriptSource{units: units, failAt: 15, failErr: errBoom, endErr: errEnd}
	s := NewSegmenter(Config{Files: &dirFiles{dir: t.TempDir()}, Target: time.Minute,
		Writer: WriterOptions{SyncInterval: time.Hour}})
	err := s.Run(context.Background(), src)
	if !errors.Is(err, errBoom) {
		t.Fatalf("Run = %v, want the source's failure %v", err, errBoom)
	}
	if src.next != 15 {
		t.Fatalf("Run read %d units, want it to stop at the failure (15)", src.next)
	}
}
