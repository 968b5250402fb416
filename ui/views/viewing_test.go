package views

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The viewing log is ordered by when sessions ended; its When column
// showed only the start, so a long session started earlier sat above a
// later short one with nothing to say why. It shows the span now, each
// moment in a <time> for when.js.
func TestViewingSpan(t *testing.T) {
	start := time.Date(2026, 12, 7, 14, 2, 30, 0, time.Local)
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, c := range []struct {
		end   time.Time
		want  string
		times int
	}{
		{time.Time{}, "2026-12-07 14:02", 1},
		{start, "2026-12-07 14:02", 1},
		{start.Add(20 * time.Second), "2026-12-07 14:02", 1},
		{start.Add(8 * time.Minute), "2026-12-07 14:02–14:10", 2},
		{start.Add(10 * time.Hour), "2026-12-07 14:02 – 2026-12-08 00:02", 2},
	} {
		var b strings.Builder
		if err := Span(start, c.end).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		if got := tags.ReplaceAllString(html, ""); got != c.want || strings.Count(html, "<time ") != c.times {
			t.Errorf("Span(start, %v) = %q (%s), want %q in %d <time>s", c.end, got, html, c.want, c.times)
		}
	}
}
