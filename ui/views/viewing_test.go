package views

import (
	"testing"
	"time"
)

// The viewing log is ordered by when sessions ended; its When column
// showed only the start, so a long session started earlier sat above a
// later short one with nothing to say why. It shows the span now.
func TestViewingSpan(t *testing.T) {
	start := time.Date(2026, 12, 7, 14, 2, 30, 0, time.Local)
	for _, c := range []struct {
		end  time.Time
		want string
	}{
		{time.Time{}, "2026-12-07 14:02"},
		{start, "2026-12-07 14:02"},
		{start.Add(8 * time.Minute), "2026-12-07 14:02–14:10"},
		{start.Add(10 * time.Hour), "2026-12-07 14:02 – 2026-12-08 00:02"},
	} {
		if got := fmtSpan(start, c.end); got != c.want {
			t.Errorf("fmtSpan(start, %v) = %q, want %q", c.end, got, c.want)
		}
	}
}
