package view

import (
	"strings"
	"testing"
	"time"
)

// TestParseTimeRangeTooLongInWords: a range past its bound is refused in
// a person's words ("at most 6 hours"), not Go's ("6h0m0s").
func TestParseTimeRangeTooLongInWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		max  time.Duration
		want string
	}{
		{6 * time.Hour, "at most 6 hours"},
		{30 * time.Minute, "at most 30 minutes"},
		{31 * 24 * time.Hour, "at most 31 days"},
		{time.Hour, "at most 1 hour"},
	} {
		_, err := ParseTimeRange("2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z", c.max)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "0s") {
			t.Errorf("a range past %v: %v, want %q", c.max, err, c.want)
		}
	}
}
